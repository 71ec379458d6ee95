//! `oidc-testop`: a real, configurable OpenID Provider for tests, the conformance run and
//! the demo.
//!
//! [`TestOp::start`] binds `127.0.0.1` (port 0 by default) and serves, below the issuer
//! `http://127.0.0.1:<port><issuer_path>`:
//!
//! | endpoint | path | what |
//! |---|---|---|
//! | discovery | `/.well-known/openid-configuration` | with `authorization_response_iss_parameter_supported`, `code_challenge_methods_supported: ["S256"]`, PAR and device endpoints |
//! | JWKS | `/jwks` (or fixed / random, [`JwksPath`]) | RS256, PS256, ES256 and EdDSA keys |
//! | authorization | `/authorize` | every response type, `query` / `fragment` / `form_post`, RFC 9207 `iss`, PAR `request_uri`, auto-approve or a login page |
//! | token | `/token` | `authorization_code` (PKCE S256, `redirect_uri` equality, single use), `refresh_token` (rotation; reuse fails), device code, `client_credentials` |
//! | userinfo | `/userinfo` | JSON or signed JWT; bearer in the header or the form body |
//! | revocation, introspection | `/revoke`, `/introspect` | RFC 7009, RFC 7662 |
//! | end session | `/logout` | redirect to a registered `post_logout_redirect_uri` with `state` |
//! | device | `/device_authorization`, `/device` | RFC 8628; tests approve with [`OpHandle::approve_device`] |
//! | PAR | `/par` | RFC 9126 |
//!
//! Client authentication (`none`, `client_secret_basic`, `client_secret_post`,
//! `client_secret_jwt`, `private_key_jwt`) is verified, and each client may use only its
//! registered method ([`ClientAuth`]). ID tokens are signed per client
//! ([`Client::id_token_signed_response_alg`]) with RS256, PS256, ES256, EdDSA or HS256
//! (keyed with the client secret).
//!
//! Every misbehaviour of the conformance catalogue is a [`Fault`], settable in the
//! configuration or at run time through the [`OpHandle`]. Every request is recorded
//! ([`RecordedRequest`], [`OpHandle::requests`]) so a test can assert what the relying
//! party did and did not call. A panic in a handler is recorded, answered with HTTP 500,
//! and re-raised in the test: by [`OpHandle::assert_healthy`] and when the [`TestOp`] drops.
//!
//! The RSA keys are test-only keys committed to the repository (`keys/`); the EC and
//! Ed25519 keys are generated at start. Never use this provider for anything real.
//!
//! # Example
//!
//! ```
//! use oidc_testop::{Endpoint, Fault, OpConfig, TestOp};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let _ = rustls::crypto::ring::default_provider().install_default();
//! let op = TestOp::start(OpConfig::default()).await?;
//! let discovery: serde_json::Value = serde_json::from_slice(
//!     &reqwest::get(op.discovery_url().as_str()).await?.bytes().await?,
//! )?;
//! assert_eq!(discovery["issuer"], op.issuer().as_str());
//! assert_eq!(discovery["code_challenge_methods_supported"][0], "S256");
//!
//! // Change the provider's behaviour at run time, then check what was called.
//! op.add_fault(Fault::DiscoveryIssuerMismatch);
//! let again: serde_json::Value = serde_json::from_slice(
//!     &reqwest::get(op.discovery_url().as_str()).await?.bytes().await?,
//! )?;
//! assert_ne!(again["issuer"], op.issuer().as_str());
//! assert_eq!(op.requests_to(Endpoint::Discovery).len(), 2);
//! assert!(op.requests_to(Endpoint::Token).is_empty());
//! # Ok(()) }
//! ```

mod config;
mod fault;
mod keys;
mod log;
mod provider;
mod server;
mod util;

pub use config::{Client, ClientAuth, JwksPath, LoginMode, OpConfig, User};
pub use fault::{Endpoint, Fault};
pub use log::{FrontChannelResponse, RecordedRequest};
pub use server::{OpHandle, TestOp};

/// What can go wrong while starting the provider or changing its keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding or serving the socket failed.
    #[error("the test provider could not bind or serve: {0}")]
    Io(#[from] std::io::Error),
    /// A signing key could not be loaded or generated.
    #[error("a signing key could not be made: {0}")]
    Key(#[from] oidc_jose::Error),
    /// A client asks for an ID-token or UserInfo algorithm the provider does not sign with.
    #[error("the test provider does not sign with {0}")]
    UnsupportedAlgorithm(oidc_jose::Algorithm),
    /// The configuration is inconsistent.
    #[error("invalid test provider configuration: {0}")]
    InvalidConfig(&'static str),
}
