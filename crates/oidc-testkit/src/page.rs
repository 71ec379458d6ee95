//! One fixed HTML page on 127.0.0.1: a provider's `form_post` page, or the application's
//! "you may close this tab" page, for a browser test to open or land on.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use crate::Error;

/// Serves `html` as `text/html` to every request at `http://127.0.0.1:PORT/…` and returns
/// the port. A background thread answers at most `max_requests` requests (the page and
/// perhaps a favicon), each read with a 5 s limit, then stops listening.
///
/// # Errors
///
/// [`Error::Io`] when no port can be bound.
pub fn serve(html: impl Into<String>, max_requests: usize) -> Result<u16, Error> {
    let html = html.into();
    let io = |source| Error::Io {
        path: "127.0.0.1:0".into(),
        source,
    };
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io)?;
    let port = listener.local_addr().map_err(io)?.port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(max_requests) {
            let Ok(mut conn) = conn else { return };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
        }
    });
    Ok(port)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    #[test]
    fn answers_with_the_page() {
        let port = serve("<p>hi</p>", 1).unwrap();
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        assert!(
            s.starts_with("HTTP/1.1 200 OK") && s.ends_with("\r\n\r\n<p>hi</p>"),
            "{s}"
        );
    }
}
