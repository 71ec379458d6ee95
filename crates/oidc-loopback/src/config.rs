//! Configuration of the loopback server.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

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
    pub(crate) ip: IpAddr,
    pub(crate) port: u16,
    pub(crate) path: String,
    pub(crate) timeout: Option<Duration>,
    pub(crate) reusable: bool,
    pub(crate) success_html: Option<Arc<str>>,
    pub(crate) failure_html: Option<Arc<str>>,
    pub(crate) tls: Option<TlsIdentity>,
    pub(crate) limits: Limits,
}

impl Default for LoopbackConfig {
    fn default() -> Self {
        Self {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            path: "/callback".to_owned(),
            timeout: Some(Duration::from_secs(60)),
            reusable: false,
            success_html: None,
            failure_html: None,
            tls: None,
            limits: Limits::default(),
        }
    }
}

impl LoopbackConfig {
    /// The defaults: `127.0.0.1`, port 0, `/callback`, 60 s, single use, plain HTTP.
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
        self.ip = ip;
        self
    }

    /// Listens on `[::1]` instead of `127.0.0.1`.
    #[must_use]
    pub fn ipv6(self) -> Self {
        self.ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
    }

    /// The port (the seed's `web_server_port`). 0 (default) lets the system pick a free port,
    /// which RFC 8252 §7.3 recommends; a fixed port must be registered with the provider and
    /// fails with [`Error::PortInUse`] when taken.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
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
    /// acceptable response (the seed's `timeout`, default 60 s). `Duration::ZERO` means no
    /// timeout, as in the seed.
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
    /// [`LoopbackServer::shutdown`](crate::LoopbackServer::shutdown) or drop (the seed's
    /// `ReUseWebServer` and `stop_web_server`). Default: stop after the first response.
    #[must_use]
    pub fn reusable(mut self, reusable: bool) -> Self {
        self.reusable = reusable;
        self
    }

    /// Replaces the page shown after an accepted successful response. The HTML is sent as
    /// is (`text/html; charset=utf-8`) without a content security policy, so it may load the
    /// application's own resources.
    #[must_use]
    pub fn success_html(mut self, html: impl Into<String>) -> Self {
        self.success_html = Some(Arc::from(html.into()));
        self
    }

    /// Replaces the page shown for a provider error and for refused responses.
    ///
    /// The placeholders `{{title}}`, `{{message}}`, `{{error}}` and `{{error_description}}`
    /// are replaced with HTML-escaped text (empty when absent).
    #[must_use]
    pub fn failure_html(mut self, html: impl Into<String>) -> Self {
        self.failure_html = Some(Arc::from(html.into()));
        self
    }

    /// Serves HTTPS with the given certificate instead of HTTP (the seed's
    /// `web_server_ssl_enabled`); the redirect URI becomes `https://127.0.0.1:PORT/...`.
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
