//! The device authorization grant (RFC 8628): for machines without a browser.

use oidc_token::{DevicePollOptions, TokioSleeper};

use crate::events::DeviceCodePrompt;
use crate::{Error, OidcDesktop, Session};

impl OidcDesktop {
    /// Signs in with the device authorization grant (RFC 8628), for machines without a
    /// browser: `Events::on_device_code` tells the user what to do; polling honours the
    /// provider's interval and the configured timeout.
    pub async fn authenticate_device(&self) -> Result<Session, Error> {
        self.public_call(self.device_flow()).await
    }

    pub(crate) async fn device_flow(&self) -> Result<Session, Error> {
        let c = &self.inner.config;
        let meta = self.discovery().await?;
        let device_endpoint = self
            .endpoint_or_oauth(
                self.inner.config.device_authorization_endpoint.as_ref(),
                meta.device_authorization_endpoint(),
                "device_authorization_endpoint",
            )
            .await?;
        let token_endpoint = self.token_endpoint(&meta)?;
        let tc = self.token_client(&meta)?;
        let scope = c.scope.clone().with_openid();
        let auth = tc
            .device_authorization(&*self.inner.http, &device_endpoint, Some(&scope), &[])
            .await?;
        self.inner.events.on_device_code(&DeviceCodePrompt {
            user_code: auth.user_code.clone(),
            verification_uri: auth.verification_uri.clone(),
            verification_uri_complete: auth.verification_uri_complete.clone(),
            expires_in: auth.expires_in,
        });
        let mut options = DevicePollOptions::default();
        if !c.timeout.is_zero() {
            options = options.max_wait(c.timeout);
        }
        let dpop = self.dpop_key_for_sign_in(&meta).await?;
        let tokens = tc
            .poll_device_token(
                &*self.http_with(dpop.as_ref()),
                &token_endpoint,
                &auth,
                &options,
                &TokioSleeper,
                std::future::pending::<()>(),
            )
            .await?;
        let mut session = Session::new(self.inner.issuer.as_str(), &c.client_id);
        session.dpop_key = self.check_token_binding(dpop, &tokens.token_type)?;
        self.absorb_tokens(&meta, &mut session, tokens, None, None, c.max_age)
            .await?;
        if c.fetch_userinfo {
            self.fill_userinfo(&meta, &mut session).await?;
        }
        Ok(session)
    }
}
