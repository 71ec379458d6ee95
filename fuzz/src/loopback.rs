//! Raw HTTP on the loopback redirect server.

use std::sync::OnceLock;

use oidc_core::State;
use oidc_loopback::{LoopbackConfig, LoopbackServer};

/// The placeholder seeds use for the server's own `IP:PORT` (the port changes per run).
const HOST: &[u8] = b"{HOST}";
/// A marker seeds put in parameter values: a refused response's page must not echo it.
const CANARY: &[u8] = b"CANARY";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("no runtime: {e}"))
    })
}

fn replace_all(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

fn status_of(answer: &[u8]) -> Option<u16> {
    // `HTTP/1.1 ` (or `HTTP/1.0 ` to an HTTP/1.0 request) and a three-digit status.
    let line = answer.strip_prefix(b"HTTP/1.")?.get(2..)?;
    std::str::from_utf8(line.get(..3)?).ok()?.parse().ok()
}

/// One connection's bytes to a fresh single-use server that expects state `fuzz-state`:
/// the server answers HTTP or closes, delivers only a response with that state (after
/// answering it with the success or failure page), and never echoes a refused request.
pub fn loopback_http(data: &[u8]) {
    runtime().block_on(async {
        let mut server = LoopbackServer::bind(LoopbackConfig::new())
            .await
            .unwrap_or_else(|e| panic!("cannot bind the loopback server: {e}"));
        server.expect_state(&State::new("fuzz-state"));
        let authority = server.local_addr().to_string();
        let request = replace_all(data, HOST, authority.as_bytes());
        let answer = server.serve_bytes(&request).await;
        let status = status_of(&answer);
        if !answer.is_empty() {
            assert!(
                status.is_some(),
                "answer is not HTTP/1.x: {:?}",
                &answer[..answer.len().min(40)]
            );
        }
        let delivered = server
            .try_wait()
            .unwrap_or_else(|e| panic!("the wait failed: {e}"));
        if let Some(params) = delivered {
            assert_eq!(params.response().get("state"), Some("fuzz-state"));
            assert!(
                matches!(status, Some(200 | 303) | None),
                "delivered after answering {status:?}"
            );
        }
        if status == Some(400) {
            assert!(
                !answer.windows(CANARY.len()).any(|w| w == CANARY),
                "a refused request's text was echoed"
            );
        }
        server.shutdown().await;
    });
}
