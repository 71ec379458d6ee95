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

fn sign_in_with_chromium(extra: &[&str]) {
    let Some(chromium) = chromium() else { return };
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let profile = TempDir::new("chromium-profile");
    let cache = TempDir::new("chromium-cache");
    let issuer = op.issuer();
    let op_port = oidc_desktop::core::url::Url::parse(&issuer)
        .unwrap()
        .port()
        .unwrap();
    // The provider's origin counts as public, as a real provider's does, so Local Network
    // Access judges its form_post page's way to the loopback as in production.
    let command = format!(
        "'{}' --headless --no-sandbox --disable-gpu --disable-background-networking \
         --disable-component-update --disable-sync --no-first-run --user-data-dir='{}' \
         --ip-address-space-overrides=127.0.0.1:{op_port}=public --dump-dom {{url}}",
        chromium.display(),
        profile.path().display()
    );
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
    let r = run_in(&args, cache.path());
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
