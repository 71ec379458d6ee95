//! The error type of `oidc-core`.

use crate::ErrorCode;
use crate::response::ProviderError;

/// What went wrong in `oidc-core`: building a request or reading a response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A URL did not parse.
    #[error("{what} is not a valid URL: {source}")]
    InvalidUrl {
        /// Which URL (e.g. "issuer", "authorization endpoint").
        what: &'static str,
        /// The parser's complaint.
        #[source]
        source: url::ParseError,
    },
    /// A URL is not acceptable for its role (scheme, query or fragment).
    #[error("{what} `{url}` is not acceptable: {reason}")]
    UnacceptableUrl {
        /// Which URL.
        what: &'static str,
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A caller-supplied PKCE verifier breaks RFC 7636 §4.1.
    #[error(
        "PKCE verifier of {len} characters is invalid: it must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
    )]
    InvalidPkceVerifier {
        /// Its length.
        len: usize,
    },
    /// The response type is not one the manual's table knows (code 902).
    #[error(
        "response_type `{value}` is not recognized: use a space-separated set of code, id_token and token"
    )]
    InvalidResponseType {
        /// The value given.
        value: String,
    },
    /// The response type is not allowed for the grant type (code 902).
    #[error(
        "response_type `{response_type}` is not allowed with the {grant} grant; allowed: {allowed}"
    )]
    ResponseTypeNotAllowed {
        /// The grant type's name.
        grant: &'static str,
        /// The response type given.
        response_type: String,
        /// The allowed values, comma-separated.
        allowed: &'static str,
    },
    /// The implicit and hybrid flows require a nonce (OpenID Connect Core §3.2.2.1, §3.3.2.11).
    #[error(
        "response_type `{response_type}` requires a nonce (OpenID Connect Core 3.2.2.1 / 3.3.2.11)"
    )]
    NonceRequired {
        /// The response type.
        response_type: String,
    },
    /// `prompt=none` was combined with another prompt value.
    #[error("prompt `none` cannot be combined with other values")]
    PromptNoneCombined,
    /// An extra parameter would duplicate one the request sets itself.
    #[error("parameter `{name}` is set by the request itself; use the dedicated builder method")]
    ReservedParameter {
        /// The parameter name.
        name: String,
    },
    /// A parameter appeared more than once in a response (RFC 6749 §3.1 forbids it).
    #[error("parameter `{name}` appears more than once in the authorization response")]
    DuplicateParameter {
        /// The parameter name.
        name: String,
    },
    /// A required parameter is missing from the authorization response.
    #[error("the authorization response has no `{name}` parameter")]
    MissingParameter {
        /// The parameter name.
        name: &'static str,
    },
    /// A parameter's value is malformed.
    #[error("parameter `{name}` has an invalid value")]
    InvalidParameter {
        /// The parameter name.
        name: &'static str,
    },
    /// The response carries no `state` although one was sent.
    #[error("the authorization response has no `state`; it cannot be tied to this sign-in")]
    MissingState,
    /// The response's `state` differs from the one sent (CSRF or a stale browser tab).
    #[error("the authorization response's `state` does not match this sign-in's; it was refused")]
    StateMismatch,
    /// The RFC 9207 `iss` parameter differs from the expected issuer (code 911).
    #[error(
        "authorization response `iss` `{found}` does not match the expected issuer `{expected}` (RFC 9207)"
    )]
    IssuerMismatch {
        /// The issuer we expected.
        expected: String,
        /// The `iss` parameter received.
        found: String,
    },
    /// The provider promised the RFC 9207 `iss` parameter but sent none (code 911).
    #[error(
        "the provider advertises authorization_response_iss_parameter_supported but the response has no `iss` (RFC 9207)"
    )]
    MissingIssuer,
    /// The provider answered the authorization request with an error (code 940).
    #[error("{0}")]
    Provider(ProviderError),
    /// An error response without the RFC 9207 `iss` parameter the provider advertises: it
    /// cannot be attributed to the provider (it may come from another one, in a mix-up) and
    /// was refused (RFC 9207 §2.4). What it claimed is kept as untrusted detail (code 911).
    #[error(
        "an authorization error response (claiming `{}`) lacks the `iss` parameter the provider advertises, so it cannot be attributed to this provider and was refused (RFC 9207)",
        .0.error
    )]
    UnattributedError(Box<ProviderError>),
}

impl Error {
    /// The OIDCDesktop error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidResponseType { .. } | Error::ResponseTypeNotAllowed { .. } => {
                ErrorCode::InvalidResponseType
            }
            Error::IssuerMismatch { .. } | Error::MissingIssuer | Error::UnattributedError(_) => {
                ErrorCode::IssuerMismatch
            }
            _ => ErrorCode::AuthorizationError,
        }
    }

    /// A stable snake_case name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } | Error::UnacceptableUrl { .. } => "invalid_url",
            Error::InvalidPkceVerifier { .. } => "invalid_pkce_verifier",
            Error::InvalidResponseType { .. } | Error::ResponseTypeNotAllowed { .. } => {
                "invalid_response_type"
            }
            Error::NonceRequired { .. } => "nonce_required",
            Error::PromptNoneCombined => "invalid_prompt",
            Error::ReservedParameter { .. } => "reserved_parameter",
            Error::DuplicateParameter { .. } => "duplicate_parameter",
            Error::MissingParameter { .. } | Error::InvalidParameter { .. } => {
                "invalid_authorization_response"
            }
            Error::MissingState | Error::StateMismatch => "state_mismatch",
            Error::IssuerMismatch { .. } | Error::MissingIssuer | Error::UnattributedError(_) => {
                "issuer_mismatch"
            }
            Error::Provider(_) => "authorization_error",
        }
    }
}
