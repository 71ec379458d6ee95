//! Endpoints a provider publishes only in its RFC 8414 metadata, RFC 8414 metadata URLs,
//! and the endpoint override flags.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::time::Duration;

use common::{TempDir, agent_command, run};
use oidc_testop::{Endpoint, Fault, OpConfig, TestOp};

fn op() -> TestOp {
    TestOp::start_in_background(OpConfig::default()).unwrap()
}

fn with(op: &TestOp, command: &str, extra: &[&str]) -> common::Run {
    let issuer = op.issuer();
    let mut a = vec![command, "--issuer", &issuer, "--client-id", "test-client"];
    a.extend(extra);
    run(&a)
}

#[test]
fn revocation_endpoint_found_in_the_oauth_metadata() {
    let op = op();
    op.set_faults([Fault::EndpointsOnlyInOAuthMetadata]);
    let v = with(&op, "revoke", &["--token", "tok-1"]).ok();
    assert_eq!(v["revoked"], true);
    assert_eq!(op.requests_to(Endpoint::OAuthMetadata).len(), 1);
    let rev = op.requests_to(Endpoint::Revocation);
    assert_eq!(rev.len(), 1);
    assert_eq!(rev[0].param("token"), Some("tok-1"));
}

#[test]
fn device_authorization_endpoint_found_in_the_oauth_metadata() {
    let op = op();
    op.set_faults([Fault::EndpointsOnlyInOAuthMetadata]);
    let tmp = TempDir::new("device-oauth");
    let issuer = op.issuer();
    let child = common::command(
        &[
            "device",
            "--issuer",
            &issuer,
            "--client-id",
            "test-client",
            "--timeout",
            "30",
        ],
        tmp.path(),
    )
    .spawn()
    .unwrap();
    common::approve_device_code(&op);
    let v = common::wait(child, Duration::from_secs(40)).ok();
    assert_eq!(v["id_token_claims"]["sub"], "248289761001");
    assert_eq!(op.requests_to(Endpoint::OAuthMetadata).len(), 1);
}

#[test]
fn a_missing_endpoint_names_the_flag_and_the_flag_supplies_it() {
    let op = op();
    // Not in the discovery document, and no RFC 8414 metadata either.
    op.set_faults([
        Fault::EndpointsOnlyInOAuthMetadata,
        Fault::EndpointError {
            endpoint: Endpoint::OAuthMetadata,
            grant_type: None,
            status: 404,
            error: "not_found".into(),
            description: None,
            uri: None,
        },
    ]);
    let e = with(&op, "revoke", &["--token", "t"]).err(1);
    assert_eq!(e["kind"], "missing_endpoint", "{e}");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("`revocation_endpoint`"), "{m}");
    assert!(m.contains("--revocation-endpoint"), "{m}");
    assert!(op.requests_to(Endpoint::Revocation).is_empty());

    let endpoint = format!("{}/revoke", op.issuer());
    let v = with(
        &op,
        "revoke",
        &["--token", "t2", "--revocation-endpoint", &endpoint],
    )
    .ok();
    assert_eq!(v["revoked"], true);
    assert_eq!(op.requests_to(Endpoint::Revocation).len(), 1);
}

#[test]
fn override_flags_replace_the_metadata_endpoints() {
    let op = op();
    let elsewhere = TestOp::start_in_background(OpConfig::default()).unwrap();
    // The token endpoint of another provider: the exchange goes there (and fails there,
    // since that provider never issued the code), which proves the override is used.
    let token = format!("{}/token", elsewhere.issuer());
    let agent = agent_command();
    let r = with(
        &op,
        "login",
        &["--browser-command", &agent, "--token-endpoint", &token],
    );
    r.err(1);
    assert_eq!(elsewhere.requests_to(Endpoint::Token).len(), 1);
    assert!(op.requests_to(Endpoint::Token).is_empty());
    // A bad URL is a usage error.
    let e = with(
        &op,
        "revoke",
        &["--token", "t", "--revocation-endpoint", "::"],
    )
    .err(2);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("--revocation-endpoint"),
        "{e}"
    );
}

#[test]
fn an_rfc8414_metadata_url_is_a_discovery_url() {
    let tenant = TestOp::start_in_background(OpConfig::default().issuer_path("/tenant-a")).unwrap();
    let issuer = tenant.issuer();
    let base = issuer.strip_suffix("/tenant-a").unwrap();
    let url = format!("{base}/.well-known/oauth-authorization-server/tenant-a");
    let v = run(&["discover", "--discovery-url", &url]).ok();
    assert_eq!(v["issuer"], issuer);
    assert_eq!(tenant.requests_to(Endpoint::OAuthMetadata).len(), 1);
    assert!(tenant.requests_to(Endpoint::Discovery).is_empty());
    // A whole sign-in from it.
    let agent = agent_command();
    let v = run(&[
        "login",
        "--discovery-url",
        &url,
        "--client-id",
        "test-client",
        "--browser-command",
        &agent,
    ])
    .ok();
    assert_eq!(v["id_token_claims"]["iss"], issuer);
    // The metadata must name the issuer its URL stands for.
    tenant.set_faults([Fault::DiscoveryIssuerMismatch]);
    let e = run(&["discover", "--discovery-url", &url]).err(1);
    assert_eq!(e["code"], 900, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("does not equal the expected issuer"),
        "{e}"
    );
    // Neither well-known form: a usage error.
    let e = run(&["discover", "--discovery-url", &format!("{issuer}/metadata")]).err(2);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("oauth-authorization-server"),
        "{e}"
    );
}
