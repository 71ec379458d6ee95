//! End-to-end tests of the `oidc-desktop` binary against the embedded test provider
//! (`oidc-testop`, in this test process, on 127.0.0.1), with `--browser-command` pointing at
//! the binary's own scripted agent. Every command, the JSON output and error contract, the
//! exit statuses, the cache, Ctrl-C.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::time::Duration;

use common::{TempDir, agent_command, free_port, jwt_payload, run, run_in};
use oidc_testop::{Client, ClientAuth, Endpoint, Fault, OpConfig, TestOp};
use serde_json::Value;

const JANE: &str = "248289761001";

fn op() -> TestOp {
    TestOp::start_in_background(OpConfig::default()).unwrap()
}

fn op_with(config: OpConfig) -> TestOp {
    TestOp::start_in_background(config).unwrap()
}

/// `login` arguments for the default client with the scripted agent.
fn login_args(op: &TestOp, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "login",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--browser-command",
        &agent_command(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn login(op: &TestOp, extra: &[&str]) -> common::Run {
    run(&strs(&login_args(op, extra)))
}

#[test]
fn demo_headless_signs_in_and_prints_the_claims() {
    let tmp = TempDir::new("demo");
    let v = run_in(&["demo", "--headless"], tmp.path()).ok();
    assert_eq!(v["id_token_claims"]["sub"], JANE);
    assert_eq!(v["userinfo"]["email"], "jane@example.com");
    assert_eq!(v["token_type"], "Bearer");
    for m in [
        "access_token",
        "refresh_token",
        "id_token",
        "expires_at",
        "scope",
    ] {
        assert!(v.get(m).is_some(), "{m} missing in {v}");
    }
    // Text mode: a readable summary, tokens masked.
    let r = run_in(&["--output", "text", "demo", "--headless"], tmp.path());
    assert_eq!(r.status, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("Jane Doe <jane@example.com>"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("[hidden:"), "{}", r.stdout);
    assert!(
        r.stderr.contains("Started the demo OpenID Provider"),
        "{}",
        r.stderr
    );
    // Without a display the demo falls back to the scripted agent by itself.
    let v = run_in(&["demo"], tmp.path()).ok();
    assert_eq!(v["id_token_claims"]["sub"], JANE);
}

#[test]
fn login_code_flow_sends_every_option_and_prints_the_session() {
    let op = op();
    let r = login(
        &op,
        &[
            "--scope",
            "profile email",
            "--prompt",
            "login consent",
            "--login-hint",
            "jane",
            "--max-age",
            "600",
            "--param",
            "resource=https://api.example",
            "--param",
            "foo=a=b",
            "--userinfo",
        ],
    );
    let v = r.ok();
    // Exactly the contract's members, nothing else (in whatever order the map keeps them:
    // another workspace crate may turn on serde_json's `preserve_order`).
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_at",
            "id_token",
            "id_token_claims",
            "refresh_token",
            "scope",
            "token_type",
            "userinfo"
        ]
    );
    assert_eq!(v["id_token_claims"]["sub"], JANE);
    assert_eq!(v["id_token_claims"]["aud"], "test-client");
    assert_eq!(v["userinfo"]["sub"], JANE);
    assert!(v["expires_at"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(jwt_payload(v["id_token"].as_str().unwrap())["sub"], JANE);
    // What went to the provider (pushed, since the provider offers PAR).
    let pushed = op.requests_to(Endpoint::PushedAuthorization);
    let authz = op.requests_to(Endpoint::Authorization);
    let req = pushed.first().or(authz.first()).unwrap();
    assert_eq!(req.param("prompt"), Some("login consent"));
    assert_eq!(req.param("login_hint"), Some("jane"));
    assert_eq!(req.param("max_age"), Some("600"));
    assert_eq!(req.param("resource"), Some("https://api.example"));
    assert_eq!(req.param("foo"), Some("a=b"));
    assert_eq!(req.param("scope"), Some("openid profile email"));
    assert_eq!(req.param("code_challenge_method"), Some("S256"));
    assert!(req.param("nonce").is_some());
    assert!(
        req.param("redirect_uri")
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(op.requests_to(Endpoint::UserInfo).len(), 1);
    // Nothing on stderr without -v in JSON mode.
    assert!(!r.stderr.contains("HTTP request"), "{}", r.stderr);
}

#[test]
fn login_works_in_every_grant_and_response_mode() {
    let op = op();
    let cases: [&[&str]; 7] = [
        &["--response-mode", "query"],
        &["--response-mode", "form_post"],
        &["--response-mode", "fragment"],
        &["--grant", "implicit"],
        &["--grant", "implicit", "--response-mode", "fragment"],
        &["--grant", "hybrid"],
        &[
            "--response-type",
            "code id_token token",
            "--response-mode",
            "fragment",
        ],
    ];
    for case in cases {
        let v = login(&op, case).ok();
        assert_eq!(v["id_token_claims"]["sub"], JANE, "{case:?}");
        assert!(v["access_token"].is_string(), "{case:?}: {v}");
        let front = op.last_front_channel().unwrap();
        let want = case
            .iter()
            .position(|a| *a == "--response-mode")
            .map(|i| case[i + 1]);
        if let Some(mode) = want {
            assert_eq!(front.mode.as_str(), mode, "{case:?}");
        }
    }
    // The implicit flow never calls the token endpoint.
    op.clear_requests();
    login(&op, &["--grant", "implicit"]).ok();
    assert!(op.requests_to(Endpoint::Token).is_empty());
    // --no-pkce is refused by a provider that requires PKCE, as a provider error.
    let e = login(&op, &["--no-pkce"]).err(1);
    assert_eq!(e["code"], 940);
    assert_eq!(e["provider_error"], "invalid_request");
}

#[test]
fn confidential_clients_authenticate_as_asked() {
    let op = op_with(
        OpConfig::default()
            .client(Client::confidential(
                "basic-client",
                "s3cret",
                ClientAuth::ClientSecretBasic,
                "http://127.0.0.1/callback",
            ))
            .client(Client::confidential(
                "post-client",
                "s3cret",
                ClientAuth::ClientSecretPost,
                "http://127.0.0.1/callback",
            )),
    );
    for (client, auth) in [("basic-client", "basic"), ("post-client", "post")] {
        let args = [
            "login",
            "--issuer",
            &op.issuer(),
            "--client-id",
            client,
            "--client-secret",
            "s3cret",
            "--client-auth",
            auth,
            "--browser-command",
            &agent_command(),
        ];
        let v = run(&args).ok();
        assert_eq!(v["id_token_claims"]["aud"], client);
    }
    let token = op.requests_to(Endpoint::Token);
    assert!(
        token[0]
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(token[1].param("client_secret"), Some("s3cret"));
}

#[test]
fn refresh_with_and_without_the_original_id_token() {
    let op = op();
    let first = login(&op, &[]).ok();
    let rt = first["refresh_token"].as_str().unwrap();
    let id = first["id_token"].as_str().unwrap();
    let base = ["--issuer", &op.issuer(), "--client-id", "test-client"];

    let mut args = vec!["refresh"];
    args.extend(base);
    args.extend(["--refresh-token", rt, "--id-token", id]);
    let second = run(&args).ok();
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["id_token_claims"]["sub"], JANE);

    // Without the original ID token the new one is validated on its own.
    let rt2 = second["refresh_token"].as_str().unwrap();
    let mut args2 = vec!["refresh"];
    args2.extend(base);
    args2.extend(["--refresh-token", rt2]);
    let third = run(&args2).ok();
    assert_eq!(third["id_token_claims"]["sub"], JANE);

    // Rotation: the first refresh token is spent (and its reuse revokes the grant).
    let e = run(&args).err(1);
    assert_eq!(e["provider_error"], "invalid_grant");
    assert_eq!(e["code"], 940);

    // A refreshed ID token naming another subject is refused when the original is given
    // (OpenID Connect Core 12.2), accepted as a fresh token when it is not.
    let fresh = login(&op, &[]).ok();
    op.add_fault(Fault::RefreshSubAltered);
    let mut args = vec!["refresh"];
    args.extend(base);
    args.extend([
        "--refresh-token",
        fresh["refresh_token"].as_str().unwrap(),
        "--id-token",
        fresh["id_token"].as_str().unwrap(),
    ]);
    let e = run(&args).err(1);
    assert_eq!(e["code"], 903, "{e}");
    assert_eq!(e["kind"], "subject_mismatch");
    op.clear_faults();
    let fresh = login(&op, &[]).ok();
    op.add_fault(Fault::RefreshIssAltered);
    let mut args = vec!["refresh"];
    args.extend(base);
    args.extend([
        "--refresh-token",
        fresh["refresh_token"].as_str().unwrap(),
        "--id-token",
        fresh["id_token"].as_str().unwrap(),
    ]);
    let e = run(&args).err(1);
    assert_eq!(e["code"], 911, "{e}");
    assert_eq!(e["kind"], "issuer_mismatch");
}

#[test]
fn device_flow_prints_the_code_on_stderr_and_polls() {
    let op = op();
    let tmp = TempDir::new("device");
    let child = common::command(
        &[
            "device",
            "--issuer",
            &op.issuer(),
            "--client-id",
            "test-client",
            "--timeout",
            "30",
        ],
        tmp.path(),
    )
    .spawn()
    .unwrap();
    let code = common::approve_device_code(&op);
    let r = common::wait(child, Duration::from_secs(40));
    let v = r.ok();
    assert_eq!(v["id_token_claims"]["sub"], JANE);
    assert!(r.stderr.contains(&code), "{}", r.stderr);
    assert!(r.stderr.contains("/device"), "{}", r.stderr);
}

#[test]
fn validate_with_the_provider_keys_or_a_jwks_file() {
    let op = op();
    let s = login(&op, &[]).ok();
    let id = s["id_token"].as_str().unwrap();
    let nonce = s["id_token_claims"]["nonce"].as_str().unwrap();
    let base = ["--issuer", &op.issuer(), "--client-id", "test-client"];

    let mut a = vec!["validate", "--id-token", id, "--nonce", nonce];
    a.extend(base);
    assert_eq!(run(&a).ok()["id_token_claims"]["sub"], JANE);

    let mut a = vec!["validate", "--id-token", id, "--nonce", "another"];
    a.extend(base);
    let e = run(&a).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(903), Some("nonce_mismatch"))
    );

    let tmp = TempDir::new("jwks");
    let f = tmp.path().join("jwks.json");
    std::fs::write(&f, op.jwks_json().to_string()).unwrap();
    let f = f.to_str().unwrap();
    let mut a = vec!["validate", "--id-token", id, "--jwks-file", f];
    a.extend(base);
    assert_eq!(run(&a).ok()["id_token_claims"]["sub"], JANE);

    let a = [
        "validate",
        "--id-token",
        id,
        "--jwks-file",
        f,
        "--issuer",
        "http://127.0.0.1:1",
        "--client-id",
        "test-client",
    ];
    let e = run(&a).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(911), Some("issuer_mismatch"))
    );
    let a = [
        "validate",
        "--id-token",
        id,
        "--jwks-file",
        f,
        "--issuer",
        &op.issuer(),
        "--client-id",
        "other",
    ];
    let e = run(&a).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(912), Some("audience_mismatch"))
    );
    // A forged signature.
    // A changed signature (a character in the middle of it, so it still decodes).
    let at = id.rfind('.').unwrap() + 10;
    let mut forged = id.to_owned();
    let c = if &id[at..=at] == "A" { "B" } else { "A" };
    forged.replace_range(at..=at, c);
    let mut a = vec!["validate", "--id-token", &forged, "--jwks-file", f];
    a.extend(base);
    let e = run(&a).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(920), Some("bad_signature"))
    );
}

