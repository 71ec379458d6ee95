//! `client.sign_in()`: options that belong to one sign-in, over the configured defaults,
//! and the settings that cannot work together refused by `build()` before any browser.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{Prompt, ResponseMode, ResponseType};
use oidc_desktop::testing::HttpAgent;
use oidc_desktop::{ClientAuthMethod, DpopMode, OidcDesktop, OidcDesktopBuilder};
use oidc_testop::{Endpoint, OpConfig, RecordedRequest, TestOp};

fn client(op: &TestOp, agent: &HttpAgent) -> OidcDesktopBuilder {
    OidcDesktop::builder(&op.issuer())
        .client_id("test-client")
        .scope("openid profile")
        .browser(Arc::new(agent.clone()))
        .timeout(Duration::from_secs(20))
        .par(oidc_desktop::ParMode::Never)
}

/// Every value of `name` in the request's query, in order.
fn all<'a>(r: &'a RecordedRequest, name: &str) -> Vec<&'a str> {
    r.query
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[tokio::test]
async fn per_sign_in_options_apply_to_that_sign_in_only() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let agent = HttpAgent::new();
    let client = client(&op, &agent)
        .prompt(Prompt::Consent)
        .login_hint("configured@example.com")
        .extra_param("audience", "https://configured.example")
        .extra_param("resource", "kept")
        .build()
        .unwrap();

    // "Switch account" with a step-up, through the same client.
    let switched = client
        .sign_in()
        .prompt(Prompt::SelectAccount)
        .prompt(Prompt::Login)
        .login_hint("jane@example.com")
        .extra_param("audience", "https://api.example")
        .max_age(Duration::from_secs(600))
        .acr_values("urn:example:mfa")
        .ui_locales("nl")
        .await
        .unwrap();
    // Then an ordinary sign-in: nothing of the first one sticks.
    let plain = client.authenticate().await.unwrap();

    let auth = op.handle().requests_to(Endpoint::Authorization);
    assert_eq!(auth.len(), 2);
    let (first, second) = (&auth[0], &auth[1]);
    assert_eq!(first.param("prompt"), Some("select_account login"));
    assert_eq!(first.param("login_hint"), Some("jane@example.com"));
    assert_eq!(
        all(first, "audience"),
        ["https://api.example"],
        "replaced, not repeated"
    );
    assert_eq!(
        all(first, "resource"),
        ["kept"],
        "unrelated configured ones stay"
    );
    assert_eq!(first.param("max_age"), Some("600"));
    assert_eq!(first.param("acr_values"), Some("urn:example:mfa"));
    assert_eq!(first.param("ui_locales"), Some("nl"));
    assert!(
        switched.claims().unwrap().auth_time.is_some(),
        "max_age of this sign-in makes auth_time required"
    );

    assert_eq!(second.param("prompt"), Some("consent"));
    assert_eq!(second.param("login_hint"), Some("configured@example.com"));
    assert_eq!(all(second, "audience"), ["https://configured.example"]);
    assert_eq!(second.param("max_age"), None);
    assert_eq!(second.param("acr_values"), None);
    assert!(plain.access_token().is_some());

    // Each sign-in has its own unguessable state.
    let (s1, s2) = (
        first.param("state").unwrap(),
        second.param("state").unwrap(),
    );
    assert_ne!(s1, s2);
    assert!(s1.len() >= 22 && s2.len() >= 22, "{s1} / {s2}");
    assert_eq!(switched.get_query_param("state"), Some(s1));
    assert_eq!(plain.get_query_param("state"), Some(s2));
}

#[tokio::test]
async fn the_blocking_client_takes_the_same_options() {
    let op = TestOp::start(OpConfig::default()).await.unwrap();
    let agent = HttpAgent::new();
    let c = client(&op, &agent).build().unwrap();
    let handle = op.handle();
    let session = tokio::task::spawn_blocking(move || {
        let b = oidc_desktop::blocking::OidcDesktop::new(c).unwrap();
        b.sign_in(|s| {
            s.login_hint("blocking@example.com")
                .state("app-state-0123456789abcdefghij")
        })
        .unwrap()
    })
    .await
    .unwrap();
    let auth = handle.requests_to(Endpoint::Authorization);
    assert_eq!(auth[0].param("login_hint"), Some("blocking@example.com"));
    assert_eq!(
        auth[0].param("state"),
        Some("app-state-0123456789abcdefghij")
    );
    assert_eq!(
        session.get_query_param("state"),
        Some("app-state-0123456789abcdefghij")
    );
}

/// Settings that cannot work together fail `build()` with a configuration error: no user
/// is sent to the browser to find out.
#[test]
fn inconsistent_settings_fail_at_build() {
    let base = || {
        OidcDesktop::builder("https://op.example")
            .client_id("app")
            .browser_command("true")
    };
    let config_error = |b: OidcDesktopBuilder, why: &str| {
        let e = b.build().expect_err(why);
        assert_eq!(e.kind(), "invalid_configuration", "{why}: {e}");
        e.to_string()
    };

    for (choice, name) in [
        (ClientAuthMethod::ClientSecretBasic, "client_secret_basic"),
        (ClientAuthMethod::ClientSecretPost, "client_secret_post"),
        (ClientAuthMethod::ClientSecretJwt, "client_secret_jwt"),
    ] {
        let msg = config_error(base().client_auth(choice), name);
        assert!(msg.contains(name) && msg.contains("client secret"), "{msg}");
        // With a secret the same choice builds.
        base()
            .client_secret("s3cret-s3cret-s3cret-s3cret-s3cret")
            .client_auth(choice)
            .build()
            .unwrap();
    }

    let msg = config_error(
        base().client_auth(ClientAuthMethod::PrivateKeyJwt),
        "private_key_jwt",
    );
    assert!(msg.contains("private key"), "{msg}");

    let msg = config_error(
        base()
            .response_type(ResponseType::parse("id_token token").unwrap())
            .grant_type(oidc_core::GrantType::Implicit)
            .response_mode(ResponseMode::Query),
        "tokens in the query",
    );
    assert!(msg.contains("response_mode=query"), "{msg}");
    // The same response type in a form post is fine.
    base()
        .response_type(ResponseType::parse("id_token token").unwrap())
        .grant_type(oidc_core::GrantType::Implicit)
        .response_mode(ResponseMode::FormPost)
        .build()
        .unwrap();

    let msg = config_error(
        base()
            .dpop(DpopMode::Require)
            .dpop_algorithm(oidc_desktop::jose::Algorithm::RS256),
        "DPoP with RS256",
    );
    assert!(msg.contains("dpop_algorithm"), "{msg}");

    // A response type the grant cannot use: refused by build, with the grant's own error.
    let e = base()
        .grant_type(oidc_core::GrantType::AuthorizationCode)
        .response_type(ResponseType::parse("id_token").unwrap())
        .build()
        .expect_err("code grant with response_type=id_token");
    assert!(e.to_string().contains("id_token"), "{e}");

    // A parameter the client owns, or one with a setter of its own, is no extra: refused
    // by build (the request would refuse it only after the loopback started).
    for name in [
        "state",
        "redirect_uri",
        "code_challenge",
        "prompt",
        "login_hint",
    ] {
        let e = base().extra_param(name, "x").build().expect_err(name);
        assert_eq!(e.kind(), "reserved_parameter", "{name}: {e}");
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    base()
        .extra_param("audience", "https://api.example")
        .build()
        .unwrap();
}
