//! End to end against a real, independent OpenID Provider: panva's `oidc-provider` from
//! `../shared/realop` (or `$OIDC_REALOP_DIR`), copied to a temporary directory and started on
//! 127.0.0.1 in its redirect-only login mode by `oidc_testkit::realop`, with the binary's
//! scripted agent (which keeps the provider's cookies) as the browser.
//!
//! With `CI` set, a missing folder or a missing node fails the test; without `CI` those
//! print a SKIPPED note instead. A provider that does not start always fails it.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{TempDir, agent_command, run_in};
use oidc_testkit::realop::{Interactions, RealOp};

fn start(tmp: &Path) -> Option<RealOp> {
    start_with(tmp, &[])
}

/// Starts the real provider (redirect-only logins, a refresh token with every grant, one
/// `OP_COUNT_LOG` line per token request) in `tmp`, with more of its settings
/// (`OP_ACCESS_TTL`, …).
fn start_with(tmp: &Path, settings: &[(&str, &str)]) -> Option<RealOp> {
    let mut b = RealOp::builder(tmp.join("home"))
        .interactions(Interactions::Auto)
        .setting("OP_REFRESH_POLICY", "always")
        .count_log(tmp.join("token-requests.log"))
        .start_limit(Duration::from_secs(240));
    for (k, v) in settings {
        b = b.setting(k, v);
    }
    b.start_for_test("oidc-desktop-cli realop")
}

#[test]
fn every_command_against_a_real_provider() {
    let tmp = TempDir::new("realop");
    let Some(op) = start(tmp.path()) else { return };
    let issuer = format!("http://127.0.0.1:{}", op.port());
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

    // Signing in over SSH: the browser (on another machine) cannot reach the loopback, so
    // the user pastes the address it ended on.
    paste::sign_ins(&op, &issuer);
}

mod paste {
    //! `login --no-browser` completed by pasting, against the real provider: a "browser"
    //! follows the whole sign-in but never requests the loopback address (as a browser on
    //! another machine cannot), and the test pastes that address into the CLI's stdin.

    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::process::{ChildStdin, Stdio};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use super::{RealOp, TempDir, common};

    /// A running `login --no-browser`, its stderr read line by line.
    struct Login {
        child: std::process::Child,
        stdin: ChildStdin,
        stderr: mpsc::Receiver<String>,
        seen: Vec<String>,
    }

    impl Login {
        fn start(issuer: &str, port: u16, cache: &std::path::Path) -> Self {
            let port = port.to_string();
            let mut child = common::command(
                &[
                    "login",
                    "--issuer",
                    issuer,
                    "--client-id",
                    "desktop-public",
                    "--no-browser",
                    "--redirect-port",
                    &port,
                    "--timeout",
                    "60",
                ],
                cache,
            )
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
            let stdin = child.stdin.take().unwrap();
            let err = child.stderr.take().unwrap();
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(err).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            Self {
                child,
                stdin,
                stderr: rx,
                seen: Vec::new(),
            }
        }

        /// Waits (bounded) for a stderr line satisfying `want`; returns it.
        fn line(&mut self, want: impl Fn(&str) -> bool) -> String {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.stderr.recv_timeout(left) {
                    Ok(l) => {
                        self.seen.push(l.clone());
                        if want(&l) {
                            return l;
                        }
                    }
                    Err(_) => panic!("no such line on stderr; saw:\n{}", self.seen.join("\n")),
                }
            }
        }

        fn paste(&mut self, line: &str) {
            writeln!(self.stdin, "{line}").unwrap();
            self.stdin.flush().unwrap();
        }

        /// Waits for the CLI to finish; its stdout's one JSON object.
        fn finish(mut self) -> serde_json::Value {
            let mut out = String::new();
            self.child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            let status = self.child.wait().unwrap();
            assert!(
                status.success(),
                "{status}: {out}\n{}",
                self.seen.join("\n")
            );
            serde_json::from_str(&out).unwrap()
        }
    }

    /// Plays the remote browser: follows `url` to the redirect for `port` and returns
    /// that address, unrequested.
    fn remote_browser(url: &str, port: u16, cache: &std::path::Path) -> String {
        let stop = format!("http://127.0.0.1:{port}/callback");
        let v = common::run_in(&["agent", url, "--stop-at", &stop], cache).ok();
        v["stopped_at"]
            .as_str()
            .unwrap_or_else(|| panic!("the agent did not reach the redirect: {v}"))
            .to_owned()
    }

    /// The three ways of pasting, each ending with one code exchange.
    pub(super) fn sign_ins(op: &RealOp, issuer: &str) {
        let cache = TempDir::new("realop-paste");
        type Shape = fn(&str) -> Vec<String>;
        let shapes: [(&str, Shape); 3] = [
            ("the whole address", |addr| vec![addr.to_owned()]),
            ("its query string", |addr| {
                vec![addr.split_once('?').unwrap().1.to_owned()]
            }),
            ("a wrong state first, then the right line", |addr| {
                let (base, query) = addr.split_once('?').unwrap();
                let wrong: Vec<String> = query
                    .split('&')
                    .map(|kv| {
                        if kv.starts_with("state=") {
                            "state=not-this-sign-in".to_owned()
                        } else {
                            kv.to_owned()
                        }
                    })
                    .collect();
                vec![format!("{base}?{}", wrong.join("&")), addr.to_owned()]
            }),
        ];
        for (what, shape) in shapes {
            let exchanges = op.token_requests("authorization_code", 200);
            let port = common::free_port();
            let mut login = Login::start(issuer, port, cache.path());
            let prefix = format!("http://127.0.0.1:{}/", op.port());
            let url = login.line(|l| l.trim_start().starts_with(&prefix));
            login.line(|l| l.contains("paste it here"));
            let landed = remote_browser(url.trim(), port, cache.path());
            assert!(landed.contains("code="), "{what}: {landed}");
            let lines = shape(&landed);
            for (i, line) in lines.iter().enumerate() {
                login.paste(line);
                if i + 1 < lines.len() {
                    let refused = login.line(|l| l.contains("was not accepted"));
                    assert!(refused.contains("state"), "{what}: {refused}");
                }
            }
            let v = login.finish();
            assert_eq!(v["id_token_claims"]["sub"], "alice", "{what}");
            assert_eq!(
                op.token_requests("authorization_code", 200),
                exchanges + 1,
                "{what}: exactly one code exchange"
            );
        }
    }
}