#[test]
fn userinfo_discover_and_revoke() {
    let op = op();
    let s = login(&op, &[]).ok();
    let at = s["access_token"].as_str().unwrap();
    let base = ["--issuer", &op.issuer(), "--client-id", "test-client"];

    let mut a = vec!["userinfo", "--access-token", at];
    a.extend(base);
    let v = run(&a).ok();
    assert_eq!(v["userinfo"]["sub"], JANE);
    let mut a = vec!["userinfo", "--access-token", at, "--sub", "someone-else"];
    a.extend(base);
    let e = run(&a).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(903), Some("userinfo_sub_mismatch"))
    );

    let v = run(&["discover", "--issuer", &op.issuer()]).ok();
    assert_eq!(v["issuer"], op.issuer());
    assert!(v["jwks_uri"].is_string());
    let discovery_url = format!("{}/.well-known/openid-configuration", op.issuer());
    let v = run(&["discover", "--discovery-url", &discovery_url]).ok();
    assert_eq!(v["issuer"], op.issuer());

    let mut a = vec!["revoke", "--token", at, "--token-type-hint", "access_token"];
    a.extend(base);
    assert_eq!(run(&a).ok()["revoked"], true);
    let rev = op.requests_to(Endpoint::Revocation);
    assert_eq!(rev.len(), 1);
    assert_eq!(rev[0].param("token"), Some(at));
    assert_eq!(rev[0].param("token_type_hint"), Some("access_token"));
    // The revoked token no longer opens UserInfo.
    let mut a = vec!["userinfo", "--access-token", at, "--sub", JANE];
    a.extend(base);
    let e = run(&a).err(1);
    assert_eq!(e["kind"], "bearer_token_rejected", "{e}");
}

