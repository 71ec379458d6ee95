//! The default [`HttpClient`](oidc_core::HttpClient) of `oidc-desktop`: reqwest 0.13 over
//! rustls with the *ring* provider and the platform verifier (no OpenSSL, no aws-lc).
//!
//! Every transport setting of the OIDCDesktop manual has a typed option on
//! [`ReqwestClientBuilder`], named after it:
//!
//! | seed | option |
//! |---|---|
//! | `timeout`, `ConnectionTimeout`, `AbsoluteTimeout` | [`timeout`](ReqwestClientBuilder::timeout), [`connect_timeout`](ReqwestClientBuilder::connect_timeout), [`absolute_timeout`](ReqwestClientBuilder::absolute_timeout) |
//! | `proxy_*`, `ProxyExceptionsList`, `proxy_auto_detect` | [`proxy`](ReqwestClientBuilder::proxy), [`proxy_exceptions`](ReqwestClientBuilder::proxy_exceptions), [`proxy_auto_detect`](ReqwestClientBuilder::proxy_auto_detect) |
//! | `firewall_*` (tunnel, SOCKS4/4A/5) | [`firewall`](ReqwestClientBuilder::firewall) |
//! | `SSLServerCACerts`, `SSLCACertFilePaths` | [`ssl_server_ca_certs`](ReqwestClientBuilder::ssl_server_ca_certs), [`ssl_ca_cert_file_paths`](ReqwestClientBuilder::ssl_ca_cert_file_paths) |
//! | `ssl_accept_server_cert` | [`ssl_accept_server_cert`](ReqwestClientBuilder::ssl_accept_server_cert) |
//! | `ssl_cert` (mTLS) | [`ssl_cert`](ReqwestClientBuilder::ssl_cert) |
//! | `SSLEnabledProtocols`, `SSLKeyLogFile` | [`min_tls_version`](ReqwestClientBuilder::min_tls_version), [`ssl_key_log_file`](ReqwestClientBuilder::ssl_key_log_file) |
//! | `on_ssl_server_authentication` | [`on_ssl_server_authentication`](ReqwestClientBuilder::on_ssl_server_authentication) |
//! | (accept anything) | [`dangerous_accept_invalid_certs`](ReqwestClientBuilder::dangerous_accept_invalid_certs) |
//! | `follow_redirects`, `MaxRedirectAttempts`, `on_redirect` | [`follow_redirects`](ReqwestClientBuilder::follow_redirects), [`max_redirect_attempts`](ReqwestClientBuilder::max_redirect_attempts), [`on_redirect`](ReqwestClientBuilder::on_redirect) |
//! | `UserAgent`, `other_headers` | [`user_agent`](ReqwestClientBuilder::user_agent), [`other_headers`](ReqwestClientBuilder::other_headers) |
//! | `AllowHTTPCompression`, `HTTPVersion`, `KeepAlive` | [`compression`](ReqwestClientBuilder::compression), [`http2`](ReqwestClientBuilder::http2), [`keep_alive`](ReqwestClientBuilder::keep_alive) |
//! | `TCPKeepAlive`, `KeepAliveTime`, `KeepAliveInterval` | [`tcp_keepalive`](ReqwestClientBuilder::tcp_keepalive), [`tcp_keepalive_interval`](ReqwestClientBuilder::tcp_keepalive_interval) |
//! | `SSLCheckCRL` (with app-supplied CRLs), `SSLCheckOCSP` (refused: unsupported) | [`ssl_crls`](ReqwestClientBuilder::ssl_crls), [`ssl_check_crl`](ReqwestClientBuilder::ssl_check_crl), [`ssl_check_ocsp`](ReqwestClientBuilder::ssl_check_ocsp) |
//! | `LocalHost`, `UseIPv6` | [`local_address`](ReqwestClientBuilder::local_address), [`ip_preference`](ReqwestClientBuilder::ip_preference) |
//! | `TransferredDataLimit` | [`max_response_size`](ReqwestClientBuilder::max_response_size) (default 4 MiB, enforced while streaming) |
//! | `MaskSensitiveData` | [`mask_sensitive_data`](ReqwestClientBuilder::mask_sensitive_data) |
//! | `StatusCode`, `StatusLine`, `SentHeaders`, `TransferredHeaders`, `TransferredData`, `BytesTransferred`, `ssl_server_cert_*`, `SSLNegotiatedVersion` | [`ReqwestClient::last_exchange`] |
//!
//! Logging goes through `tracing` at the seed's levels: `info` has the URL and status,
//! `debug` the headers, `trace` the bodies (masked unless masking is off).
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use oidc_core::{HttpClient, HttpRequest};
//! use oidc_reqwest::{FollowRedirects, ReqwestClient};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = ReqwestClient::builder()
//!     .timeout(Duration::from_secs(30))
//!     .follow_redirects(FollowRedirects::SameScheme)
//!     .build()?;
//! let request = HttpRequest::new(Vec::new());
//! let response = client.execute(request).await?;
//! println!("{}", response.status());
//! if let Some(ex) = client.last_exchange() {
//!     println!("{:?} {:?}", ex.status_line, ex.tls.and_then(|t| t.peer_certificate));
//! }
//! # Ok(()) }
//! ```

mod builder;
mod client;
mod dns;
mod error;
mod tls;

pub use builder::{
    DEFAULT_MAX_REDIRECTS, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
    Firewall, FirewallType, FollowRedirects, ProxyAuthScheme, ProxySettings, RedirectCallback,
    ReqwestClientBuilder, RevocationCheck,
};
pub use client::{Exchange, ReqwestClient, TlsDetails};
pub use dns::IpPreference;
pub use error::Error;
pub use tls::{
    CertPin, PeerCertificate, ServerAuthCallback, ServerAuthentication, TlsVersion, ring_provider,
};
