//! `oidc-desktop token`: the token alone on stdout, from the cache, refreshed, or signed in
//! for; and two accounts of one issuer and client kept apart.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::time::Duration;

use common::{TempDir, agent_command, run_in};
use oidc_testop::{Endpoint, OpConfig, TestOp};

fn token(op: &TestOp, cache: &TempDir, extra: &[&str]) -> common::Run {
    let issuer = op.issuer();
    let agent = agent_command();
    let mut a = vec![
        "token",
        "--issuer",
        &issuer,
        "--client-id",
        "test-client",
        "--browser-command",
        &agent,
    ];
    a.extend(extra);
    run_in(&a, cache.path())
}

#[test]
fn token_prints_only_the_token_and_reuses_or_refreshes_the_cache() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let cache = TempDir::new("token");
    let r = token(&op, &cache, &[]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let first = r.stdout.trim_end().to_owned();
    assert_eq!(
        r.stdout,
        format!("{first}\n"),
        "nothing but the token on stdout"
    );
    assert!(!first.is_empty() && !first.contains(' ') && !first.contains('{'));
    assert_eq!(op.requests_to(Endpoint::Authorization).len(), 1);
    // Again: from the cache, no sign-in, no refresh.
    let again = token(&op, &cache, &[]);
    assert_eq!(again.stdout.trim_end(), first);
    assert_eq!(op.requests_to(Endpoint::Authorization).len(), 1);
    assert_eq!(op.requests_to(Endpoint::Token).len(), 1);
    // The ID token instead.
    let id = token(&op, &cache, &["--id-token"]);
    assert_eq!(id.stdout.trim_end().split('.').count(), 3, "{}", id.stdout);
    // An error goes to stderr only, with the documented exit status.
    let r = run_in(
        &[
            "token",
            "--issuer",
            &format!("{}/nowhere", op.issuer()),
            "--client-id",
            "x",
        ],
        cache.path(),
    );
    assert_eq!(r.status, Some(1));
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("[900]"), "{}", r.stderr);
}

#[test]
fn token_refreshes_a_stale_cached_token() {
    // Access tokens that live 3 s: used while they live (the margin is scaled to a quarter
    // of the lifetime), refreshed once expired.
    let mut config = OpConfig::default();
    config.access_token_lifetime = Duration::from_secs(3);
    let op = TestOp::start_in_background(config).unwrap();
    let cache = TempDir::new("token-stale");
    let first = token(&op, &cache, &[]).stdout;
    std::thread::sleep(Duration::from_millis(3_200));
    let second = token(&op, &cache, &[]).stdout;
    assert_ne!(first, second, "a fresh token");
    assert_eq!(
        op.requests_to(Endpoint::Authorization).len(),
        1,
        "no second sign-in"
    );
    let grants: Vec<String> = op
        .requests_to(Endpoint::Token)
        .iter()
        .map(|r| r.param("grant_type").unwrap().to_owned())
        .collect();
    assert_eq!(grants, ["authorization_code", "refresh_token"]);
}

#[test]
fn two_accounts_of_one_client_are_cached_apart() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let cache = TempDir::new("accounts");
    let work = token(&op, &cache, &["--account", "work"]).stdout;
    let personal = token(&op, &cache, &["--account", "personal"]).stdout;
    assert_ne!(work, personal);
    assert_eq!(
        op.requests_to(Endpoint::Authorization).len(),
        2,
        "one sign-in each"
    );
    assert_eq!(token(&op, &cache, &["--account", "work"]).stdout, work);
    assert_eq!(
        token(&op, &cache, &["--account", "personal"]).stdout,
        personal
    );
    // Signing one account out leaves the other.
    let issuer = op.issuer();
    let v = run_in(
        &[
            "logout",
            "--issuer",
            &issuer,
            "--client-id",
            "test-client",
            "--account",
            "work",
        ],
        cache.path(),
    )
    .ok();
    assert_eq!(v["cache_cleared"], true);
    assert_eq!(
        token(&op, &cache, &["--account", "personal"]).stdout,
        personal
    );
    assert_eq!(op.requests_to(Endpoint::Authorization).len(), 2);
    assert_eq!(token(&op, &cache, &["--account", "work"]).status, Some(0));
    assert_eq!(
        op.requests_to(Endpoint::Authorization).len(),
        3,
        "work signs in again"
    );
}

