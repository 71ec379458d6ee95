//! Sign a desktop or command-line user in with any OpenID Connect provider, the way
//! RFC 8252 says native apps should: the system browser, a loopback redirect on
//! `127.0.0.1`, PKCE, and a fully validated ID token.
//!
//! [`OidcDesktop::sign_in`] (`.await` it; [`OidcDesktop::authenticate`] is the same with
//! no per-sign-in options) does the whole job: discovery (cached), a loopback server
//! on a free port, the authorization URL (state, nonce, PKCE S256, PAR when the provider
//! wants it), the browser, the redirect (state and RFC 9207 `iss` checked, provider errors
//! surfaced), the code exchange, ID token validation (with one JWKS refetch on an unknown
//! `kid`), and optionally UserInfo. Every error has the OIDCDesktop numeric
//! [`Error::code`] and a stable [`Error::kind`].
//!
//! # Example
//!
//! A complete sign-in against a provider running on this machine (the project's own test
//! provider stands in for Google, Entra, Okta, …; a scripted agent stands in for the user's
//! browser):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use oidc_desktop::OidcDesktop;
//! # let op = oidc_testop::TestOp::start(oidc_testop::OpConfig::default()).await?;
//! # let issuer = op.issuer().to_string();
//! # let client_id = "test-client";
//! # let browser = Arc::new(oidc_desktop::testing::HttpAgent::new());
//!
//! let client = OidcDesktop::builder(&issuer)
//!     .client_id(client_id)
//!     .scope("openid profile email")
//!     .browser(browser) // omit to use the system browser
//!     .build()?;
//! let session = client.authenticate().await?;
//! println!("signed in as {:?}", session.user().email);
//! assert!(session.claims().unwrap().sub.is_some());
//! # Ok(())
//! # }
//! ```
//!
//! Options of one sign-in go on the call, not the client: `client.sign_in().prompt(Prompt::SelectAccount)
//! .login_hint("jane@example.com").await` switches accounts with the same client. For
//! everyday use, [`OidcDesktop::access_token`] and [`OidcDesktop::acquire`] reuse a stored
//! session, refresh it under a lock shared by every process, and sign in only when needed.
//!
//! For programs without an async runtime, [`blocking::OidcDesktop`] has the same surface.

mod acquire;
mod authorize;
mod browser;
mod builder;
mod client;
mod config;
mod device;
mod dpop;
mod error;
mod events;
mod exchange;
mod http_log;
mod lazy_http;
mod paste;
mod presets;
mod redirect;
mod refresh;
mod session;
mod session_ops;
mod sign_in;
mod sign_out;
mod userinfo;
mod validate;

pub mod blocking;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "testing")]
pub mod testing;

pub use acquire::{Acquire, Acquired, Acquisition, Interactive};
pub use browser::{
    BrowserCommand, BrowserLauncher, EARLY_EXIT_WINDOW, LaunchError, LaunchWatch, SystemBrowser,
};
pub use builder::OidcDesktopBuilder;
pub use client::OidcDesktop;
pub use config::{BrowserFailure, DpopKeyScope, DpopMode, ParMode};
pub use dpop::{DpopHeaders, dpop_nonce_challenge};
pub use error::{Error, MismatchedClaim};
pub use events::{
    DeviceCodePrompt, Events, LaunchBrowser, LogLevel, LogType, NoEvents, RecordingEvents,
};
pub use oidc_store::{EntryLock, FileStore, MemoryStore, TokenStore};
pub use oidc_token::ClientAuthMethod;

// The lower crates' types that the facade's own signatures use, so that an application
// names them from here (`oidc_desktop::Prompt`) and needs no dependency of its own.
pub use oidc_core::{
    AccessToken, ClientSecret, Display, GrantType, IdTokenString, IssuerUrl, Prompt, ProviderError,
    RefreshToken, ResponseMode, ResponseType,
};
pub use oidc_discovery::{ProviderMetadata, Quirks, SignerKeys};
pub use oidc_jose::{
    Algorithm, ExpectedIssuer, IdTokenClaims, SigningKey, SkipChecks, StandardClaims,
    ValidatedClaims,
};
pub use oidc_loopback::TlsIdentity;
pub use oidc_token::{Introspection, TokenTypeHint, UserDetails, UserInfoStyle};
pub use paste::PastedAddresses;
pub use presets::ProviderPreset;
pub use session::Session;
pub use session_ops::TokenKind;
pub use sign_in::SignIn;

pub use oidc_core as core;
pub use oidc_discovery as discovery;
pub use oidc_jose as jose;
pub use oidc_loopback as loopback;
pub use oidc_reqwest as reqwest_transport;
pub use oidc_store as store;
pub use oidc_token as token;
