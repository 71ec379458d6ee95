//! DPoP (RFC 9449) end to end against the project's test provider, which verifies every
//! proof, binds tokens to the proof's key, demands nonces when told to and refuses a bound
//! token presented as a bearer token.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{
    Acquisition, DpopMode, Error, Interactive, OidcDesktop, OidcDesktopBuilder, Session, TokenKind,
};
use oidc_testop::{Client, Endpoint, Fault, OpConfig, RecordedRequest, TestOp};

async fn op(config: OpConfig) -> TestOp {
    TestOp::start(config).await.unwrap()
}

fn builder(op: &TestOp, mode: DpopMode) -> OidcDesktopBuilder {
    OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .scope("openid profile email")
        .browser(Arc::new(HttpAgent::new()))
        .timeout(Duration::from_secs(20))
        .dpop(mode)
}

/// The thumbprint a request's proof was made with (verified against its own htu).
fn proof_jkt(op: &TestOp, r: &RecordedRequest) -> String {
    let proof = r.header("dpop").expect("a DPoP proof");
    let htu = format!("{}{}", origin(&op.issuer()), r.path);
    oidc_jose::verify_proof(
        proof,
        &oidc_jose::ProofCheck {
            htm: &r.method,
            htu: &htu,
            now: now(),
            max_age: 300,
            leeway: 60,
            nonce: None,
            access_token: None,
            algorithms: &[oidc_jose::Algorithm::ES256],
        },
    )
    .unwrap()
    .jkt
}

fn origin(issuer: &str) -> String {
    let u = url::Url::parse(issuer).unwrap();
    format!("{}://{}", u.scheme(), u.host_str().unwrap()) + &format!(":{}", u.port().unwrap())
}

fn now() -> i64 {
    use oidc_core::Clock as _;
    oidc_core::SystemClock.now_unix()
}

#[tokio::test]
async fn a_required_dpop_sign_in_binds_every_token_to_the_key() {
    let op = op(OpConfig::default()).await;
    let c = builder(&op, DpopMode::Require).build().unwrap();
    let s = c.authenticate().await.unwrap();
    let jkt = s.dpop_thumbprint().unwrap().to_owned();
    assert_eq!(s.token_type(), Some("DPoP"));
    // The code is bound too (dpop_jkt), through PAR or the authorization request.
    let h = op.handle();
    let authz: Vec<_> = h
        .requests_to(Endpoint::PushedAuthorization)
        .into_iter()
        .chain(h.requests_to(Endpoint::Authorization))
        .filter_map(|r| r.param("dpop_jkt").map(str::to_owned))
        .collect();
    assert_eq!(authz.first(), Some(&jkt));
    let token = &h.requests_to(Endpoint::Token)[0];
    assert_eq!(proof_jkt(&op, token), jkt);
    // The provider's introspection confirms the binding.
    let info = c.introspect(&s).await.unwrap();
    assert!(info.active);
    assert_eq!(info.token_type.as_deref(), Some("DPoP"));
    assert_eq!(
        info.member("/cnf/jkt").and_then(|v| v.as_str()),
        Some(jkt.as_str())
    );
    // UserInfo with the DPoP scheme and a proof carrying ath.
    let user = c.userinfo(&s).await.unwrap();
    assert_eq!(user.sub(), Some(s.claims().unwrap().subject()));
    let ui = h.requests_to(Endpoint::UserInfo).pop().unwrap();
    assert!(ui.header("authorization").unwrap().starts_with("DPoP "));
    assert!(ui.header("dpop").is_some());
    // The refresh stays bound to the same key.
    let mut refreshed = s.clone();
    c.refresh(&mut refreshed).await.unwrap();
    assert_eq!(refreshed.dpop_thumbprint(), Some(jkt.as_str()));
    assert_ne!(refreshed.access_token(), s.access_token());
    // Revocation with a proof; the revoked token no longer opens UserInfo.
    c.revoke(&refreshed, TokenKind::Both).await.unwrap();
    let e = c.userinfo(&refreshed).await.unwrap_err();
    assert_eq!(e.kind(), "bearer_token_rejected", "{e}");
}

#[tokio::test]
async fn the_same_token_as_a_bearer_token_is_refused() {
    let op = op(OpConfig::default()).await;
    let c = builder(&op, DpopMode::Require).build().unwrap();
    let s = c.authenticate().await.unwrap();
    // Presented without the key, the stolen token is worthless.
    let bearer = OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .build()
        .unwrap();
    let e = bearer
        .request_user_info(s.access_token().unwrap(), s.claims().unwrap().subject())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "bearer_token_rejected", "{e}");
}

#[tokio::test]
async fn server_nonces_are_obtained_and_retried_once() {
    let mut config = OpConfig::default();
    config.dpop_nonce = true;
    let op = op(config).await;
    let c = builder(&op, DpopMode::Require).build().unwrap();
    let s = c.authenticate().await.unwrap();
    assert!(s.dpop_thumbprint().is_some());
    let h = op.handle();
    // PAR (or the token request) met use_dpop_nonce first, then passed with the nonce.
    let statuses: Vec<u16> = h
        .requests()
        .iter()
        .filter(|r| r.header("dpop").is_some())
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.first(), Some(&400), "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        1,
        "{statuses:?}"
    );
    // Nonces are remembered per origin: UserInfo (same origin here) needs no second retry.
    h.clear_requests();
    c.userinfo(&s).await.unwrap();
    assert_eq!(h.requests_to(Endpoint::UserInfo).len(), 1);
}

