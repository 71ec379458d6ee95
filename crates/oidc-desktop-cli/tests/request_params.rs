//! `--param` and the typed authorization parameter flags, as the provider receives them.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use oidc_testop::{Endpoint, LoginMode, OpConfig, RecordedRequest, TestOp};

fn login(op: &TestOp, extra: &[&str]) -> common::Run {
    common::login_with_agent(&op.issuer(), extra)
}

/// The authorization request the provider received (pushed when it offers PAR).
fn sent(op: &TestOp) -> RecordedRequest {
    let pushed = op.requests_to(Endpoint::PushedAuthorization);
    let authz = op.requests_to(Endpoint::Authorization);
    pushed.last().or(authz.last()).cloned().unwrap()
}

#[test]
fn standard_parameters_through_param_reach_the_provider_once() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    login(
        &op,
        &[
            "--param",
            "ui_locales=fr-CA",
            "--param",
            "acr_values=urn:acr:silver",
            "--param",
            "display=page",
            "--param",
            "claims={\"userinfo\":{\"email\":null}}",
            "--param",
            "login_hint=jane",
            "--param",
            "scope=email",
            "--param",
            "audience=https://api.example",
        ],
    )
    .ok();
    let req = sent(&op);
    assert_eq!(req.param("ui_locales"), Some("fr-CA"));
    assert_eq!(req.param("acr_values"), Some("urn:acr:silver"));
    assert_eq!(req.param("display"), Some("page"));
    assert_eq!(req.param("claims"), Some("{\"userinfo\":{\"email\":null}}"));
    assert_eq!(req.param("login_hint"), Some("jane"));
    assert_eq!(req.param("scope"), Some("openid email"));
    assert_eq!(req.param("audience"), Some("https://api.example"));
    // each went out once, by its own name
    for name in [
        "ui_locales",
        "acr_values",
        "display",
        "claims",
        "login_hint",
        "scope",
    ] {
        assert_eq!(
            req.query
                .iter()
                .chain(&req.form)
                .filter(|(n, _)| n == name)
                .count(),
            1,
            "{name}"
        );
    }
}

#[test]
fn typed_flags_reach_the_provider() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let first = login(&op, &[]).ok();
    let hint = first["id_token"].as_str().unwrap().to_owned();
    login(
        &op,
        &[
            "--ui-locales",
            "de en",
            "--acr-values",
            "gold",
            "--display",
            "popup",
            "--claims",
            "{\"id_token\":{\"acr\":null}}",
            "--id-token-hint",
            &hint,
        ],
    )
    .ok();
    let req = sent(&op);
    assert_eq!(req.param("ui_locales"), Some("de en"));
    assert_eq!(req.param("acr_values"), Some("gold"));
    assert_eq!(req.param("display"), Some("popup"));
    assert_eq!(req.param("claims"), Some("{\"id_token\":{\"acr\":null}}"));
    assert_eq!(req.param("id_token_hint"), Some(hint.as_str()));
}

#[test]
fn prompt_none_through_param_is_sent_and_answered() {
    let op = TestOp::start_in_background(OpConfig::default().login(LoginMode::LoginPage)).unwrap();
    // No provider session yet: prompt=none must come back as login_required, which proves
    // the parameter left as `prompt` (not refused, not as an unknown extra).
    let e = login(&op, &["--param", "prompt=none"]).err(1);
    assert_eq!(e["provider_error"], "login_required", "{e}");
    assert_eq!(sent(&op).param("prompt"), Some("none"));
}

#[test]
fn client_owned_parameters_are_refused_before_anything_is_sent() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    for name in [
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "client_id",
        "redirect_uri",
        "response_type",
        "request",
        "request_uri",
    ] {
        let kv = format!("{name}=x");
        let e = login(&op, &["--param", &kv]).err(2);
        assert_eq!(e["kind"], "reserved_parameter", "{name}: {e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.contains(&format!("`{name}`")), "{m}");
    }
    assert!(op.requests_to(Endpoint::PushedAuthorization).is_empty());
    assert!(op.requests_to(Endpoint::Authorization).is_empty());
    assert!(op.requests_to(Endpoint::Discovery).is_empty());
}
