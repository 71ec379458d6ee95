//! The authorization request: what every sign-in asks of the provider unless
//! [`OidcDesktop::sign_in`](crate::OidcDesktop::sign_in) says otherwise for one of them.

use std::time::Duration;

use oidc_core::{Display, Prompt, ResponseMode, ResponseType};

use super::OidcDesktopBuilder;
use crate::config::ParMode;

impl OidcDesktopBuilder {
    /// The `response_type` to request, instead of the grant type's own (`code` for the
    /// authorization code grant). A response type the grant cannot use, or one that returns
    /// tokens with `response_mode=query`, fails [`Self::build`].
    #[must_use]
    pub fn response_type(mut self, response_type: ResponseType) -> Self {
        self.config.response_type = Some(response_type);
        self
    }

    /// The `response_mode`; by default `query` for the code flow and `form_post` for the
    /// implicit and hybrid flows, which return tokens in the front channel.
    #[must_use]
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.config.response_mode = Some(mode);
        self
    }

    /// Sends a PKCE challenge (RFC 7636, `S256`) with every request for a code (default on).
    /// Turn it off only for a provider that refuses the parameters.
    #[must_use]
    pub fn pkce(mut self, on: bool) -> Self {
        self.config.use_pkce = on;
        self
    }

    /// Sends a fresh `nonce` with every request and requires it in the ID token (default
    /// on). The implicit and hybrid flows always send one: there the nonce is what binds
    /// the front-channel ID token to this request.
    #[must_use]
    pub fn nonce(mut self, on: bool) -> Self {
        self.config.use_nonce = on;
        self
    }

    /// Adds a `prompt` value (`login`, `consent`, `select_account`, `none`) sent with
    /// every sign-in.
    #[must_use]
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.config.prompt.push(prompt);
        self
    }

    /// `display`: how the provider shows its pages.
    #[must_use]
    pub fn display(mut self, display: Display) -> Self {
        self.config.display = Some(display);
        self
    }

    /// `login_hint`: the account the user probably wants (an email address, a user name).
    #[must_use]
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.config.login_hint = Some(hint.into());
        self
    }

    /// `id_token_hint`: an ID token the provider issued earlier, naming the user.
    #[must_use]
    pub fn id_token_hint(mut self, id_token: impl Into<String>) -> Self {
        self.config.id_token_hint = Some(id_token.into());
        self
    }

    /// `max_age`: the user must have authenticated at the provider within this time; the ID
    /// token's `auth_time` is then required and checked (whole seconds).
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.config.max_age = Some(max_age.as_secs());
        self
    }

    /// `ui_locales`: the user's preferred languages (BCP 47 tags, space-separated).
    #[must_use]
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.config.ui_locales = Some(locales.into());
        self
    }

    /// The `claims` request parameter (OpenID Connect Core §5.5), as JSON.
    #[must_use]
    pub fn claims(mut self, claims_json: impl Into<String>) -> Self {
        self.config.claims = Some(claims_json.into());
        self
    }

    /// `acr_values`: the authentication context classes wanted, space-separated, in order
    /// of preference.
    #[must_use]
    pub fn acr_values(mut self, values: impl Into<String>) -> Self {
        self.config.acr_values = Some(values.into());
        self
    }

    /// Adds a parameter to every authorization request (an `audience`, a `resource`, a
    /// provider's own parameter). A parameter the client sets itself (`state`, `nonce`,
    /// `redirect_uri`, …) or one with a setter of its own is refused at the sign-in.
    #[must_use]
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.extra_params.push((name.into(), value.into()));
        self
    }

    /// When to push the request to the provider first (RFC 9126 PAR; default
    /// [`ParMode::Auto`]: when the provider has an endpoint for it).
    #[must_use]
    pub fn par(mut self, mode: ParMode) -> Self {
        self.config.par = mode;
        self
    }
}
