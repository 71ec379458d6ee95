//! Transport options against local wiremock servers and a tiny SOCKS server (127.0.0.1 only).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers panic on setup failure, like the tests themselves"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oidc_core::{HttpClient, HttpErrorKind, HttpRequest};
use oidc_reqwest::{
    Error, Firewall, FirewallType, FollowRedirects, IpPreference, ProxyAuthScheme, ProxySettings,
    ReqwestClient,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{body_string, header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn get(url: &str) -> HttpRequest {
    http::Request::get(url).body(Vec::new()).unwrap()
}

fn source_is<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur = Some(e);
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<T>() {
            return Some(t);
        }
        cur = c.source();
    }
    None
}

#[tokio::test]
async fn defaults_send_user_agent_and_other_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/h"))
        .and(header("user-agent", oidc_reqwest::DEFAULT_USER_AGENT))
        .and(header("x-one", "1"))
        .and(header("x-two", "two"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .expect(1)
        .mount(&server)
        .await;
    let client = ReqwestClient::builder()
        .other_headers("X-One: 1\r\nX-Two: two")
        .build()
        .unwrap();
    let resp = client
        .execute(get(&format!("{}/h", server.uri())))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.body(), b"ok");
    assert!(oidc_reqwest::DEFAULT_USER_AGENT.starts_with("oidc-reqwest/"));

    let custom = ReqwestClient::builder()
        .user_agent("my-app/2")
        .build()
        .unwrap();
    Mock::given(path("/ua"))
        .and(header("user-agent", "my-app/2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let resp = custom
        .execute(get(&format!("{}/ua", server.uri())))
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

#[tokio::test]
async fn non_2xx_is_a_response_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_string("nope"))
        .mount(&server)
        .await;
    let client = ReqwestClient::new().unwrap();
    let resp = client
        .execute(get(&format!("{}/missing", server.uri())))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let ex = client.last_exchange().unwrap();
    assert_eq!(ex.status, Some(404));
    assert_eq!(ex.status_line.as_deref(), Some("HTTP/1.1 404 Not Found"));
}

#[tokio::test]
async fn inactivity_timeout_fires_and_zero_means_none() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let url = format!("{}/slow", server.uri());
    for absolute in [false, true] {
        let client = ReqwestClient::builder()
            .timeout(Duration::from_millis(300))
            .absolute_timeout(absolute)
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.execute(get(&url)).await.unwrap_err();
        assert_eq!(
            err.kind(),
            HttpErrorKind::Timeout,
            "absolute={absolute}: {err}"
        );
        assert!(started.elapsed() < Duration::from_millis(1400));
        assert!(client.last_exchange().unwrap().error.is_some());
    }
    let no_timeout = ReqwestClient::builder()
        .timeout(Duration::ZERO)
        .build()
        .unwrap();
    let resp = no_timeout.execute(get(&url)).await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn connect_timeout_is_separate() {
    // A local server that accepts TCP but never answers the TLS ClientHello: the
    // connect phase (TCP + TLS handshake) hangs and only the connect timeout ends it.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut conns = Vec::new();
        loop {
            if let Ok((s, _)) = listener.accept().await {
                conns.push(s); // keep it open and silent
            }
        }
    });
    let client = ReqwestClient::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .execute(get(&format!("https://{addr}/x")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    hold.abort();
}

#[tokio::test]
async fn response_size_limit_is_enforced() {
    let server = MockServer::start().await;
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 10_000]))
        .mount(&server)
        .await;
    Mock::given(path("/small"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 1_000]))
        .mount(&server)
        .await;
    let client = ReqwestClient::builder()
        .max_response_size(4_096)
        .build()
        .unwrap();
    let err = client
        .execute(get(&format!("{}/big", server.uri())))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::TooLarge);
    assert!(matches!(
        source_is::<Error>(&err),
        Some(Error::ResponseTooLarge { limit: 4_096 })
    ));
    let ok = client
        .execute(get(&format!("{}/small", server.uri())))
        .await
        .unwrap();
    assert_eq!(ok.body().len(), 1_000);
    assert_eq!(
        ReqwestClient::new().unwrap().max_response_size(),
        4 * 1024 * 1024
    );
}

