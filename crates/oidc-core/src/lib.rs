//! The shared vocabulary of `oidc-desktop`.
//!
//! This crate does no IO: it never opens a socket, reads the clock directly or spawns a
//! task. Network access comes in through [`HttpClient`], time through [`Clock`]. What it
//! holds:
//!
//! - identifiers ([`IssuerUrl`], [`ClientId`], [`RedirectUrl`], [`Scope`]);
//! - secrets that print as `[redacted]` in `Debug` and compare in constant time
//!   ([`ClientSecret`], [`AccessToken`], [`RefreshToken`], [`IdTokenString`],
//!   [`PkceVerifier`], [`Nonce`], [`State`], [`AuthorizationCode`]);
//! - PKCE S256 ([`PkceVerifier::challenge`]) and fresh random state and nonce values;
//! - grant types, response types and response modes with the defaults of the OIDCDesktop
//!   manual ([`GrantType`], [`ResponseType`], [`ResponseMode`]);
//! - the [`AuthorizationRequest`] builder that produces the authorization URL, and
//!   [`AuthorizationResponse`] parsing of the redirect;
//! - the [`HttpClient`] seam and the [`ErrorCode`] table.
//!
//! # Example
//!
//! ```
//! use oidc_core::{AuthorizationRequest, ClientId, GrantType, Nonce, PkceVerifier,
//!                 RedirectUrl, State, AuthorizationResponse};
//!
//! let verifier = PkceVerifier::generate();
//! let state = State::generate();
//! let nonce = Nonce::generate();
//! let url = AuthorizationRequest::new(
//!         "https://op.example/authorize".parse()?,
//!         ClientId::new("my-app"),
//!         RedirectUrl::new("http://127.0.0.1:49152/callback")?,
//!     )
//!     .grant_type(GrantType::AuthorizationCode)
//!     .scope("openid profile email")
//!     .state(&state)
//!     .nonce(&nonce)
//!     .pkce(&verifier)
//!     .build_url()?;
//! assert!(url.as_str().contains("code_challenge_method=S256"));
//!
//! // The browser comes back to the loopback with `?code=...&state=...`.
//! let query = format!("code=abc&state={}", state.secret());
//! let response = AuthorizationResponse::from_query(&query)?;
//! let success = response.into_result()?;
//! success.check_state(&state)?;
//! assert_eq!(success.code.as_ref().map(|c| c.secret()), Some("abc"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clock;
mod codes;
mod error;
mod grant;
mod http_client;
mod ids;
pub mod json_check;
mod pkce;
mod random;
pub mod redact;
mod request;
mod response;
mod secret;

pub use clock::{Clock, FixedClock, SystemClock};
pub use codes::ErrorCode;
pub use error::Error;
pub use grant::{GrantType, ResponseMode, ResponseType, ResponseTypeComponent};
pub use http_client::{
    HttpClient, HttpError, HttpErrorKind, HttpFuture, HttpRequest, HttpResponse,
};
pub use ids::{ClientId, IssuerUrl, RedirectUrl, Scope, has_unsafe_url_chars, is_loopback_ip_host};
pub use pkce::{PkceChallenge, PkceMethod};
pub use random::random_token;
pub use request::{AuthorizationRequest, Display, ParameterRole, Prompt};
pub use response::{AuthorizationResponse, AuthorizationSuccess, ProviderError};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdTokenString, Nonce, PkceVerifier, RefreshToken,
    State,
};

/// Re-exported so that callers build requests with the same `http` and `url` versions.
pub use http;
pub use url;
