//! The error type of `oidc-discovery`.

use oidc_core::{ErrorCode, HttpError};

/// Which document an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Document {
    /// The discovery document (`/.well-known/openid-configuration`).
    Discovery,
    /// The JSON Web Key Set (`jwks_uri`).
    Jwks,
    /// The OAuth 2.0 authorization server metadata (RFC 8414,
    /// `/.well-known/oauth-authorization-server`).
    OAuthMetadata,
}

impl std::fmt::Display for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Document::Discovery => "discovery document",
            Document::Jwks => "JWKS",
            Document::OAuthMetadata => "OAuth authorization server metadata",
        })
    }
}

/// What went wrong fetching or reading provider metadata or keys.
///
/// Errors about the discovery document have code 900 (invalid discovery document);
/// errors about the key set have code 921 (no valid signer key).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed at the transport (connect, TLS, timeout, size limit, ...).
    #[error("fetching the {what} failed: {source}")]
    Transport {
        /// Which document.
        what: Document,
        /// The transport's error.
        #[source]
        source: HttpError,
    },
    /// The server answered with a status other than 200.
    #[error("the {what} request got HTTP status {status}")]
    HttpStatus {
        /// Which document.
        what: Document,
        /// The status.
        status: u16,
    },
    /// The server answered with a redirect, which is not followed for metadata.
    #[error(
        "the {what} request was redirected (HTTP {status}) to {location:?}; use the final URL as the issuer, or enable redirects in the HTTP client"
    )]
    Redirected {
        /// Which document.
        what: Document,
        /// The status.
        status: u16,
        /// The `Location` header.
        location: Option<String>,
    },
    /// The body is HTML (a login page, a proxy's error page), not JSON.
    #[error("the {what} is HTML, not JSON (a login or error page?)")]
    HtmlInsteadOfJson {
        /// Which document.
        what: Document,
    },
    /// The content type is neither JSON nor absent.
    #[error("the {what} has content type `{content_type}`, expected application/json")]
    WrongContentType {
        /// Which document.
        what: Document,
        /// The content type received.
        content_type: String,
    },
    /// The body is empty.
    #[error("the {what} is empty")]
    EmptyBody {
        /// Which document.
        what: Document,
    },
    /// The body ends in the middle of the JSON (a cut connection or a size cap).
    #[error("the {what} is truncated JSON (ends at line {line}, column {column})")]
    TruncatedJson {
        /// Which document.
        what: Document,
        /// Line of the end.
        line: usize,
        /// Column of the end.
        column: usize,
    },
    /// The body is not JSON.
    #[error("the {what} is not valid JSON: {source}")]
    InvalidJson {
        /// Which document.
        what: Document,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The body is larger than [`crate::MAX_DOCUMENT_SIZE`].
    #[error("the {what} is larger than {limit} bytes")]
    TooLarge {
        /// Which document.
        what: Document,
        /// The limit.
        limit: usize,
    },
    /// A member has the wrong JSON type (e.g. a string where an array belongs).
    #[error("the discovery document has a member of the wrong type: {source}")]
    InvalidMember {
        /// The parser's complaint (names the position).
        #[source]
        source: serde_json::Error,
    },
    /// A required member is missing.
    #[error(
        "the discovery document has no `{member}` (required by OpenID Connect Discovery 1.0 §3)"
    )]
    MissingMember {
        /// The member.
        member: &'static str,
    },
    /// An endpoint is not an absolute https URL (http only on loopback hosts).
    #[error("`{member}` = `{url}` is not an acceptable endpoint URL: {reason}")]
    InvalidEndpoint {
        /// The member.
        member: &'static str,
        /// The value.
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// The document's issuer differs from the expected issuer (Discovery §4.3).
    #[error(
        "the discovery document's issuer `{found}` does not equal the expected issuer `{expected}` (OpenID Connect Discovery 1.0 §4.3)"
    )]
    IssuerMismatch {
        /// The issuer the document was fetched for.
        expected: String,
        /// The issuer in the document.
        found: String,
    },
    /// The OAuth authorization server metadata names another issuer (RFC 8414 §3.3).
    #[error(
        "the OAuth authorization server metadata's issuer `{found}` does not equal the expected issuer `{expected}` (RFC 8414 §3.3)"
    )]
    OAuthIssuerMismatch {
        /// The issuer the document was fetched for.
        expected: String,
        /// The issuer in the document.
        found: String,
    },
    /// The key set is not a valid JWKS.
    #[error("the JWKS is invalid: {0}")]
    Jwks(#[source] oidc_jose::Error),
}

impl Error {
    /// Which document the error is about.
    pub fn document(&self) -> Document {
        match self {
            Error::Transport { what, .. }
            | Error::HttpStatus { what, .. }
            | Error::Redirected { what, .. }
            | Error::HtmlInsteadOfJson { what }
            | Error::WrongContentType { what, .. }
            | Error::EmptyBody { what }
            | Error::TruncatedJson { what, .. }
            | Error::InvalidJson { what, .. }
            | Error::TooLarge { what, .. } => *what,
            Error::InvalidMember { .. }
            | Error::MissingMember { .. }
            | Error::InvalidEndpoint { .. }
            | Error::IssuerMismatch { .. } => Document::Discovery,
            Error::OAuthIssuerMismatch { .. } => Document::OAuthMetadata,
            Error::Jwks(_) => Document::Jwks,
        }
    }

    /// The OIDCDesktop error code: 900 for the discovery document, 921 for the key set.
    pub fn code(&self) -> ErrorCode {
        match self.document() {
            Document::Discovery | Document::OAuthMetadata => ErrorCode::InvalidDiscovery,
            Document::Jwks => ErrorCode::NoSignerKey,
        }
    }

    /// A stable snake_case name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Transport { .. } => "transport",
            Error::HttpStatus { .. } => "http_status",
            Error::Redirected { .. } => "redirected",
            Error::HtmlInsteadOfJson { .. } => "html_instead_of_json",
            Error::WrongContentType { .. } => "wrong_content_type",
            Error::EmptyBody { .. } => "empty_body",
            Error::TruncatedJson { .. } => "truncated_json",
            Error::InvalidJson { .. } => "invalid_json",
            Error::TooLarge { .. } => "too_large",
            Error::InvalidMember { .. }
            | Error::MissingMember { .. }
            | Error::InvalidEndpoint { .. } => "invalid_discovery",
            Error::IssuerMismatch { .. } | Error::OAuthIssuerMismatch { .. } => "issuer_mismatch",
            Error::Jwks(_) => "invalid_jwks",
        }
    }
}
