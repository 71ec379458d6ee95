//! Configuration of the loopback server.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use hyper::header::HeaderValue;
use oidc_core::url::{Host, Url};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

/// The smallest header limit hyper accepts for its read buffer.
pub(crate) const MIN_HEADER_BYTES: usize = 8 * 1024;

/// How the loopback server listens, answers and waits.
///
/// The defaults follow RFC 8252 and the OIDCDesktop manual: `127.0.0.1`, any free port,
/// path `/callback`, a 60 second timeout, one sign-in and then stop, plain HTTP.
///
/// ```
/// use std::time::Duration;
/// use oidc_loopback::LoopbackConfig;
///
/// let config = LoopbackConfig::new()
///     .port(0)
///     .path("/oidc/callback")
///     .timeout(Duration::from_secs(120));
/// assert_eq!(config.get_path(), "/oidc/callback");
/// ```
#[derive(Clone, Debug)]
pub struct LoopbackConfig {
    pub(crate) ip: Option<IpAddr>,
    pub(crate) ports: Vec<u16>,
    pub(crate) localhost: bool,
    pub(crate) path: String,
    pub(crate) timeout: Option<Duration>,
    pub(crate) reusable: bool,
    pub(crate) success_html: Option<Arc<str>>,
    pub(crate) failure_html: Option<Arc<str>>,
    pub(crate) success_redirect: Option<BrowserRedirect>,
    pub(crate) failure_redirect: Option<BrowserRedirect>,
    pub(crate) tls: Option<TlsIdentity>,
    pub(crate) limits: Limits,
}

impl Default for LoopbackConfig {
    fn default() -> Self {
        Self {
            ip: None,
            ports: vec![0],
            localhost: false,
            path: "/callback".to_owned(),
            timeout: Some(Duration::from_secs(60)),
            reusable: false,
            success_html: None,
            failure_html: None,
            success_redirect: None,
            failure_redirect: None,
            tls: None,
            limits: Limits::default(),
        }
    }
}

impl LoopbackConfig {
    /// The defaults: `127.0.0.1` (`[::1]` when IPv4 loopback is unavailable), port 0,
    /// `/callback`, 60 s, single use, plain HTTP.
    pub fn new() -> Self {
        Self::default()
    }

    /// The loopback address to listen on: `127.0.0.1` (default) or `::1`.
    ///
    /// Anything that is not a loopback address (a wildcard such as `0.0.0.0` or `::`, a LAN
    /// address) is refused by [`LoopbackServer::bind`](crate::LoopbackServer::bind) with
    /// [`Error::NotLoopback`].
    #[must_use]
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// Listens on `[::1]` instead of `127.0.0.1`.
    #[must_use]
    pub fn ipv6(self) -> Self {
        self.ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    }

