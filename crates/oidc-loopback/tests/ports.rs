//! Fixed ports (a list tried in order, a busy one named at once), the IPv6 listener and a
//! `localhost` redirect URI, on real sockets.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::net::{IpAddr, Ipv6Addr, TcpListener};
use std::time::{Duration, Instant};

use oidc_core::State;
use oidc_loopback::{Error, LoopbackConfig, LoopbackServer};

/// A port another program holds (this test's own listener) for as long as it lives.
fn busy_port() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_first_free_port_of_the_list_is_used() {
    let (_held, busy) = busy_port();
    let free = free_port();
    let server = LoopbackServer::bind(LoopbackConfig::new().ports([busy, free]))
        .await
        .unwrap();
    assert_eq!(server.local_addr().port(), free);
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://127.0.0.1:{free}/callback")
    );
}

#[tokio::test]
async fn a_busy_fixed_port_is_an_error_at_once_naming_it() {
    let (_held, busy) = busy_port();
    let started = Instant::now();
    let e = LoopbackServer::bind(LoopbackConfig::new().port(busy))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "never a hang");
    assert!(
        matches!(e, Error::PortInUse { port, .. } if port == busy),
        "{e}"
    );
    assert_eq!(e.kind(), "port_in_use");
    let text = e.to_string();
    assert!(text.contains(&busy.to_string()), "{text}");
    assert!(text.contains("lsof") && text.contains("ss -ltnp"), "{text}");
    let (_held2, busy2) = busy_port();
    let e = LoopbackServer::bind(LoopbackConfig::new().ports([busy, busy2]))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::PortsInUse { ports, .. } if ports == &[busy, busy2]),
        "{e}"
    );
}

#[tokio::test]
async fn ipv6_loopback_listener() {
    let server = LoopbackServer::bind(LoopbackConfig::new().ip(IpAddr::V6(Ipv6Addr::LOCALHOST)))
        .await
        .unwrap();
    let port = server.local_addr().port();
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://[::1]:{port}/callback")
    );
    let reply = common::get(server.local_addr(), "/callback").await;
    assert_ne!(reply.status, 0);
}

#[tokio::test]
async fn localhost_in_the_redirect_uri_only_when_asked() {
    let mut server = LoopbackServer::bind(LoopbackConfig::new().localhost_in_redirect_uri())
        .await
        .unwrap();
    let addr = server.local_addr();
    assert!(
        addr.ip().is_loopback(),
        "still listening on a loopback address"
    );
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://localhost:{}/callback", addr.port())
    );
    let state = State::generate();
    server.expect_state(&state);
    // the browser sends `Host: localhost:PORT`
    let req = format!(
        "GET /callback?code=c&state={} HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
        state.secret(),
        addr.port()
    );
    let reply = common::request(addr, req.as_bytes()).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let params = server.wait().await.unwrap();
    assert_eq!(params.get("code"), Some("c"));
    // without the option, `Host: localhost` is not ours (DNS rebinding defence)
    let server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let addr = server.local_addr();
    let req = format!(
        "GET /callback?code=c HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
        addr.port()
    );
    let reply = common::request(addr, req.as_bytes()).await;
    assert_eq!(reply.status, 421, "{}", reply.body);
}