#[test]
fn cache_reuses_a_valid_token_and_logout_clears_it() {
    let op = op();
    let tmp = TempDir::new("cache");
    let args = login_args(&op, &["--cache", "--scope", "openid email"]);
    let first = run_in(&strs(&args), tmp.path()).ok();
    let dir = tmp.path().join("oidc-desktop");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = files[0].clone();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(stored.contains(first["refresh_token"].as_str().unwrap()));

    // Second run: same token, no new sign-in, no token request.
    op.clear_requests();
    let second = run_in(&strs(&args), tmp.path()).ok();
    assert_eq!(second["access_token"], first["access_token"]);
    assert!(op.requests().is_empty(), "{:?}", op.requests());
    // Claims read back from the cache say so.
    assert_eq!(second["from_cache"], true);
    assert!(first.get("from_cache").is_none());
    // Another scope is another cache entry.
    let other_scope = login_args(&op, &["--cache", "--scope", "openid profile"]);
    let other = run_in(&strs(&other_scope), tmp.path()).ok();
    assert_ne!(other["access_token"], first["access_token"]);

    // logout --revoke clears the entry and revokes its tokens.
    let logout = [
        "logout",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--scope",
        "email openid",
        "--revoke",
    ];
    op.clear_requests();
    let v = run_in(&logout, tmp.path()).ok();
    assert_eq!(v["cache_cleared"], true);
    assert_eq!(
        v["revoked"],
        serde_json::json!(["refresh_token", "access_token"])
    );
    assert_eq!(op.requests_to(Endpoint::Revocation).len(), 2);
    assert!(!file.exists());
    let v = run_in(&logout[..7], tmp.path()).ok();
    assert_eq!(v["cache_cleared"], false);
}