#[tokio::test]
async fn a_bearer_answer_to_a_proof_is_a_downgrade() {
    let op = op(OpConfig::default()).await;
    op.handle().add_fault(Fault::DpopBearerDowngrade);
    let e = builder(&op, DpopMode::Require)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::DpopDowngrade { .. }), "{e}");
    assert_eq!(e.kind(), "dpop_downgrade");
    // Allowed explicitly: the session keeps bearer tokens and no key.
    let s = builder(&op, DpopMode::Require)
        .allow_dpop_downgrade(true)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert_eq!(s.token_type(), Some("Bearer"));
    assert!(s.dpop_thumbprint().is_none());
}

#[tokio::test]
async fn if_supported_follows_the_metadata_and_off_sends_no_proof() {
    let op = op(OpConfig::default()).await;
    let s = builder(&op, DpopMode::IfSupported)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert!(
        s.dpop_thumbprint().is_some(),
        "the provider advertises DPoP"
    );
    op.handle().clear_requests();
    let s = builder(&op, DpopMode::Off)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert!(s.dpop_thumbprint().is_none());
    assert!(
        op.handle()
            .requests()
            .iter()
            .all(|r| r.header("dpop").is_none())
    );
}

#[tokio::test]
async fn a_dpop_bound_client_without_proofs_is_refused() {
    let op = op(OpConfig::without_clients()
        .client(Client::public("bound", "http://127.0.0.1/callback").dpop_bound()))
    .await;
    let e = OidcDesktop::builder(&op.issuer())
        .client_id("bound")
        .browser(Arc::new(HttpAgent::new()))
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert_eq!(
        e.provider_error().map(|p| p.error).as_deref(),
        Some("invalid_grant"),
        "{e}"
    );
}

#[tokio::test]
async fn the_key_is_stored_with_the_session_and_signs_for_the_application() {
    let op = op(OpConfig::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(oidc_desktop::FileStore::new(tmp.path().join("tokens")));
    let c = builder(&op, DpopMode::Require)
        .token_store(store.clone())
        .build()
        .unwrap();
    let got = c.acquire().await.unwrap();
    assert_eq!(got.how, Acquisition::SignedIn);
    let jkt = got.session.dpop_thumbprint().unwrap().to_owned();
    // Another client (another process) restores the key with the session.
    let other = builder(&op, DpopMode::Require)
        .token_store(store)
        .build()
        .unwrap();
    let restored: Session = other
        .acquire()
        .interactive(Interactive::Never)
        .await
        .unwrap()
        .session;
    assert_eq!(restored.dpop_thumbprint(), Some(jkt.as_str()));
    other.userinfo(&restored).await.unwrap();
    let refreshed = other
        .acquire()
        .force_refresh(true)
        .interactive(Interactive::Never)
        .await
        .unwrap();
    assert_eq!(refreshed.session.dpop_thumbprint(), Some(jkt.as_str()));
    // The stored entry holds the key (never printed by Debug).
    assert!(!format!("{restored:?}").contains("pkcs8"));
    // Headers for the application's own API calls.
    let h = restored
        .dpop_headers("GET", "https://api.example/v1/things?page=2", None)
        .unwrap();
    assert_eq!(
        h.authorization,
        format!("DPoP {}", restored.access_token().unwrap().secret())
    );
    let v = oidc_jose::verify_proof(
        &h.dpop,
        &oidc_jose::ProofCheck {
            htm: "GET",
            htu: "https://api.example/v1/things",
            now: now(),
            max_age: 60,
            leeway: 5,
            nonce: None,
            access_token: Some(restored.access_token().unwrap().secret()),
            algorithms: &[oidc_jose::Algorithm::ES256],
        },
    )
    .unwrap();
    assert_eq!(v.jkt, jkt);
}

#[tokio::test]
async fn a_per_installation_key_is_kept_across_sign_ins() {
    let op = op(OpConfig::default()).await;
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(oidc_desktop::FileStore::new(tmp.path().join("tokens")));
    let client = || {
        builder(&op, DpopMode::Require)
            .token_store(store.clone())
            .dpop_key_scope(oidc_desktop::DpopKeyScope::PerInstallation)
            .build()
            .unwrap()
    };
    let first = client().authenticate().await.unwrap();
    let second = client().authenticate().await.unwrap();
    assert_eq!(first.dpop_thumbprint(), second.dpop_thumbprint());
    // Per session (the default), every sign-in has its own key.
    let a = builder(&op, DpopMode::Require)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    let b = builder(&op, DpopMode::Require)
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    assert_ne!(a.dpop_thumbprint(), b.dpop_thumbprint());
}
