//! The facade's defences from the security review (docs/SECURITY.md): each test names the
//! threat it proves is stopped.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use oidc_core::ResponseMode;
use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{Error, Events, LaunchBrowser, LaunchError, OidcDesktop};
use oidc_jose::Algorithm;
use oidc_testop::{Client, ClientAuth, Endpoint, Fault, OpConfig, TestOp};

fn client(op: &TestOp, agent: &HttpAgent) -> oidc_desktop::OidcDesktopBuilder {
    OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
}

/// One sign-in with a fresh scripted agent and the client `configure` leaves.
async fn sign_in(
    op: &TestOp,
    configure: impl FnOnce(oidc_desktop::OidcDesktopBuilder) -> oidc_desktop::OidcDesktopBuilder,
) -> Result<oidc_desktop::Session, Error> {
    let agent = HttpAgent::new();
    configure(client(op, &agent))
        .build()
        .unwrap()
        .authenticate()
        .await
}

/// A provider whose confidential client gets HS256 ID tokens MACed with `secret`.
async fn hmac_op(secret: &str) -> TestOp {
    TestOp::start(
        OpConfig::without_clients().client(
            Client::confidential(
                "hs-client",
                secret,
                ClientAuth::ClientSecretBasic,
                "http://127.0.0.1/callback",
            )
            .id_token_alg(Algorithm::HS256),
        ),
    )
    .await
    .unwrap()
}

fn hmac_client(op: &TestOp, agent: &HttpAgent, secret: &str) -> oidc_desktop::OidcDesktopBuilder {
    OidcDesktop::builder(&op.issuer())
        .client_id("hs-client")
        .client_secret(secret)
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
}

/// Threat: an allow-list narrower than the provider's keys locks users out, or one wider
/// lets HMAC in. Without `allow_hmac_id_tokens`, every asymmetric algorithm the provider
/// advertises is accepted, and the provider's RS256 default is not the only one.
#[tokio::test]
async fn every_advertised_asymmetric_algorithm_is_accepted() {
    for alg in [Algorithm::ES256, Algorithm::PS256, Algorithm::EdDSA] {
        let op =
            TestOp::start(OpConfig::without_clients().client(
                Client::public("test-client", "http://127.0.0.1/callback").id_token_alg(alg),
            ))
            .await
            .unwrap();
        let s = sign_in(&op, |b| b)
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        let (header, _) = oidc_jose::parse_unverified(s.id_token().unwrap().secret()).unwrap();
        assert_eq!(header.alg, alg);
    }
}

#[tokio::test]
async fn hmac_id_tokens_only_when_asked_for_and_never_with_a_weak_secret() {
    // Threat: a desktop client's secret is not confidential (RFC 8252 §8.5); anyone who
    // extracted it could mint HS256 ID tokens the client would accept.
    let strong = "a-client-secret-of-at-least-thirty-two-bytes";
    let op = hmac_op(strong).await;
    let agent = HttpAgent::new();
    let e = hmac_client(&op, &agent, strong)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::IdToken(_)),
        "HS256 refused by default: {e}"
    );
    assert_eq!(e.code(), 920, "{e}");

    let agent = HttpAgent::new();
    let s = hmac_client(&op, &agent, strong)
        .allow_hmac_id_tokens(true)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert!(s.claims().unwrap().sub.is_some(), "accepted when asked for");

    // A short secret is no HMAC key (RFC 7518 §3.2), even when asked for.
    let weak = "short";
    let op = hmac_op(weak).await;
    let agent = HttpAgent::new();
    let e = hmac_client(&op, &agent, weak)
        .allow_hmac_id_tokens(true)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::IdToken(_)), "{e}");
    assert!(e.to_string().contains("HMAC"), "{e}");
}

/// An application hook that rewrites the URL to open.
struct Rewrite(&'static str);

impl Events for Rewrite {
    fn on_launch_browser(&self, launch: &mut LaunchBrowser) {
        launch.url = self.0.to_owned();
    }
}

#[tokio::test]
async fn only_web_addresses_are_handed_to_a_browser() {
    // Threat: a URL that is not a web address (or carries shell metacharacters) reaching a
    // browser command, e.g. rewritten by the application's hook.
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    for url in [
        "file:///etc/passwd",
        "http://op.example/authorize",
        "https://op.example/a';touch /tmp/x;'",
    ] {
        let agent = HttpAgent::new();
        let e = client(&op, &agent)
            .events(Arc::new(Rewrite(url)))
            .build()
            .unwrap()
            .authenticate()
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Browser(LaunchError::UnsafeUrl { .. })),
            "{url}: {e}"
        );
        assert_eq!(e.kind(), "browser_launch_failed");
    }
    // `{url}` inside a word of a command template is refused before anything runs.
    let e = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .browser_command("sh -c 'xdg-open {url}'")
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Browser(LaunchError::BadTemplate(t)) if t.contains("whole argument")),
        "{e}"
    );
}