/// A chunked response with no Content-Length: the limit must hold while streaming.
#[tokio::test]
async fn size_limit_holds_without_content_length() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let sent2 = sent.clone();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await.unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 1024, "b".repeat(1024));
        // Offer up to 64 MiB; the client must hang up long before.
        for _ in 0..65_536 {
            if s.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
            sent2.fetch_add(1024, Ordering::SeqCst);
        }
    });
    let client = ReqwestClient::builder()
        .max_response_size(64 * 1024)
        .build()
        .unwrap();
    let err = client
        .execute(get(&format!("http://{addr}/stream")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::TooLarge);
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    assert!(
        sent.load(Ordering::SeqCst) < 32 * 1024 * 1024,
        "the client kept reading"
    );
}

#[tokio::test]
async fn redirects_never_by_default() {
    let server = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/b"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = ReqwestClient::new().unwrap();
    let resp = client
        .execute(get(&format!("{}/a", server.uri())))
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/b");
}

#[tokio::test]
async fn redirects_always_with_limit_and_callback() {
    let server = MockServer::start().await;
    for i in 0..5 {
        Mock::given(path(format!("/r{i}")))
            .respond_with(
                ResponseTemplate::new(302).insert_header("location", format!("/r{}", i + 1)),
            )
            .mount(&server)
            .await;
    }
    Mock::given(path("/r5"))
        .respond_with(ResponseTemplate::new(200).set_body_string("end"))
        .mount(&server)
        .await;
    let url = format!("{}/r0", server.uri());

    let hops = Arc::new(AtomicUsize::new(0));
    let h = hops.clone();
    let always = ReqwestClient::builder()
        .follow_redirects(FollowRedirects::Always)
        .on_redirect(move |_from, _to| {
            h.fetch_add(1, Ordering::SeqCst);
            true
        })
        .build()
        .unwrap();
    let resp = always.execute(get(&url)).await.unwrap();
    assert_eq!(resp.body(), b"end");
    assert_eq!(hops.load(Ordering::SeqCst), 5);
    assert!(
        always
            .last_exchange()
            .unwrap()
            .final_url
            .unwrap()
            .ends_with("/r5")
    );

    let limited = ReqwestClient::builder()
        .follow_redirects(FollowRedirects::Always)
        .max_redirect_attempts(3)
        .build()
        .unwrap();
    let err = limited.execute(get(&url)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Redirect, "{err}");
    assert!(matches!(
        source_is::<Error>(&err),
        Some(Error::TooManyRedirects { max: 3 })
    ));

    let refusing = ReqwestClient::builder()
        .follow_redirects(FollowRedirects::Always)
        .on_redirect(|_from, to| !to.path().ends_with("/r3"))
        .build()
        .unwrap();
    let err = refusing.execute(get(&url)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Redirect);
    assert!(matches!(
        source_is::<Error>(&err),
        Some(Error::RedirectRefused { .. })
    ));
}