#[test]
fn cache_refreshes_an_expiring_token_silently() {
    let mut config = OpConfig::default();
    config.access_token_lifetime = Duration::from_secs(4);
    let op = op_with(config);
    let tmp = TempDir::new("cache-refresh");
    let args = login_args(&op, &["--cache"]);
    let first = run_in(&strs(&args), tmp.path()).ok();
    // A short-lived token is used while it lives: the 60-second margin scales down to a
    // quarter of its lifetime, so there is no refresh for every use.
    op.clear_requests();
    let again = run_in(&strs(&args), tmp.path()).ok();
    assert_eq!(again["access_token"], first["access_token"]);
    assert!(op.requests().is_empty(), "{:?}", op.requests());
    std::thread::sleep(Duration::from_millis(3_100));
    let second = run_in(&strs(&args), tmp.path()).ok();
    assert_ne!(second["access_token"], first["access_token"]);
    assert!(op.requests_to(Endpoint::Authorization).is_empty());
    assert!(op.requests_to(Endpoint::PushedAuthorization).is_empty());
    let token = op.requests_to(Endpoint::Token);
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].param("grant_type"), Some("refresh_token"));
    // refresh --cache uses (and rotates) the cached refresh token.
    let refresh = [
        "refresh",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--cache",
    ];
    let third = run_in(&refresh, tmp.path()).ok();
    assert_ne!(third["refresh_token"], second["refresh_token"]);
    assert_eq!(third["id_token_claims"]["sub"], JANE);
}

