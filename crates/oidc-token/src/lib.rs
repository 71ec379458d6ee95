//! The provider's back-channel endpoints for desktop and command-line relying parties.
//!
//! Sans-IO: every endpoint has a pure `build_*_request` that returns an
//! [`oidc_core::HttpRequest`] and a pure `parse_*` that reads an [`oidc_core::HttpResponse`];
//! the async methods join the two over any [`oidc_core::HttpClient`] in a few lines.
//!
//! - Token endpoint ([`TokenClient`]): authorization code with PKCE
//!   ([`TokenClient::exchange_code`]), refresh with rotation surfaced
//!   ([`TokenClient::refresh`] → [`Refreshed`]), client credentials, device code.
//! - Device Authorization Grant, RFC 8628 ([`TokenClient::device_authorization`],
//!   [`TokenClient::poll_device_token`]): `interval`, `authorization_pending`, `slow_down`,
//!   `access_denied`, `expired_token`, an overall deadline and cancellation; waits go through
//!   an injectable [`Sleeper`].
//! - Client authentication ([`ClientAuth`]): `none`, `client_secret_basic` (id and secret
//!   form-urlencoded before base64, RFC 6749 §2.3.1), `client_secret_post`,
//!   `client_secret_jwt`, `private_key_jwt` (RFC 7523), chosen from the provider's
//!   `token_endpoint_auth_methods_supported` by [`ClientAuthMethod::choose`].
//! - UserInfo ([`fetch_userinfo`]): Bearer header or form body, GET or POST, JSON or signed
//!   JWT (verified through `oidc-jose`); the `sub` must equal the ID token's
//!   ([`Error::UserInfoSubjectMismatch`], code 903); [`UserDetails`] with claim lookup.
//! - Revocation (RFC 7009), introspection (RFC 7662), Pushed Authorization Requests
//!   (RFC 9126) and the RP-initiated logout URL ([`LogoutUrl`]).
//! - DPoP (RFC 9449) through one request decorator, [`DpopHttp`]: a proof on every request
//!   it sends, `ath` for DPoP-bound access tokens, server nonces remembered per origin and one
//!   retry on `use_dpop_nonce`.
//!
//! Responses larger than [`ResponseOptions::max_response_bytes`] (1 MiB) are refused;
//! provider deviations are tolerated only through named options such as
//! [`ResponseOptions::accept_string_expires_in`]. Secrets print as `[redacted]`.
//!
//! # Example
//!
//! ```
//! use oidc_core::{AuthorizationCode, ClientId, ClientSecret, FixedClock, HttpError,
//!                 HttpRequest, HttpResponse, PkceVerifier, RedirectUrl};
//! use oidc_token::{ClientAuth, TokenClient};
//! use std::sync::Arc;
//!
//! // The HTTP client is a closure: it checks the exact request and answers like a provider.
//! let http = |req: HttpRequest| async move {
//!     assert_eq!(req.uri(), "https://op.example/token");
//!     assert_eq!(req.headers()["authorization"], "Basic bXktYXBwOnMzY3IzdA==");
//!     let body = String::from_utf8(req.into_body()).unwrap();
//!     assert!(body.starts_with("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA"));
//!     let json = br#"{"access_token":"at-1","token_type":"bearer","expires_in":3600,
//!                     "refresh_token":"rt-1","scope":"openid email"}"#;
//!     Ok::<_, HttpError>(
//!         http::Response::builder()
//!             .header("content-type", "application/json")
//!             .body(json.to_vec())
//!             .unwrap(),
//!     )
//! };
//!
//! let client = TokenClient::new(
//!     ClientId::new("my-app"),
//!     ClientAuth::SecretBasic(ClientSecret::new("s3cr3t")),
//! )
//! .with_clock(Arc::new(FixedClock::new(1_800_000_000)));
//! let tokens = block_on(client.exchange_code(
//!     &http,
//!     &"https://op.example/token".parse()?,
//!     &AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"),
//!     &RedirectUrl::new("http://127.0.0.1:49152/callback")?,
//!     Some(&PkceVerifier::generate()),
//! ))?;
//! assert_eq!(tokens.access_token.secret(), "at-1");
//! assert_eq!(tokens.expires_at, Some(1_800_003_600));
//! assert_eq!(tokens.scope.unwrap().to_string(), "openid email");
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod device;
mod dpop;
mod error;
mod logout;
mod par;
mod revoke;
mod token;
mod userinfo;
mod wire;

pub use auth::{
    ASSERTION_LIFETIME_SECS, ClientAuth, ClientAuthMethod, JWT_BEARER_ASSERTION_TYPE,
    basic_authorization, client_assertion,
};
pub use device::{
    DEFAULT_INTERVAL_SECS, DeviceAuthorization, DeviceCode, DevicePoll, DevicePollOptions,
    SLOW_DOWN_STEP_SECS, SleepFuture, Sleeper, TokioSleeper,
};
pub use dpop::{DpopHttp, DpopNonces, DpopSigner, demands_nonce, htu_of, response_nonce};
pub use error::{Endpoint, Error, Result};
pub use logout::LogoutUrl;
pub use par::PushedAuthorization;
pub use revoke::{Introspection, TokenTypeHint};
pub use token::{
    DEVICE_CODE_GRANT_TYPE, Grant, Refreshed, ResponseOptions, TokenClient, TokenResponse,
    TokenType, parse_token_response, refreshed,
};
pub use userinfo::{
    TokenScheme, UserDetails, UserInfoParse, UserInfoStyle, UserInfoVerification,
    build_userinfo_request, build_userinfo_request_with, fetch_userinfo, fetch_userinfo_response,
    parse_userinfo_response,
};
pub use wire::DEFAULT_MAX_RESPONSE_BYTES;

#[cfg(test)]
mod tests;
