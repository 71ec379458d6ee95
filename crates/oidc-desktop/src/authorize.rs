//! The authorization request: what one sign-in sends (its secrets, the response mode, the
//! per-sign-in options over the configured defaults), and the URL the browser is given,
//! pushed first (PAR, RFC 9126) when the provider wants it.

use std::sync::Arc;

use oidc_core::{
    AuthorizationRequest, ClientId, Nonce, PkceVerifier, RedirectUrl, ResponseMode, State,
};
use oidc_discovery::ProviderMetadata;
use url::Url;

use crate::config::ParMode;
use crate::events::LogLevel;
use crate::sign_in::SignInOptions;
use crate::{Error, OidcDesktop};

/// The pieces of one authorization request, kept until its response arrives.
pub(crate) struct Pending {
    pub(crate) state: State,
    pub(crate) nonce: Option<Nonce>,
    pub(crate) verifier: Option<PkceVerifier>,
    pub(crate) redirect_uri: RedirectUrl,
    /// The DPoP key the code is bound to (`dpop_jkt`) and the tokens will be.
    pub(crate) dpop: Option<Arc<oidc_jose::DpopKey>>,
    /// The `max_age` sent (configured or of this sign-in): the ID token's `auth_time` is
    /// checked against it.
    pub(crate) max_age: Option<u64>,
}

impl OidcDesktop {
    pub(crate) fn response_mode(&self, meta: &ProviderMetadata) -> Option<ResponseMode> {
        let c = &self.inner.config;
        if c.response_mode.is_some() {
            return c.response_mode;
        }
        if c.effective_response_type().is_code_only() {
            return None;
        }
        // Tokens in the front channel: form_post keeps them out of the URL (and out of
        // the browser history); fall back to the fragment relay page.
        let modes = meta.response_modes_supported();
        if modes.iter().any(|m| m == "form_post") {
            Some(ResponseMode::FormPost)
        } else {
            Some(ResponseMode::Fragment)
        }
    }

    pub(crate) fn build_request(
        &self,
        meta: &ProviderMetadata,
        p: &Pending,
        o: &SignInOptions,
    ) -> Result<AuthorizationRequest, Error> {
        let c = &self.inner.config;
        let endpoint = self.endpoint(
            c.authorization_endpoint.as_ref(),
            Some(meta.authorization_endpoint()),
            "authorization_endpoint",
        )?;
        let rt = c.effective_response_type();
        let mut req = AuthorizationRequest::new(
            endpoint,
            ClientId::new(c.client_id.clone()),
            p.redirect_uri.clone(),
        )
        .grant_type(rt.grant_type())
        .response_type(rt)
        .scope(c.scope.clone())
        .state(&p.state)
        .prompt(o.prompt.as_ref().unwrap_or(&c.prompt).clone());
        if let Some(k) = &p.dpop {
            req = req.dpop_jkt(k.thumbprint());
        }
        if let Some(m) = self.response_mode(meta) {
            req = req.response_mode(m);
        }
        if let Some(n) = &p.nonce {
            req = req.nonce(n);
        }
        if let Some(v) = &p.verifier {
            req = req.pkce(v);
        }
        if let Some(d) = o.display.as_ref().or(c.display.as_ref()) {
            req = req.display(d.clone());
        }
        if let Some(h) = o.login_hint.as_ref().or(c.login_hint.as_ref()) {
            req = req.login_hint(h.clone());
        }
        if let Some(h) = o.id_token_hint.as_ref().or(c.id_token_hint.as_ref()) {
            req = req.id_token_hint(h.clone());
        }
        if let Some(m) = p.max_age {
            req = req.max_age(m);
        }
        if let Some(l) = o.ui_locales.as_ref().or(c.ui_locales.as_ref()) {
            req = req.ui_locales(l.clone());
        }
        if let Some(cl) = o.claims.as_ref().or(c.claims.as_ref()) {
            req = req.claims(cl.clone());
        }
        if let Some(a) = o.acr_values.as_ref().or(c.acr_values.as_ref()) {
            req = req.acr_values(a.clone());
        }
        // A parameter of this sign-in replaces a configured one of the same name.
        let configured = c
            .extra_params
            .iter()
            .filter(|(k, _)| !o.extra_params.iter().any(|(n, _)| n == k));
        for (k, v) in configured.chain(&o.extra_params) {
            req = req.param(k.clone(), v.clone());
        }
        Ok(req)
    }

