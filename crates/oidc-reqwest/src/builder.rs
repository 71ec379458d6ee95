//! The typed transport options and the builder.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::PemObject as _;
use url::Url;

use crate::Error;
use crate::client::{ReqwestClient, Shared};
use crate::dns::{IpPreference, PreferenceResolver};
use crate::tls::{
    CertPin, KeyLogFile, ServerAuthCallback, ServerAuthentication, TlsVersion, Verifier,
    parse_pem_certs, ring_provider,
};

/// The default response size limit: 4 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 4 * 1024 * 1024;
/// The default timeout: 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default redirect limit.
pub const DEFAULT_MAX_REDIRECTS: usize = 20;
/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("oidc-reqwest/", env!("CARGO_PKG_VERSION"));

/// What happens when the server answers with a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FollowRedirects {
    /// Never follow (default, `0`): the 3xx response is returned to the caller, which
    /// treats it as an error (discovery reports it as a redirect).
    #[default]
    Never,
    /// Always follow (`1`), up to `max_redirect_attempts`, even across schemes.
    Always,
    /// Follow only when the scheme stays the same (`2`); a scheme change is an error.
    SameScheme,
}

/// The per-hop redirect callback: `(from, to) -> accept`.
pub type RedirectCallback = Arc<dyn Fn(&Url, &Url) -> bool + Send + Sync>;

/// How to authenticate to an HTTP proxy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProxyAuthScheme {
    /// Basic authentication with `proxy_user` / `proxy_password` (default, `0`).
    #[default]
    Basic,
    /// Digest (`1`): not supported, refused when building.
    Digest,
    /// A ready-made `Proxy-Authorization` value (`2`).
    Proprietary(String),
    /// No authentication (`3`).
    None,
    /// NTLM (`4`): not supported, refused when building.
    Ntlm,
}

/// An HTTP(S) proxy: where it is and how to authenticate to it.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// Host name or IP of the proxy.
    pub server: String,
    /// Port (usually 80).
    pub port: u16,
    /// User for Basic authentication.
    pub user: Option<String>,
    /// Password for Basic authentication.
    pub password: Option<String>,
    /// Authentication scheme.
    pub auth_scheme: ProxyAuthScheme,
    /// Talk TLS to the proxy itself.
    pub tls_to_proxy: bool,
}

impl ProxySettings {
    /// A proxy at `server:port` without authentication.
    pub fn new(server: impl Into<String>, port: u16) -> Self {
        Self {
            server: server.into(),
            port,
            user: None,
            password: None,
            auth_scheme: ProxyAuthScheme::Basic,
            tls_to_proxy: false,
        }
    }

    /// Basic credentials.
    #[must_use]
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self.password = Some(password.into());
        self.auth_scheme = ProxyAuthScheme::Basic;
        self
    }
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("server", &self.server)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("auth_scheme", &self.auth_scheme)
            .finish()
    }
}

/// The kind of firewall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirewallType {
    /// An HTTP CONNECT tunnelling proxy (`fwTunnel`, default port 80).
    Tunnel,
    /// SOCKS4 (`fwSOCKS4`, default port 1080): the client resolves host names.
    Socks4,
    /// SOCKS4A (`fwSOCKS4A`): the proxy resolves host names.
    Socks4a,
    /// SOCKS5 (`fwSOCKS5`): the proxy resolves host names; user/password auth.
    Socks5,
}

/// A firewall that connections go through: an HTTP CONNECT tunnel or a SOCKS proxy.
#[derive(Clone, PartialEq, Eq)]
pub struct Firewall {
    /// The kind.
    pub kind: FirewallType,
    /// Host name or IP.
    pub host: String,
    /// Port.
    pub port: u16,
    /// User, if the firewall authenticates.
    pub user: Option<String>,
    /// Password, if the firewall authenticates.
    pub password: Option<String>,
}

impl Firewall {
    /// A firewall of `kind` at `host:port`.
    pub fn new(kind: FirewallType, host: impl Into<String>, port: u16) -> Self {
        Self {
            kind,
            host: host.into(),
            port,
            user: None,
            password: None,
        }
    }

    /// Credentials.
    #[must_use]
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self.password = Some(password.into());
        self
    }
}

