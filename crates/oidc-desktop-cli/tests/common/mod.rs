//! Helpers shared by the end-to-end tests: run the built `oidc-desktop` binary with a bounded
//! wait, parse its one JSON object, point `--browser-command` at the scripted agent.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The binary under test.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_oidc-desktop");

/// What one run of the binary produced.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Stdout must hold exactly one JSON object; returns it.
    pub(crate) fn json(&self) -> Value {
        let mut stream = serde_json::Deserializer::from_str(&self.stdout).into_iter::<Value>();
        let first = match stream.next() {
            Some(Ok(v)) => v,
            other => panic!(
                "stdout is not one JSON object ({other:?}):\n--- stdout\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            ),
        };
        assert!(
            stream.next().is_none(),
            "stdout holds more than one JSON value:\n{}",
            self.stdout
        );
        assert!(first.is_object(), "not an object: {first}");
        first
    }

    /// Exit 0 and a success object (no `error` member); returns it.
    pub(crate) fn ok(&self) -> Value {
        let v = self.json();
        assert_eq!(
            self.status,
            Some(0),
            "expected success, got {v}\n--- stderr\n{}",
            self.stderr
        );
        assert!(v.get("error").is_none(), "{v}");
        v
    }

    /// Exit `status` and an error object; returns its `error` member.
    pub(crate) fn err(&self, status: i32) -> Value {
        let v = self.json();
        assert_eq!(
            self.status,
            Some(status),
            "expected exit {status}, got {v}\n--- stderr\n{}",
            self.stderr
        );
        let e = v
            .get("error")
            .cloned()
            .unwrap_or_else(|| panic!("no error member: {v}"));
        assert_eq!(
            v.as_object().unwrap().len(),
            1,
            "only `error` at the top: {v}"
        );
        assert!(e["code"].is_u64(), "{e}");
        assert!(e["kind"].is_string(), "{e}");
        assert!(!e["message"].as_str().unwrap().is_empty(), "{e}");
        e
    }
}

/// A fresh temporary directory, removed by the caller's test through [`TempDir`]'s drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p =
            std::env::temp_dir().join(format!("oidc-desktop-cli-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The command, with an environment that cannot leak in from the developer's shell.
pub(crate) fn command(args: &[&str], cache_home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("BROWSER")
        .env_remove("RUST_LOG")
        .env_remove("OIDC_ISSUER")
        .env_remove("OIDC_DISCOVERY_URL")
        .env_remove("OIDC_CLIENT_ID")
        .env_remove("OIDC_CLIENT_SECRET")
        .env_remove("OIDC_REFRESH_TOKEN")
        .env_remove("OIDC_ACCESS_TOKEN")
        .env_remove("OIDC_DESKTOP_CACHE_DIR")
        .env_remove("OIDC_TOKEN")
        .env_remove("OIDC_ID_TOKEN")
        .env_remove("OIDC_DESKTOP_PROXY")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("OIDC_DESKTOP_PROFILE")
        .env_remove("OIDC_DESKTOP_CONFIG")
        .env("XDG_CACHE_HOME", cache_home)
        .env("XDG_CONFIG_HOME", cache_home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Waits for `child` at most `limit`, killing it after that (the test then fails).
pub(crate) fn wait(mut child: Child, limit: Duration) -> Run {
    let start = Instant::now();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "oidc-desktop did not finish within {limit:?}; stderr:\n{}",
                t_err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// Runs the binary to the end (at most 60 s).
pub(crate) fn run_in(args: &[&str], cache_home: &Path) -> Run {
    let child = command(args, cache_home).spawn().unwrap();
    wait(child, Duration::from_secs(60))
}

/// Runs the binary with a throw-away cache directory.
pub(crate) fn run(args: &[&str]) -> Run {
    let tmp = TempDir::new("run");
    run_in(args, tmp.path())
}

/// `--browser-command` value that runs the hidden scripted agent of the binary itself.
pub(crate) fn agent_command() -> String {
    format!("'{BIN}' agent {{url}}")
}

/// A port on 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The payload of a compact JWS, as JSON.
pub(crate) fn jwt_payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    let bytes = b64url_decode(part);
    serde_json::from_slice(&bytes).unwrap()
}

fn b64url_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

/// Waits (bounded) for the device flow's user code at `op`, approves it as the user would,
/// and returns it.
pub(crate) fn approve_device_code(op: &oidc_testop::TestOp) -> String {
    let start = Instant::now();
    let code = loop {
        if let Some(c) = op.pending_user_codes().into_iter().next() {
            break c;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no device code");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(op.approve_device(&code), "unknown user code {code}");
    code
}

/// `login` against the test provider at `issuer` as `test-client`, with the scripted agent
/// as the browser and `extra` options, in a throw-away cache directory.
pub(crate) fn login_with_agent(issuer: &str, extra: &[&str]) -> Run {
    let agent = agent_command();
    let mut args = vec![
        "login",
        "--issuer",
        issuer,
        "--client-id",
        "test-client",
        "--browser-command",
        &agent,
    ];
    args.extend(extra);
    run(&args)
}