#[test]
fn logout_ends_the_provider_session_in_the_browser() {
    let port = free_port();
    let op = op_with(
        OpConfig::without_clients().client(
            Client::public("test-client", "http://127.0.0.1/callback")
                .post_logout_redirect_uri(format!("http://127.0.0.1:{port}/logged-out")),
        ),
    );
    let tmp = TempDir::new("logout");
    let s = run_in(&strs(&login_args(&op, &["--cache"])), tmp.path()).ok();
    let port_s = port.to_string();
    let v = run_in(
        &[
            "logout",
            "--issuer",
            &op.issuer(),
            "--client-id",
            "test-client",
            "--end-session",
            "--redirect-port",
            &port_s,
            "--timeout",
            "30",
            "--browser-command",
            &agent_command(),
        ],
        tmp.path(),
    )
    .ok();
    assert_eq!(v["end_session"], true);
    assert_eq!(v["cache_cleared"], true);
    let end = op.requests_to(Endpoint::EndSession);
    assert_eq!(end.len(), 1);
    assert_eq!(end[0].param("id_token_hint"), s["id_token"].as_str());
}

#[test]
fn exec_credential_output_for_kubectl() {
    let op = op();
    let r = login(&op, &["--output", "exec-credential"]);
    let v = r.ok();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(v["kind"], "ExecCredential");
    let token = v["status"]["token"].as_str().unwrap();
    let claims = jwt_payload(token);
    assert_eq!(claims["sub"], JANE);
    assert_eq!(claims["aud"], "test-client");
    let ts = v["status"]["expirationTimestamp"].as_str().unwrap();
    // RFC 3339, UTC, the ID token's exp.
    assert_eq!(ts.len(), 20, "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{ts}");
    let exp = claims["exp"].as_i64().unwrap();
    let mins = (exp / 60) % 60;
    assert_eq!(&ts[14..16], format!("{mins:02}"), "{ts} vs {exp}");
    // Only commands that sign in can produce one.
    let e = run(&[
        "-o",
        "exec-credential",
        "discover",
        "--issuer",
        &op.issuer(),
    ])
    .err(2);
    assert_eq!(e["kind"], "usage");
}

