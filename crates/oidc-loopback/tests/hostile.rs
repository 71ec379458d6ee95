//! Hostile bytes on the socket: arbitrary input never crashes the server and never delivers
//! a response; afterwards a real redirect still gets through.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "test helpers outside #[test] functions panic and print like the tests themselves"
)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use common::{LIMIT, get, parse};
use oidc_core::State;
use oidc_loopback::{Limits, LoopbackConfig, LoopbackServer};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::time::timeout;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A server that expects a secret state, with a short connection timeout so that inputs
/// that never finish a request cost little.
async fn armed_server() -> (LoopbackServer, State, SocketAddr) {
    let limits = Limits::new().connection_timeout(Duration::from_millis(500));
    let server = LoopbackServer::bind(LoopbackConfig::new().limits(limits))
        .await
        .unwrap();
    let state = State::generate();
    server.expect_state(&state);
    let addr = server.local_addr();
    (server, state, addr)
}

/// Writes the bytes (as much as the server takes), half-closes, reads the answer until the
/// server closes. Checks that whatever came back is not the success page.
async fn throw(addr: SocketAddr, bytes: &[u8]) -> Result<(), String> {
    let mut s = timeout(LIMIT, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out")?
        .map_err(|e| format!("the server no longer accepts connections: {e}"))?;
    let out = timeout(LIMIT, async {
        // The server may close early (e.g. after a 400); a failed write is fine.
        let _ = s.write_all(bytes).await;
        let _ = s.shutdown().await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        out
    })
    .await
    .map_err(|_| "the server kept the connection open past every limit".to_owned())?;
    if out.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out);
    if !text.starts_with("HTTP/1.1 ") && !text.starts_with("HTTP/1.0 ") {
        return Err(format!("not an HTTP/1.1 answer: {text:?}"));
    }
    if text.contains("You are signed in") {
        return Err(format!("a hostile input got the success page: {text}"));
    }
    Ok(())
}

async fn real_redirect_still_works(mut server: LoopbackServer, state: &State, addr: SocketAddr) {
    let target = format!("/callback?code=after-the-storm&state={}", state.secret());
    let browser = tokio::spawn(async move { get(addr, &target).await });
    let params = timeout(LIMIT, server.wait()).await.unwrap().unwrap();
    assert_eq!(params.get("code"), Some("after-the-storm"));
    assert_eq!(browser.await.unwrap().status, 200);
}

/// Requests that look almost right: the correct `Host`, the callback path, then noise.
fn near_miss(host: &str) -> impl Strategy<Value = Vec<u8>> + use<> {
    let host = host.to_owned();
    let prefixes = prop_oneof![
        Just("GET /callback?".to_owned()),
        Just(format!("GET /callback HTTP/1.1\r\nHost: {host}\r\n")),
        Just(format!(
            "POST /callback HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        )),
        Just(format!(
            "POST /callback HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\n"
        )),
        Just(format!(
            "POST /callback HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        )),
        Just("GET /callback?code=x&state=".to_owned()),
    ];
    let tail = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        "[ -~\r\n]{0,512}".prop_map(String::into_bytes),
        "([a-z_]{1,8}=[A-Za-z0-9%+]{0,16}&){0,12}( HTTP/1.1\r\nHost: HOST\r\n\r\n)?"
            .prop_map(String::into_bytes),
    ];
    (prefixes, tail).prop_map(move |(p, t)| {
        let mut v = p.into_bytes();
        v.extend(t);
        replace(&v, b"HOST", host.as_bytes())
    })
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn arbitrary_bytes_never_crash_or_deliver() {
    let rt = runtime();
    let (server, state, addr) = rt.block_on(armed_server());
    let server = std::cell::RefCell::new(server);
    let host = addr.to_string();
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/regressions/socket_bytes.txt",
        ))),
        ..Config::default()
    });
    let strategy = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        near_miss(&host),
    ];
    let result = runner.run(&strategy, |bytes| {
        rt.block_on(throw(addr, &bytes))
            .map_err(TestCaseError::fail)?;
        match server.borrow_mut().try_wait() {
            Ok(None) => Ok(()),
            other => Err(TestCaseError::fail(format!(
                "a hostile input was delivered: {other:?}"
            ))),
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    rt.block_on(real_redirect_still_works(server.into_inner(), &state, addr));
}

#[test]
fn regression_inputs_never_deliver() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("http" | "bin")))
        .collect();
    files.sort();
    assert!(
        files.len() >= 15,
        "the regression corpus went missing: {files:?}"
    );
    let rt = runtime();
    let (mut server, state, addr) = rt.block_on(armed_server());
    let host = addr.to_string();
    for file in &files {
        let raw = std::fs::read(file).unwrap();
        let bytes = replace(&raw, b"{HOST}", host.as_bytes());
        if let Err(e) = rt.block_on(throw(addr, &bytes)) {
            panic!("{}: {e}", file.display());
        }
        assert!(
            server.try_wait().unwrap().is_none(),
            "{} was delivered",
            file.display()
        );
    }
    rt.block_on(real_redirect_still_works(server, &state, addr));
}

#[test]
fn hostile_answers_are_http_errors() {
    // a few of the corpus inputs, with the answer each must get
    let rt = runtime();
    let (server, _state, addr) = rt.block_on(armed_server());
    let host = addr.to_string();
    let expect = [
        ("absolute_form_other_authority.http", 421),
        ("http10_without_host.http", 421),
        ("percent_encoded_path.http", 404),
        ("many_params.http", 400),
        ("relay_marker_only.http", 400),
        ("content_length_overflow.http", 400),
        ("huge_method.http", 405),
        ("expect_continue_oversized.http", 413),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for (name, status) in expect {
        let raw = std::fs::read(dir.join(name)).unwrap();
        let bytes = replace(&raw, b"{HOST}", host.as_bytes());
        let answer = rt.block_on(common::send_raw(addr, &bytes));
        let reply = parse(&answer).unwrap_or_else(|| {
            panic!(
                "{name}: no HTTP answer: {:?}",
                String::from_utf8_lossy(&answer)
            )
        });
        assert_eq!(reply.status, status, "{name}");
    }
    drop(server);
}
