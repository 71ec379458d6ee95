//! One sign-in per response mode through a real browser: headless Chromium as the
//! `--browser-command`, against the embedded test provider (auto-approving) on 127.0.0.1.
//! Proves that the loopback's pages work in a browser that runs JavaScript: the fragment
//! relay page and the form_post auto-submit.
//!
//! Chromium is found by `oidc_testkit::chromium` (`$CHROMIUM` names another binary). With
//! `CI` set a missing Chromium fails the test; otherwise it is skipped with a note.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use common::{TempDir, run_in};
use oidc_testkit::chromium::{ProfileDir, command_line, find_for_test, public_origin_flag};
use oidc_testop::{OpConfig, TestOp};

/// Runs `login` with headless Chromium (its DOM dump goes to `dom`, when given) and the
/// `extra` options; returns the run.
fn login_with_chromium(
    chromium: &std::path::Path,
    op: &TestOp,
    extra: &[&str],
    dom: Option<&std::path::Path>,
) -> common::Run {
    let profile = ProfileDir::new().unwrap();
    let cache = TempDir::new("chromium-cache");
    let issuer = op.issuer();
    let op_port = oidc_desktop::core::url::Url::parse(&issuer)
        .unwrap()
        .port()
        .unwrap();
    // The provider's origin counts as public, as a real provider's does, so Local Network
    // Access judges its form_post page's way to the loopback as in production.
    let public = public_origin_flag("127.0.0.1", op_port);
    let browser = format!(
        "{} {{url}}",
        command_line(chromium, profile.path(), &[&public, "--dump-dom"])
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
    // Bounded: the page and perhaps a favicon.
    let port = oidc_testkit::page::serve(body, 4).unwrap();
    format!("http://127.0.0.1:{port}/done")
}

#[test]
fn chromium_ends_on_the_success_url() {
    let Some(chromium) = find_for_test("chromium_ends_on_the_success_url") else {
        return;
    };
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
    let Some(chromium) = find_for_test(&format!("chromium sign-in {extra:?}")) else {
        return;
    };
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
