//! A browser command that fails is noticed at once, not at the timeout (docs/CLI.md,
//! "When the browser does not open").

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::time::{Duration, Instant};

use common::run;
use oidc_testop::{OpConfig, TestOp};

#[test]
fn with_json_output_and_nobody_at_the_terminal_it_fails_promptly() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let issuer = op.issuer();
    let started = Instant::now();
    // The tests' stderr is a pipe: nobody could read a URL printed there.
    let r = run(&[
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "test-client",
        "--timeout",
        "120",
        "--browser-command",
        "false {url}",
    ]);
    let took = started.elapsed();
    let e = r.err(1);
    assert_eq!(e["kind"], "browser_launch_failed", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("`false` exited with"),
        "{e}"
    );
    assert!(
        took < Duration::from_secs(30),
        "took {took:?}: the failure must not wait for --timeout"
    );
    // The user is told where to go all the same.
    assert!(r.stderr.contains(&format!("{issuer}/")), "{}", r.stderr);
}

#[test]
fn in_text_mode_it_shows_the_url_at_once_and_keeps_waiting() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let issuer = op.issuer();
    let r = run(&[
        "--output",
        "text",
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "test-client",
        "--timeout",
        "4",
        "--browser-command",
        "false {url}",
    ]);
    // It waited for the redirect until the timeout (nobody opened the URL by hand) …
    assert_eq!(r.status, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("[940]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("no authorization response"),
        "{}",
        r.stderr
    );
    // … after saying at once that the browser failed, with the URL to open by hand.
    let said = r
        .stderr
        .find("The browser did not open the sign-in page")
        .unwrap_or_else(|| panic!("{}", r.stderr));
    let after = &r.stderr[said..];
    assert!(after.contains("`false` exited with"), "{after}");
    assert!(after.contains(&format!("{issuer}/")), "{after}");
    assert!(after.contains("Still waiting"), "{after}");
}
