//! A tiny HTTP/1.1 client over a raw `TcpStream`, so tests can send well-formed and
//! deliberately broken requests alike. It only ever talks to servers the test started.

#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Upper bound for any single exchange in a test.
pub const LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a raw HTTP/1.1 response (the server always closes, so no framing is needed).
pub fn parse(raw: &[u8]) -> Option<Reply> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !matches!(parts.next()?, "HTTP/1.1" | "HTTP/1.0") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Some(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// Writes `bytes` and reads until the server closes (bounded by [`LIMIT`]).
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, bytes: &[u8]) -> Vec<u8> {
    timeout(LIMIT, async {
        s.write_all(bytes).await.expect("write request");
        let mut out = Vec::new();
        // A reset after the answer is fine; what was read is what counts.
        let _ = s.read_to_end(&mut out).await;
        out
    })
    .await
    .expect("the server answered and closed within the limit")
}

pub async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let s = timeout(LIMIT, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    exchange(s, bytes).await
}

pub async fn request(addr: SocketAddr, bytes: &[u8]) -> Reply {
    let raw = send_raw(addr, bytes).await;
    parse(&raw)
        .unwrap_or_else(|| panic!("not an HTTP response: {:?}", String::from_utf8_lossy(&raw)))
}

pub async fn get(addr: SocketAddr, target: &str) -> Reply {
    request(
        addr,
        format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: test\r\n\r\n").as_bytes(),
    )
    .await
}

pub async fn post_form(addr: SocketAddr, target: &str, body: &str) -> Reply {
    request(
        addr,
        format!(
            "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
}

/// Whether a TCP connection to `addr` is refused (the server stopped listening).
pub async fn refused(addr: SocketAddr) -> bool {
    matches!(
        timeout(LIMIT, TcpStream::connect(addr)).await,
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused
    )
}