/// Every error kind of the catalogue the CLI can meet in a browser sign-in, with its code.
#[test]
fn errors_are_one_json_object_with_code_and_kind() {
    let op = op();
    let cases: Vec<(Fault, u64, &str)> = vec![
        (Fault::DiscoveryIssuerMismatch, 900, "invalid_discovery"),
        (Fault::IdTokenIssAltered, 911, "issuer_mismatch"),
        (Fault::IdTokenAudAltered, 912, "audience_mismatch"),
        (Fault::IdTokenSignatureCorrupted, 920, "bad_signature"),
        (Fault::IdTokenNonceAltered, 903, "nonce_mismatch"),
        (Fault::IdTokenExpired, 910, "expired"),
        (Fault::IdTokenNotYetValid, 914, "not_yet_valid"),
        (Fault::IdTokenIatInFuture, 915, "invalid_iat"),
        (Fault::IdTokenSubRemoved, 913, "missing_claim"),
        (Fault::IdTokenAlgNone, 923, "missing_signature"),
        (Fault::IdTokenAtHashAltered, 903, "at_hash_mismatch"),
        (Fault::IssParameterWrong, 911, "issuer_mismatch"),
        (Fault::access_denied(), 940, "authorization_error"),
        (Fault::invalid_grant(), 940, "token_error"),
    ];
    for (fault, code, kind) in cases {
        op.set_faults([fault.clone()]);
        let r = login(&op, &[]);
        assert_eq!(r.status, Some(1), "{fault:?} was accepted: {}", r.stdout);
        let e = r.err(1);
        assert_eq!(e["code"].as_u64(), Some(code), "{fault:?}: {e}");
        assert_eq!(e["kind"], kind, "{fault:?}: {e}");
        match &fault {
            Fault::AccessDenied { description, .. } => {
                assert_eq!(e["provider_error"], "access_denied");
                assert_eq!(e["provider_error_description"], description.as_str());
                assert_eq!(
                    e["provider_error_uri"],
                    "https://op.example/errors/access_denied"
                );
            }
            Fault::TokenError { .. } => assert_eq!(e["provider_error"], "invalid_grant"),
            _ => assert!(e.get("provider_error").is_none(), "{e}"),
        }
    }
    // A response with a foreign state is ignored by the loopback (it may be a stray or
    // forged request); the sign-in then times out, and says why: kind state_mismatch.
    op.set_faults([Fault::WrongState]);
    let e = login(&op, &["--timeout", "2"]).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(940), Some("state_mismatch"))
    );
    assert!(e["message"].as_str().unwrap().contains("state"), "{e}");
    op.clear_faults();
    // A wrong issuer: no discovery document there (900).
    let e = run(&[
        "login",
        "--issuer",
        &format!("{}/nowhere", op.issuer()),
        "--client-id",
        "test-client",
    ])
    .err(1);
    assert_eq!(e["code"], 900, "{e}");
    // Nobody comes back: the loopback times out (940 timeout).
    let r = run(&[
        "login",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--timeout",
        "1",
        "--browser-command",
        "true",
    ]);
    let e = r.err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(940), Some("timeout"))
    );
    // In text mode the error goes to stderr and stdout stays empty.
    let r = run(&[
        "--output",
        "text",
        "discover",
        "--issuer",
        &format!("{}/nowhere", op.issuer()),
    ]);
    assert_eq!(r.status, Some(1));
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("[900]"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2_with_a_json_error() {
    for (args, kind) in [
        (&["login", "--client-id", "x"][..], "usage"),
        (&["login", "--issuer", "http://127.0.0.1:1"], "usage"),
        (&["login", "--no-such-flag"], "usage"),
        (
            &[
                "login",
                "--issuer",
                "http://127.0.0.1:1",
                "--client-id",
                "x",
                "--param",
                "novalue",
            ],
            "usage",
        ),
        (
            &[
                "login",
                "--issuer",
                "http://127.0.0.1:1",
                "--client-id",
                "x",
                "--grant",
                "magic",
            ],
            "usage",
        ),
        (
            &[
                "login",
                "--issuer",
                "http://a",
                "--discovery-url",
                "http://b",
            ],
            "usage",
        ),
        (
            &[
                "refresh",
                "--issuer",
                "http://127.0.0.1:1",
                "--client-id",
                "x",
            ],
            "usage",
        ),
        (&["nonsense"], "usage"),
        (&[], "usage"),
        (
            &["login", "--issuer", "not a url", "--client-id", "x"],
            "invalid_url",
        ),
        (
            &[
                "login",
                "--issuer",
                "http://127.0.0.1:1",
                "--client-id",
                "x",
                "--response-type",
                "code banana",
            ],
            "invalid_response_type",
        ),
    ] {
        let r = run(args);
        let e = r.err(2);
        assert_eq!(e["kind"], kind, "{args:?}: {e}");
        if kind == "usage" {
            assert_eq!(e["code"], 0, "{args:?}: {e}");
        }
        assert!(!r.stderr.is_empty(), "{args:?}");
    }
    // In text mode clap's message is on stderr only.
    let r = run(&["--output", "text", "login", "--no-such-flag"]);
    assert_eq!(r.status, Some(2));
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("--no-such-flag"));
    // Help and version are not errors.
    let r = run(&["--help"]);
    assert_eq!(r.status, Some(0));
    assert!(r.stdout.contains("login"));
    let r = run(&["login", "--help"]);
    assert!(r.stdout.contains("--browser-command") && r.stdout.contains("--no-browser"));
    assert_eq!(run(&["--version"]).status, Some(0));
}