#[tokio::test]
async fn redirects_same_scheme_refuses_a_scheme_change() {
    let server = MockServer::start().await;
    Mock::given(path("/same"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/done"))
        .mount(&server)
        .await;
    Mock::given(path("/done"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(path("/cross"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "https://127.0.0.1:1/elsewhere"),
        )
        .mount(&server)
        .await;
    let client = ReqwestClient::builder()
        .follow_redirects(FollowRedirects::SameScheme)
        .build()
        .unwrap();
    let ok = client
        .execute(get(&format!("{}/same", server.uri())))
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let err = client
        .execute(get(&format!("{}/cross", server.uri())))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Redirect);
    match source_is::<Error>(&err) {
        Some(Error::RedirectRefused { reason, .. }) => assert!(reason.contains("scheme")),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn diagnostics_mask_secrets_unless_told_not_to() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string("grant_type=authorization_code&code=SECRETCODE&code_verifier=SECRETVERIFIER&client_id=app"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("set-cookie", "sid=SECRETCOOKIE")
                .set_body_raw(
                    r#"{"access_token":"SECRETAT","refresh_token":"SECRETRT","id_token":"SECRETID","token_type":"Bearer","expires_in":3600}"#,
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    let make = || {
        http::Request::post(format!("{}/token?code=SECRETQUERY", server.uri()))
            .header("authorization", "Basic SECRETBASIC")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                b"grant_type=authorization_code&code=SECRETCODE&code_verifier=SECRETVERIFIER&client_id=app"
                    .to_vec(),
            )
            .unwrap()
    };
    let masked = ReqwestClient::new().unwrap();
    let resp = masked.execute(make()).await.unwrap();
    assert!(
        String::from_utf8_lossy(resp.body()).contains("SECRETAT"),
        "the caller gets the real body"
    );
    let ex = masked.last_exchange().unwrap();
    let dump = format!("{ex:?}");
    assert!(!dump.contains("SECRET"), "{dump}");
    assert_eq!(ex.method, "POST");
    assert_eq!(ex.status, Some(200));
    assert!(ex.sent_body.contains("client_id=app"));
    assert!(ex.received_body.contains("\"token_type\":\"Bearer\""));
    assert!(
        ex.sent_headers
            .iter()
            .any(|(n, v)| n == "authorization" && v == "[masked]")
    );
    assert!(ex.sent_headers.iter().any(|(n, _)| n == "user-agent"));
    assert!(
        ex.received_headers
            .iter()
            .any(|(n, v)| n == "content-type" && v == "application/json")
    );
    assert_eq!(ex.http_version.as_deref(), Some("HTTP/1.1"));
    assert!(ex.tls.is_none());

    let unmasked = ReqwestClient::builder()
        .mask_sensitive_data(false)
        .build()
        .unwrap();
    unmasked.execute(make()).await.unwrap();
    let dump = format!("{:?}", unmasked.last_exchange().unwrap());
    for s in [
        "SECRETCODE",
        "SECRETVERIFIER",
        "SECRETAT",
        "SECRETBASIC",
        "SECRETQUERY",
    ] {
        assert!(dump.contains(s), "{s} missing from {dump}");
    }
}

/// A gzip member holding `data` in one stored (uncompressed) deflate block.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.push(1); // BFINAL=1, BTYPE=00 (stored)
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out
}

#[tokio::test]
async fn gzip_is_accepted_and_decoded_and_can_be_turned_off() {
    let server = MockServer::start().await;
    Mock::given(path("/gz"))
        .and(header_exists("accept-encoding"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_bytes(gzip_stored(b"{\"hello\":\"world\"}")),
        )
        .mount(&server)
        .await;
    Mock::given(path("/gz"))
        .respond_with(ResponseTemplate::new(200).set_body_string("identity"))
        .mount(&server)
        .await;
    let on = ReqwestClient::new().unwrap();
    let resp = on
        .execute(get(&format!("{}/gz", server.uri())))
        .await
        .unwrap();
    assert_eq!(resp.body(), b"{\"hello\":\"world\"}");
    let sent = &server.received_requests().await.unwrap()[0];
    let ae = sent
        .headers
        .get("accept-encoding")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(ae.contains("gzip") && ae.contains("deflate"), "{ae}");

    let off = ReqwestClient::builder().compression(false).build().unwrap();
    let resp = off
        .execute(get(&format!("{}/gz", server.uri())))
        .await
        .unwrap();
    assert_eq!(resp.body(), b"identity");
}

#[tokio::test]
async fn http_proxy_with_basic_auth_and_exceptions() {
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/via-proxy"))
        .and(header("proxy-authorization", "Basic dXNlcjpwYXNz")) // user:pass
        .respond_with(ResponseTemplate::new(200).set_body_string("proxied"))
        .expect(1)
        .mount(&proxy)
        .await;
    let port = proxy.address().port();
    let client = ReqwestClient::builder()
        .proxy(ProxySettings::new("127.0.0.1", port).basic_auth("user", "pass"))
        .build()
        .unwrap();
    let resp = client
        .execute(get("http://op.example.invalid/via-proxy"))
        .await
        .unwrap();
    assert_eq!(resp.body(), b"proxied");
    let seen: &Request = &proxy.received_requests().await.unwrap()[0];
    assert_eq!(seen.url.host_str(), Some("op.example.invalid"));

    // A ready-made Proxy-Authorization value (authProprietary).
    let mut custom = ProxySettings::new("127.0.0.1", port);
    custom.auth_scheme = ProxyAuthScheme::Proprietary("Bearer proxy-token".to_owned());
    Mock::given(path("/custom"))
        .and(header("proxy-authorization", "Bearer proxy-token"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&proxy)
        .await;
    let client = ReqwestClient::builder().proxy(custom).build().unwrap();
    assert_eq!(
        client
            .execute(get("http://op.example.invalid/custom"))
            .await
            .unwrap()
            .status(),
        200
    );

    // Exceptions bypass the (dead) proxy and go direct.
    let direct = MockServer::start().await;
    Mock::given(path("/direct"))
        .respond_with(ResponseTemplate::new(200).set_body_string("direct"))
        .expect(1)
        .mount(&direct)
        .await;
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let bypass = ReqwestClient::builder()
        .proxy(ProxySettings::new("127.0.0.1", dead_port))
        .proxy_exceptions("localhost;127.0.0.1")
        .build()
        .unwrap();
    let resp = bypass
        .execute(get(&format!("{}/direct", direct.uri())))
        .await
        .unwrap();
    assert_eq!(resp.body(), b"direct");
    let no_bypass = ReqwestClient::builder()
        .proxy(ProxySettings::new("127.0.0.1", dead_port))
        .build()
        .unwrap();
    assert!(
        no_bypass
            .execute(get(&format!("{}/direct", direct.uri())))
            .await
            .is_err()
    );
}

/// A one-connection SOCKS4/4A/5 server that records the destination and the credentials,
/// then relays to the real target.
async fn socks_server() -> (
    u16,
    tokio::task::JoinHandle<(String, Option<(String, String)>)>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut c, _) = listener.accept().await.unwrap();
        let ver = c.read_u8().await.unwrap();
        let (dest, creds) = if ver == 5 {
            let n = c.read_u8().await.unwrap();
            let mut methods = vec![0; n as usize];
            c.read_exact(&mut methods).await.unwrap();
            let mut creds = None;
            if methods.contains(&2) {
                c.write_all(&[5, 2]).await.unwrap();
                let _subver = c.read_u8().await.unwrap();
                let ul = c.read_u8().await.unwrap();
                let mut u = vec![0; ul as usize];
                c.read_exact(&mut u).await.unwrap();
                let pl = c.read_u8().await.unwrap();
                let mut p = vec![0; pl as usize];
                c.read_exact(&mut p).await.unwrap();
                creds = Some((String::from_utf8(u).unwrap(), String::from_utf8(p).unwrap()));
                c.write_all(&[1, 0]).await.unwrap();
            } else {
                c.write_all(&[5, 0]).await.unwrap();
            }
            let mut head = [0u8; 4];
            c.read_exact(&mut head).await.unwrap();
            let host = match head[3] {
                1 => {
                    let mut ip = [0u8; 4];
                    c.read_exact(&mut ip).await.unwrap();
                    std::net::Ipv4Addr::from(ip).to_string()
                }
                3 => {
                    let l = c.read_u8().await.unwrap();
                    let mut h = vec![0; l as usize];
                    c.read_exact(&mut h).await.unwrap();
                    String::from_utf8(h).unwrap()
                }
                other => panic!("address type {other}"),
            };
            let port = c.read_u16().await.unwrap();
            c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])
                .await
                .unwrap();
            (format!("{host}:{port}"), creds)
        } else {
            assert_eq!(ver, 4);
            let _cmd = c.read_u8().await.unwrap();
            let port = c.read_u16().await.unwrap();
            let mut ip = [0u8; 4];
            c.read_exact(&mut ip).await.unwrap();
            let mut read_cstr = async || {
                let mut s = Vec::new();
                loop {
                    let b = c.read_u8().await.unwrap();
                    if b == 0 {
                        break;
                    }
                    s.push(b);
                }
                String::from_utf8(s).unwrap()
            };
            let _user = read_cstr().await;
            let host = if ip[..3] == [0, 0, 0] && ip[3] != 0 {
                read_cstr().await
            } else {
                std::net::Ipv4Addr::from(ip).to_string()
            };
            c.write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0]).await.unwrap();
            (format!("{host}:{port}"), None)
        };
        // Relay to the real target: the only server we talk to is our own on 127.0.0.1.
        let target_port = dest.rsplit(':').next().unwrap().to_owned();
        let mut t = TcpStream::connect(format!("127.0.0.1:{target_port}"))
            .await
            .unwrap();
        let _ = tokio::io::copy_bidirectional(&mut c, &mut t).await;
        (dest, creds)
    });
    (port, task)
}

