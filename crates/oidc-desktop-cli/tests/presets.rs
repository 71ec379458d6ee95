//! `--provider`: each preset's effect on what the provider receives, and Entra's
//! multi-tenant issuer rule against the test provider in Entra's shape.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use common::{login_with_agent, run};
use oidc_testop::{Client, ClientAuth, Endpoint, OpConfig, RecordedRequest, TestOp};

fn sent(op: &TestOp) -> RecordedRequest {
    op.requests_to(Endpoint::Authorization)
        .last()
        .cloned()
        .unwrap()
}

#[test]
fn entra_tokens_are_checked_against_the_tenant_issuer() {
    let op = TestOp::start_in_background(OpConfig::default().microsoft_tenant("tenant-1")).unwrap();
    let issuer = op.issuer();
    assert!(issuer.ends_with("/common/v2.0"), "{issuer}");
    let v = login_with_agent(&issuer, &["--provider", "entra", "--par", "never"]).ok();
    let tenant_issuer = issuer.replace("/common/", "/tenant-1/");
    assert_eq!(v["id_token_claims"]["iss"], tenant_issuer.as_str());
    assert_eq!(v["id_token_claims"]["tid"], "tenant-1");
    assert!(sent(&op).param("scope").unwrap().contains("offline_access"));
    // Without the preset the template issuer of the metadata is refused.
    let e = login_with_agent(&issuer, &[]).err(1);
    assert_eq!(e["code"], 900, "{e}");
}

#[test]
fn google_asks_for_offline_access_its_way_and_needs_the_secret() {
    let secret = "google-installed-app-secret-0123456789";
    let op = TestOp::start_in_background(OpConfig::without_clients().client(Client::confidential(
        "test-client",
        secret,
        ClientAuth::ClientSecretBasic,
        "http://127.0.0.1/callback",
    )))
    .unwrap();
    let issuer = op.issuer();
    login_with_agent(
        &issuer,
        &[
            "--provider",
            "google",
            "--par",
            "never",
            "--client-secret",
            secret,
        ],
    )
    .ok();
    let req = sent(&op);
    assert_eq!(req.param("access_type"), Some("offline"));
    assert_eq!(req.param("prompt"), Some("consent"));
    assert!(!req.param("scope").unwrap().contains("offline_access"));
    let e = login_with_agent(&issuer, &["--provider", "google"]).err(2);
    assert!(
        e["message"].as_str().unwrap().contains("client secret"),
        "{e}"
    );
}

#[test]
fn the_other_presets_ask_for_what_their_providers_need() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let issuer = op.issuer();
    for preset in ["okta", "auth0", "dex"] {
        login_with_agent(&issuer, &["--provider", preset, "--par", "never"]).ok();
        assert!(
            sent(&op).param("scope").unwrap().contains("offline_access"),
            "{preset}"
        );
    }
    login_with_agent(&issuer, &["--provider", "keycloak", "--par", "never"]).ok();
    assert_eq!(sent(&op).param("scope"), Some("openid"));
    login_with_agent(
        &issuer,
        &[
            "--provider",
            "apple",
            "--par",
            "never",
            "--scope",
            "openid name email",
        ],
    )
    .ok();
    assert_eq!(sent(&op).param("response_mode"), Some("form_post"));
    // Presets that are per organisation need the issuer.
    let e = run(&["login", "--provider", "okta", "--client-id", "x"]).err(2);
    assert!(e["message"].as_str().unwrap().contains("--issuer"), "{e}");
}