#[test]
fn stdout_holds_only_the_result_even_when_the_browser_talks() {
    let op = op();
    let noisy = format!(
        "sh -c 'echo BROWSER-NOISE; echo BROWSER-NOISE >&2; exec \"$0\" agent \"$1\"' '{}' {{url}}",
        common::BIN
    );
    let args = [
        "login",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--browser-command",
        &noisy,
    ];
    let r = run(&args);
    r.ok();
    assert!(!r.stdout.contains("BROWSER-NOISE"));
    assert!(!r.stderr.contains("BROWSER-NOISE"));
}

#[test]
fn no_browser_prints_the_url_and_waits() {
    let op = op();
    let tmp = TempDir::new("nobrowser");
    let mut child = common::command(
        &[
            "login",
            "--issuer",
            &op.issuer(),
            "--client-id",
            "test-client",
            "--no-browser",
            "--timeout",
            "30",
        ],
        tmp.path(),
    )
    .spawn()
    .unwrap();
    // Read stderr until the URL shows up, then play the browser with it.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(n > 0, "stderr ended without a URL: {seen}");
        seen.push_str(&line);
        if let Some(u) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break u.to_owned();
        }
    };
    assert!(seen.contains("Open this URL"), "{seen}");
    let agent = run(&["agent", &url]);
    assert_eq!(agent.status, Some(0), "{}", agent.stdout);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["id_token_claims"]["sub"], JANE);
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_and_frees_the_port() {
    let op = op();
    let port = free_port();
    let port_s = port.to_string();
    let tmp = TempDir::new("ctrlc");
    let child = common::command(
        &[
            "login",
            "--issuer",
            &op.issuer(),
            "--client-id",
            "test-client",
            "--browser-command",
            "true",
            "--redirect-port",
            &port_s,
            "--timeout",
            "60",
        ],
        tmp.path(),
    )
    .spawn()
    .unwrap();
    // Wait until the loopback listens, then press Ctrl-C.
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the loopback never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let r = common::wait(child, Duration::from_secs(10));
    let e = r.err(130);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(940), Some("cancelled"))
    );
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free again");
}

