//! Ending a session: token revocation (RFC 7009) and RP-initiated logout through the
//! browser.

use oidc_core::{ClientId, IdTokenString, State};
use oidc_discovery::ProviderMetadata;
use oidc_loopback::LoopbackServer;
use oidc_token::{LogoutUrl, TokenTypeHint};
use url::Url;

use crate::events::LogLevel;
use crate::{Error, OidcDesktop, Session};

impl OidcDesktop {
    /// The revocation endpoint: configured, discovered, or from the RFC 8414 metadata.
    pub(crate) async fn revocation_endpoint(&self, meta: &ProviderMetadata) -> Result<Url, Error> {
        self.endpoint_or_oauth(
            self.inner.config.revocation_endpoint.as_ref(),
            meta.revocation_endpoint(),
            "revocation_endpoint",
        )
        .await
    }

    /// Revokes a token (RFC 7009) given as text; [`Self::revoke`] revokes a session's own
    /// (with its DPoP key when bound).
    pub async fn revoke_token(
        &self,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<(), Error> {
        let r = async {
            let meta = self.discovery().await?;
            let endpoint = self.revocation_endpoint(&meta).await?;
            let tc = self.token_client(&meta)?;
            Ok(tc.revoke(&*self.inner.http, &endpoint, token, hint).await?)
        };
        self.public_call(r).await
    }
    /// RP-initiated logout of `session` through the browser: opens the provider's
    /// `end_session_endpoint` with the session's ID token as `id_token_hint` and a loopback
    /// `post_logout_redirect_uri`, and waits for the provider to send the browser back
    /// (bounded by the configured timeout). A session of another issuer or client is refused
    /// before the browser opens.
    pub async fn logout(&self, session: &Session) -> Result<(), Error> {
        self.public_call(async {
            self.check_session(session)?;
            self.logout_flow(session.id_token.as_ref()).await
        })
        .await
    }

    /// [`Self::logout`] without a session: with an ID token given as text as the hint, or
    /// none (the provider then asks the user which session to end).
    pub async fn logout_with_hint(&self, id_token: Option<&IdTokenString>) -> Result<(), Error> {
        self.public_call(self.logout_flow(id_token)).await
    }

    async fn logout_flow(&self, id_token: Option<&IdTokenString>) -> Result<(), Error> {
        let meta = self.discovery().await?;
        let endpoint = self.endpoint(
            self.inner.config.end_session_endpoint.as_ref(),
            meta.end_session_endpoint(),
            "end_session_endpoint",
        )?;
        let cfg = self.loopback_config().path("/logged-out");
        let mut server = LoopbackServer::bind(cfg).await?;
        let state = State::generate();
        server.expect_state(&state);
        let mut url = LogoutUrl::new(endpoint)
            .client_id(&ClientId::new(self.inner.config.client_id.clone()))
            .post_logout_redirect_uri(server.redirect_uri().as_str())
            .state(&state);
        if let Some(t) = id_token {
            url = url.id_token_hint(t);
        }
        let (watch, shown_url) = self.launch_browser(&url.build())?;
        let r = self
            .wait_for_redirect(&mut server, watch, &shown_url, None)
            .await;
        server.shutdown().await;
        let r = r?;
        // The loopback checked `state`; a provider that could not end the session may say
        // why in the redirect, and that is not a sign-out.
        if let Some(e) = r?.into_response().provider_error() {
            return Err(Error::Authorization(oidc_core::Error::Provider(e)));
        }
        self.log(LogLevel::Info, "signed out at the provider");
        Ok(())
    }
}
