//! The loopback server against a real client over real sockets on 127.0.0.1 / [::1].

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "test helpers outside #[test] functions panic and print like the tests themselves"
)]

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{LIMIT, get, parse, post_form, refused, request, send_raw};
use oidc_core::State;
use oidc_loopback::{
    Arrival, Error, Limits, LoopbackConfig, LoopbackServer, RELAY_FIELD, Refusal, TlsIdentity,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::timeout;

async fn server_with_state(config: LoopbackConfig) -> (LoopbackServer, State, SocketAddr) {
    let server = LoopbackServer::bind(config).await.expect("bind");
    let state = State::generate();
    server.expect_state(&state);
    let addr = server.local_addr();
    (server, state, addr)
}

async fn wait(server: &mut LoopbackServer) -> Result<oidc_loopback::CallbackParams, Error> {
    timeout(LIMIT, server.wait())
        .await
        .expect("wait() returned within the test limit")
}

#[tokio::test]
async fn redirect_uri_is_the_ip_literal_with_port_and_path() {
    let server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let port = server.local_addr().port();
    assert_ne!(port, 0);
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://127.0.0.1:{port}/callback")
    );
    assert!(server.redirect_uri().is_loopback());
    let custom = LoopbackServer::bind(LoopbackConfig::new().path("/oidc/cb"))
        .await
        .unwrap();
    assert!(custom.redirect_uri().as_str().ends_with("/oidc/cb"));
}

#[tokio::test]
async fn query_response_is_delivered_with_the_success_page() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let target = format!(
        "/callback?code=SplxlOBeZQQYbYS6WxSbIA&state={}&iss=https%3A%2F%2Fop.example",
        state.secret()
    );
    let browser = tokio::spawn(async move { get(addr, &target).await });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.arrival(), Arrival::Query);
    assert!(params.peer().ip().is_loopback());
    let ok = params.response().to_result().unwrap();
    ok.check_state(&state).unwrap();
    assert_eq!(ok.code.unwrap().secret(), "SplxlOBeZQQYbYS6WxSbIA");
    assert_eq!(params.get("iss"), Some("https://op.example"));

    let page = browser.await.unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(page.body.contains("You can close this tab"));
    assert!(
        !page.body.contains("SplxlOBeZQQYbYS6WxSbIA"),
        "the page must not echo the code"
    );
    // single use: the socket is closed when wait() returns, and later waits say so
    assert!(refused(addr).await);
    assert!(matches!(wait(&mut server).await, Err(Error::Closed)));
}

#[tokio::test]
async fn form_post_response_is_delivered() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let body = format!(
        "code=abc&state={}&id_token=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&session_state=xyz",
        state.secret()
    );
    let browser = tokio::spawn(async move { post_form(addr, "/callback", &body).await });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.arrival(), Arrival::FormPost);
    let ok = params.into_response().into_result().unwrap();
    assert_eq!(ok.code.unwrap().secret(), "abc");
    assert_eq!(
        ok.id_token.unwrap().secret(),
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
    );
    assert_eq!(ok.session_state.as_deref(), Some("xyz"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn form_post_with_charset_parameter_is_accepted() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let body = format!("code=c1&state={}", state.secret());
    let req = format!(
        "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let browser = tokio::spawn(async move { request(addr, req.as_bytes()).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("c1"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn relay_page_is_served_for_an_empty_query_and_its_post_arrives_as_fragment() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    for target in ["/callback", "/callback?"] {
        let relay = get(addr, target).await;
        assert_eq!(relay.status, 200);
        let csp = relay.header("content-security-policy").unwrap();
        assert!(csp.contains("script-src 'sha256-"), "{csp}");
        assert!(csp.contains("form-action 'self'"), "{csp}");
        assert!(relay.body.contains("location.hash"));
        assert!(relay.body.contains("<noscript>"));
        assert!(relay.body.contains(RELAY_FIELD));
        assert!(!relay.body.contains("src=\"http"), "no external resources");
    }
    // what the relay script posts: the marker and the fragment's parameters
    let body = format!(
        "{RELAY_FIELD}=1&access_token=at&token_type=Bearer&state={}&expires_in=3600",
        state.secret()
    );
    let browser = tokio::spawn(async move { post_form(addr, "/callback", &body).await });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.arrival(), Arrival::Fragment);
    assert_eq!(
        params.get(RELAY_FIELD),
        None,
        "the marker is not a parameter"
    );
    let ok = params.response().to_result().unwrap();
    assert_eq!(ok.access_token.unwrap().secret(), "at");
    assert_eq!(ok.expires_in, Some(3600));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn provider_error_is_delivered_and_its_text_escaped_on_the_failure_page() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let target = format!(
        "/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E+said+%22no%22&state={}",
        state.secret()
    );
    let browser = tokio::spawn(async move { get(addr, &target).await });
    let params = wait(&mut server).await.unwrap();
    assert!(params.response().is_error());
    let Err(oidc_core::Error::Provider(e)) = params.response().to_result() else {
        panic!("expected a provider error");
    };
    assert_eq!(e.error, "access_denied");
    let page = browser.await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("access_denied"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; said &quot;no&quot;")
    );
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(!page.body.contains("You are signed in"));
}

