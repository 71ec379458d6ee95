//! The error type of `oidc-reqwest`.

use oidc_core::{ErrorCode, HttpErrorKind};

/// What went wrong while configuring the client or during one exchange.
///
/// Configuration errors come from [`crate::ReqwestClientBuilder::build`]; exchange errors
/// travel as the `source()` of an [`oidc_core::HttpError`] so that callers that only know
/// the `HttpClient` seam still see them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PEM blob held no certificate, or a certificate did not parse.
    #[error("{what}: no valid PEM certificate found")]
    InvalidCertificate {
        /// Which setting held it (e.g. "ssl_server_ca_certs").
        what: &'static str,
    },
    /// A CRL of `ssl_crls` is neither a PEM `X509 CRL` block nor a DER CRL that rustls
    /// accepts.
    #[error("ssl_crls: CRL number {index} is not a valid PEM or DER certificate revocation list")]
    InvalidCrl {
        /// The 0-based position of the CRL in the order they were added.
        index: usize,
    },
    /// `ssl_check_crl` asks for a CRL check but `ssl_crls` holds no CRL: this client does
    /// not download CRLs from the distribution points, so there would be nothing to check.
    #[error("ssl_check_crl is on but no CRL was given with ssl_crls (CRLs are not downloaded)")]
    NoCrl,
    /// `ssl_check_ocsp` was turned on: rustls does not check OCSP, so the check cannot be
    /// honoured and the client refuses to pretend it does.
    #[error(
        "ssl_check_ocsp is not supported: rustls does not check OCSP responses; use ssl_crls with ssl_check_crl instead"
    )]
    OcspUnsupported,
    /// The client private key did not parse.
    #[error("ssl_cert: the private key is not a valid PEM (PKCS#8, PKCS#1 or SEC1) key")]
    InvalidPrivateKey,
    /// None of the CA files of `ssl_ca_cert_file_paths` exists.
    #[error("none of the CA certificate files exists: {paths}")]
    NoCaFile {
        /// The paths tried, semicolon-separated.
        paths: String,
    },
    /// A file could not be read or created.
    #[error("cannot access `{path}`: {source}")]
    File {
        /// The path.
        path: String,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// A pin fingerprint was not 64 hex digits.
    #[error("ssl_accept_server_cert: a SHA-256 fingerprint is 64 hex digits (colons allowed)")]
    InvalidPin,
    /// An `other_headers` line is not `Name: value`, or names a forbidden header.
    #[error("other_headers: invalid header line `{line}`")]
    InvalidHeader {
        /// The offending line.
        line: String,
    },
    /// The user agent is not a valid header value.
    #[error("user_agent: not a valid header value")]
    InvalidUserAgent,
    /// The proxy authentication scheme is not supported (Digest, NTLM, …).
    #[error(
        "proxy authentication scheme {scheme} is not supported; use Basic, None or a ready-made Proxy-Authorization value"
    )]
    UnsupportedProxyAuth {
        /// The scheme's name.
        scheme: &'static str,
    },
    /// The proxy or firewall address is not usable.
    #[error("proxy `{url}` is not usable: {source}")]
    InvalidProxy {
        /// The proxy URL (without credentials).
        url: String,
        /// The parser's or reqwest's complaint.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// rustls refused the TLS configuration (versions, client certificate, roots).
    #[error("TLS configuration refused: {0}")]
    TlsConfig(#[source] rustls::Error),
    /// reqwest refused to build the client.
    #[error("HTTP client could not be built: {0}")]
    Build(#[source] reqwest::Error),
    /// The response body exceeded the size limit (seen while streaming).
    #[error("response body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A redirect was not followed because of the policy or the `on_redirect` callback.
    #[error("redirect from `{from}` to `{to}` refused: {reason}")]
    RedirectRefused {
        /// The URL redirected from (query dropped).
        from: String,
        /// The URL redirected to (query dropped).
        to: String,
        /// Why.
        reason: &'static str,
    },
    /// More redirects than `max_redirect_attempts`.
    #[error("more than {max} redirects")]
    TooManyRedirects {
        /// The limit.
        max: usize,
    },
}

impl Error {
    /// The OIDCDesktop error code, if the table has one.
    ///
    /// The manual's table (900–940) covers protocol errors only; transport and
    /// configuration failures have no code there, so this is `None` for every variant
    /// today. It exists so that every crate's error answers the same question.
    pub fn code(&self) -> Option<ErrorCode> {
        None
    }

    /// A stable snake_case name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidCertificate { .. } => "invalid_certificate",
            Error::InvalidCrl { .. } => "invalid_crl",
            Error::NoCrl => "no_crl",
            Error::OcspUnsupported => "ocsp_unsupported",
            Error::InvalidPrivateKey => "invalid_private_key",
            Error::NoCaFile { .. } => "no_ca_file",
            Error::File { .. } => "file_error",
            Error::InvalidPin => "invalid_pin",
            Error::InvalidHeader { .. } => "invalid_header",
            Error::InvalidUserAgent => "invalid_user_agent",
            Error::UnsupportedProxyAuth { .. } => "unsupported_proxy_auth",
            Error::InvalidProxy { .. } => "invalid_proxy",
            Error::TlsConfig(_) => "tls_config",
            Error::Build(_) => "client_build",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::RedirectRefused { .. } => "redirect_refused",
            Error::TooManyRedirects { .. } => "too_many_redirects",
        }
    }

    /// The [`HttpErrorKind`] this error maps to when it ends an exchange.
    pub fn http_kind(&self) -> HttpErrorKind {
        match self {
            Error::ResponseTooLarge { .. } => HttpErrorKind::TooLarge,
            Error::RedirectRefused { .. } | Error::TooManyRedirects { .. } => {
                HttpErrorKind::Redirect
            }
            Error::InvalidProxy { .. } | Error::UnsupportedProxyAuth { .. } => HttpErrorKind::Proxy,
            Error::TlsConfig(_)
            | Error::InvalidCertificate { .. }
            | Error::InvalidPrivateKey
            | Error::InvalidCrl { .. }
            | Error::NoCrl
            | Error::OcspUnsupported
            | Error::InvalidPin => HttpErrorKind::Tls,
            _ => HttpErrorKind::InvalidRequest,
        }
    }
}
