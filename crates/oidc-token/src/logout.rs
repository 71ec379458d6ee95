//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2).

use oidc_core::{ClientId, IdTokenString, State};
use url::Url;

/// Builds the logout URL to open in the browser.
///
/// ```
/// use oidc_token::LogoutUrl;
/// let url = LogoutUrl::new("https://op.example/session/end".parse()?)
///     .post_logout_redirect_uri("http://127.0.0.1:8400/logout")
///     .ui_locales("nl en")
///     .build();
/// assert_eq!(url.as_str(), "https://op.example/session/end?post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8400%2Flogout&ui_locales=nl+en");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LogoutUrl {
    endpoint: Url,
    id_token_hint: Option<IdTokenString>,
    logout_hint: Option<String>,
    client_id: Option<ClientId>,
    post_logout_redirect_uri: Option<String>,
    state: Option<State>,
    ui_locales: Option<String>,
}

impl LogoutUrl {
    /// Starts from the provider's `end_session_endpoint` (any query it has is kept).
    pub fn new(end_session_endpoint: Url) -> Self {
        Self {
            endpoint: end_session_endpoint,
            id_token_hint: None,
            logout_hint: None,
            client_id: None,
            post_logout_redirect_uri: None,
            state: None,
            ui_locales: None,
        }
    }

    /// `id_token_hint`: the ID token previously issued (RECOMMENDED).
    #[must_use]
    pub fn id_token_hint(mut self, id_token: &IdTokenString) -> Self {
        self.id_token_hint = Some(id_token.clone());
        self
    }

    /// `logout_hint`.
    #[must_use]
    pub fn logout_hint(mut self, hint: impl Into<String>) -> Self {
        self.logout_hint = Some(hint.into());
        self
    }

    /// `client_id` (needed with `post_logout_redirect_uri` when there is no ID token hint).
    #[must_use]
    pub fn client_id(mut self, client_id: &ClientId) -> Self {
        self.client_id = Some(client_id.clone());
        self
    }

    /// `post_logout_redirect_uri`: where the provider sends the browser afterwards.
    #[must_use]
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uri = Some(uri.into());
        self
    }

    /// `state`, echoed to the post-logout redirect.
    #[must_use]
    pub fn state(mut self, state: &State) -> Self {
        self.state = Some(state.clone());
        self
    }

    /// `ui_locales`: space-separated BCP 47 tags.
    #[must_use]
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.ui_locales = Some(locales.into());
        self
    }

    /// The URL, with the parameters in the order of the specification.
    pub fn build(&self) -> Url {
        let mut url = self.endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            if let Some(t) = &self.id_token_hint {
                q.append_pair("id_token_hint", t.secret());
            }
            if let Some(h) = &self.logout_hint {
                q.append_pair("logout_hint", h);
            }
            if let Some(c) = &self.client_id {
                q.append_pair("client_id", c.as_str());
            }
            if let Some(u) = &self.post_logout_redirect_uri {
                q.append_pair("post_logout_redirect_uri", u);
            }
            if let Some(s) = &self.state {
                q.append_pair("state", s.secret());
            }
            if let Some(l) = &self.ui_locales {
                q.append_pair("ui_locales", l);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }
}
