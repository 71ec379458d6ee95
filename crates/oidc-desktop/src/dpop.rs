//! DPoP (RFC 9449) in the facade: which key a sign-in uses, the HTTP client that proves
//! possession of it, and the check that the provider bound the tokens as asked.

use std::sync::Arc;

use oidc_core::HttpClient;
use oidc_discovery::ProviderMetadata;
use oidc_jose::DpopKey;
use oidc_token::{DpopHttp, TokenType};

use crate::config::{DpopKeyScope, DpopMode};
use crate::events::LogLevel;
use crate::session::StoredDpopKey;
use crate::{Error, OidcDesktop};

/// The two headers of a request to a resource server with a DPoP-bound token
/// ([`crate::Session::dpop_headers`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DpopHeaders {
    /// The `Authorization` header's value: `DPoP <access token>`.
    pub authorization: String,
    /// The `DPoP` header's value: the proof.
    pub dpop: String,
}

impl std::fmt::Debug for DpopHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopHeaders").finish_non_exhaustive()
    }
}

/// The nonce a resource server demands (RFC 9449 §9): a 401 whose `WWW-Authenticate`
/// is a `DPoP` challenge with `error="use_dpop_nonce"`, and its `DPoP-Nonce` header. Retry
/// the request once with [`crate::Session::dpop_headers`] and this nonce.
pub fn dpop_nonce_challenge(
    status: u16,
    www_authenticate: Option<&str>,
    dpop_nonce: Option<&str>,
) -> Option<String> {
    let challenge = www_authenticate?.trim_start();
    let is_dpop = challenge.len() >= 4 && challenge[..4].eq_ignore_ascii_case("dpop");
    let nonce = dpop_nonce?.trim();
    (status == 401 && is_dpop && challenge.contains("use_dpop_nonce") && !nonce.is_empty())
        .then(|| nonce.to_owned())
}

impl OidcDesktop {
    /// The key a new sign-in binds its tokens to, if DPoP applies.
    pub(crate) async fn dpop_key_for_sign_in(
        &self,
        meta: &ProviderMetadata,
    ) -> Result<Option<Arc<DpopKey>>, Error> {
        let c = &self.inner.config;
        let alg = c.dpop_algorithm;
        let wanted = match c.dpop {
            DpopMode::Off => false,
            DpopMode::Require => true,
            DpopMode::IfSupported => meta
                .dpop_signing_alg_values_supported()
                .iter()
                .any(|a| a == alg.as_str()),
        };
        if !wanted {
            return Ok(None);
        }
        let key = match c.dpop_key_scope {
            DpopKeyScope::PerSession => DpopKey::generate_for(alg)?,
            DpopKeyScope::PerInstallation => self.installation_key(alg)?,
        };
        self.log(
            LogLevel::Info,
            &format!("DPoP: binding the tokens to key {}", key.thumbprint()),
        );
        Ok(Some(Arc::new(key)))
    }

    /// The installation's key, kept in the token store beside the session.
    fn installation_key(&self, alg: oidc_jose::Algorithm) -> Result<DpopKey, Error> {
        let slot = format!("{}-dpop", self.inner.store_key);
        if let Some(raw) = self.inner.store.load(&slot)? {
            match serde_json::from_str::<StoredDpopKey>(&raw).map(|s| s.key()) {
                Ok(Ok(k)) if k.algorithm() == alg => return Ok(k),
                _ => tracing::warn!("the stored DPoP key is unusable; making a new one"),
            }
        }
        let key = DpopKey::generate_for(alg)?;
        let stored =
            serde_json::to_string(&StoredDpopKey::of(&key)).map_err(Error::StoredSession)?;
        self.inner.store.save(&slot, &stored)?;
        Ok(key)
    }

    /// The HTTP client for requests bound to `key`: proofs on every request, or the plain
    /// transport without a key.
    pub(crate) fn http_with(&self, key: Option<&Arc<DpopKey>>) -> Arc<dyn HttpClient> {
        match key {
            None => self.inner.http.clone(),
            Some(k) => Arc::new(DpopHttp::new(
                self.inner.http.clone(),
                k.clone(),
                self.inner.clock.clone(),
                self.inner.dpop_nonces.clone(),
            )),
        }
    }

    /// The key to keep with the tokens of a response to a request made with `key`: a
    /// `DPoP` answer needs the key; a `Bearer` answer to a proof is a downgrade, refused
    /// unless the configuration allows it.
    pub(crate) fn check_token_binding(
        &self,
        key: Option<Arc<DpopKey>>,
        token_type: &TokenType,
    ) -> Result<Option<Arc<DpopKey>>, Error> {
        match (key, token_type) {
            (Some(k), TokenType::Dpop) => Ok(Some(k)),
            (Some(_), other) => {
                if self.inner.config.allow_dpop_downgrade {
                    self.log(
                        LogLevel::Info,
                        &format!(
                            "DPoP: the provider answered with `{}` tokens; accepted (allow_dpop_downgrade)",
                            other.as_str()
                        ),
                    );
                    Ok(None)
                } else {
                    Err(Error::DpopDowngrade {
                        token_type: other.as_str().to_owned(),
                    })
                }
            }
            (None, TokenType::Dpop) => Err(Error::DpopUnrequested),
            (None, _) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_challenges() {
        assert_eq!(
            dpop_nonce_challenge(401, Some(r#"DPoP error="use_dpop_nonce""#), Some("n1"))
                .as_deref(),
            Some("n1")
        );
        assert_eq!(
            dpop_nonce_challenge(401, Some(r#"Bearer error="use_dpop_nonce""#), Some("n1")),
            None
        );
        assert_eq!(
            dpop_nonce_challenge(400, Some(r#"DPoP error="use_dpop_nonce""#), Some("n1")),
            None
        );
        assert_eq!(
            dpop_nonce_challenge(401, Some(r#"DPoP error="invalid_token""#), Some("n1")),
            None
        );
        assert_eq!(
            dpop_nonce_challenge(401, Some(r#"DPoP error="use_dpop_nonce""#), None),
            None
        );
    }
}
