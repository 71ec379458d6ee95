//! The default [`HttpClient`](oidc_core::HttpClient) of `oidc-desktop`: reqwest 0.13 over
//! rustls with the *ring* provider and the platform verifier (no OpenSSL, no aws-lc).
//!
//! Every transport setting has a typed option on [`ReqwestClientBuilder`]:
//!
//! | setting | option |
//! |---|---|
//! | inactivity, connect and whole-exchange timeouts | [`timeout`](ReqwestClientBuilder::timeout), [`connect_timeout`](ReqwestClientBuilder::connect_timeout), [`absolute_timeout`](ReqwestClientBuilder::absolute_timeout) |
//! | HTTP proxy, hosts that bypass it, system proxy settings | [`proxy`](ReqwestClientBuilder::proxy), [`proxy_exceptions`](ReqwestClientBuilder::proxy_exceptions), [`proxy_auto_detect`](ReqwestClientBuilder::proxy_auto_detect) |
//! | firewall (CONNECT tunnel, SOCKS4/4A/5) | [`firewall`](ReqwestClientBuilder::firewall) |
//! | extra trusted CA certificates, as PEM or files | [`ssl_server_ca_certs`](ReqwestClientBuilder::ssl_server_ca_certs), [`ssl_ca_cert_file_paths`](ReqwestClientBuilder::ssl_ca_cert_file_paths) |
//! | accepting exactly one server certificate | [`ssl_accept_server_cert`](ReqwestClientBuilder::ssl_accept_server_cert) |
//! | client certificate (mTLS) | [`ssl_cert`](ReqwestClientBuilder::ssl_cert) |
//! | minimum TLS version, TLS key log for debugging | [`min_tls_version`](ReqwestClientBuilder::min_tls_version), [`ssl_key_log_file`](ReqwestClientBuilder::ssl_key_log_file) |
//! | deciding on each server certificate in a callback | [`on_ssl_server_authentication`](ReqwestClientBuilder::on_ssl_server_authentication) |
//! | accepting any certificate (dangerous) | [`dangerous_accept_invalid_certs`](ReqwestClientBuilder::dangerous_accept_invalid_certs) |
//! | redirect policy, redirect limit, per-hop callback | [`follow_redirects`](ReqwestClientBuilder::follow_redirects), [`max_redirect_attempts`](ReqwestClientBuilder::max_redirect_attempts), [`on_redirect`](ReqwestClientBuilder::on_redirect) |
//! | `User-Agent`, extra request headers | [`user_agent`](ReqwestClientBuilder::user_agent), [`other_headers`](ReqwestClientBuilder::other_headers) |
//! | gzip/deflate, HTTP/2, connection reuse | [`compression`](ReqwestClientBuilder::compression), [`http2`](ReqwestClientBuilder::http2), [`keep_alive`](ReqwestClientBuilder::keep_alive) |
//! | TCP keep-alive idle time and probe interval | [`tcp_keepalive`](ReqwestClientBuilder::tcp_keepalive), [`tcp_keepalive_interval`](ReqwestClientBuilder::tcp_keepalive_interval) |
//! | revocation checks against app-supplied CRLs; OCSP (refused: unsupported) | [`ssl_crls`](ReqwestClientBuilder::ssl_crls), [`ssl_check_crl`](ReqwestClientBuilder::ssl_check_crl), [`ssl_check_ocsp`](ReqwestClientBuilder::ssl_check_ocsp) |
//! | local address, IPv4/IPv6 preference | [`local_address`](ReqwestClientBuilder::local_address), [`ip_preference`](ReqwestClientBuilder::ip_preference) |
//! | response size limit | [`max_response_size`](ReqwestClientBuilder::max_response_size) (default 4 MiB, enforced while streaming) |
//! | masking secrets in diagnostics and logs | [`mask_sensitive_data`](ReqwestClientBuilder::mask_sensitive_data) |
//! | status, headers, bodies, byte counts, server certificate and TLS version of the last exchange | [`ReqwestClient::last_exchange`] |
//!
//! Logging goes through `tracing`: `info` has the URL and status, `debug` the headers,
//! `trace` the bodies (masked unless masking is off).
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