    /// The port. 0 (default) lets the system pick a free port,
    /// which RFC 8252 §7.3 recommends; a fixed port must be registered with the provider and
    /// fails with [`Error::PortInUse`] when taken.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.ports = vec![port];
        self
    }

    /// Ports to try in order, for providers that allow only registered redirect URIs with
    /// their exact port (register each): the first free one is used; when all are taken,
    /// [`Error::PortsInUse`] names them. An empty list means port 0.
    #[must_use]
    pub fn ports(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        self.ports = ports.into_iter().collect();
        if self.ports.is_empty() {
            self.ports.push(0);
        }
        self
    }

    /// Writes `localhost` instead of the IP literal in the redirect URI, for providers whose
    /// registrations name `localhost`. RFC 8252 §8.3 prefers the IP literal: the browser
    /// resolves `localhost`, which may lead elsewhere (or to the other IP family), so use this
    /// only when the provider requires it. The listener stays on the loopback address.
    #[must_use]
    pub fn localhost_in_redirect_uri(mut self) -> Self {
        self.localhost = true;
        self
    }

    /// The ports that will be tried, in order.
    pub fn get_ports(&self) -> &[u16] {
        &self.ports
    }

    /// The callback path (default `/callback`). It must start with `/` and contain no query,
    /// fragment, `..` segments or characters that a URL would re-encode; requests to any
    /// other path get `404` and do not end the wait.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// How long [`LoopbackServer::wait`](crate::LoopbackServer::wait) waits for an
    /// acceptable response (default 60 s). `Duration::ZERO` means no timeout.
    ///
    /// Without a timeout a sign-in the user abandons (closed the browser tab, walked away)
    /// keeps the port open and the call pending until the application cancels it through a
    /// [`CancelHandle`](crate::CancelHandle); only choose it when the application offers a
    /// cancel button.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// Keeps listening after a response was delivered, for several sign-ins, until
    /// [`LoopbackServer::shutdown`](crate::LoopbackServer::shutdown) or drop. Default: stop
    /// after the first response.
    #[must_use]
    pub fn reusable(mut self, reusable: bool) -> Self {
        self.reusable = reusable;
        self
    }

    /// Replaces the page shown after a delivered successful response.
    ///
    /// The HTML is sent as is (`text/html; charset=utf-8`) with the same security headers as
    /// the built-in pages (`Cache-Control: no-store`, `X-Content-Type-Options: nosniff`,
    /// `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`) and this content security
    /// policy:
    ///
    /// ```text
    /// default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:;
    /// base-uri 'none'; form-action 'none'; frame-ancestors 'none'
    /// ```
    ///
    /// So the page must be self-contained: inline `<style>` elements and `style` attributes
    /// apply, images and fonts load only from `data:` URIs, and nothing else loads (no
    /// external style sheets, images, fonts or frames, not even from the application's web
    /// site). **Scripts do not run**, inline or external, nor do event-handler attributes;
    /// forms cannot be submitted and the page cannot be framed. The page is served on
    /// `http://127.0.0.1:PORT`, an origin any web page can send the browser to, so it gets
    /// no more power than a static notice needs. To take the user somewhere richer, use
    /// [`Self::success_redirect`] (which takes precedence over this page).
    #[must_use]
    pub fn success_html(mut self, html: impl Into<String>) -> Self {
        self.success_html = Some(Arc::from(html.into()));
        self
    }

    /// Replaces the page shown for a provider error and for refused responses.
    ///
    /// The placeholders `{{title}}`, `{{message}}`, `{{error}}` and `{{error_description}}`
    /// are replaced with HTML-escaped text. `{{title}}` and `{{message}}` are always this
    /// crate's own fixed text. `{{error}}` and `{{error_description}}` carry the provider's
    /// text only for a delivered error response whose `state` was checked (see
    /// [`LoopbackServer::expect_state`](crate::LoopbackServer::expect_state)); for refused
    /// responses (wrong, missing or unexpected `state`, malformed or empty parameters) and
    /// for unchecked ones they are empty, because any web page can send the browser to the
    /// loopback with parameters of its choosing.
    ///
    /// The page gets the same headers and content security policy as
    /// [`Self::success_html`]: inline styles and `data:` images and fonts only, no scripts.
    /// [`Self::failure_redirect`] takes precedence over this page for delivered errors;
    /// refused responses always get this page.
    #[must_use]
    pub fn failure_html(mut self, html: impl Into<String>) -> Self {
        self.failure_html = Some(Arc::from(html.into()));
        self
    }

    /// After a delivered successful response, answers the browser with `303 See Other` to
    /// `url` instead of a page (for example the application's own "signed in" page).
    ///
    /// For a `form_post` response and a fragment relayed by the relay page, the redirect
    /// answers that `POST`, so the browser follows it with a `GET`. Refused responses are
    /// never redirected: they always get the failure page. The redirect is sent with
    /// `Referrer-Policy: no-referrer` (the callback URL with the code does not leak to the
    /// target) and `Cache-Control: no-store`; nothing of the response is added to `url`.
    ///
    /// Browsers apply the submitting page's CSP `form-action` to the redirects that follow a
    /// form submission. The relay page's policy therefore also allows `url`'s origin (or,
    /// for an IPv6 literal host, which CSP cannot name, its scheme). A `form_post`
    /// provider's own page is outside this crate's control: if its policy restricts
    /// `form-action` to the redirect URI, the browser will not follow this redirect.
    ///
    /// Accepted are `https` URLs and `http` URLs whose host is the IP literal `127.0.0.1`
    /// or `[::1]` (an application's own loopback server), without user name or password.
    /// Anything else (`http` to another host or to `localhost`, other schemes such as
    /// `javascript:` or `data:`, relative URLs) is refused here with
    /// [`Error::InvalidBrowserRedirect`]. The URL is sent in its normalized form
    /// (`https://App.Example` becomes `https://app.example/`).
    ///
    /// ```
    /// use oidc_loopback::LoopbackConfig;
    ///
    /// let config = LoopbackConfig::new()
    ///     .success_redirect("https://app.example/signed-in")?
    ///     .failure_redirect("http://127.0.0.1:8080/sign-in-failed")?;
    /// assert_eq!(config.get_success_redirect(), Some("https://app.example/signed-in"));
    ///
    /// let err = LoopbackConfig::new().success_redirect("http://localhost/done").unwrap_err();
    /// assert_eq!(err.kind(), "invalid_browser_redirect");
    /// # Ok::<(), oidc_loopback::Error>(())
    /// ```
    pub fn success_redirect(mut self, url: impl AsRef<str>) -> Result<Self, Error> {
        self.success_redirect = Some(validate_browser_redirect("success_redirect", url.as_ref())?);
        Ok(self)
    }

    /// After a delivered error response (`error=...` with the expected `state`), answers the
    /// browser with `303 See Other` to `url` instead of the failure page.
    ///
    /// The same rules as for [`Self::success_redirect`] apply: `https`, or `http` on
    /// `127.0.0.1` / `[::1]`; refused responses never redirect. The provider's error is not
    /// added to `url`; the application gets it from
    /// [`LoopbackServer::wait`](crate::LoopbackServer::wait).
    pub fn failure_redirect(mut self, url: impl AsRef<str>) -> Result<Self, Error> {
        self.failure_redirect = Some(validate_browser_redirect("failure_redirect", url.as_ref())?);
        Ok(self)
    }

    /// Serves HTTPS with the given certificate instead of HTTP; the redirect URI becomes
    /// `https://127.0.0.1:PORT/...`.
    #[must_use]
    pub fn https(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Size, time and connection limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The configured callback path.
    pub fn get_path(&self) -> &str {
        &self.path
    }

    /// The configured timeout, `None` for none.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Whether reusable mode is on.
    pub fn is_reusable(&self) -> bool {
        self.reusable
    }

    /// The normalized URL of [`Self::success_redirect`], if set.
    pub fn get_success_redirect(&self) -> Option<&str> {
        self.success_redirect.as_ref().map(|r| r.url.as_str())
    }

    /// The normalized URL of [`Self::failure_redirect`], if set.
    pub fn get_failure_redirect(&self) -> Option<&str> {
        self.failure_redirect.as_ref().map(|r| r.url.as_str())
    }
}