impl std::fmt::Debug for Firewall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Firewall")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// How server certificates are checked for revocation. The numbers in brackets are the
/// numeric values of the OIDCDesktop component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RevocationCheck {
    /// No check (`0`, default).
    #[default]
    Off,
    /// Check; a certificate whose status is unknown (no configured CRL is from its
    /// issuer) is accepted, a revoked one is refused (`1`).
    IfAvailable,
    /// Check; a certificate whose status is unknown is refused as well as a revoked one
    /// (`2`).
    Required,
}

/// The TCP keep-alive default: the one reqwest applies (`SO_KEEPALIVE` on, 15 s idle,
/// 15 s between probes).
const REQWEST_TCP_KEEPALIVE: Duration = Duration::from_secs(15);

/// Builds a [`ReqwestClient`]: timeouts, proxies, TLS trust, redirects, headers and limits.
/// Every option has a default, so only the ones that matter need to be set.
#[must_use]
pub struct ReqwestClientBuilder {
    timeout: Duration,
    absolute_timeout: bool,
    connect_timeout: Option<Duration>,
    proxy: Option<ProxySettings>,
    firewall: Option<Firewall>,
    proxy_auto_detect: bool,
    proxy_exceptions: Option<String>,
    ca_certs_pem: Vec<Vec<u8>>,
    ca_file_paths: Vec<PathBuf>,
    platform_roots: bool,
    pin: Option<CertPin>,
    client_cert: Option<(Vec<u8>, Vec<u8>)>,
    min_tls_version: TlsVersion,
    key_log_file: Option<PathBuf>,
    dangerous_accept_invalid_certs: bool,
    on_ssl_server_authentication: Option<ServerAuthCallback>,
    follow_redirects: FollowRedirects,
    max_redirect_attempts: usize,
    on_redirect: Option<RedirectCallback>,
    user_agent: String,
    other_headers: Vec<(String, String)>,
    compression: bool,
    http2: bool,
    keep_alive: bool,
    tcp_keepalive: Option<Duration>,
    tcp_keepalive_interval: Option<Duration>,
    crls: Vec<Vec<u8>>,
    check_crl: RevocationCheck,
    check_ocsp: RevocationCheck,
    local_address: Option<IpAddr>,
    ip_preference: IpPreference,
    max_response_size: usize,
    mask_sensitive_data: bool,
}

impl Default for ReqwestClientBuilder {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            absolute_timeout: false,
            connect_timeout: None,
            proxy: None,
            firewall: None,
            proxy_auto_detect: false,
            proxy_exceptions: None,
            ca_certs_pem: Vec::new(),
            ca_file_paths: Vec::new(),
            platform_roots: true,
            pin: None,
            client_cert: None,
            min_tls_version: TlsVersion::Tls12,
            key_log_file: None,
            dangerous_accept_invalid_certs: false,
            on_ssl_server_authentication: None,
            follow_redirects: FollowRedirects::Never,
            max_redirect_attempts: DEFAULT_MAX_REDIRECTS,
            on_redirect: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            other_headers: Vec::new(),
            compression: true,
            http2: true,
            keep_alive: true,
            tcp_keepalive: Some(REQWEST_TCP_KEEPALIVE),
            tcp_keepalive_interval: Some(REQWEST_TCP_KEEPALIVE),
            crls: Vec::new(),
            check_crl: RevocationCheck::Off,
            check_ocsp: RevocationCheck::Off,
            local_address: None,
            ip_preference: IpPreference::System,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            mask_sensitive_data: true,
        }
    }
}

impl std::fmt::Debug for ReqwestClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestClientBuilder")
            .field("timeout", &self.timeout)
            .field("absolute_timeout", &self.absolute_timeout)
            .field("proxy", &self.proxy)
            .field("firewall", &self.firewall)
            .field("follow_redirects", &self.follow_redirects)
            .field("max_response_size", &self.max_response_size)
            .field("keep_alive", &self.keep_alive)
            .field("tcp_keepalive", &self.tcp_keepalive)
            .field("tcp_keepalive_interval", &self.tcp_keepalive_interval)
            .field("crls", &self.crls.len())
            .field("check_crl", &self.check_crl)
            .field("check_ocsp", &self.check_ocsp)
            .field(
                "dangerous_accept_invalid_certs",
                &self.dangerous_accept_invalid_certs,
            )
            .finish_non_exhaustive()
    }
}

