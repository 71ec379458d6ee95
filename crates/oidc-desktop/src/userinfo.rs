//! UserInfo (OpenID Connect Core §5.3): the request with the session's access token (DPoP
//! bound or bearer), plain or signed responses, the `sub` rule, one key refetch on rotation.

use std::sync::Arc;

use oidc_core::{AccessToken, ClientId};
use oidc_discovery::{ProviderMetadata, SignerKeys};
use oidc_jose::Algorithm;
use oidc_token::{UserDetails, UserInfoParse, UserInfoVerification};

use crate::events::LogLevel;
use crate::validate::is_hmac;
use crate::{Error, OidcDesktop, Session};

impl OidcDesktop {
    pub(crate) async fn fill_userinfo(
        &self,
        meta: &ProviderMetadata,
        session: &mut Session,
    ) -> Result<(), Error> {
        let Some(access) = session.access_token.clone() else {
            return Ok(());
        };
        let sub = session
            .claims
            .as_ref()
            .map(|c| c.subject().to_owned())
            .ok_or(Error::MissingIdToken)?;
        let dpop = session.dpop_key.clone();
        session.user = Some(
            self.fetch_user_info(meta, &access, &sub, dpop.as_ref())
                .await?,
        );
        Ok(())
    }

    pub(crate) async fn fetch_user_info(
        &self,
        meta: &ProviderMetadata,
        access: &AccessToken,
        sub: &str,
        dpop: Option<&Arc<oidc_jose::DpopKey>>,
    ) -> Result<UserDetails, Error> {
        let c = &self.inner.config;
        let endpoint = self.endpoint(
            c.userinfo_endpoint.as_ref(),
            meta.userinfo_endpoint(),
            "userinfo_endpoint",
        )?;
        let keys = self.inner.provider.keys().await?;
        let algs: Vec<Algorithm> = {
            let named = meta.userinfo_signing_alg_values_supported();
            let v: Vec<Algorithm> = named
                .iter()
                .filter(|n| c.allow_hmac_id_tokens || !is_hmac(n))
                .filter_map(|n| Algorithm::parse(n))
                .filter(|a| *a != Algorithm::None)
                .collect();
            if v.is_empty() {
                vec![Algorithm::RS256]
            } else {
                v
            }
        };
        let client_id = ClientId::new(c.client_id.clone());
        let secret = c.client_secret.as_ref().filter(|_| c.allow_hmac_id_tokens);
        let scheme = if dpop.is_some() {
            oidc_token::TokenScheme::Dpop
        } else {
            oidc_token::TokenScheme::Bearer
        };
        let response = oidc_token::fetch_userinfo_response(
            &*self.http_with(dpop),
            &endpoint,
            access,
            c.userinfo_style,
            scheme,
        )
        .await?;
        let parse = |keys: &SignerKeys| {
            let how = UserInfoParse::new(sub).with_verification(UserInfoVerification {
                keys: keys.set(),
                algorithms: &algs,
                client_secret: secret,
                issuer: Some(meta.issuer()),
                client_id: Some(&client_id),
            });
            oidc_token::parse_userinfo_response(&response, &how)
        };
        match parse(&keys) {
            // A signed response under a key the cached set lacks: the provider rotated its
            // keys, so refetch them once (rate limited), as for ID tokens.
            Err(oidc_token::Error::UserInfoJwt(e)) if e.is_unknown_kid() => {
                let kid = std::str::from_utf8(response.body())
                    .ok()
                    .and_then(|t| oidc_jose::CompactJws::parse(t.trim()).ok())
                    .and_then(|j| j.header().kid.clone())
                    .unwrap_or_default();
                self.log(
                    LogLevel::Info,
                    &format!(
                        "signed UserInfo names unknown kid `{kid}`: refetching the provider's keys"
                    ),
                );
                let keys = self.inner.provider.keys_for_kid(&kid).await?;
                Ok(parse(&keys)?)
            }
            r => Ok(r?),
        }
    }

    /// Requests UserInfo with an access token; `expected_sub`
    /// is the ID token's subject, which the response must repeat (OpenID Connect Core §5.3.2).
    pub async fn request_user_info(
        &self,
        access_token: &AccessToken,
        expected_sub: &str,
    ) -> Result<UserDetails, Error> {
        let r = async {
            let meta = self.discovery().await?;
            self.fetch_user_info(&meta, access_token, expected_sub, None)
                .await
        };
        self.public_call(r).await
    }
}
