//! The loopback redirect server of `oidc-desktop` (RFC 8252 §7.3): the one place where the
//! library listens on a socket.
//!
//! A desktop or command-line program opens the system browser at the provider's
//! authorization URL; the provider sends the browser back to
//! `http://127.0.0.1:PORT/callback` with the response, and [`LoopbackServer`] catches it.
//!
//! # The flow
//!
//! 1. [`LoopbackServer::bind`] with a [`LoopbackConfig`] listens on `127.0.0.1` (or `[::1]`,
//!    never a wildcard or LAN address) on a free port (or a fixed one) and returns once the
//!    socket accepts connections.
//! 2. [`LoopbackServer::redirect_uri`] gives the [`RedirectUrl`](oidc_core::RedirectUrl) to
//!    put in the authorization request: the IP literal, not `localhost` (RFC 8252 §8.3).
//! 3. [`LoopbackServer::expect_state`] ties the server to the request's `state`: responses
//!    with another or no `state` are answered with a failure page and the wait goes on.
//! 4. Open the browser, then [`LoopbackServer::wait`] returns the [`CallbackParams`]: the
//!    parsed [`AuthorizationResponse`](oidc_core::AuthorizationResponse) and how it
//!    [`Arrival`]ed. It is delivered exactly once, after the browser got its page.
//!    Check it with `oidc-core` ([`to_result`](oidc_core::AuthorizationResponse::to_result),
//!    `check_iss`, ...).
//!
//! A [`CancelHandle`] stops the wait from another task or thread; the configured timeout
//! (60 s by default) ends it with [`Error::Timeout`]. Every error has a stable
//! [`Error::kind`] and the OIDCDesktop code 940 from [`Error::code`].
//!
//! # What reaches the application and what does not
//!
//! | request | answer | wait |
//! |---|---|---|
//! | `GET /callback?code=…&state=…` (query) | success page (failure page for `error=…`), or `303` to the configured redirect | delivers, [`Arrival::Query`] |
//! | `POST /callback`, form body (`form_post`) | same | delivers, [`Arrival::FormPost`] |
//! | `GET /callback` without query (fragment) | relay page: its inline script posts `location.hash` back as a form; the post is answered like `form_post` | continues; the post delivers [`Arrival::Fragment`] |
//! | wrong or missing `state` (after `expect_state`), malformed or empty parameters | `400` failure page with this crate's fixed text only, never a redirect | continues |
//! | `Host` other than the bound `IP:PORT` (DNS rebinding) | `421` | continues |
//! | another path (`/favicon.ico`, scanners) | `404` | continues |
//! | another method, another content type | `405`, `415` | continues |
//! | target over 8 KiB, headers over 16 KiB, body over 64 KiB ([`Limits`]) | `414`, `431`, `413` | continues |
//! | idle or slow connection | closed after [`Limits::connection_timeout`] | continues, never blocked |
//! | a second acceptable response | `410` (the socket is closed soon after the first) | — |
//!
//! Built-in pages are self-contained HTML with a strict content security policy. The
//! provider's `error` and `error_description` appear, HTML-escaped, only on the page for a
//! delivered error response whose `state` was checked: a refused response's page shows no
//! text from the request at all, since any web page can send the browser to the loopback
//! address with parameters of its choosing. Applications can replace the pages
//! ([`LoopbackConfig::success_html`], [`LoopbackConfig::failure_html`]; they get the same
//! security headers and a content security policy without scripts), or send the browser
//! on with `303 See Other` after a delivered response ([`LoopbackConfig::success_redirect`],
//! [`LoopbackConfig::failure_redirect`]; `https`, or `http` on `127.0.0.1` / `[::1]`).
//!
//! In single-use mode (the default) the socket closes as soon as a response is accepted,
//! or when the wait times out. [`LoopbackConfig::reusable`] keeps it open for several
//! sign-ins until [`LoopbackServer::shutdown`].
//! [`LoopbackConfig::https`] serves HTTPS with an application-supplied certificate.
//!
//! # Example
//!
//! ```
//! use oidc_core::State;
//! use oidc_loopback::{Arrival, LoopbackConfig, LoopbackServer};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut server = LoopbackServer::bind(LoopbackConfig::new()).await?;
//! let redirect_uri = server.redirect_uri().clone(); // http://127.0.0.1:PORT/callback
//! let state = State::generate();
//! server.expect_state(&state);
//!
//! // Here the application opens the browser at the authorization URL. In this example a
//! // tiny client plays the browser coming back from the provider.
//! let addr = server.local_addr();
//! let request = format!(
//!     "GET /callback?code=abc&state={} HTTP/1.1\r\nHost: {addr}\r\n\r\n",
//!     state.secret()
//! );
//! let browser = tokio::spawn(async move {
//!     let mut s = tokio::net::TcpStream::connect(addr).await?;
//!     s.write_all(request.as_bytes()).await?;
//!     let mut page = String::new();
//!     s.read_to_string(&mut page).await?;
//!     Ok::<_, std::io::Error>(page)
//! });
//!
//! let params = server.wait().await?;
//! assert_eq!(params.arrival(), Arrival::Query);
//! let success = params.response().to_result()?;
//! success.check_state(&state)?;
//! assert_eq!(success.code.as_ref().map(|c| c.secret()), Some("abc"));
//! assert!(redirect_uri.as_str().starts_with("http://127.0.0.1:"));
//! assert!(browser.await??.contains("close this tab"));
//! # Ok(())
//! # }
//! ```

mod bind;
mod config;
mod error;
mod pages;
mod server;

pub use config::{Limits, LoopbackConfig, TlsIdentity};
pub use error::Error;
pub use server::{Arrival, CallbackParams, CancelHandle, LoopbackServer, Refusal};

/// The name of the hidden form field the fragment relay page adds to its post; the server
/// removes it before parsing, and its presence marks the response [`Arrival::Fragment`].
pub const RELAY_FIELD: &str = pages::RELAY_MARKER;