impl ReqwestClientBuilder {
    /// A builder with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The timeout (default 60 s); `Duration::ZERO` means none.
    ///
    /// By default it is an *inactivity* timeout: it bounds the wait for the response
    /// headers and then each wait between two pieces of the body, so a slow but steady
    /// download is not cut off. See [`Self::absolute_timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Makes [`Self::timeout`] an absolute bound on the whole exchange, connect to last
    /// byte (default off).
    pub fn absolute_timeout(mut self, absolute: bool) -> Self {
        self.absolute_timeout = absolute;
        self
    }

    /// A separate bound on establishing the connection, TLS included. Defaults to
    /// [`Self::timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// An HTTP proxy for every request: its server, port and credentials.
    pub fn proxy(mut self, proxy: ProxySettings) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// A firewall: CONNECT tunnel or SOCKS4/4A/5. Takes
    /// precedence over [`Self::proxy`].
    pub fn firewall(mut self, firewall: Firewall) -> Self {
        self.firewall = Some(firewall);
        self
    }

    /// Use the system proxy settings (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, and the
    /// platform settings on Windows and macOS) when no proxy or firewall is set (default
    /// off).
    pub fn proxy_auto_detect(mut self, on: bool) -> Self {
        self.proxy_auto_detect = on;
        self
    }

    /// Hosts and IPs that bypass the proxy, semicolon- or comma-separated, e.g.
    /// `"localhost;*.corp.example;10.0.0.0/8"`.
    pub fn proxy_exceptions(mut self, list: &str) -> Self {
        self.proxy_exceptions = Some(list.replace(';', ","));
        self
    }

    /// Extra trusted CA certificates, PEM, one or more.
    pub fn ssl_server_ca_certs(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_certs_pem.push(pem.into());
        self
    }

    /// Files of CA certificates: each existing file is
    /// loaded; missing ones are skipped; none existing is an error.
    pub fn ssl_ca_cert_file_paths(mut self, paths: impl IntoIterator<Item = PathBuf>) -> Self {
        self.ca_file_paths.extend(paths);
        self
    }

    /// Whether the platform's trusted roots are used (default `true`, through the
    /// platform verifier). With `false` only the configured CA certificates are trusted.
    pub fn platform_roots(mut self, on: bool) -> Self {
        self.platform_roots = on;
        self
    }

    /// Accept exactly this server certificate; see
    /// [`CertPin`] for the semantics.
    pub fn ssl_accept_server_cert(mut self, pin: CertPin) -> Self {
        self.pin = Some(pin);
        self
    }