/// kubectl runs its credential plugin for every command, often several at once. With
/// 30-second access tokens every run must refresh, and the provider rotates refresh tokens
/// and revokes the whole grant when a rotated one is replayed: twelve processes at once must
/// still cost exactly one refresh, and a later refresh must still work. Then the same with
/// some processes SIGKILLed mid-run: the others finish, and at most one refresh is refused.
#[test]
fn concurrent_logins_share_one_refresh() {
    let tmp = TempDir::new("realop-concurrent");
    let Some(op) = start_with(tmp.path(), &[("OP_ACCESS_TTL", "30")]) else {
        return;
    };
    let issuer = format!("http://127.0.0.1:{}", op.port());
    let cache = TempDir::new("realop-concurrent-cache");
    let agent = agent_command();
    let base = [
        "login",
        "--issuer",
        issuer.as_str(),
        "--client-id",
        "desktop-public",
        "--scope",
        "openid offline_access",
        "--cache",
        "--timeout",
        "60",
    ];
    let mut first = base.to_vec();
    first.extend(["--browser-command", agent.as_str()]);
    let signed_in = run_in(&first, cache.path()).ok();
    let exp = signed_in["expires_at"].as_i64().unwrap();
    // From here on no browser can help: a process that needs one fails.
    let mut args = base.to_vec();
    args.extend(["--browser-command", "false"]);

    // The 60-second reuse margin scales to a quarter of the 30-second lifetime.
    wait_until(exp - 7);
    let runs = run_all(&args, cache.path(), 12, &[]);
    let tokens: Vec<String> = runs
        .iter()
        .map(|r| {
            r.as_ref().unwrap().ok()["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for all");
    assert_ne!(tokens[0], signed_in["access_token"].as_str().unwrap());
    assert_eq!(
        op.token_requests("refresh_token", 200),
        1,
        "exactly one refresh"
    );
    assert_eq!(op.token_requests("refresh_token", 400), 0);
    let refresh = [
        "refresh",
        "--issuer",
        issuer.as_str(),
        "--client-id",
        "desktop-public",
        "--scope",
        "openid offline_access",
        "--cache",
    ];
    let refreshed = run_in(&refresh, cache.path()).ok();
    assert_eq!(
        op.token_requests("refresh_token", 200),
        2,
        "the session lives on"
    );

    // Again, killing a third of the processes at staggered moments.
    wait_until(refreshed["expires_at"].as_i64().unwrap() - 7);
    let refused_before = op.token_requests("refresh_token", 400);
    let kill_after_ms = [0, 15, 40, 80];
    let runs = run_all(&args, cache.path(), 12, &kill_after_ms);
    let mut finished = 0;
    for r in runs.iter().flatten() {
        finished += 1;
        match r.status {
            Some(0) => assert!(r.json()["access_token"].is_string()),
            // The one way a survivor may fail: a killed process took the rotated refresh
            // token with it, the provider refused the old one, and signing in again needs
            // the browser that this test does not have.
            // (The error object sits under `error`; this arm read `kind` at the top, so the
            // rare allowed failure itself failed the test.)
            _ => assert_eq!(
                r.json()["error"]["kind"],
                "browser_launch_failed",
                "{}",
                r.stderr
            ),
        }
    }
    assert_eq!(finished, 12 - kill_after_ms.len());
    assert!(
        op.token_requests("refresh_token", 400) - refused_before <= 1,
        "at most one refused refresh"
    );
}

/// Sleeps until Unix time `t` (bounded: at most 40 s).
fn wait_until(t: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    #[allow(
        clippy::cast_precision_loss,
        reason = "Unix seconds fit an f64 exactly"
    )]
    let wait = (t as f64 - now).clamp(0.0, 40.0);
    std::thread::sleep(Duration::from_secs_f64(wait));
}

/// Starts `n` processes at once; the first `kill_after_ms.len()` are SIGKILLed that many
/// milliseconds after the start (their result is `None`).
fn run_all(
    args: &[&str],
    cache: &Path,
    n: usize,
    kill_after_ms: &[u64],
) -> Vec<Option<common::Run>> {
    let children: Vec<_> = (0..n)
        .map(|_| common::command(args, cache).spawn().unwrap())
        .collect();
    let started = std::time::Instant::now();
    let mut runs = Vec::new();
    let mut waiting = Vec::new();
    for (i, mut child) in children.into_iter().enumerate() {
        if let Some(ms) = kill_after_ms.get(i) {
            let at = Duration::from_millis(*ms);
            std::thread::sleep(at.saturating_sub(started.elapsed()));
            child.kill().unwrap();
            child.wait().unwrap();
            runs.push(None);
        } else {
            waiting.push(std::thread::spawn(move || {
                common::wait(child, Duration::from_secs(90))
            }));
        }
    }
    runs.extend(waiting.into_iter().map(|t| Some(t.join().unwrap())));
    runs
}
