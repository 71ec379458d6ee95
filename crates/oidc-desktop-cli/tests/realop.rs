//! End to end against a real, independent OpenID Provider: panva's `oidc-provider` from
//! `../shared/realop` (or `$OIDC_REALOP_DIR`), copied to a temporary directory and started on
//! 127.0.0.1 in its redirect-only login mode, with the binary's scripted agent (which keeps
//! the provider's cookies) as the browser.
//!
//! With `CI` set, a missing folder, a missing node or a provider that does not start fails
//! the test; without `CI` those print a SKIPPED note instead.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]
#![allow(clippy::print_stderr, reason = "a skipped test says so on stderr")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{TempDir, agent_command, free_port, run_in};

fn skip_or_fail(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set and the real provider is unavailable: {why}"
    );
    eprintln!("SKIPPED (set CI to make this a failure): {why}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "node_modules" || name == "run" || name == ".venv" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The running provider; stopped (by its own stop.sh) when dropped.
struct RealOp {
    dir: PathBuf,
    home: PathBuf,
    port: u16,
}

impl Drop for RealOp {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(self.dir.join("stop.sh"))
            .arg(self.port.to_string())
            .env("OP_HOME", &self.home)
            .output();
    }
}

fn start(tmp: &Path) -> Option<RealOp> {
    let source = std::env::var_os("OIDC_REALOP_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/realop"),
        PathBuf::from,
    );
    if !source.join("start.sh").exists() {
        skip_or_fail(&format!("no provider scripts at {}", source.display()));
        return None;
    }
    if Command::new("node").arg("--version").output().is_err() {
        skip_or_fail("node is not installed");
        return None;
    }
    let dir = tmp.join("realop");
    copy_dir(&source, &dir);
    let home = tmp.join("home");
    let port = free_port();
    let op = RealOp {
        dir: dir.clone(),
        home: home.clone(),
        port,
    };
    let mut child = Command::new("bash")
        .arg(dir.join("start.sh"))
        .arg(port.to_string())
        .env("OP_HOME", &home)
        .env("OP_INTERACTIONS", "auto")
        .env("OP_REFRESH_POLICY", "always")
        .env("OP_WAIT_SECS", "60")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // npm ci on first use, then the readiness probe: bounded.
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(240) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    if status.is_none_or(|s| !s.success()) {
        skip_or_fail(&format!(
            "start.sh failed ({status:?}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        return None;
    }
    Some(op)
}

#[test]
fn every_command_against_a_real_provider() {
    let tmp = TempDir::new("realop");
    let Some(op) = start(tmp.path()) else { return };
    let issuer = format!("http://127.0.0.1:{}", op.port);
    let cache = TempDir::new("realop-cache");
    let agent = agent_command();
    let run = |args: &[&str]| run_in(args, cache.path());

    let v = run(&["discover", "--issuer", &issuer]).ok();
    assert_eq!(v["issuer"], issuer.as_str());

    // Authorization code + PKCE, RFC 9207 iss, PAR as the provider offers it.
    let login = [
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "desktop-public",
        "--scope",
        "openid profile email",
        "--browser-command",
        &agent,
        "--timeout",
        "30",
        "--userinfo",
    ];
    let s = run(&login).ok();
    assert_eq!(s["id_token_claims"]["sub"], "alice");
    assert_eq!(s["userinfo"]["email"], "alice@example.com");
    let at = s["access_token"].as_str().unwrap();
    let rt = s["refresh_token"].as_str().unwrap();
    let id = s["id_token"].as_str().unwrap();
    let client = ["--issuer", &issuer, "--client-id", "desktop-public"];

    let mut a = vec!["refresh", "--refresh-token", rt, "--id-token", id];
    a.extend(client);
    let r = run(&a).ok();
    assert_ne!(r["access_token"], s["access_token"]);
    assert_eq!(r["id_token_claims"]["sub"], "alice");
    let at2 = r["access_token"].as_str().unwrap();

    let mut a = vec!["userinfo", "--access-token", at2];
    a.extend(client);
    assert_eq!(run(&a).ok()["userinfo"]["sub"], "alice");

    let mut a = vec!["validate", "--id-token", id];
    a.extend(client);
    assert_eq!(run(&a).ok()["id_token_claims"]["sub"], "alice");

    let mut a = vec![
        "revoke",
        "--token",
        at2,
        "--token-type-hint",
        "access_token",
    ];
    a.extend(client);
    assert_eq!(run(&a).ok()["revoked"], true);
    let mut a = vec!["userinfo", "--access-token", at2, "--sub", "alice"];
    a.extend(client);
    assert_eq!(run(&a).err(1)["kind"], "bearer_token_rejected");
    let _ = at;

    // Hybrid with form_post (c_hash, at_hash), and ES256 / EdDSA ID tokens.
    for (client_id, extra) in [
        (
            "desktop-public",
            &["--grant", "hybrid", "--response-mode", "form_post"][..],
        ),
        (
            "desktop-public",
            &["--grant", "implicit", "--response-mode", "form_post"],
        ),
        ("desktop-public-es256", &[]),
        ("desktop-public-eddsa", &[]),
    ] {
        let mut a = vec![
            "login",
            "--issuer",
            &issuer,
            "--client-id",
            client_id,
            "--browser-command",
            &agent,
            "--timeout",
            "30",
        ];
        a.extend(extra);
        let v = run(&a).ok();
        assert_eq!(
            v["id_token_claims"]["sub"], "alice",
            "{client_id} {extra:?}"
        );
    }

    // A confidential client with client_secret_basic, and a token cache.
    let secret = [
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "desktop-secret",
        "--client-secret",
        "desktop-secret-password",
        "--client-auth",
        "basic",
        "--browser-command",
        &agent,
        "--timeout",
        "30",
        "--cache",
    ];
    let first = run(&secret).ok();
    let again = run(&secret).ok();
    assert_eq!(
        first["access_token"], again["access_token"],
        "the cache was reused"
    );
    let logout = [
        "logout",
        "--issuer",
        &issuer,
        "--client-id",
        "desktop-secret",
        "--client-secret",
        "desktop-secret-password",
        "--revoke",
    ];
    let v = run(&logout).ok();
    assert_eq!(v["cache_cleared"], true);

    // The error contract against a real provider.
    let mut a = login.to_vec();
    a.extend(["--expected-issuer", "https://someone-else.example"]);
    let e = run(&a).err(1);
    assert_eq!(
        (e["code"].as_u64(), e["kind"].as_str()),
        (Some(911), Some("issuer_mismatch"))
    );
    let mut a = login.to_vec();
    a.extend(["--prompt", "none"]);
    let e = run(&a).err(1);
    assert_eq!(e["code"], 940);
    // A fresh agent has no session at the provider.
    assert_eq!(e["provider_error"], "login_required", "{e}");
    let e = run(&["discover", "--issuer", &format!("{issuer}/nope")]).err(1);
    assert_eq!(e["code"], 900);
}