    /// The client certificate for mutual TLS: a PEM certificate
    /// chain and its PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn ssl_cert(
        mut self,
        cert_chain_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.client_cert = Some((cert_chain_pem.into(), key_pem.into()));
        self
    }

    /// The minimum TLS version.
    pub fn min_tls_version(mut self, version: TlsVersion) -> Self {
        self.min_tls_version = version;
        self
    }

    /// Append TLS session secrets to this file in the NSS key-log format. Anyone with the
    /// file can decrypt the traffic: debugging only.
    pub fn ssl_key_log_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.key_log_file = Some(path.into());
        self
    }

    /// **Dangerous.** Accept any server certificate: expired, self-signed, wrong host,
    /// unknown CA. Anyone on the network path can then impersonate the provider and read
    /// every token. Handshake signatures are still checked. Off by default.
    pub fn dangerous_accept_invalid_certs(mut self, on: bool) -> Self {
        self.dangerous_accept_invalid_certs = on;
        self
    }

    /// Called for each new TLS connection with the server certificate and the
    /// verification result; its return value decides, so it may accept a failed
    /// certificate or refuse a good one.
    pub fn on_ssl_server_authentication(
        mut self,
        callback: impl Fn(&ServerAuthentication) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.on_ssl_server_authentication = Some(Arc::new(callback));
        self
    }

    /// The redirect policy (default: never follow).
    pub fn follow_redirects(mut self, policy: FollowRedirects) -> Self {
        self.follow_redirects = policy;
        self
    }

    /// The most redirects followed in one request (default 20).
    pub fn max_redirect_attempts(mut self, max: usize) -> Self {
        self.max_redirect_attempts = max;
        self
    }

    /// Called for each redirect hop with `(from, to)`; `false` refuses it.
    pub fn on_redirect(
        mut self,
        callback: impl Fn(&Url, &Url) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.on_redirect = Some(Arc::new(callback));
        self
    }

    /// The `User-Agent` (default `oidc-reqwest/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Extra headers on every request, `Name: value` lines separated by CRLF or LF.
    pub fn other_headers(mut self, lines: &str) -> Self {
        for line in lines.split('\n') {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            match line.split_once(':') {
                Some((n, v)) => self
                    .other_headers
                    .push((n.trim().to_owned(), v.trim().to_owned())),
                None => self.other_headers.push((line.to_owned(), String::new())),
            }
        }
        self
    }

    /// One extra header on every request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.other_headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Accept gzip and deflate responses (default on).
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// Allow HTTP/2 over TLS (ALPN `h2`, falling back to HTTP/1.1; default on).
    pub fn http2(mut self, on: bool) -> Self {
        self.http2 = on;
        self
    }

    /// Keep connections open for reuse (default on, since a sign-in makes several requests
    /// to the same host).
    pub fn keep_alive(mut self, on: bool) -> Self {
        self.keep_alive = on;
        self
    }

    /// TCP keep-alive probes on every connection: `Some(idle)` sets `SO_KEEPALIVE` and
    /// sends the first probe after `idle` without traffic (`TCP_KEEPIDLE`); `None` leaves
    /// `SO_KEEPALIVE` off (unless [`Self::tcp_keepalive_interval`] is set afterwards, which
    /// turns it on again).
    ///
    /// The default is reqwest's: on, 15 s idle, 15 s between probes, since a 15 s probe
    /// keeps NAT and firewall state alive during a sign-in. Not to be confused with
    /// [`Self::keep_alive`], the HTTP connection reuse.
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.tcp_keepalive = idle;
        if idle.is_none() {
            self.tcp_keepalive_interval = None;
        }
        self
    }

    /// The time between unanswered keep-alive probes (`TCP_KEEPINTVL`; ignored on macOS).
    /// Setting it turns `SO_KEEPALIVE` on, with the system's idle time if
    /// [`Self::tcp_keepalive`] was `None`.
    pub fn tcp_keepalive_interval(mut self, interval: Duration) -> Self {
        self.tcp_keepalive_interval = Some(interval);
        self
    }

    /// The configured TCP keep-alive: `(idle, interval)`, `(None, None)` when off.
    pub fn tcp_keepalive_settings(&self) -> (Option<Duration>, Option<Duration>) {
        (self.tcp_keepalive, self.tcp_keepalive_interval)
    }

    /// Certificate revocation lists to check server certificates against, for
    /// [`Self::ssl_check_crl`]: each item is a PEM text (one or more `X509 CRL` blocks) or
    /// one DER CRL. CRLs are only read from here; this client does not download them from
    /// the certificate's distribution points.
    pub fn ssl_crls<I, B>(mut self, crls: I) -> Self
    where
        I: IntoIterator<Item = B>,
        B: Into<Vec<u8>>,
    {
        self.crls.extend(crls.into_iter().map(Into::into));
        self
    }

    /// Check the server certificate against the CRLs of [`Self::ssl_crls`]:
    /// [`RevocationCheck::Off`] (`0`, the default), [`RevocationCheck::IfAvailable`] (`1`)
    /// or [`RevocationCheck::Required`] (`2`). Only the server's own (end-entity)
    /// certificate is checked; an expired CRL is still used.
    ///
    /// When on, the chain is verified by rustls' webpki verifier instead of the platform
    /// verifier, because only webpki takes CRLs: the trusted roots are then the
    /// configured CA certificates plus, with [`Self::platform_roots`] on (the default),
    /// the system's root store as read by `rustls-native-certs`. Platform-only policies
    /// (e.g. Windows' or macOS' own distrust lists) do not apply in this mode.
    ///
    /// `build()` fails with [`Error::NoCrl`] when a check is asked for without a CRL.
    pub fn ssl_check_crl(mut self, mode: RevocationCheck) -> Self {
        self.check_crl = mode;
        self
    }

    /// OCSP checking. **Not supported**: rustls neither
    /// fetches nor verifies OCSP responses, so any mode other than
    /// [`RevocationCheck::Off`] makes `build()` fail with [`Error::OcspUnsupported`]
    /// rather than silently skipping the check. Use [`Self::ssl_crls`] with
    /// [`Self::ssl_check_crl`].
    pub fn ssl_check_ocsp(mut self, mode: RevocationCheck) -> Self {
        self.check_ocsp = mode;
        self
    }

    /// The local address to connect from.
    pub fn local_address(mut self, addr: IpAddr) -> Self {
        self.local_address = Some(addr);
        self
    }

    /// Which address families to use for host names.
    pub fn ip_preference(mut self, pref: IpPreference) -> Self {
        self.ip_preference = pref;
        self
    }

    /// The largest response body accepted, in bytes (default 4 MiB). Enforced while
    /// streaming: the transfer stops at the limit.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// Mask secrets in diagnostics and logs (default on).
    pub fn mask_sensitive_data(mut self, on: bool) -> Self {
        self.mask_sensitive_data = on;
        self
    }

    fn verifier(
        &self,
        provider: &Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Arc<Verifier>, Error> {
        let mut extra = Vec::new();
        for pem in &self.ca_certs_pem {
            extra.extend(parse_pem_certs(pem, "ssl_server_ca_certs")?);
        }
        if !self.ca_file_paths.is_empty() {
            let mut found = false;
            for path in &self.ca_file_paths {
                match std::fs::read(path) {
                    Ok(pem) => {
                        found = true;
                        extra.extend(parse_pem_certs(&pem, "ssl_ca_cert_file_paths")?);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(Error::File {
                            path: path.display().to_string(),
                            source,
                        });
                    }
                }
            }
            if !found {
                return Err(Error::NoCaFile {
                    paths: self
                        .ca_file_paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(";"),
                });
            }
        }
        if self.check_ocsp != RevocationCheck::Off {
            return Err(Error::OcspUnsupported);
        }
        let inner: Arc<dyn ServerCertVerifier> = if self.check_crl != RevocationCheck::Off {
            self.crl_verifier(extra, provider)?
        } else if self.platform_roots {
            let v = if extra.is_empty() {
                rustls_platform_verifier::Verifier::new(provider.clone())
            } else {
                rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
            };
            Arc::new(v.map_err(Error::TlsConfig)?)
        } else {
            let mut roots = rustls::RootCertStore::empty();
            for cert in extra {
                roots.add(cert).map_err(Error::TlsConfig)?;
            }
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| Error::TlsConfig(rustls::Error::General(e.to_string())))?
        };
        Ok(Arc::new(Verifier {
            inner,
            provider: provider.clone(),
            pin: self.pin.clone(),
            callback: self.on_ssl_server_authentication.clone(),
            dangerous_accept_invalid_certs: self.dangerous_accept_invalid_certs,
        }))
    }

    /// The webpki verifier with the configured CRLs (see [`Self::ssl_check_crl`]).
    fn crl_verifier(
        &self,
        extra: Vec<rustls::pki_types::CertificateDer<'static>>,
        provider: &Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<Arc<dyn ServerCertVerifier>, Error> {
        use rustls::pki_types::CertificateRevocationListDer;
        let mut crls = Vec::new();
        for (index, blob) in self.crls.iter().enumerate() {
            if blob.trim_ascii_start().starts_with(b"-----BEGIN") {
                let parsed: Vec<_> = CertificateRevocationListDer::pem_slice_iter(blob)
                    .collect::<Result<_, _>>()
                    .map_err(|_| Error::InvalidCrl { index })?;
                if parsed.is_empty() {
                    return Err(Error::InvalidCrl { index });
                }
                crls.extend(parsed);
            } else {
                crls.push(CertificateRevocationListDer::from(blob.clone()));
            }
        }
        if crls.is_empty() {
            return Err(Error::NoCrl);
        }
        let mut roots = rustls::RootCertStore::empty();
        for cert in extra {
            roots.add(cert).map_err(Error::TlsConfig)?;
        }
        if self.platform_roots {
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::warn!(error = %e, "cannot read some of the system's root certificates");
            }
            let (added, ignored) = roots.add_parsable_certificates(native.certs);
            tracing::debug!(added, ignored, "system roots loaded for CRL checking");
        }
        let roots = Arc::new(roots);
        let verifier = |crls: Vec<CertificateRevocationListDer<'static>>| {
            let mut builder =
                WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .with_crls(crls)
                    .only_check_end_entity_revocation();
            if self.check_crl == RevocationCheck::IfAvailable {
                builder = builder.allow_unknown_revocation_status();
            }
            builder.build()
        };
        match verifier(crls.clone()) {
            Ok(v) => Ok(v),
            Err(rustls::client::VerifierBuilderError::InvalidCrl(_)) => {
                // Say which one: the first that does not build on its own.
                let index = crls
                    .iter()
                    .position(|crl| verifier(vec![crl.clone()]).is_err())
                    .unwrap_or(0);
                Err(Error::InvalidCrl { index })
            }
            Err(e) => Err(Error::TlsConfig(rustls::Error::General(e.to_string()))),
        }
    }

    fn tls_config(&self) -> Result<rustls::ClientConfig, Error> {
        let provider = ring_provider();
        let versions: &[&rustls::SupportedProtocolVersion] = match self.min_tls_version {
            TlsVersion::Tls12 => &[&rustls::version::TLS13, &rustls::version::TLS12],
            TlsVersion::Tls13 => &[&rustls::version::TLS13],
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(Error::TlsConfig)?
            .dangerous()
            .with_custom_certificate_verifier(self.verifier(&provider)?);
        let mut config = match &self.client_cert {
            Some((chain, key)) => {
                let certs = parse_pem_certs(chain, "ssl_cert")?;
                let key =
                    PrivateKeyDer::from_pem_slice(key).map_err(|_| Error::InvalidPrivateKey)?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(Error::TlsConfig)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = if self.http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        if let Some(path) = &self.key_log_file {
            config.key_log = Arc::new(KeyLogFile::create(path)?);
        }
        Ok(config)
    }

    fn proxies(&self) -> Result<Option<reqwest::Proxy>, Error> {
        let no_proxy = self
            .proxy_exceptions
            .as_deref()
            .and_then(reqwest::NoProxy::from_string);
        let invalid = |url: String| {
            move |source: reqwest::Error| Error::InvalidProxy {
                url,
                source: Box::new(source),
            }
        };
        if let Some(fw) = &self.firewall {
            let scheme = match fw.kind {
                FirewallType::Tunnel => "http",
                FirewallType::Socks4 => "socks4",
                FirewallType::Socks4a => "socks4a",
                FirewallType::Socks5 => "socks5h",
            };
            let display = format!("{scheme}://{}:{}", fw.host, fw.port);
            let mut url = Url::parse(&display).map_err(|e| Error::InvalidProxy {
                url: display.clone(),
                source: Box::new(e),
            })?;
            let mut proxy = if fw.kind == FirewallType::Tunnel {
                reqwest::Proxy::all(url.as_str()).map_err(invalid(display.clone()))?
            } else {
                if let Some(user) = &fw.user {
                    // Url setters only fail for cannot-be-a-base URLs, which these are not.
                    let _ = url.set_username(user);
                    let _ = url.set_password(fw.password.as_deref());
                }
                reqwest::Proxy::all(url.as_str()).map_err(invalid(display.clone()))?
            };
            if let (FirewallType::Tunnel, Some(user)) = (fw.kind, &fw.user) {
                proxy = proxy.basic_auth(user, fw.password.as_deref().unwrap_or(""));
            }
            return Ok(Some(proxy.no_proxy(no_proxy)));
        }
        if let Some(p) = &self.proxy {
            let scheme = if p.tls_to_proxy { "https" } else { "http" };
            let display = format!("{scheme}://{}:{}", p.server, p.port);
            let mut proxy =
                reqwest::Proxy::all(display.as_str()).map_err(invalid(display.clone()))?;
            match &p.auth_scheme {
                ProxyAuthScheme::Basic => {
                    if let Some(user) = &p.user {
                        proxy = proxy.basic_auth(user, p.password.as_deref().unwrap_or(""));
                    }
                }
                ProxyAuthScheme::None => {}
                ProxyAuthScheme::Proprietary(value) => {
                    let value = HeaderValue::from_str(value).map_err(|_| Error::InvalidHeader {
                        line: "Proxy-Authorization: [value]".to_owned(),
                    })?;
                    proxy = proxy.custom_http_auth(value);
                }
                ProxyAuthScheme::Digest => {
                    return Err(Error::UnsupportedProxyAuth { scheme: "Digest" });
                }
                ProxyAuthScheme::Ntlm => {
                    return Err(Error::UnsupportedProxyAuth { scheme: "NTLM" });
                }
            }
            return Ok(Some(proxy.no_proxy(no_proxy)));
        }
        Ok(None)
    }

    fn default_headers(&self) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.other_headers {
            let line = || Error::InvalidHeader {
                line: if oidc_core::redact::is_sensitive_header(name) {
                    format!("{name}: {}", oidc_core::redact::MASK)
                } else {
                    format!("{name}: {value}")
                },
            };
            let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| line())?;
            if n == http::header::HOST
                || n == http::header::CONTENT_LENGTH
                || n == http::header::TRANSFER_ENCODING
            {
                return Err(line());
            }
            let v = HeaderValue::from_str(value).map_err(|_| line())?;
            headers.append(n, v);
        }
        Ok(headers)
    }

    /// Builds the client.
    pub fn build(self) -> Result<ReqwestClient, Error> {
        let tls = self.tls_config()?;
        let headers = self.default_headers()?;
        // The client decodes gzip and deflate itself (to count the bytes received), so it
        // asks for them itself, unless `other_headers` already says what to accept.
        let offer_compression =
            self.compression && !headers.contains_key(http::header::ACCEPT_ENCODING);
        let mut client_headers = headers.clone();
        if offer_compression {
            client_headers.insert(
                http::header::ACCEPT_ENCODING,
                HeaderValue::from_static("gzip, deflate"),
            );
        }
        let user_agent =
            HeaderValue::from_str(&self.user_agent).map_err(|_| Error::InvalidUserAgent)?;
        let mut b = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .tls_info(true)
            .user_agent(user_agent.clone())
            .default_headers(client_headers)
            // Decoded by the client itself, so that it can count the bytes on the wire.
            .gzip(false)
            .deflate(false)
            .tcp_keepalive(self.tcp_keepalive)
            .tcp_keepalive_interval(self.tcp_keepalive_interval)
            .referer(false)
            .redirect(self.redirect_policy());
        if self.tcp_keepalive.is_none() && self.tcp_keepalive_interval.is_none() {
            // Any keep-alive value left set (reqwest defaults to 3 retries) would turn
            // SO_KEEPALIVE back on.
            b = b.tcp_keepalive_retries(None);
        }
        if !self.timeout.is_zero() {
            b = if self.absolute_timeout {
                b.timeout(self.timeout)
            } else {
                b.read_timeout(self.timeout)
            };
        }
        let connect = self.connect_timeout.unwrap_or(self.timeout);
        if !connect.is_zero() {
            b = b.connect_timeout(connect);
        }
        match self.proxies()? {
            Some(p) => b = b.proxy(p),
            None if !self.proxy_auto_detect => b = b.no_proxy(),
            None => {}
        }
        if !self.http2 {
            b = b.http1_only();
        }
        if !self.keep_alive {
            b = b.pool_max_idle_per_host(0);
        }
        if let Some(addr) = self.local_address {
            b = b.local_address(addr);
        }
        if self.ip_preference != IpPreference::System {
            b = b.dns_resolver(Arc::new(PreferenceResolver(self.ip_preference)));
        }
        let client = b.build().map_err(Error::Build)?;
        let mut sent = Vec::new();
        sent.push(("user-agent".to_owned(), self.user_agent.clone()));
        if offer_compression {
            sent.push(("accept-encoding".to_owned(), "gzip, deflate".to_owned()));
        }
        for (n, v) in &headers {
            sent.push((
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            ));
        }
        Ok(ReqwestClient::from_parts(
            client,
            Shared::new(
                self.max_response_size,
                self.mask_sensitive_data,
                self.compression,
                sent,
            ),
        ))
    }

    fn redirect_policy(&self) -> reqwest::redirect::Policy {
        let mode = self.follow_redirects;
        if mode == FollowRedirects::Never {
            return reqwest::redirect::Policy::none();
        }
        let max = self.max_redirect_attempts;
        let callback = self.on_redirect.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            let from = attempt.previous().last().cloned();
            let to = attempt.url().clone();
            let strip = |u: &Url| {
                let mut u = u.clone();
                u.set_query(None);
                u.set_fragment(None);
                u.to_string()
            };
            if attempt.previous().len() > max {
                return attempt.error(Error::TooManyRedirects { max });
            }
            if let Some(from) = from {
                if mode == FollowRedirects::SameScheme && from.scheme() != to.scheme() {
                    return attempt.error(Error::RedirectRefused {
                        from: strip(&from),
                        to: strip(&to),
                        reason: "the scheme changes and the policy is SameScheme",
                    });
                }
                if let Some(cb) = &callback
                    && !cb(&from, &to)
                {
                    return attempt.error(Error::RedirectRefused {
                        from: strip(&from),
                        to: strip(&to),
                        reason: "refused by the on_redirect callback",
                    });
                }
                tracing::info!(from = %oidc_core::redact::url(from.as_str()), to = %oidc_core::redact::url(to.as_str()), "following redirect");
            }
            attempt.follow()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_headers_parse_crlf_lines() {
        let b = ReqwestClientBuilder::new().other_headers("X-One: 1\r\nX-Two:two\r\n\r\n");
        assert_eq!(
            b.other_headers,
            vec![
                ("X-One".to_owned(), "1".to_owned()),
                ("X-Two".to_owned(), "two".to_owned())
            ]
        );
        assert!(b.default_headers().is_ok());
        let bad = ReqwestClientBuilder::new().other_headers("no colon here");
        assert!(matches!(
            bad.default_headers(),
            Err(Error::InvalidHeader { .. })
        ));
        let host = ReqwestClientBuilder::new().header("Host", "evil");
        assert!(matches!(
            host.default_headers(),
            Err(Error::InvalidHeader { .. })
        ));
    }

    #[test]
    fn unsupported_proxy_schemes_fail_clearly() {
        for (scheme, name) in [
            (ProxyAuthScheme::Digest, "Digest"),
            (ProxyAuthScheme::Ntlm, "NTLM"),
        ] {
            let mut p = ProxySettings::new("127.0.0.1", 3128).basic_auth("u", "p");
            p.auth_scheme = scheme;
            let err = ReqwestClientBuilder::new().proxy(p).build().unwrap_err();
            assert!(matches!(err, Error::UnsupportedProxyAuth { scheme } if scheme == name));
            assert_eq!(err.kind(), "unsupported_proxy_auth");
            assert!(err.to_string().contains(name));
        }
    }

    #[test]
    fn proxy_password_is_not_debug_printed() {
        let p = ProxySettings::new("proxy", 8080).basic_auth("user", "hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
        let f = Firewall::new(FirewallType::Socks5, "fw", 1080).credentials("u", "hunter2");
        assert!(!format!("{f:?}").contains("hunter2"));
    }

    #[test]
    fn missing_ca_files_are_an_error() {
        let err = ReqwestClientBuilder::new()
            .ssl_ca_cert_file_paths([
                PathBuf::from("/nonexistent/a.pem"),
                PathBuf::from("/nonexistent/b.pem"),
            ])
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::NoCaFile { ref paths } if paths.contains("a.pem;")),
            "{err}"
        );
    }

    #[test]
    fn invalid_pem_is_an_error() {
        let err = ReqwestClientBuilder::new()
            .ssl_server_ca_certs("not pem")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_certificate");
        let err = ReqwestClientBuilder::new()
            .ssl_cert(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "nope",
            )
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidPrivateKey | Error::InvalidCertificate { .. }
            ),
            "{err}"
        );
    }
}