/// A checked target of [`LoopbackConfig::success_redirect`] or
/// [`LoopbackConfig::failure_redirect`], ready for the `Location` header.
#[derive(Clone, Debug)]
pub(crate) struct BrowserRedirect {
    pub(crate) url: Url,
    pub(crate) location: HeaderValue,
}

/// Checks a URL for [`LoopbackConfig::success_redirect`] and
/// [`LoopbackConfig::failure_redirect`].
fn validate_browser_redirect(setting: &'static str, url: &str) -> Result<BrowserRedirect, Error> {
    let refuse = |shown: String, reason: &'static str| Error::InvalidBrowserRedirect {
        setting,
        url: shown,
        reason,
    };
    let parsed = Url::parse(url).map_err(|_| {
        refuse(
            url.to_owned(),
            "it is not an absolute URL (it needs a scheme and a host, e.g. https://app.example/done)",
        )
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Do not repeat the password in the error message.
        let mut shown = parsed.clone();
        let _ = shown.set_password(None);
        let _ = shown.set_username("");
        return Err(refuse(shown.into(), "it carries a user name or password"));
    }
    match (parsed.scheme(), parsed.host()) {
        ("https", Some(_)) => {}
        ("http", Some(Host::Ipv4(ip))) if ip == Ipv4Addr::LOCALHOST => {}
        ("http", Some(Host::Ipv6(ip))) if ip == Ipv6Addr::LOCALHOST => {}
        ("http", _) => {
            return Err(refuse(
                url.to_owned(),
                "an http URL must name the loopback IP literal 127.0.0.1 or [::1] (not localhost or another host); use https for anything else",
            ));
        }
        _ => {
            return Err(refuse(
                url.to_owned(),
                "only https URLs, or http URLs on 127.0.0.1 or [::1], are accepted",
            ));
        }
    }
    // A serialized URL is printable ASCII, so this only guards the invariant.
    let location = HeaderValue::from_str(parsed.as_str())
        .map_err(|_| refuse(url.to_owned(), "it cannot be sent in a Location header"))?;
    Ok(BrowserRedirect {
        url: parsed,
        location,
    })
}

/// Bounds on what one client may send and hold.
///
/// Every bound answers a hostile or broken client with an HTTP error and closes its
/// connection; none of them ends the wait for the real redirect.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest request target (path and query) in bytes; longer gets `414`. Default 8 KiB.
    pub max_request_line_bytes: usize,
    /// Largest header section, request line included, in bytes; larger gets `431`.
    /// Default 16 KiB; values below 8 KiB are raised to 8 KiB (hyper's minimum buffer).
    pub max_header_bytes: usize,
    /// Most header fields; more gets `431`. Default 64.
    pub max_headers: usize,
    /// Largest `form_post` body in bytes; larger gets `413`. Default 64 KiB, room for
    /// several ID tokens.
    pub max_body_bytes: usize,
    /// How long one connection may live, TLS handshake, headers and body included, before it
    /// is closed. Default 15 s. Idle and slow connections are closed at this point; they never
    /// delay other connections.
    pub connection_timeout: Duration,
    /// Most connections served at once; further connections are closed on accept until
    /// some finish. Default 512.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_line_bytes: 8 * 1024,
            max_header_bytes: 16 * 1024,
            max_headers: 64,
            max_body_bytes: 64 * 1024,
            connection_timeout: Duration::from_secs(15),
            max_connections: 512,
        }
    }
}