#[test]
fn status_describes_the_cached_session_without_its_secrets() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let cache = TempDir::new("status");
    let issuer = op.issuer();
    let status = || {
        run_in(
            &["status", "--issuer", &issuer, "--client-id", "test-client"],
            cache.path(),
        )
    };
    let before = status().ok();
    assert_eq!(before["signed_in"], false);
    let at = token(&op, &cache, &[]).stdout.trim_end().to_owned();
    let r = status();
    let v = r.ok();
    assert_eq!(v["signed_in"], true);
    assert_eq!(v["subject"], "248289761001");
    assert_eq!(v["access_token_valid"], true);
    assert_eq!(v["refresh_token"], true);
    assert!(v["access_token_expires_at"].as_i64().unwrap() > 1_700_000_000);
    assert!(
        std::path::Path::new(v["stored_in"].as_str().unwrap()).exists(),
        "{v}"
    );
    assert!(!r.stdout.contains(&at), "no token in the status");
    assert_eq!(
        op.requests_to(Endpoint::Token).len(),
        1,
        "status asks the provider nothing"
    );
}

#[test]
fn a_login_hint_names_the_account_for_login_status_and_logout() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let cache = TempDir::new("hint-account");
    let issuer = op.issuer();
    let hinted = token(&op, &cache, &["--login-hint", "jane@work.example"]).stdout;
    let plain = token(&op, &cache, &[]).stdout;
    assert_ne!(hinted, plain, "a hinted sign-in is an account of its own");
    let v = run_in(
        &[
            "status",
            "--issuer",
            &issuer,
            "--client-id",
            "test-client",
            "--login-hint",
            "jane@work.example",
        ],
        cache.path(),
    )
    .ok();
    assert_eq!(v["signed_in"], true);
    assert_eq!(v["account"], "jane@work.example");
    let v = run_in(
        &[
            "logout",
            "--issuer",
            &issuer,
            "--client-id",
            "test-client",
            "--login-hint",
            "jane@work.example",
        ],
        cache.path(),
    )
    .ok();
    assert_eq!(v["cache_cleared"], true);
    assert_eq!(
        token(&op, &cache, &[]).stdout,
        plain,
        "the other session stays"
    );
}

#[test]
fn dpop_sessions_and_proofs_for_scripts() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let cache = TempDir::new("token-dpop");
    // `token --dpop` signs in with a DPoP-bound session; a later `--dpop-proof` prints the
    // two headers of an API request with that session's key.
    let r = token(&op, &cache, &["--dpop"]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let at = r.stdout.trim_end().to_owned();
    let token_request = &op.requests_to(Endpoint::Token)[0];
    assert!(
        token_request.header("dpop").is_some(),
        "a proof on the token request"
    );
    let r = token(
        &op,
        &cache,
        &["--dpop-proof", "POST", "https://api.example/v1/items?x=1"],
    );
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert_eq!(lines[0], format!("Authorization: DPoP {at}"));
    let proof = lines[1].strip_prefix("DPoP: ").unwrap();
    let claims = common::jwt_payload(proof);
    assert_eq!(claims["htm"], "POST");
    assert_eq!(claims["htu"], "https://api.example/v1/items");
    assert!(claims["ath"].is_string());
    // Without --dpop a plain session has no key to prove.
    let plain = TempDir::new("token-plain");
    let r = token(&op, &plain, &[]);
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    let r = token(
        &op,
        &plain,
        &["--dpop-proof", "GET", "https://api.example/"],
    );
    assert_eq!(r.status, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("not DPoP-bound"), "{}", r.stderr);
}