#[test]
fn localhost_is_not_loopback_and_a_remote_issuer_gets_no_local_endpoints() {
    // Threat: `localhost` resolving elsewhere (RFC 8252 §8.3), and a remote issuer routing
    // the code, verifier and secret to a local port.
    let e = OidcDesktop::builder("http://localhost:8080")
        .client_id("c")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), "invalid_url", "{e}");
    OidcDesktop::builder("http://localhost:8080")
        .allow_http_localhost_issuer()
        .client_id("c")
        .build()
        .unwrap();
    OidcDesktop::builder("http://127.0.0.1:8080")
        .client_id("c")
        .build()
        .unwrap();
    let e = OidcDesktop::builder("https://op.example")
        .client_id("c")
        .token_endpoint("http://127.0.0.1:9/token".parse().unwrap())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("token_endpoint"), "{e}");
}

#[tokio::test]
async fn an_error_response_without_the_promised_iss_is_not_attributed_to_the_provider() {
    // Threat: mix-up (RFC 9207 §2.4): an error response from another provider.
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    op.handle()
        .set_faults([Fault::access_denied(), Fault::IssParameterMissing]);
    let e = sign_in(&op, |b| b).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Authorization(oidc_core::Error::UnattributedError(ref p)) if p.error == "access_denied"
        ),
        "{e}"
    );
    assert_eq!((e.code(), e.kind()), (911, "issuer_mismatch"));
    assert_eq!(
        e.provider_error(),
        None,
        "an unattributed error is not the provider's"
    );
    assert!(
        e.to_string().contains("access_denied"),
        "kept as detail: {e}"
    );
    // With another issuer's `iss`, likewise.
    op.handle()
        .set_faults([Fault::access_denied(), Fault::IssParameterWrong]);
    let e = sign_in(&op, |b| b).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Authorization(oidc_core::Error::IssuerMismatch { .. })
        ),
        "{e}"
    );
    // With the right `iss`, it is the provider's error.
    op.handle().set_faults([Fault::access_denied()]);
    let e = sign_in(&op, |b| b).await.unwrap_err();
    assert_eq!(
        e.provider_error().map(|p| p.error).as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn a_response_in_another_mode_than_requested_is_refused() {
    // Threat: tokens requested by form_post taken from a URL (history, logs, referrers).
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    op.handle()
        .set_faults([Fault::ResponseModeIgnored(ResponseMode::Query)]);
    let e = sign_in(&op, |b| b.response_mode(ResponseMode::FormPost))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ResponseModeMismatch {
                requested: ResponseMode::FormPost,
                arrived: ResponseMode::Query
            }
        ),
        "{e}"
    );
    assert!(
        op.handle().requests_to(Endpoint::Token).is_empty(),
        "no code exchange"
    );
    // The mode asked for is accepted.
    op.handle().clear_faults();
    sign_in(&op, |b| b.response_mode(ResponseMode::FormPost))
        .await
        .unwrap();
}

#[tokio::test]
async fn signed_userinfo_under_a_rotated_key_refetches_the_keys_once() {
    // Robustness: key rotation must not break signed UserInfo (as it does not ID tokens).
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let s = c.authenticate().await.unwrap();
    op.handle().rotate_keys().unwrap();
    op.handle().set_faults([Fault::SignedUserInfo]);
    let jwks_before = op.handle().requests_to(Endpoint::Jwks).len();
    let sub = s.claims().unwrap().subject().to_owned();
    let details = c
        .request_user_info(s.access_token().unwrap(), &sub)
        .await
        .unwrap();
    assert_eq!(details.sub(), Some(sub.as_str()));
    assert_eq!(
        op.handle().requests_to(Endpoint::Jwks).len(),
        jwks_before + 1,
        "one refetch"
    );
}
