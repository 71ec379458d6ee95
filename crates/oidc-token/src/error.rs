//! The error type of `oidc-token`.

use oidc_core::ErrorCode;

/// Which provider endpoint an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// The token endpoint (RFC 6749 §3.2).
    Token,
    /// The device authorization endpoint (RFC 8628 §3.1).
    DeviceAuthorization,
    /// The UserInfo endpoint (OpenID Connect Core §5.3).
    UserInfo,
    /// The revocation endpoint (RFC 7009).
    Revocation,
    /// The introspection endpoint (RFC 7662).
    Introspection,
    /// The pushed authorization request endpoint (RFC 9126).
    PushedAuthorization,
}

impl Endpoint {
    /// A short human name.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Token => "token endpoint",
            Endpoint::DeviceAuthorization => "device authorization endpoint",
            Endpoint::UserInfo => "userinfo endpoint",
            Endpoint::Revocation => "revocation endpoint",
            Endpoint::Introspection => "introspection endpoint",
            Endpoint::PushedAuthorization => "pushed authorization request endpoint",
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong talking to the provider's back-channel endpoints.
///
/// Each variant maps to a code of the OIDCDesktop table through [`Error::code`] and to a
/// stable snake_case name through [`Error::kind`]. No variant carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No response was received (connection, timeout, TLS, transport limits).
    #[error("{endpoint}: {source}")]
    Http {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The transport's report.
        #[source]
        source: oidc_core::HttpError,
    },
    /// The provider answered with an OAuth 2.0 error response (RFC 6749 §5.2, also used by
    /// RFC 7009, RFC 7662, RFC 8628 and RFC 9126).
    #[error("{endpoint} returned error `{error}`{}", .error_description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    TokenEndpoint {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// The `error` code, e.g. `invalid_grant`.
        error: String,
        /// The `error_description`, if any.
        error_description: Option<String>,
        /// The `error_uri`, if any.
        error_uri: Option<String>,
    },
    /// The provider failed with an HTTP 5xx status.
    #[error("{endpoint} failed with HTTP {status}")]
    ServerError {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
    },
    /// A non-success status without an OAuth 2.0 error body.
    #[error("{endpoint} answered with unexpected HTTP status {status}")]
    UnexpectedStatus {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
    },
    /// The resource server refused the access token (RFC 6750 §3, `WWW-Authenticate: Bearer`).
    #[error("{endpoint} refused the access token (HTTP {status}{})", .error.as_deref().map(|e| format!(", {e}")).unwrap_or_default())]
    BearerTokenRejected {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The HTTP status (401 or 403).
        status: u16,
        /// The `error` attribute of the challenge, e.g. `invalid_token`.
        error: Option<String>,
        /// The `error_description` attribute of the challenge.
        error_description: Option<String>,
    },
    /// The response's `Content-Type` is not the one the endpoint must use.
    #[error("{endpoint} answered with content type {found:?}, expected {expected}")]
    UnexpectedContentType {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The content type received (`None` when absent).
        found: Option<String>,
        /// What was expected.
        expected: &'static str,
    },
    /// The body is not valid JSON (or not a JSON object).
    #[error("{endpoint} answered with a body that is not a JSON object: {source}")]
    InvalidJson {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The response body exceeds the size limit and was refused unparsed: either this
    /// crate's [`ResponseOptions::max_response_bytes`](crate::ResponseOptions) or the
    /// transport's own limit (`HttpErrorKind::TooLarge`, then sizes are unknown).
    #[error("{endpoint} answered with a body over the size limit{}", .limit.map(|l| format!(" of {l} bytes")).unwrap_or_default())]
    ResponseTooLarge {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The body size, when known.
        size: Option<usize>,
        /// The limit in force, when known.
        limit: Option<usize>,
    },
    /// A required member is missing from the response.
    #[error("{endpoint} response has no `{field}`")]
    MissingField {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The member's name.
        field: &'static str,
    },
    /// A member of the response has the wrong type or an invalid value.
    #[error("{endpoint} response member `{field}` is invalid: {reason}")]
    InvalidField {
        /// The endpoint called.
        endpoint: Endpoint,
        /// The member's name.
        field: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The token type is not `Bearer` (RFC 6750); the library cannot use it.
    #[error("token_type `{token_type}` is not supported (only Bearer)")]
    UnsupportedTokenType {
        /// The `token_type` received.
        token_type: String,
    },
    /// The UserInfo `sub` differs from the ID token's (OpenID Connect Core §5.3.2): the
    /// response was refused (code 903).
    #[error(
        "the userinfo `sub` `{found}` does not match the ID token's `{expected}`; the response was refused"
    )]
    UserInfoSubjectMismatch {
        /// The subject of the ID token.
        expected: String,
        /// The subject in the UserInfo response.
        found: String,
    },
    /// A signed UserInfo response (`application/jwt`) failed verification.
    #[error("the signed userinfo response was refused: {0}")]
    UserInfoJwt(#[source] oidc_jose::Error),
    /// A signed UserInfo response arrived but no keys were given to verify it.
    #[error("the userinfo response is a signed JWT but no verification keys were supplied")]
    UserInfoJwtUnverifiable,
    /// A signed UserInfo response names another issuer (OpenID Connect Core §5.3.2).
    #[error("the signed userinfo response's `iss` `{found}` is not the expected `{expected}`")]
    UserInfoIssuerMismatch {
        /// The issuer expected.
        expected: String,
        /// The `iss` received.
        found: String,
    },
    /// A signed UserInfo response is meant for another client (OpenID Connect Core §5.3.2).
    #[error("the signed userinfo response's `aud` does not include the client id `{client_id}`")]
    UserInfoAudienceMismatch {
        /// Our client id.
        client_id: String,
    },
    /// Building a `client_secret_jwt` or `private_key_jwt` assertion failed.
    #[error("the client assertion could not be signed: {0}")]
    ClientAssertion(#[source] oidc_jose::Error),
    /// The authorization request could not be turned into PAR parameters.
    #[error("the authorization request is invalid: {0}")]
    AuthorizationRequest(#[source] oidc_core::Error),
    /// An HTTP request could not be assembled (an endpoint URL `http` refuses).
    #[error("the request to {endpoint} could not be built: {source}")]
    BuildRequest {
        /// The endpoint.
        endpoint: Endpoint,
        /// The `http` crate's complaint.
        #[source]
        source: http::Error,
    },
    /// The user denied the device authorization request (RFC 8628 §3.5 `access_denied`).
    #[error("the user denied the device authorization request{}", .error_description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    DeviceAccessDenied {
        /// The `error_description`, if any.
        error_description: Option<String>,
        /// The `error_uri`, if any.
        error_uri: Option<String>,
    },
    /// The provider answered `expired_token` (RFC 8628 §3.5): the device code expired before
    /// the user finished.
    #[error(
        "the device code expired before the user completed the authorization (the provider answered `expired_token`)"
    )]
    DeviceCodeExpired {
        /// The `error_description`, if any.
        error_description: Option<String>,
        /// The `error_uri`, if any.
        error_uri: Option<String>,
    },
    /// The device code's lifetime (`expires_in`) ran out by this client's clock before the
    /// user finished; the provider was not asked again.
    #[error("the device code expired before the user completed the authorization")]
    DeviceCodeExpiredLocally,
    /// Polling gave up at the caller's overall deadline.
    #[error("device authorization polling gave up after {waited_secs} s")]
    DevicePollTimeout {
        /// Seconds spent polling.
        waited_secs: u64,
    },
    /// The caller cancelled the operation.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// The OIDCDesktop error code.
    ///
    /// Back-channel failures have no number of their own in the table; they are reported
    /// as 940 (authorization processing error), except the UserInfo subject check (903)
    /// and signed-UserInfo verification, which takes the JOSE error's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::UserInfoSubjectMismatch { .. } => ErrorCode::VerificationFailed,
            Error::UserInfoJwt(e) => e.code(),
            Error::UserInfoJwtUnverifiable => ErrorCode::NoSignerKey,
            Error::UserInfoIssuerMismatch { .. } => ErrorCode::IssuerMismatch,
            Error::UserInfoAudienceMismatch { .. } => ErrorCode::AudienceMismatch,
            Error::AuthorizationRequest(e) => e.code(),
            _ => ErrorCode::AuthorizationError,
        }
    }

    /// A stable snake_case name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Http { .. } => "http_transport",
            Error::TokenEndpoint { .. } => "token_error",
            Error::ServerError { .. } => "server_error",
            Error::UnexpectedStatus { .. } => "unexpected_status",
            Error::BearerTokenRejected { .. } => "bearer_token_rejected",
            Error::UnexpectedContentType { .. } => "unexpected_content_type",
            Error::InvalidJson { .. } => "invalid_json",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::MissingField { .. } => "missing_field",
            Error::InvalidField { .. } => "invalid_field",
            Error::UnsupportedTokenType { .. } => "unsupported_token_type",
            Error::UserInfoSubjectMismatch { .. } => "userinfo_sub_mismatch",
            Error::UserInfoJwt(_) => "userinfo_jwt_invalid",
            Error::UserInfoJwtUnverifiable => "userinfo_jwt_unverifiable",
            Error::UserInfoIssuerMismatch { .. } => "userinfo_iss_mismatch",
            Error::UserInfoAudienceMismatch { .. } => "userinfo_aud_mismatch",
            Error::ClientAssertion(_) => "client_assertion",
            Error::AuthorizationRequest(_) => "invalid_authorization_request",
            Error::BuildRequest { .. } => "build_request",
            Error::DeviceAccessDenied { .. } => "access_denied",
            Error::DeviceCodeExpired { .. } | Error::DeviceCodeExpiredLocally => "expired_token",
            Error::DevicePollTimeout { .. } => "device_poll_timeout",
            Error::Cancelled => "cancelled",
        }
    }

    /// The OAuth 2.0 `error` code when the provider sent an error response.
    pub fn oauth_error(&self) -> Option<&str> {
        self.provider_error().map(|(error, _, _)| error)
    }

    /// The provider's own error when it sent one, whatever this crate made of it:
    /// `(error, error_description, error_uri)` of an OAuth 2.0 error response (token, refresh,
    /// device, PAR, revocation, introspection), of a device grant's ending (`access_denied`,
    /// `expired_token`) or of a resource server's `WWW-Authenticate: Bearer` challenge
    /// (UserInfo). `None` for failures the provider did not name (transport, parsing, checks
    /// made here, the local device deadline).
    pub fn provider_error(&self) -> Option<(&str, Option<&str>, Option<&str>)> {
        match self {
            Error::TokenEndpoint {
                error,
                error_description,
                error_uri,
                ..
            } => Some((error, error_description.as_deref(), error_uri.as_deref())),
            Error::BearerTokenRejected {
                error: Some(error),
                error_description,
                ..
            } => Some((error, error_description.as_deref(), None)),
            Error::DeviceAccessDenied {
                error_description,
                error_uri,
            } => Some((
                "access_denied",
                error_description.as_deref(),
                error_uri.as_deref(),
            )),
            Error::DeviceCodeExpired {
                error_description,
                error_uri,
            } => Some((
                "expired_token",
                error_description.as_deref(),
                error_uri.as_deref(),
            )),
            _ => None,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
