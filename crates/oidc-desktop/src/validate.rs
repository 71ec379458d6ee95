//! ID token validation with the provider's keys: the validator this client's settings
//! make, and one JWKS refetch when a token names a key the cached set lacks.

use oidc_discovery::ProviderMetadata;
use oidc_jose::{
    Algorithm, ExpectedIssuer, IdTokenClaims, IdTokenValidator, ValidatedClaims, ValidatedIdToken,
    ValidationContext,
};

use crate::events::LogLevel;
use crate::{Error, OidcDesktop};

impl OidcDesktop {
    fn validator(&self, meta: &ProviderMetadata) -> IdTokenValidator {
        let c = &self.inner.config;
        let allow_hmac = c.allow_hmac_id_tokens;
        let mut v = IdTokenValidator::new(meta.issuer(), c.client_id.clone())
            .algorithms_from_names(
                meta.id_token_signing_alg_values_supported()
                    .iter()
                    .map(String::as_str)
                    .filter(|a| allow_hmac || !is_hmac(a)),
            )
            .leeway(c.leeway_secs)
            .skip_checks(c.skip_checks)
            .insecure_accept_unsigned(c.insecure_accept_unsigned_id_tokens);
        if meta.is_multi_tenant_template() {
            v = v.expected_issuer(ExpectedIssuer::MicrosoftTenantTemplate(
                meta.issuer().to_owned(),
            ));
        }
        if let Some(i) = &c.expected_issuer {
            v = v.expected_issuer(i.clone());
        }
        if let Some(a) = &c.expected_audience {
            v = v.expected_audience(a.clone());
        }
        if let Some(s) = c.client_secret.as_ref().filter(|_| allow_hmac) {
            v = v.client_secret(s.clone());
        }
        v
    }

    /// Validates an ID token with the provider's keys, refetching the JWKS once (rate
    /// limited) when the token names an unknown `kid` (key rotation, OpenID Connect Core §10.1.1).
    pub(crate) async fn validate_with_rotation(
        &self,
        meta: &ProviderMetadata,
        token: &str,
        ctx: &ValidationContext<'_>,
    ) -> Result<ValidatedIdToken, Error> {
        let validator = self.validator(meta);
        let keys = self.inner.provider.keys().await?;
        match validator.validate(token, keys.set(), ctx, &*self.inner.clock) {
            Err(e) if e.is_unknown_kid() => {
                let kid = oidc_jose::CompactJws::parse(token)
                    .ok()
                    .and_then(|j| j.header().kid.clone())
                    .unwrap_or_default();
                self.log(
                    LogLevel::Info,
                    &format!("unknown kid `{kid}`: refetching the provider's keys"),
                );
                let keys = self.inner.provider.keys_for_kid(&kid).await?;
                Ok(validator.validate(token, keys.set(), ctx, &*self.inner.clock)?)
            }
            r => Ok(r?),
        }
    }

    /// Parses an ID token without validating it. Never trust
    /// the result; [`Self::validate_id_token`] is the check.
    pub fn parse_id_token(
        &self,
        id_token: &str,
    ) -> Result<(oidc_jose::Header, IdTokenClaims), Error> {
        Ok(oidc_jose::parse_unverified(id_token)?)
    }

    /// Validates an ID token: signature with the provider's
    /// keys and every claim rule; `nonce` when one is expected.
    pub async fn validate_id_token(
        &self,
        id_token: &str,
        nonce: Option<&str>,
    ) -> Result<ValidatedClaims, Error> {
        let meta = self.discovery().await?;
        let ctx = ValidationContext {
            nonce,
            ..Default::default()
        };
        let r = self
            .validate_with_rotation(&meta, id_token, &ctx)
            .await
            .map(|t| t.claims);
        self.report(r)
    }
}

/// Whether an algorithm name names an HMAC algorithm (`HS256`, `HS384`, `HS512`).
pub(crate) fn is_hmac(alg: &str) -> bool {
    Algorithm::parse(alg).is_some_and(Algorithm::is_symmetric)
}