impl Limits {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`Self::max_request_line_bytes`].
    #[must_use]
    pub fn max_request_line_bytes(mut self, n: usize) -> Self {
        self.max_request_line_bytes = n;
        self
    }

    /// Sets [`Self::max_header_bytes`].
    #[must_use]
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.max_header_bytes = n;
        self
    }

    /// Sets [`Self::max_headers`].
    #[must_use]
    pub fn max_headers(mut self, n: usize) -> Self {
        self.max_headers = n;
        self
    }

    /// Sets [`Self::max_body_bytes`].
    #[must_use]
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Sets [`Self::connection_timeout`].
    #[must_use]
    pub fn connection_timeout(mut self, d: Duration) -> Self {
        self.connection_timeout = d;
        self
    }

    /// Sets [`Self::max_connections`].
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }
}

/// A certificate chain and private key for HTTPS on the loopback.
///
/// Browsers do not trust a self-signed certificate for `127.0.0.1` unless the user or the
/// application installed it; plain HTTP on the loopback is what RFC 8252 §7.3 prescribes, so
/// use this only when a provider insists on an `https` redirect URI.
#[derive(Clone)]
pub struct TlsIdentity {
    pub(crate) server_config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsIdentity([redacted])")
    }
}

impl TlsIdentity {
    /// From a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or
    /// SEC1). Uses the `ring` crypto provider, TLS 1.2 and 1.3, ALPN `http/1.1`.
    pub fn from_pem(cert_chain_pem: &[u8], private_key_pem: &[u8]) -> Result<Self, Error> {
        let bad = |what: &'static str| {
            move |e: rustls::pki_types::pem::Error| Error::InvalidTlsIdentity {
                what,
                source: Some(Box::new(e)),
            }
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_chain_pem)
            .collect::<Result<_, _>>()
            .map_err(bad("the certificate PEM does not parse"))?;
        if certs.is_empty() {
            return Err(Error::InvalidTlsIdentity {
                what: "the certificate PEM holds no certificate",
                source: None,
            });
        }
        let key = PrivateKeyDer::from_pem_slice(private_key_pem)
            .map_err(bad("the private key PEM holds no usable private key"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let rustls_err = |what: &'static str| {
            move |e: rustls::Error| Error::InvalidTlsIdentity {
                what,
                source: Some(Box::new(e)),
            }
        };
        let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(rustls_err("no TLS protocol version is available"))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(rustls_err(
                "the private key does not match the certificate or is unsupported",
            ))?;
        server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            server_config: Arc::new(server_config),
        })
    }
}

/// Checks a callback path and returns it unchanged if a URL keeps it byte for byte.
pub(crate) fn validate_path(path: &str) -> Result<(), Error> {
    let refuse = |reason| {
        Err(Error::InvalidPath {
            path: path.to_owned(),
            reason,
        })
    };
    if !path.starts_with('/') {
        return refuse("it must start with `/`");
    }
    if path.starts_with("//") {
        return refuse("it must not start with `//`");
    }
    if path.len() > 1024 {
        return refuse("it is longer than 1024 bytes");
    }
    if path.contains(['?', '#']) {
        return refuse("it must not contain `?` or `#`");
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return refuse("it must not contain `.` or `..` segments");
    }
    let ok = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'/' | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            )
    };
    if !path.bytes().all(ok) {
        return refuse(
            "it may only contain letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ /",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for good in ["/callback", "/", "/oidc/cb", "/a-b_c.d~e", "/x:y@z"] {
            validate_path(good).unwrap();
        }
        for bad in [
            "callback",
            "//evil",
            "/cb?x=1",
            "/cb#f",
            "/a/../b",
            "/./a",
            "/sp ace",
            "/ü",
            "/%2e%2e",
            "/<script>",
        ] {
            assert!(
                matches!(validate_path(bad), Err(Error::InvalidPath { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn zero_timeout_means_none() {
        assert_eq!(
            LoopbackConfig::new().get_timeout(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            LoopbackConfig::new().timeout(Duration::ZERO).get_timeout(),
            None
        );
    }

    #[test]
    fn tls_identity_rejects_garbage() {
        let e = TlsIdentity::from_pem(b"not pem", b"not pem").unwrap_err();
        assert_eq!(e.kind(), "invalid_tls_identity");
        assert!(format!("{:?}", LoopbackConfig::new()).contains("callback"));
    }
}
