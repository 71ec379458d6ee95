//! One sign-in per response mode through a real browser: headless Chromium as the
//! `--browser-command`, against the embedded test provider (auto-approving) on 127.0.0.1.
//! Proves that the loopback's pages work in a browser that runs JavaScript: the fragment
//! relay page and the form_post auto-submit.
//!
//! With `CI` set a missing Chromium fails the test; otherwise it is skipped with a note.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]
#![allow(clippy::print_stderr, reason = "a skipped test says so on stderr")]

mod common;

use std::path::PathBuf;

use common::{TempDir, run_in};
use oidc_testop::{OpConfig, TestOp};

fn chromium() -> Option<PathBuf> {
    let candidates = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ];
    if let Some(found) = candidates.iter().map(PathBuf::from).find(|p| p.exists()) {
        return Some(found);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but no Chromium was found at {candidates:?}: install it (apt-get install -y chromium)"
    );
    eprintln!("SKIPPED: no Chromium at {candidates:?} (set CI to make this a failure)");
    None
}

/// Runs `login` with headless Chromium (its DOM dump goes to `dom`, when given) and the
/// `extra` options; returns the run.
fn login_with_chromium(
    chromium: &std::path::Path,
    op: &TestOp,
    extra: &[&str],
    dom: Option<&std::path::Path>,
) -> common::Run {
    let profile = TempDir::new("chromium-profile");
    let cache = TempDir::new("chromium-cache");
    let issuer = op.issuer();
    let op_port = oidc_desktop::core::url::Url::parse(&issuer)
        .unwrap()
        .port()
        .unwrap();
    // The provider's origin counts as public, as a real provider's does, so Local Network
    // Access judges its form_post page's way to the loopback as in production.
    let browser = format!(
        "'{}' --headless --no-sandbox --disable-gpu --disable-background-networking \
         --disable-component-update --disable-sync --no-first-run --user-data-dir='{}' \
         --ip-address-space-overrides=127.0.0.1:{op_port}=public --dump-dom {{url}}",
        chromium.display(),
        profile.path().display()
    );
    // The DOM dump goes to the browser's stdout, which the launcher discards: wrap it.
    let command = match dom {
        Some(file) => format!("sh -c 'exec \"$0\" \"$@\" > {}' {browser}", file.display()),
        None => browser,
    };
    let mut args = vec![
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "test-client",
        "--timeout",
        "45",
        "--browser-command",
        &command,
    ];
    args.extend(extra);
    run_in(&args, cache.path())
}

/// Serves one fixed page on 127.0.0.1 (the application's "you may close this tab" page);
/// returns its URL.
fn serve_page(body: &'static str) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        // Bounded: the page and perhaps a favicon.
        for conn in listener.incoming().take(4) {
            let Ok(mut conn) = conn else { return };
            let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}/done")
}

#[test]
fn chromium_ends_on_the_success_url() {
    let Some(chromium) = chromium() else { return };
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let page = serve_page("<html><body><h1>Back in the application</h1></body></html>");
    let tmp = TempDir::new("chromium-dom");
    let dom = tmp.path().join("dom.html");
    let v = login_with_chromium(&chromium, &op, &["--success-url", &page], Some(&dom)).ok();
    assert_eq!(v["id_token_claims"]["sub"], "248289761001");
    // Chromium exits after the dump; wait for it (bounded).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let text = loop {
        let t = std::fs::read_to_string(&dom).unwrap_or_default();
        if t.contains("</html>") || std::time::Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        text.contains("Back in the application"),
        "Chromium ended on: {text}"
    );
}

fn sign_in_with_chromium(extra: &[&str]) {
    let Some(chromium) = chromium() else { return };
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let r = login_with_chromium(&chromium, &op, extra, None);
    let v = r.ok();
    assert_eq!(v["id_token_claims"]["sub"], "248289761001", "{extra:?}");
    let front = op.last_front_channel().unwrap();
    let mode = extra[extra.iter().position(|a| *a == "--response-mode").unwrap() + 1];
    assert_eq!(front.mode.as_str(), mode);
}

#[test]
fn chromium_query() {
    sign_in_with_chromium(&["--response-mode", "query"]);
}

#[test]
fn chromium_fragment() {
    sign_in_with_chromium(&["--response-mode", "fragment"]);
}

#[test]
fn chromium_form_post() {
    sign_in_with_chromium(&["--grant", "hybrid", "--response-mode", "form_post"]);
}