#[tokio::test]
async fn wrong_state_is_refused_then_the_right_state_is_delivered() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let wrong = get(addr, "/callback?code=evil&state=attacker").await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("does not belong"));
    let missing = get(addr, "/callback?code=evil").await;
    assert_eq!(missing.status, 400);
    let forged_error = get(addr, "/callback?error=access_denied&state=nope").await;
    assert_eq!(forged_error.status, 400);
    let dup = get(
        addr,
        &format!("/callback?code=a&code=b&state={}", state.secret()),
    )
    .await;
    assert_eq!(dup.status, 400);
    assert!(dup.body.contains("malformed"));
    assert!(
        server.try_wait().unwrap().is_none(),
        "nothing delivered yet"
    );

    let target = format!("/callback?code=good&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.get("code"), Some("good"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn wrong_host_is_refused_without_ending_the_wait() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let target = format!("/callback?code=c&state={}", state.secret());
    let port = addr.port();
    for host in [
        format!("Host: localhost:{port}\r\n"),
        format!("Host: evil.example:{port}\r\n"),
        "Host: 127.0.0.1\r\n".to_owned(),
        format!("Host: 127.0.0.1:{}\r\n", port.wrapping_add(1)),
        format!("Host: {addr}\r\nHost: {addr}\r\n"),
        String::new(),
    ] {
        let r = request(
            addr,
            format!("GET {target} HTTP/1.1\r\n{host}\r\n").as_bytes(),
        )
        .await;
        assert_eq!(r.status, 421, "{host:?}");
    }
    // absolute-form target naming another authority
    let r = request(
        addr,
        format!("GET http://evil.example{target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(r.status, 421);
    assert!(server.try_wait().unwrap().is_none());

    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("c"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn other_paths_and_methods_do_not_end_the_wait() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let s = state.secret().to_owned();
    for target in [
        "/favicon.ico".to_owned(),
        "/".to_owned(),
        format!("/callback/x?code=c&state={s}"),
        format!("/CALLBACK?code=c&state={s}"),
        format!("/callbackx?code=c&state={s}"),
        format!("/wp-login.php?code=c&state={s}"),
    ] {
        assert_eq!(get(addr, &target).await.status, 404, "{target}");
    }
    let put = request(
        addr,
        format!(
            "PUT /callback?code=c&state={s} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(put.status, 405);
    assert_eq!(put.header("allow"), Some("GET, POST"));
    let json = request(
        addr,
        format!(
            "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(json.status, 415);
    assert_eq!(post_form(addr, "/callback", "").await.status, 400);
    assert!(server.try_wait().unwrap().is_none());

    let target = format!("/callback?code=real&state={s}");
    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("real"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn oversized_requests_are_refused_and_the_wait_continues() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let s = state.secret().to_owned();
    // request target over 8 KiB (but under the header limit) -> 414
    let long = format!("/callback?code={}&state={s}", "a".repeat(9 * 1024));
    assert_eq!(get(addr, &long).await.status, 414);
    // header section over 16 KiB -> 431
    let big_header = format!(
        "GET /callback?code=c&state={s} HTTP/1.1\r\nHost: {addr}\r\nX-Junk: {}\r\n\r\n",
        "b".repeat(20 * 1024)
    );
    assert_eq!(request(addr, big_header.as_bytes()).await.status, 431);
    // too many header fields -> 431
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let r = request(
        addr,
        format!("GET /callback?code=c&state={s} HTTP/1.1\r\nHost: {addr}\r\n{many}\r\n").as_bytes(),
    )
    .await;
    assert_eq!(r.status, 431);
    // declared body over 64 KiB -> 413 before reading it
    let r = request(
        addr,
        format!(
            "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\ncode=c"
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(r.status, 413);
    // chunked body that grows over the limit -> 413
    let chunk = "x".repeat(16 * 1024);
    let mut chunked = format!(
        "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    for _ in 0..6 {
        chunked.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    chunked.push_str("0\r\n\r\n");
    assert_eq!(request(addr, chunked.as_bytes()).await.status, 413);
    assert!(server.try_wait().unwrap().is_none());

    let target = format!("/callback?code=fits&state={s}");
    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("fits"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn limits_are_configurable() {
    let limits = Limits::new().max_request_line_bytes(64).max_body_bytes(32);
    let (server, _state, addr) = server_with_state(LoopbackConfig::new().limits(limits)).await;
    assert_eq!(
        get(addr, &format!("/callback?code={}", "a".repeat(80)))
            .await
            .status,
        414
    );
    assert_eq!(
        post_form(addr, "/callback", &"c".repeat(40)).await.status,
        413
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_idle_connections_do_not_block_the_real_redirect() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let mut idle = Vec::new();
    for i in 0..200 {
        let mut s = timeout(LIMIT, TcpStream::connect(addr))
            .await
            .unwrap()
            .unwrap();
        match i % 4 {
            0 => {}                                                       // silent
            1 => s.write_all(b"GET /callback?code=slow").await.unwrap(), // request line never ends
            2 => s
                .write_all(format!("GET /callback HTTP/1.1\r\nHost: {addr}\r\nX-A: ").as_bytes())
                .await
                .unwrap(), // headers never end
            _ => s
                .write_all(
                    format!(
                        "POST /callback HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ncode="
                    )
                    .as_bytes(),
                )
                .await
                .unwrap(), // body never ends
        }
        idle.push(s);
    }
    let started = Instant::now();
    let target = format!("/callback?code=real&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    let params = wait(&mut server).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(params.get("code"), Some("real"));
    assert_eq!(browser.await.unwrap().status, 200);
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    drop(idle);
}

#[tokio::test]
async fn idle_connections_are_closed_after_the_connection_timeout() {
    let limits = Limits::new().connection_timeout(Duration::from_millis(300));
    let (server, _state, addr) = server_with_state(LoopbackConfig::new().limits(limits)).await;
    let started = Instant::now();
    let raw = send_raw(addr, b"GET /callback?code=slow").await; // never finishes
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(parse(&raw).is_none_or(|r| r.status >= 400));
    drop(server);
}

#[tokio::test]
async fn connections_over_the_limit_are_closed_until_others_finish() {
    let limits = Limits::new()
        .max_connections(2)
        .connection_timeout(Duration::from_millis(400));
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new().limits(limits)).await;
    let a = TcpStream::connect(addr).await.unwrap();
    let b = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // the third one is accepted and closed at once
    let r = send_raw(
        addr,
        format!("GET /callback HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(r.is_empty(), "{:?}", String::from_utf8_lossy(&r));
    // after the idle ones time out, the real redirect gets through
    tokio::time::sleep(Duration::from_millis(600)).await;
    let target = format!("/callback?code=late&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("late"));
    assert_eq!(browser.await.unwrap().status, 200);
    drop((a, b));
}

#[tokio::test]
async fn timeout_is_its_own_error_and_stops_the_server() {
    let config = LoopbackConfig::new().timeout(Duration::from_millis(300));
    let (mut server, _state, addr) = server_with_state(config).await;
    assert_eq!(get(addr, "/callback?code=x&state=wrong").await.status, 400);
    let started = Instant::now();
    let err = wait(&mut server).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    assert!(err.is_timeout());
    assert_eq!(err.kind(), "timeout");
    assert_eq!(err.code().as_u16(), 940);
    let Error::Timeout {
        after,
        refused: n,
        last_refusal,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*after, Duration::from_millis(300));
    assert_eq!(*n, 1);
    assert_eq!(*last_refusal, Some(Refusal::StateMismatch));
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(
        refused(addr).await,
        "single-use server stops listening after a timeout"
    );
}

#[tokio::test]
async fn zero_timeout_waits_until_cancelled() {
    let (mut server, _state, _addr) =
        server_with_state(LoopbackConfig::new().timeout(Duration::ZERO)).await;
    let handle = server.cancel_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        handle.cancel();
    });
    let err = wait(&mut server).await.unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
}

#[tokio::test]
async fn cancel_from_another_thread() {
    let (mut server, _state, addr) = server_with_state(LoopbackConfig::new()).await;
    let handle = server.cancel_handle();
    assert!(!handle.is_cancelled());
    let thread = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.cancel();
        handle.cancel(); // idempotent
        handle
    });
    let started = Instant::now();
    let err = wait(&mut server).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), "cancelled");
    assert_eq!(err.code().as_u16(), 940);
    let handle = thread.join().unwrap();
    assert!(handle.is_cancelled());
    assert!(matches!(server.try_wait(), Err(Error::Cancelled)));
    assert!(matches!(wait(&mut server).await, Err(Error::Cancelled)));
    // the listener is gone once the accept task has seen the cancellation
    let deadline = Instant::now() + LIMIT;
    while !refused(addr).await {
        assert!(Instant::now() < deadline, "still listening after cancel");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn fixed_port_is_honoured_and_a_busy_port_names_itself() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    let err = LoopbackServer::bind(LoopbackConfig::new().port(port))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "port_in_use");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
    assert!(matches!(err, Error::PortInUse { port: p, .. } if p == port));
    drop(blocker);

    let server = LoopbackServer::bind(LoopbackConfig::new().port(port))
        .await
        .unwrap();
    assert_eq!(server.local_addr().port(), port);
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://127.0.0.1:{port}/callback")
    );
}

#[tokio::test]
async fn only_loopback_addresses_and_sane_paths_are_accepted() {
    for ip in [
        "0.0.0.0",
        "::",
        "192.0.2.10",
        "::ffff:127.0.0.1",
        "169.254.1.1",
    ] {
        let ip: IpAddr = ip.parse().unwrap();
        let err = LoopbackServer::bind(LoopbackConfig::new().ip(ip))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "not_loopback", "{ip}");
    }
    for path in ["callback", "/a b", "/cb?x", "/../x", "//host"] {
        let err = LoopbackServer::bind(LoopbackConfig::new().path(path))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_path", "{path}");
    }
}

#[tokio::test]
async fn ipv6_loopback_when_available() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        println!("SKIPPED ipv6_loopback_when_available: this machine cannot bind [::1]");
        return;
    }
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new().ipv6()).await;
    assert!(addr.is_ipv6());
    let port = addr.port();
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("http://[::1]:{port}/callback")
    );
    // the IPv4 Host is wrong for an IPv6 server
    let r = request(
        addr,
        format!(
            "GET /callback?code=c&state={} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
            state.secret()
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(r.status, 421);
    let target = format!("/callback?code=v6&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("v6"));
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn https_loopback_with_an_app_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key_pem = cert.signing_key.serialize_pem();
    let identity = TlsIdentity::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    assert_eq!(format!("{identity:?}"), "TlsIdentity([redacted])");
    assert_eq!(
        TlsIdentity::from_pem(cert_pem.as_bytes(), b"")
            .unwrap_err()
            .kind(),
        "invalid_tls_identity"
    );
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new().https(identity)).await;
    assert_eq!(
        server.redirect_uri().as_str(),
        format!("https://127.0.0.1:{}/callback", addr.port())
    );

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));

    // plain HTTP to the HTTPS port gets nothing and does not end the wait
    let plain = send_raw(
        addr,
        format!("GET /callback?code=c HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(parse(&plain).is_none());

    let target = format!("/callback?code=tls&state={}", state.secret());
    let browser = tokio::spawn(async move {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
        let tls = connector.connect(name, tcp).await.unwrap();
        let raw = common::exchange(
            tls,
            format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
        )
        .await;
        parse(&raw).unwrap()
    });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.get("code"), Some("tls"));
    let page = browser.await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("close this tab"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_of_two_simultaneous_valid_responses_is_delivered() {
    let (mut server, state, addr) = server_with_state(LoopbackConfig::new()).await;
    let mut streams = Vec::new();
    for i in 0..2 {
        let s = TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET /callback?code=c{i}&state={} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
            state.secret()
        );
        streams.push((s, req));
    }
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|(s, req)| {
            tokio::spawn(async move {
                parse(&common::exchange(s, req.as_bytes()).await).map(|p| p.status)
            })
        })
        .collect();
    let params = wait(&mut server).await.unwrap();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses.sort_unstable();
    // One is delivered (200). The other is refused as a second response (410) when the
    // server read it before closing; on a busy machine the delivery can come first, and
    // the listener then closes with the other connection still unaccepted (no answer).
    // Either way it is never delivered.
    assert!(
        statuses == [Some(200), Some(410)] || statuses == [None, Some(200)],
        "{statuses:?}"
    );
    assert!(matches!(params.get("code"), Some("c0" | "c1")));
    assert!(matches!(server.try_wait(), Err(Error::Closed)));
}

#[tokio::test]
async fn reusable_mode_serves_several_sign_ins_until_shutdown() {
    let mut server = LoopbackServer::bind(LoopbackConfig::new().reusable(true))
        .await
        .unwrap();
    assert!(server.is_reusable());
    let addr = server.local_addr();
    for round in 0..3 {
        let state = State::generate();
        server.expect_state(&state);
        let target = format!("/callback?code=r{round}&state={}", state.secret());
        let replay = target.clone();
        let browser = tokio::spawn(async move { get(addr, &target).await });
        assert_eq!(
            wait(&mut server).await.unwrap().get("code"),
            Some(format!("r{round}").as_str())
        );
        assert_eq!(browser.await.unwrap().status, 200);
        // each state is accepted once: a replay is refused
        assert_eq!(get(addr, &replay).await.status, 400);
    }
    // two sign-ins pending at once, answered in any order
    let (s1, s2) = (State::generate(), State::generate());
    server.expect_state(&s1);
    server.expect_state(&s2);
    server.forget_state(&s1);
    assert_eq!(
        get(addr, &format!("/callback?code=x&state={}", s1.secret()))
            .await
            .status,
        400
    );
    assert_eq!(
        get(addr, &format!("/callback?code=y&state={}", s2.secret()))
            .await
            .status,
        200
    );
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("y"));

    timeout(LIMIT, server.shutdown()).await.unwrap();
    assert!(refused(addr).await, "the port is free after shutdown");
}

#[tokio::test]
async fn without_expect_state_the_first_response_is_delivered_unchecked() {
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let addr = server.local_addr();
    let browser = tokio::spawn(async move { get(addr, "/callback?code=c&state=whatever").await });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.get("state"), Some("whatever"));
    assert!(params.response().check_state(&State::new("other")).is_err());
    assert_eq!(browser.await.unwrap().status, 200);
}

#[tokio::test]
async fn application_pages_replace_the_defaults() {
    let config = LoopbackConfig::new()
        .success_html("<p>Welcome back to MyApp</p>")
        .failure_html("<p>{{title}}: {{error}} / {{error_description}}</p>");
    let (mut server, state, addr) = server_with_state(config).await;
    let refused_page = get(
        addr,
        "/callback?error=x&error_description=%3Cb%3E&state=bad",
    )
    .await;
    assert_eq!(refused_page.status, 400);
    // a refused response's text never reaches the page, the template's placeholders included
    assert_eq!(
        refused_page.body,
        "<p>Sign-in response not accepted:  / </p>"
    );
    assert_eq!(
        refused_page.header("content-security-policy"),
        Some(CUSTOM_PAGE_CSP)
    );
    let target = format!("/callback?code=c&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    wait(&mut server).await.unwrap();
    assert_eq!(browser.await.unwrap().body, "<p>Welcome back to MyApp</p>");
}

#[tokio::test]
async fn dropping_the_server_closes_the_port() {
    let server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let addr = server.local_addr();
    drop(server);
    let deadline = Instant::now() + LIMIT;
    while !refused(addr).await {
        assert!(Instant::now() < deadline, "still listening after drop");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What a hostile page puts in the parameters, hoping the browser shows it on the trusted
/// loopback origin.
const PHISH: &str = "PHISH";

/// The content security policy documented for application pages
/// (`LoopbackConfig::success_html`, `failure_html`).
const CUSTOM_PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The security headers every HTML page of the server carries.
const SECURITY_HEADERS: [&str; 6] = [
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "cache-control",
    "pragma",
    "x-frame-options",
];

/// Every way a response can reach the callback and be refused, each carrying attacker text
/// in `error`, `error_description` and the other values: (what, method, target or body).
fn refused_requests(good_state: &str) -> Vec<(&'static str, &'static str, String)> {
    let text = format!(
        "error={PHISH}ERR&error_description={PHISH}DESC+Call+0800&error_uri=https%3A%2F%2F{PHISH}.example"
    );
    vec![
        (
            "query, wrong state",
            "GET",
            format!("/callback?{text}&state={PHISH}STATE"),
        ),
        ("query, no state", "GET", format!("/callback?{text}")),
        (
            "query, code and wrong state",
            "GET",
            format!("/callback?code={PHISH}CODE&{text}&state={PHISH}STATE"),
        ),
        (
            "query, duplicate parameters with the right state",
            "GET",
            format!("/callback?{text}&error=again&state={good_state}"),
        ),
        (
            "form_post, wrong state",
            "POST",
            format!("{text}&state={PHISH}STATE"),
        ),
        ("form_post, no state", "POST", text.clone()),
        (
            "form_post, duplicate parameters with the right state",
            "POST",
            format!("{text}&error_description=again&state={good_state}"),
        ),
        (
            "fragment relay, wrong state",
            "POST",
            format!("{RELAY_FIELD}=1&{text}&state={PHISH}STATE"),
        ),
        (
            "fragment relay, no state",
            "POST",
            format!("{RELAY_FIELD}=1&{text}"),
        ),
        (
            "fragment relay, duplicate parameters with the right state",
            "POST",
            format!("{RELAY_FIELD}=1&{text}&state={good_state}&state={good_state}"),
        ),
    ]
}

async fn send(addr: SocketAddr, method: &str, what: &str) -> common::Reply {
    match method {
        "GET" => get(addr, what).await,
        _ => post_form(addr, "/callback", what).await,
    }
}

#[tokio::test]
async fn refused_responses_show_only_our_fixed_text() {
    let template = "<p>{{title}}|{{message}}|{{error}}|{{error_description}}</p>";
    for (pages, config) in [
        ("built-in", LoopbackConfig::new()),
        ("custom", LoopbackConfig::new().failure_html(template)),
    ] {
        let (mut server, state, addr) = server_with_state(config).await;
        let mut cases = refused_requests(state.secret());
        for (what, method, request) in &cases {
            let page = send(addr, method, request).await;
            assert_eq!(page.status, 400, "{pages}, {what}");
            assert!(
                !page.body.contains(PHISH),
                "{pages}, {what}: the refused page shows the request's text: {}",
                page.body
            );
            assert!(page.body.contains("not accepted"), "{pages}, {what}");
            assert_eq!(page.header("location"), None, "{pages}, {what}");
        }
        assert!(server.try_wait().unwrap().is_none(), "{pages}");
        // no sign-in pending any more (Refusal::NoPendingSignIn)
        server.forget_state(&state);
        cases.truncate(1);
        let (what, method, request) = &cases[0];
        let page = send(addr, method, request).await;
        assert_eq!(page.status, 400, "{pages}, no pending sign-in, {what}");
        assert!(!page.body.contains(PHISH), "{pages}: {}", page.body);
        if pages == "custom" {
            // the placeholders for provider text stay empty
            assert!(page.body.ends_with("||</p>"), "{}", page.body);
        }
        assert!(server.try_wait().unwrap().is_none(), "{pages}");
    }
}

#[tokio::test]
async fn an_unchecked_error_response_is_delivered_without_showing_its_text() {
    // without expect_state any web page may have sent it, so its text is not shown either
    let mut server = LoopbackServer::bind(LoopbackConfig::new()).await.unwrap();
    let addr = server.local_addr();
    let target = format!("/callback?error={PHISH}ERR&error_description={PHISH}DESC");
    let browser = tokio::spawn(async move { get(addr, &target).await });
    let params = wait(&mut server).await.unwrap();
    assert_eq!(params.get("error"), Some("PHISHERR"));
    let page = browser.await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("did not complete"), "{}", page.body);
    assert!(!page.body.contains(PHISH), "{}", page.body);
}

#[tokio::test]
async fn application_pages_get_the_same_security_headers_as_the_built_in_pages() {
    // what the built-in pages send
    let (_builtin, _state, builtin_addr) = server_with_state(LoopbackConfig::new()).await;
    let builtin = get(builtin_addr, "/callback?code=c&state=wrong").await;
    for name in SECURITY_HEADERS {
        assert!(builtin.header(name).is_some(), "built-in page lacks {name}");
    }

    let config = LoopbackConfig::new()
        .success_html("<p style=\"color:green\">Welcome back to MyApp</p>")
        .failure_html("<p>{{title}}: {{error}}</p>");
    let (mut server, state, addr) = server_with_state(config).await;
    let refused_page = get(addr, "/callback?code=c&state=wrong").await;
    assert_eq!(refused_page.status, 400);
    let target = format!("/callback?error=access_denied&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert!(wait(&mut server).await.unwrap().response().is_error());
    let error_page = browser.await.unwrap();
    assert_eq!(
        error_page.body,
        "<p>Sign-in did not complete: access_denied</p>"
    );

    let (mut server, state, addr) =
        server_with_state(LoopbackConfig::new().success_html("<p>Welcome back to MyApp</p>")).await;
    let target = format!("/callback?code=c&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    wait(&mut server).await.unwrap();
    let success_page = browser.await.unwrap();
    assert_eq!(success_page.body, "<p>Welcome back to MyApp</p>");

    for (which, page) in [
        ("refused", &refused_page),
        ("provider error", &error_page),
        ("success", &success_page),
    ] {
        for name in SECURITY_HEADERS {
            let value = page.header(name);
            assert!(value.is_some(), "custom {which} page lacks {name}");
            if name != "content-security-policy" {
                assert_eq!(value, builtin.header(name), "custom {which} page, {name}");
            }
        }
        let csp = page.header("content-security-policy").unwrap();
        assert_eq!(csp, CUSTOM_PAGE_CSP, "custom {which} page");
        assert!(!csp.contains("script-src") && csp.starts_with("default-src 'none'"));
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
}

const SIGNED_IN: &str = "https://app.example/signed-in?from=loopback";
const SIGN_IN_FAILED: &str = "http://127.0.0.1:9/sign-in-failed";

fn redirecting_config() -> LoopbackConfig {
    LoopbackConfig::new()
        .success_redirect(SIGNED_IN)
        .unwrap()
        .failure_redirect(SIGN_IN_FAILED)
        .unwrap()
}

fn assert_redirect(reply: &common::Reply, to: &str, what: &str) {
    assert_eq!(reply.status, 303, "{what}: {reply:?}");
    assert_eq!(reply.header("location"), Some(to), "{what}");
    assert_eq!(
        reply.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{what}");
    assert!(reply.body.is_empty(), "{what}: {}", reply.body);
}

#[tokio::test]
async fn success_redirect_answers_each_delivered_success_with_303() {
    for arrival in [Arrival::Query, Arrival::FormPost, Arrival::Fragment] {
        let (mut server, state, addr) = server_with_state(redirecting_config()).await;
        let s = state.secret().to_owned();
        let browser = tokio::spawn(async move {
            match arrival {
                Arrival::Query => get(addr, &format!("/callback?code=c&state={s}")).await,
                Arrival::FormPost => {
                    post_form(addr, "/callback", &format!("code=c&state={s}")).await
                }
                _ => {
                    // the relay page itself is still a page; its post gets the redirect
                    let relay = get(addr, "/callback").await;
                    assert_eq!(relay.status, 200);
                    assert_eq!(relay.header("location"), None);
                    assert!(relay.body.contains(RELAY_FIELD));
                    // browsers check form-action on the redirect after the relay's post
                    let csp = relay.header("content-security-policy").unwrap();
                    assert!(
                        csp.contains("form-action 'self' https://app.example http://127.0.0.1:9;"),
                        "{csp}"
                    );
                    let body =
                        format!("{RELAY_FIELD}=1&access_token=at&token_type=Bearer&state={s}");
                    post_form(addr, "/callback", &body).await
                }
            }
        });
        let params = wait(&mut server).await.unwrap();
        assert_eq!(params.arrival(), arrival);
        assert!(!params.response().is_error());
        assert_redirect(&browser.await.unwrap(), SIGNED_IN, arrival.as_str());
    }
}

#[tokio::test]
async fn failure_redirect_answers_each_delivered_error_with_303() {
    for arrival in [Arrival::Query, Arrival::FormPost, Arrival::Fragment] {
        let (mut server, state, addr) = server_with_state(redirecting_config()).await;
        let body = format!(
            "error=access_denied&error_description=no&state={}",
            state.secret()
        );
        let browser = tokio::spawn(async move {
            match arrival {
                Arrival::Query => get(addr, &format!("/callback?{body}")).await,
                Arrival::FormPost => post_form(addr, "/callback", &body).await,
                _ => post_form(addr, "/callback", &format!("{RELAY_FIELD}=1&{body}")).await,
            }
        });
        let params = wait(&mut server).await.unwrap();
        assert_eq!(params.arrival(), arrival);
        assert_eq!(params.get("error"), Some("access_denied"));
        let reply = browser.await.unwrap();
        assert_redirect(&reply, SIGN_IN_FAILED, arrival.as_str());
    }
    // each redirect applies to its own outcome only
    let config = LoopbackConfig::new()
        .failure_redirect(SIGN_IN_FAILED)
        .unwrap();
    let (mut server, state, addr) = server_with_state(config).await;
    let target = format!("/callback?code=c&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    wait(&mut server).await.unwrap();
    let page = browser.await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You are signed in"));
    let config = LoopbackConfig::new().success_redirect(SIGNED_IN).unwrap();
    let (mut server, state, addr) = server_with_state(config).await;
    let target = format!("/callback?error=access_denied&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    wait(&mut server).await.unwrap();
    let page = browser.await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("did not complete"));
}

#[tokio::test]
async fn refused_responses_never_redirect() {
    let (mut server, state, addr) = server_with_state(redirecting_config()).await;
    let mut cases = refused_requests(state.secret());
    cases.push(("empty form_post", "POST", String::new()));
    for (what, method, request) in &cases {
        let page = send(addr, method, request).await;
        assert_eq!(page.status, 400, "{what}");
        assert_eq!(page.header("location"), None, "{what}");
        assert!(page.body.contains("not accepted"), "{what}");
    }
    assert!(server.try_wait().unwrap().is_none());
    let target = format!("/callback?code=good&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    assert_eq!(wait(&mut server).await.unwrap().get("code"), Some("good"));
    assert_redirect(&browser.await.unwrap(), SIGNED_IN, "the real response");
}

#[tokio::test]
async fn browser_redirect_urls_are_checked_when_configured() {
    for (url, normalized) in [
        (
            "https://app.example/done?x=1#top",
            "https://app.example/done?x=1#top",
        ),
        ("HTTPS://App.Example", "https://app.example/"),
        ("https://192.0.2.7:8443/x", "https://192.0.2.7:8443/x"),
        ("http://127.0.0.1:8080/done", "http://127.0.0.1:8080/done"),
        ("http://[::1]/done", "http://[::1]/done"),
    ] {
        let config = LoopbackConfig::new()
            .success_redirect(url)
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .failure_redirect(url)
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(config.get_success_redirect(), Some(normalized));
        assert_eq!(config.get_failure_redirect(), Some(normalized));
    }
    assert_eq!(LoopbackConfig::new().get_success_redirect(), None);
    for (url, reason) in [
        ("http://localhost/done", "127.0.0.1 or [::1]"),
        ("http://localhost:8080/done", "127.0.0.1 or [::1]"),
        ("http://app.example/done", "127.0.0.1 or [::1]"),
        ("http://127.0.0.2/done", "127.0.0.1 or [::1]"),
        ("http://[::ffff:127.0.0.1]/done", "127.0.0.1 or [::1]"),
        ("http://0.0.0.0/done", "127.0.0.1 or [::1]"),
        ("javascript:alert(1)", "only https URLs"),
        ("data:text/html,<b>hi</b>", "only https URLs"),
        ("file:///etc/passwd", "only https URLs"),
        ("ftp://app.example/", "only https URLs"),
        ("ws://127.0.0.1/", "only https URLs"),
        ("/relative/path", "not an absolute URL"),
        ("", "not an absolute URL"),
        ("https://", "not an absolute URL"),
        ("https://user:hunter2@app.example/", "user name or password"),
    ] {
        for (setting, result) in [
            (
                "success_redirect",
                LoopbackConfig::new().success_redirect(url),
            ),
            (
                "failure_redirect",
                LoopbackConfig::new().failure_redirect(url),
            ),
        ] {
            let err = result.unwrap_err();
            assert_eq!(err.kind(), "invalid_browser_redirect", "{url}");
            assert_eq!(err.code().as_u16(), 940);
            let text = err.to_string();
            assert!(text.contains(reason), "{url}: {text}");
            assert!(text.starts_with(setting), "{url}: {text}");
            assert!(!text.contains("hunter2"), "{text}");
            assert!(
                matches!(&err, Error::InvalidBrowserRedirect { setting: s, .. } if *s == setting),
                "{err:?}"
            );
        }
    }
}