    /// The URL to send the user to, via PAR when the provider wants it.
    pub(crate) async fn authorization_url(
        &self,
        meta: &ProviderMetadata,
        req: &AuthorizationRequest,
        dpop: Option<&Arc<oidc_jose::DpopKey>>,
    ) -> Result<Url, Error> {
        let par_endpoint = meta.pushed_authorization_request_endpoint();
        let use_par = match self.inner.config.par {
            ParMode::Never => false,
            ParMode::Always => true,
            ParMode::WhenRequired => meta.require_pushed_authorization_requests(),
            ParMode::Auto => meta.require_pushed_authorization_requests() || par_endpoint.is_some(),
        };
        if !use_par {
            return Ok(req.build_url()?);
        }
        let endpoint =
            self.endpoint(None, par_endpoint, "pushed_authorization_request_endpoint")?;
        let tc = self.token_client(meta)?;
        let pushed = tc
            .push_authorization_request(&*self.http_with(dpop), &endpoint, req)
            .await?;
        self.log(LogLevel::Info, "authorization request pushed (RFC 9126)");
        Ok(req.build_par_url(&pushed.request_uri))
    }
}

#[cfg(test)]
mod tests {
    use oidc_core::{GrantType, IssuerUrl, ResponseMode, ResponseType};
    use oidc_discovery::ProviderMetadata;

    use crate::OidcDesktop;

    const ISSUER: &str = "https://op.example";

    fn meta(modes: &[&str]) -> ProviderMetadata {
        let doc = serde_json::json!({
            "issuer": ISSUER,
            "authorization_endpoint": "https://op.example/authorize",
            "token_endpoint": "https://op.example/token",
            "jwks_uri": "https://op.example/jwks",
            "response_types_supported": ["code", "code id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_modes_supported": modes,
        });
        let issuer = IssuerUrl::new(ISSUER).expect("a valid issuer");
        ProviderMetadata::load(doc.to_string(), &issuer).expect("a valid document")
    }

    fn client(rt: &str, mode: Option<ResponseMode>) -> OidcDesktop {
        let rt = ResponseType::parse(rt).expect("a response type");
        let mut b = OidcDesktop::builder(ISSUER)
            .client_id("app")
            .grant_type(if rt.is_code_only() {
                GrantType::AuthorizationCode
            } else {
                GrantType::Hybrid
            })
            .response_type(rt);
        if let Some(m) = mode {
            b = b.response_mode(m);
        }
        b.build().expect("a valid client")
    }

    #[test]
    fn front_channel_tokens_go_by_form_post_when_the_provider_has_it() {
        let hybrid = client("code id_token", None);
        for (modes, want) in [
            (
                &["query", "fragment", "form_post"][..],
                ResponseMode::FormPost,
            ),
            (&["form_post"], ResponseMode::FormPost),
            (&["query", "fragment"], ResponseMode::Fragment),
            (&[], ResponseMode::Fragment),
        ] {
            assert_eq!(hybrid.response_mode(&meta(modes)), Some(want), "{modes:?}");
        }
        // The code alone travels in the query, unless the configuration names a mode.
        assert_eq!(
            client("code", None).response_mode(&meta(&["form_post"])),
            None
        );
        let set = client("code id_token", Some(ResponseMode::Fragment));
        assert_eq!(
            set.response_mode(&meta(&["form_post"])),
            Some(ResponseMode::Fragment)
        );
    }
}
