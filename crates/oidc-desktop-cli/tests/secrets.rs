//! Secrets stay off the command line where they can: `-` reads one from standard input,
//! environment variables carry the others, and a secret typed as an argument is warned
//! about. HMAC-signed ID tokens are accepted only when asked for.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::io::Write as _;
use std::process::Stdio;
use std::time::Duration;

use common::{TempDir, run};
use oidc_desktop::jose::{Algorithm, SigningKey};
use oidc_testop::{Endpoint, OpConfig, TestOp};

fn op() -> TestOp {
    TestOp::start_in_background(OpConfig::default()).unwrap()
}

/// Runs the binary with `stdin` as its standard input and extra environment variables.
fn run_with(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> common::Run {
    let tmp = TempDir::new("secrets");
    let mut cmd = common::command(args, tmp.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    common::wait(child, Duration::from_secs(60))
}

#[test]
fn a_secret_typed_as_an_argument_is_warned_about() {
    let op = op();
    let issuer = op.issuer();
    let r = run(&[
        "revoke",
        "--issuer",
        &issuer,
        "--client-id",
        "test-client",
        "--token",
        "tok-arg",
    ]);
    r.ok();
    assert!(
        r.stderr
            .contains("warning: --token on the command line is visible"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("OIDC_TOKEN"), "{}", r.stderr);
    let r = run(&["discover", "--issuer", &issuer, "--client-secret", "s3cret"]);
    r.ok();
    assert!(r.stderr.contains("--client-secret"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("s3cret"),
        "the warning does not repeat it"
    );
}

#[test]
fn dash_reads_the_secret_from_standard_input_and_env_vars_carry_them() {
    let op = op();
    let issuer = op.issuer();
    let r = run_with(
        &[
            "revoke",
            "--issuer",
            &issuer,
            "--client-id",
            "test-client",
            "--token",
            "-",
        ],
        Some("tok-from-stdin\n"),
        &[],
    );
    r.ok();
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let env = [("OIDC_TOKEN", "tok-from-env")];
    let r = run_with(
        &["revoke", "--issuer", &issuer, "--client-id", "test-client"],
        None,
        &env,
    );
    r.ok();
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    let sent: Vec<String> = op
        .requests_to(Endpoint::Revocation)
        .iter()
        .map(|r| r.param("token").unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["tok-from-stdin", "tok-from-env"]);
}

#[test]
fn only_one_secret_can_come_from_standard_input() {
    let r = run_with(
        &[
            "revoke",
            "--issuer",
            "https://op.example",
            "--client-id",
            "c",
            "--client-secret",
            "-",
            "--token",
            "-",
        ],
        Some("x\n"),
        &[],
    );
    let e = r.err(2);
    assert!(
        e["message"].as_str().unwrap().contains("standard input"),
        "{e}"
    );
    let r = run_with(
        &[
            "revoke",
            "--issuer",
            "https://op.example",
            "--client-id",
            "c",
            "--token",
            "-",
        ],
        Some(""),
        &[],
    );
    let e = r.err(2);
    assert!(e["message"].as_str().unwrap().contains("empty"), "{e}");
}

/// An HS256 ID token for `client` at `issuer`, MACed with `secret`.
fn hs256_token(issuer: &str, client: &str, secret: &[u8]) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let payload = serde_json::json!({
        "iss": issuer, "sub": "u1", "aud": client, "iat": now, "exp": now + 300
    });
    SigningKey::hmac(Algorithm::HS256, secret)
        .unwrap()
        .sign_compact(Some("JWT"), payload.to_string().as_bytes())
        .unwrap()
}

#[test]
fn hmac_id_tokens_are_accepted_only_when_asked_for() {
    let tmp = TempDir::new("jwks");
    let jwks = tmp.path().join("jwks.json");
    std::fs::write(&jwks, r#"{"keys":[]}"#).unwrap();
    let jwks = jwks.to_str().unwrap();
    let secret = "a-client-secret-of-at-least-thirty-two-bytes";
    let token = hs256_token("https://op.example", "app", secret.as_bytes());
    let base = [
        "validate",
        "--issuer",
        "https://op.example",
        "--client-id",
        "app",
        "--jwks-file",
        jwks,
    ];
    let env = [
        ("OIDC_CLIENT_SECRET", secret),
        ("OIDC_ID_TOKEN", token.as_str()),
    ];
    // A desktop client's secret is not confidential: not a signing key by default.
    let e = run_with(&base, None, &env).err(1);
    assert_eq!(e["code"], 920, "{e}");
    let mut args = base.to_vec();
    args.push("--allow-hmac-id-tokens");
    let v = run_with(&args, None, &env).ok();
    assert_eq!(v["id_token_claims"]["sub"], "u1");
    // An empty secret is no secret at all, even for a token MACed with the empty key.
    let empty_key_token = hs256_token("https://op.example", "app", b"");
    let env = [
        ("OIDC_CLIENT_SECRET", ""),
        ("OIDC_ID_TOKEN", empty_key_token.as_str()),
    ];
    let e = run_with(&args, None, &env).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(921), Some("no_signer_key")),
        "{e}"
    );
    // A short one is no HMAC key either (RFC 7518 §3.2).
    let short_key_token = hs256_token("https://op.example", "app", b"short");
    let env = [
        ("OIDC_CLIENT_SECRET", "short"),
        ("OIDC_ID_TOKEN", short_key_token.as_str()),
    ];
    let e = run_with(&args, None, &env).err(1);
    assert_eq!(e["kind"], "weak_hmac_key", "{e}");
}