#[test]
fn verbose_logs_mask_secrets_unless_asked() {
    let op = op();
    let r = login(&op, &["-vvv"]);
    let v = r.ok();
    let at = v["access_token"].as_str().unwrap();
    assert!(r.stderr.contains("HTTP request"), "{}", r.stderr);
    assert!(
        !r.stderr.contains(at),
        "the access token leaked into the log"
    );
    let r = login(&op, &["-vvv", "--show-secrets"]);
    let v = r.ok();
    let at = v["access_token"].as_str().unwrap();
    assert!(
        r.stderr.contains(at),
        "--show-secrets shows the token in the debug log"
    );
    // RUST_LOG works when -v is absent.
    let tmp = TempDir::new("rustlog");
    let mut c = common::command(&strs(&login_args(&op, &[])), tmp.path());
    c.env("RUST_LOG", "oidc_reqwest=info");
    let r = common::wait(c.spawn().unwrap(), Duration::from_secs(60));
    r.ok();
    assert!(r.stderr.contains("HTTP request"), "{}", r.stderr);
}

#[test]
fn token_values_may_start_with_a_hyphen_and_par_can_be_turned_off() {
    let op = op();
    // `--par never`: the whole request travels in the URL, no PAR request.
    let s = login(&op, &["--par", "never"]).ok();
    assert!(op.requests_to(Endpoint::PushedAuthorization).is_empty());
    let auth = &op.requests_to(Endpoint::Authorization)[0];
    assert_eq!(auth.param("code_challenge_method"), Some("S256"));
    // base64url tokens begin with '-' one time in 64: they are values, not options.
    let rt = s["refresh_token"].as_str().unwrap();
    let hyphen = format!("-{rt}");
    let e = run(&[
        "refresh",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--refresh-token",
        &hyphen,
    ])
    .err(1);
    assert_eq!(
        e["kind"], "token_error",
        "the provider, not the parser, refused it: {e}"
    );
    let e = run(&[
        "revoke",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--token",
        "-abc",
    ]);
    assert_ne!(e.status, Some(2), "a hyphen token is not a usage error");
}

#[cfg(target_os = "linux")]
#[test]
fn the_keyring_store_keeps_the_session_out_of_the_cache_directory() {
    // Without a desktop session bus the keyring is the kernel's keyutils store, shared by
    // every process of the user: a second process reuses the session without a request.
    let op = op();
    let tmp = TempDir::new("keyring-store");
    let mut args = login_args(&op, &["--cache", "--token-store", "keyring"]);
    args.extend([
        "--account".to_owned(),
        format!("keyring-test-{}", std::process::id()),
    ]);
    let run_args = |extra: &[&str]| {
        let mut a = strs(&args);
        a.extend_from_slice(extra);
        let mut c = common::command(&a, tmp.path());
        c.env_remove("DBUS_SESSION_BUS_ADDRESS");
        common::wait(c.spawn().unwrap(), Duration::from_secs(60))
    };
    let first = run_args(&[]).ok();
    op.clear_requests();
    let second = run_args(&[]).ok();
    assert_eq!(second["access_token"], first["access_token"]);
    assert_eq!(second["from_cache"], true);
    assert!(op.requests().is_empty(), "{:?}", op.requests());
    let dir = tmp.path().join("oidc-desktop");
    let json_files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(
        json_files, 0,
        "the session is in the keyring, not in a file"
    );
    let logout = [
        "logout",
        "--issuer",
        &op.issuer(),
        "--client-id",
        "test-client",
        "--token-store",
        "keyring",
        "--account",
        &format!("keyring-test-{}", std::process::id()),
    ];
    assert_eq!(run_in(&logout, tmp.path()).ok()["cache_cleared"], true);
    assert_eq!(run_in(&logout, tmp.path()).ok()["cache_cleared"], false);
}

#[test]
fn the_none_store_keeps_nothing_between_runs() {
    let op = op();
    let tmp = TempDir::new("none-store");
    let args = login_args(&op, &["--cache", "--token-store", "none"]);
    let first = run_in(&strs(&args), tmp.path()).ok();
    let second = run_in(&strs(&args), tmp.path()).ok();
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(op.requests_to(Endpoint::Authorization).len(), 2);
}
