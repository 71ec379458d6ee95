//! The loopback redirect as fixed-port providers need it: port lists, busy ports, the
//! redirect URI's host, the browser's last page.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::time::{Duration, Instant};

use oidc_testop::{Client, Endpoint, OpConfig, TestOp};

fn login(op: &TestOp, extra: &[&str]) -> common::Run {
    let mut args = vec!["--par", "never", "--timeout", "20"];
    args.extend(extra);
    common::login_with_agent(&op.issuer(), &args)
}

fn sent_redirect_uri(op: &TestOp) -> String {
    op.requests_to(Endpoint::Authorization)
        .last()
        .unwrap()
        .param("redirect_uri")
        .unwrap()
        .to_owned()
}

#[test]
fn the_first_free_port_of_the_list_is_the_redirect_port() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = held.local_addr().unwrap().port();
    let free = common::free_port();
    let list = format!("{busy},{free}");
    login(&op, &["--redirect-port", &list]).ok();
    assert_eq!(
        sent_redirect_uri(&op),
        format!("http://127.0.0.1:{free}/callback")
    );
}

#[test]
fn a_busy_port_fails_at_once_naming_it() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = held.local_addr().unwrap().port().to_string();
    let started = Instant::now();
    let e = login(&op, &["--redirect-port", &busy]).err(1);
    assert!(started.elapsed() < Duration::from_secs(20), "never a hang");
    assert_eq!(e["kind"], "port_in_use", "{e}");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains(&busy) && m.contains("lsof"), "{m}");
    assert!(op.requests_to(Endpoint::Authorization).is_empty());
}

#[test]
fn localhost_and_ipv6_redirect_hosts_only_when_asked() {
    let op = TestOp::start_in_background(
        OpConfig::without_clients().client(
            Client::public("test-client", "http://127.0.0.1/callback")
                .redirect_uri("http://localhost/callback")
                .redirect_uri("http://[::1]/callback"),
        ),
    )
    .unwrap();
    login(&op, &[]).ok();
    assert!(sent_redirect_uri(&op).starts_with("http://127.0.0.1:"));
    // The scripted agent follows the redirect to `localhost`, resolved by the system.
    login(&op, &["--redirect-host", "localhost"]).ok();
    assert!(
        sent_redirect_uri(&op).starts_with("http://localhost:"),
        "{}",
        sent_redirect_uri(&op)
    );
    login(&op, &["--redirect-host", "::1"]).ok();
    assert!(sent_redirect_uri(&op).starts_with("http://[::1]:"));
}

#[test]
fn the_browsers_last_page_must_be_a_safe_address() {
    let op = TestOp::start_in_background(OpConfig::default()).unwrap();
    for bad in [
        "http://example.com/done",
        "javascript:alert(1)",
        "http://localhost:1/done",
    ] {
        let e = login(&op, &["--success-url", bad]).err(2);
        assert_eq!(e["kind"], "invalid_browser_redirect", "{bad}: {e}");
    }
    assert!(op.requests_to(Endpoint::Discovery).is_empty());
}