#[tokio::test]
async fn socks5_firewall_with_credentials() {
    let target = MockServer::start().await;
    Mock::given(path("/s5"))
        .respond_with(ResponseTemplate::new(200).set_body_string("socks5"))
        .expect(1)
        .mount(&target)
        .await;
    let (port, task) = socks_server().await;
    let client = ReqwestClient::builder()
        .firewall(
            Firewall::new(FirewallType::Socks5, "127.0.0.1", port).credentials("fwuser", "fwpass"),
        )
        .keep_alive(false)
        .build()
        .unwrap();
    let url = format!("http://localhost:{}/s5", target.address().port());
    let resp = client.execute(get(&url)).await.unwrap();
    assert_eq!(resp.body(), b"socks5");
    drop(client);
    let (dest, creds) = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    // SOCKS5 sends the host name: the proxy resolves it (socks5h).
    assert_eq!(dest, format!("localhost:{}", target.address().port()));
    assert_eq!(creds, Some(("fwuser".to_owned(), "fwpass".to_owned())));
}

#[tokio::test]
async fn socks4_and_socks4a_firewalls() {
    for (kind, expect_host) in [
        (FirewallType::Socks4a, "localhost"),
        (FirewallType::Socks4, "127.0.0.1"),
    ] {
        let target = MockServer::start().await;
        Mock::given(path("/s4"))
            .respond_with(ResponseTemplate::new(200).set_body_string("socks4"))
            .expect(1)
            .mount(&target)
            .await;
        let (port, task) = socks_server().await;
        let client = ReqwestClient::builder()
            .firewall(Firewall::new(kind, "127.0.0.1", port))
            .ip_preference(IpPreference::Ipv4Only)
            .keep_alive(false)
            .build()
            .unwrap();
        let url = format!("http://localhost:{}/s4", target.address().port());
        let resp = client.execute(get(&url)).await.unwrap();
        assert_eq!(resp.body(), b"socks4", "{kind:?}");
        drop(client);
        let (dest, _) = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            dest,
            format!("{expect_host}:{}", target.address().port()),
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn tunnel_firewall_is_an_http_connect_proxy() {
    // A CONNECT-speaking proxy: answer 407 and record the request line.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = s.read(&mut buf).await.unwrap();
        s.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let client = ReqwestClient::builder()
        .firewall(Firewall::new(FirewallType::Tunnel, "127.0.0.1", port).credentials("u", "p"))
        .build()
        .unwrap();
    let err = client
        .execute(get("https://op.example.invalid/x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Proxy, "{err}");
    let seen = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert!(
        seen.starts_with("CONNECT op.example.invalid:443 "),
        "{seen}"
    );
    assert!(
        seen.to_ascii_lowercase()
            .contains("proxy-authorization: basic dtpw"),
        "{seen}"
    );
}

#[tokio::test]
async fn ip_preference_filters_families() {
    let server = MockServer::start().await; // listens on 127.0.0.1 only
    Mock::given(path("/ip"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let url = format!("http://localhost:{}/ip", server.address().port());
    let v4 = ReqwestClient::builder()
        .ip_preference(IpPreference::Ipv4Only)
        .build()
        .unwrap();
    assert_eq!(v4.execute(get(&url)).await.unwrap().status(), 200);
    let v6 = ReqwestClient::builder()
        .ip_preference(IpPreference::Ipv6Only)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = v6.execute(get(&url)).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Connect, "{err}");
}

#[tokio::test]
async fn local_address_is_used() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (mut s, peer) = listener.accept().await.unwrap();
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf).await.unwrap();
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        peer
    });
    let client = ReqwestClient::builder()
        .local_address("127.0.0.1".parse().unwrap())
        .build()
        .unwrap();
    client
        .execute(get(&format!("http://{addr}/")))
        .await
        .unwrap();
    let peer = task.await.unwrap();
    assert_eq!(peer.ip().to_string(), "127.0.0.1");
    // A local address of the wrong family cannot reach an IPv4 server.
    let wrong = ReqwestClient::builder()
        .local_address("::1".parse().unwrap())
        .build()
        .unwrap();
    let err = wrong
        .execute(get(&format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::Connect, "{err}");
}

#[tokio::test]
async fn keep_alive_reuses_connections_and_can_be_turned_off() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let acc = accepted.clone();
    let server = tokio::spawn(async move {
        loop {
            let (mut s, _) = listener.accept().await.unwrap();
            acc.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    if s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
    });
    let pooled = ReqwestClient::new().unwrap();
    for _ in 0..3 {
        pooled
            .execute(get(&format!("http://{addr}/")))
            .await
            .unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    let unpooled = ReqwestClient::builder().keep_alive(false).build().unwrap();
    for _ in 0..3 {
        unpooled
            .execute(get(&format!("http://{addr}/")))
            .await
            .unwrap();
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    server.abort();
}

#[tokio::test]
async fn invalid_request_uri_is_an_invalid_request() {
    let client = ReqwestClient::new().unwrap();
    let req = http::Request::get("/relative-only")
        .body(Vec::new())
        .unwrap();
    let err = client.execute(req).await.unwrap_err();
    assert_eq!(err.kind(), HttpErrorKind::InvalidRequest, "{err}");
}

/// `proxy_auto_detect` reads the system settings (`HTTP_PROXY`). Environment variables
/// cannot be set safely in a threaded test, so the test re-runs itself as a child
/// process with `HTTP_PROXY` pointing at a local wiremock "proxy".
#[tokio::test]
async fn proxy_auto_detect_uses_system_settings() {
    if let Ok(expect) = std::env::var("OIDC_REQWEST_CHILD_EXPECT") {
        // Child: auto-detect on must go through the proxy; off must not.
        let on = ReqwestClient::builder()
            .proxy_auto_detect(true)
            .build()
            .unwrap();
        let resp = on
            .execute(get("http://op.example.invalid/auto"))
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(resp.body()), expect);
        let off = ReqwestClient::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        assert!(
            off.execute(get("http://op.example.invalid/auto"))
                .await
                .is_err()
        );
        return;
    }
    let proxy = MockServer::start().await;
    Mock::given(path("/auto"))
        .respond_with(ResponseTemplate::new(200).set_body_string("via-system-proxy"))
        .expect(1)
        .mount(&proxy)
        .await;
    let out = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "proxy_auto_detect_uses_system_settings",
            "--exact",
            "--nocapture",
        ])
        .env("OIDC_REQWEST_CHILD_EXPECT", "via-system-proxy")
        .env("HTTP_PROXY", proxy.uri())
        .env("http_proxy", proxy.uri())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}
