//! The back channel: how the client authenticates, what it fetches after a sign-in, when
//! it refreshes, and whether its tokens are bound to a key (DPoP).

use std::sync::Arc;
use std::time::Duration;

use oidc_jose::{Algorithm, SigningKey};
use oidc_token::{ClientAuthMethod, UserInfoStyle};

use super::OidcDesktopBuilder;
use crate::config::{DpopKeyScope, DpopMode};

impl OidcDesktopBuilder {
    /// How the client authenticates at the token endpoint. By default it chooses from the
    /// provider's `token_endpoint_auth_methods_supported`: `private_key_jwt` when a
    /// [`Self::private_key`] is set and accepted, else `client_secret_basic` (or `_post`
    /// when only that is supported) with a secret, else `none`. A method without what it
    /// needs (a secret, a key) fails [`Self::build`].
    #[must_use]
    pub fn client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.config.client_auth = Some(method);
        self
    }

    /// The key that signs the client's assertions for `private_key_jwt` (RFC 7523).
    #[must_use]
    pub fn private_key(mut self, key: impl Into<Arc<SigningKey>>) -> Self {
        self.config.private_key = Some(key.into());
        self
    }

    /// Fetches UserInfo after each sign-in and keeps it in the session (default off); its
    /// `sub` must be the ID token's.
    #[must_use]
    pub fn fetch_userinfo(mut self, on: bool) -> Self {
        self.config.fetch_userinfo = on;
        self
    }

    /// How the access token is presented at the UserInfo endpoint (default: the
    /// `Authorization` header with `GET`).
    #[must_use]
    pub fn userinfo_style(mut self, style: UserInfoStyle) -> Self {
        self.config.userinfo_style = style;
        self
    }

    /// Refreshes an access token this long before it expires (default 60 s), so that a
    /// token handed out is still valid when it reaches the API.
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.config.refresh_margin = margin;
        self
    }

    /// DPoP (RFC 9449): binds the tokens to a key of this client, so that a stolen token is
    /// worthless without it (default [`DpopMode::Off`]: bearer tokens).
    #[must_use]
    pub fn dpop(mut self, mode: DpopMode) -> Self {
        self.config.dpop = mode;
        self
    }

    /// The DPoP proof algorithm: ES256 (default), ES384 or EdDSA; another one fails
    /// [`Self::build`] when DPoP is on.
    #[must_use]
    pub fn dpop_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.config.dpop_algorithm = algorithm;
        self
    }

    /// How long a DPoP key lives (default [`DpopKeyScope::PerSession`]).
    #[must_use]
    pub fn dpop_key_scope(mut self, scope: DpopKeyScope) -> Self {
        self.config.dpop_key_scope = scope;
        self
    }

    /// Accepts a `Bearer` answer to a request that carried a DPoP proof (a provider that
    /// ignored DPoP). Off by default: the application asked for tokens that are worthless
    /// when stolen, and such an answer is an error.
    #[must_use]
    pub fn allow_dpop_downgrade(mut self, on: bool) -> Self {
        self.config.allow_dpop_downgrade = on;
        self
    }
}
