//! The facade's one error type: the layer's error as `source()`, a numeric error code
//! (`code()`), a stable `kind()`, and a message that says what to do next.

use oidc_core::ErrorCode;

use crate::browser::LaunchError;

/// The claim on which the front- and back-channel ID tokens disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MismatchedClaim {
    /// `iss`.
    Iss,
    /// `sub`.
    Sub,
}

impl std::fmt::Display for MismatchedClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MismatchedClaim::Iss => "iss",
            MismatchedClaim::Sub => "sub",
        })
    }
}

/// Everything that can stop a sign-in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Building the request or reading the redirect failed (state, RFC 9207 `iss`,
    /// response type, provider error).
    #[error(transparent)]
    Authorization(#[from] oidc_core::Error),
    /// An ID token (or a signed UserInfo response) failed validation.
    #[error("ID token rejected: {0}")]
    IdToken(#[from] oidc_jose::Error),
    /// Discovery or the provider's keys failed.
    #[error(transparent)]
    Discovery(#[from] oidc_discovery::Error),
    /// A back-channel endpoint (token, UserInfo, revocation, device, PAR) failed.
    #[error(transparent)]
    Token(#[from] oidc_token::Error),
    /// The loopback redirect server failed, timed out or was cancelled.
    #[error(transparent)]
    Loopback(#[from] oidc_loopback::Error),
    /// No authorization response reached the loopback before the timeout.
    #[error(
        "no authorization response reached {redirect_uri} in time: {source}; check that the provider allows this redirect URI (RFC 8252: any port on 127.0.0.1) and that the browser opened"
    )]
    RedirectTimeout {
        /// The redirect URI the provider should have sent the browser to.
        redirect_uri: String,
        /// The loopback server's report.
        #[source]
        source: oidc_loopback::Error,
    },
    /// The HTTP transport could not be built.
    #[error(transparent)]
    Transport(#[from] oidc_reqwest::Error),
    /// The browser could not be opened.
    #[error("{0}; open the URL by hand (e.g. with a `--no-browser` option) or set $BROWSER")]
    Browser(#[from] LaunchError),
    /// The provider's metadata lacks an endpoint this operation needs: the member name
    /// (`revocation_endpoint`, …) of the OpenID discovery document, which was also looked
    /// for in the RFC 8414 metadata where that can publish it.
    #[error(
        "the provider publishes no `{0}` in its metadata; set it explicitly (OidcDesktopBuilder::{0}, or the command line's --{flag})",
        flag = .0.replace('_', "-")
    )]
    MissingEndpoint(&'static str),
    /// The authorization response came back in another response mode than the one
    /// requested (e.g. in the query when `form_post` was asked for) and was refused.
    #[error(
        "the authorization response arrived by {} although {} was requested; it was refused",
        .arrived.as_str(),
        .requested.as_str()
    )]
    ResponseModeMismatch {
        /// The mode requested.
        requested: oidc_core::ResponseMode,
        /// The way it arrived.
        arrived: oidc_core::ResponseMode,
    },
    /// The token endpoint answered an OpenID request without an ID token.
    #[error("the token response carries no id_token although the scope includes openid")]
    MissingIdToken,
    /// The front-channel and back-channel ID tokens disagree on `iss` or `sub`
    /// (OpenID Connect Core §3.3.2.12).
    #[error("the ID tokens from the authorization and token endpoints disagree on `{0}`")]
    IdTokenMismatch(MismatchedClaim),
    /// The configuration is inconsistent.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// The token store failed (see [`oidc_store::Error`] for the precise cause and its fix).
    #[error("token store: {0}")]
    Store(#[from] oidc_store::Error),
    /// A token is needed, none could be had without the user, and the caller did not allow
    /// an interactive sign-in ([`crate::Interactive::Never`]).
    #[error("signing in again is required: {reason}")]
    InteractionRequired {
        /// Why the stored session could not be used (none stored, no refresh token, the
        /// provider refused the refresh token, …).
        reason: String,
    },
    /// A stored session could not be read back.
    #[error("the stored session is unreadable: {0}")]
    StoredSession(#[source] serde_json::Error),
    /// A request carried a DPoP proof and the provider answered with another token type
    /// (it ignored DPoP): refused unless `OidcDesktopBuilder::allow_dpop_downgrade`.
    #[error(
        "the provider answered a DPoP request with `{token_type}` tokens, which a thief could use; set allow_dpop_downgrade to accept them"
    )]
    DpopDowngrade {
        /// The `token_type` of the answer.
        token_type: String,
    },
    /// A session of another issuer or client was handed to this client.
    #[error("the session belongs to {client_id} at {issuer}, not to this client")]
    ForeignSession {
        /// The session's issuer.
        issuer: String,
        /// The session's client id.
        client_id: String,
    },
    /// The provider issued DPoP-bound tokens although no proof was sent.
    #[error("the provider issued DPoP-bound tokens although no DPoP proof was sent")]
    DpopUnrequested,
    /// The operation was interrupted (`interrupt()`).
    #[error("the operation was interrupted")]
    Interrupted,
}

impl Error {
    /// The OIDCDesktop error code (900–940) where the table has one; other failures
    /// (transport, configuration) map to 940's family only when they end an authorization.
    pub fn code(&self) -> u16 {
        self.error_code().map_or(0, ErrorCode::as_u16)
    }

    /// The code as a typed value, when the table has one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        Some(match self {
            Error::Authorization(e) => e.code(),
            Error::IdToken(e) => e.code(),
            Error::Discovery(e) => e.code(),
            Error::Token(e) => e.code(),
            Error::Loopback(e) | Error::RedirectTimeout { source: e, .. } => e.code(),
            Error::MissingIdToken => ErrorCode::InvalidIdToken,
            Error::ResponseModeMismatch { .. } => ErrorCode::AuthorizationError,
            Error::IdTokenMismatch(MismatchedClaim::Iss) => ErrorCode::IssuerMismatch,
            Error::IdTokenMismatch(MismatchedClaim::Sub) => ErrorCode::VerificationFailed,
            Error::Interrupted => ErrorCode::AuthorizationError,
            _ => return None,
        })
    }

    /// A stable snake_case name (the conformance report and the CLI's JSON use it).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Authorization(e) => e.kind(),
            Error::IdToken(e) => e.kind(),
            // The catalogue's one name for every code-900 failure; the precise kind
            // (html_instead_of_json, issuer_mismatch of the document, …) is the source's.
            Error::Discovery(e) if e.code() == ErrorCode::InvalidDiscovery => "invalid_discovery",
            Error::Discovery(e) => e.kind(),
            // A response with another sign-in's state was refused and no valid one came.
            Error::RedirectTimeout {
                source:
                    oidc_loopback::Error::Timeout {
                        last_refusal: Some(oidc_loopback::Refusal::StateMismatch),
                        ..
                    },
                ..
            } => "state_mismatch",
            Error::Token(e) => e.kind(),
            Error::Loopback(e) | Error::RedirectTimeout { source: e, .. } => e.kind(),
            Error::Transport(_) => "transport",
            Error::Browser(_) => "browser_launch_failed",
            Error::MissingEndpoint(_) => "missing_endpoint",
            Error::MissingIdToken => "missing_id_token",
            Error::ResponseModeMismatch { .. } => "invalid_authorization_response",
            Error::IdTokenMismatch(MismatchedClaim::Iss) => "issuer_mismatch",
            Error::IdTokenMismatch(MismatchedClaim::Sub) => "subject_mismatch",
            Error::Config(_) => "invalid_configuration",
            Error::Store(_) | Error::StoredSession(_) => "token_store",
            Error::InteractionRequired { .. } => "interaction_required",
            Error::DpopDowngrade { .. } => "dpop_downgrade",
            Error::DpopUnrequested => "dpop_unrequested",
            Error::ForeignSession { .. } => "foreign_session",
            Error::Interrupted => "cancelled",
        }
    }

    /// The provider's own error, whenever the provider sent one: `(error, description,
    /// uri)` from the authorization response, the end-session redirect, any back-channel
    /// endpoint (token, refresh, device, PAR, revocation, introspection), a device grant's
    /// ending (`access_denied`, `expired_token`) or a UserInfo `WWW-Authenticate`
    /// challenge, whatever [`kind`](Self::kind) the failure has.
    ///
    /// Back-channel errors carry no `state` or `iss`; an authorization response's carry
    /// what the provider sent.
    pub fn provider_error(&self) -> Option<oidc_core::ProviderError> {
        match self {
            Error::Authorization(oidc_core::Error::Provider(p)) => Some(p.clone()),
            Error::Token(e) => {
                e.provider_error()
                    .map(|(error, description, uri)| oidc_core::ProviderError {
                        error: error.to_owned(),
                        error_description: description.map(str::to_owned),
                        error_uri: uri.map(str::to_owned),
                        state: None,
                        iss: None,
                    })
            }
            _ => None,
        }
    }
}
