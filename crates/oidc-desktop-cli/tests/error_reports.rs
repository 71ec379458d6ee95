//! What the CLI's error object says. Whenever the provider refuses, it carries the
//! provider's own words (`provider_error`, `provider_error_description`,
//! `provider_error_uri`), whatever `kind` the failure maps to: one test per path that can end
//! in a provider error. A transport failure is one sentence: the URL once, the cause last.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::time::Duration;

use common::{TempDir, agent_command, free_port, run, run_in};
use oidc_testop::{Client, Endpoint, Fault, OpConfig, TestOp};
use serde_json::Value;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn op() -> TestOp {
    TestOp::start_in_background(OpConfig::default()).unwrap()
}

fn base(op: &TestOp) -> Vec<String> {
    ["--issuer", &op.issuer(), "--client-id", "test-client"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn args<'a>(command: &'a str, base: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![command];
    v.extend(base.iter().map(String::as_str));
    v.extend(extra);
    v
}

/// The error object names the provider's error with the description and URI that
/// [`Fault::endpoint_error`] sends.
fn assert_provider_error(e: &Value, error: &str) {
    assert_eq!(e["provider_error"], error, "{e}");
    assert_eq!(
        e["provider_error_description"],
        format!("{error} (injected fault)"),
        "{e}"
    );
    assert_eq!(
        e["provider_error_uri"],
        format!("https://op.example/errors/{error}"),
        "{e}"
    );
}

fn login(op: &TestOp, extra: &[&str]) -> common::Run {
    let b = base(op);
    let agent = agent_command();
    let mut a = args("login", &b, &["--browser-command", &agent]);
    a.extend(extra);
    run(&a)
}

#[test]
fn authorization_response_error() {
    let op = op();
    // The authorization endpoint's refusal travels through the browser to the loopback.
    op.set_faults([Fault::access_denied()]);
    let e = login(&op, &[]).err(1);
    assert_eq!(
        (e["kind"].as_str(), e["code"].as_u64()),
        (Some("authorization_error"), Some(940))
    );
    assert_eq!(e["provider_error"], "access_denied");
    assert_eq!(
        e["provider_error_description"],
        "The user declined the request"
    );
    assert_eq!(
        e["provider_error_uri"],
        "https://op.example/errors/access_denied"
    );
}

#[test]
fn token_endpoint_error() {
    let op = op();
    op.set_faults([Fault::grant_error("authorization_code", "invalid_grant")]);
    let e = login(&op, &[]).err(1);
    assert_eq!(e["kind"], "token_error", "{e}");
    assert_provider_error(&e, "invalid_grant");
}

#[test]
fn pushed_authorization_request_error() {
    let op = op();
    op.set_faults([Fault::endpoint_error(
        Endpoint::PushedAuthorization,
        "invalid_request",
    )]);
    let e = login(&op, &["--par", "always"]).err(1);
    assert_eq!(e["kind"], "token_error", "{e}");
    assert_provider_error(&e, "invalid_request");
    assert!(op.requests_to(Endpoint::Token).is_empty());
}

#[test]
fn refresh_error() {
    let op = op();
    let s = login(&op, &[]).ok();
    op.set_faults([Fault::grant_error("refresh_token", "invalid_grant")]);
    let b = base(&op);
    let e = run(&args(
        "refresh",
        &b,
        &["--refresh-token", s["refresh_token"].as_str().unwrap()],
    ))
    .err(1);
    assert_eq!(e["kind"], "token_error", "{e}");
    assert_provider_error(&e, "invalid_grant");
}

/// Starts `device`, waits for its code, and returns the finished run.
fn device_run(op: &TestOp) -> common::Run {
    let tmp = TempDir::new("device-errors");
    let b = base(op);
    let child = common::command(&args("device", &b, &["--timeout", "30"]), tmp.path())
        .spawn()
        .unwrap();
    common::wait(child, Duration::from_secs(40))
}

#[test]
fn device_grant_endings_carry_the_provider_error() {
    let op = op();
    for (error, kind) in [
        ("access_denied", "access_denied"),
        ("expired_token", "expired_token"),
        ("invalid_client", "token_error"),
    ] {
        op.set_faults([Fault::grant_error(DEVICE_GRANT, error)]);
        let e = device_run(&op).err(1);
        assert_eq!(e["kind"], kind, "{error}: {e}");
        assert_eq!(e["code"], 940, "{e}");
        assert_provider_error(&e, error);
    }
    // The device authorization endpoint itself refuses.
    op.set_faults([Fault::endpoint_error(
        Endpoint::DeviceAuthorization,
        "unauthorized_client",
    )]);
    let e = device_run(&op).err(1);
    assert_provider_error(&e, "unauthorized_client");
}

#[test]
fn userinfo_error() {
    let op = op();
    let s = login(&op, &[]).ok();
    let at = s["access_token"].as_str().unwrap();
    let b = base(&op);
    // A resource server's challenge (RFC 6750 §3) carries error and description.
    op.set_faults([Fault::EndpointError {
        endpoint: Endpoint::UserInfo,
        grant_type: None,
        status: 401,
        error: "invalid_token".into(),
        description: Some("the token was revoked".into()),
        uri: None,
    }]);
    let e = run(&args("userinfo", &b, &["--access-token", at, "--sub", "x"])).err(1);
    assert_eq!(e["kind"], "bearer_token_rejected", "{e}");
    assert_eq!(e["provider_error"], "invalid_token", "{e}");
    assert_eq!(
        e["provider_error_description"], "the token was revoked",
        "{e}"
    );
    // An OAuth error body with another status.
    op.set_faults([Fault::endpoint_error(Endpoint::UserInfo, "invalid_request")]);
    let e = run(&args("userinfo", &b, &["--access-token", at, "--sub", "x"])).err(1);
    assert_provider_error(&e, "invalid_request");
}

#[test]
fn revocation_error() {
    let op = op();
    op.set_faults([Fault::endpoint_error(
        Endpoint::Revocation,
        "unsupported_token_type",
    )]);
    let b = base(&op);
    let e = run(&args("revoke", &b, &["--token", "some-token"])).err(1);
    assert_eq!(e["kind"], "token_error", "{e}");
    assert_provider_error(&e, "unsupported_token_type");
}

#[test]
fn end_session_error() {
    let port = free_port();
    let op = TestOp::start_in_background(
        OpConfig::without_clients().client(
            Client::public("test-client", "http://127.0.0.1/callback")
                .post_logout_redirect_uri(format!("http://127.0.0.1:{port}/logged-out")),
        ),
    )
    .unwrap();
    let tmp = TempDir::new("end-session-error");
    let b = base(&op);
    let agent = agent_command();
    run_in(
        &args("login", &b, &["--browser-command", &agent, "--cache"]),
        tmp.path(),
    )
    .ok();
    op.set_faults([Fault::endpoint_error(
        Endpoint::EndSession,
        "invalid_request",
    )]);
    let port_s = port.to_string();
    let r = run_in(
        &args(
            "logout",
            &b,
            &[
                "--end-session",
                "--redirect-port",
                &port_s,
                "--timeout",
                "30",
                "--browser-command",
                &agent,
            ],
        ),
        tmp.path(),
    );
    let e = r.err(1);
    assert_eq!(e["kind"], "authorization_error", "{e}");
    assert_provider_error(&e, "invalid_request");
}

#[test]
fn a_transport_failure_is_one_sentence_with_the_url_once_and_the_cause_last() {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let e = run(&["discover", "--issuer", &issuer]).err(1);
    let m = e["message"].as_str().unwrap();
    let url = format!("{issuer}/.well-known/openid-configuration");
    assert_eq!(m.matches(&url).count(), 1, "{m}");
    assert!(
        m.starts_with(&format!(
            "fetching the discovery document failed: could not connect to {url}: "
        )),
        "{m}"
    );
    let cause = m.rsplit_once(": ").unwrap().1;
    assert!(
        cause.contains("Connection refused"),
        "the root cause comes last: {m}"
    );
    assert!(!m.contains("error sending request"), "{m}");
    assert!(!m.contains("client error (Connect)"), "{m}");
}
