//! DPoP (RFC 9449), the server's side: proofs checked at every endpoint that takes one,
//! server nonces when configured, replayed `jti`s refused, tokens bound to the proof's key.

use super::*;

/// How long a proof may be old, and how far ahead a client clock may be.
const PROOF_MAX_AGE: i64 = 300;
const PROOF_LEEWAY: i64 = 60;

/// Why a proof was not accepted.
pub(super) enum DpopFail {
    /// Malformed, badly signed, wrong `htm`/`htu`/`iat`/`ath`, or a replayed `jti`.
    Invalid(String),
    /// The server's nonce is missing or old.
    NeedNonce,
}

impl Provider {
    /// Checks the `DPoP` header of `req` to `endpoint` (with `access_token` for a resource
    /// request): `Ok(None)` without one, `Ok(Some(jkt))` when it passed.
    pub(super) fn check_dpop(
        &mut self,
        req: &Incoming,
        endpoint: Endpoint,
        access_token: Option<&str>,
    ) -> Result<Option<String>, DpopFail> {
        let proofs: Vec<&str> = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("dpop"))
            .map(|(_, v)| v.as_str())
            .collect();
        let proof = match proofs.as_slice() {
            [] => return Ok(None),
            [one] => *one,
            _ => return Err(DpopFail::Invalid("more than one DPoP header".into())),
        };
        let htu = self.url(endpoint);
        let check = oidc_jose::ProofCheck {
            htm: &req.method,
            htu: &htu,
            now: self.now(),
            max_age: PROOF_MAX_AGE,
            leeway: PROOF_LEEWAY,
            nonce: self.dpop_nonce.as_deref(),
            access_token,
            algorithms: &ASYMMETRIC,
        };
        let verified = oidc_jose::verify_proof(proof, &check).map_err(|e| match e {
            oidc_jose::Error::DpopProof(
                oidc_jose::DpopRefusal::NonceMissing | oidc_jose::DpopRefusal::NonceMismatch,
            ) => DpopFail::NeedNonce,
            other => DpopFail::Invalid(other.to_string()),
        })?;
        let now = self.now();
        self.dpop_jtis
            .retain(|_, iat| *iat >= now - PROOF_MAX_AGE - PROOF_LEEWAY);
        if self
            .dpop_jtis
            .insert(verified.jti.clone(), verified.iat)
            .is_some()
        {
            return Err(DpopFail::Invalid("the proof's jti was already used".into()));
        }
        Ok(Some(verified.jkt))
    }

    /// [`Self::check_dpop`] at an authorization-server endpoint, refusals as OAuth errors.
    pub(super) fn dpop_at_as(
        &mut self,
        req: &Incoming,
        endpoint: Endpoint,
    ) -> Result<Option<String>, Reply> {
        self.check_dpop(req, endpoint, None).map_err(|f| match f {
            DpopFail::Invalid(why) => Reply::oauth_error(400, "invalid_dpop_proof", &why),
            DpopFail::NeedNonce => {
                let mut r = Reply::oauth_error(
                    400,
                    "use_dpop_nonce",
                    "authorization server requires nonce in DPoP proof",
                );
                if let Some(n) = &self.dpop_nonce {
                    r.headers.push(("dpop-nonce", n.clone()));
                }
                r
            }
        })
    }

    /// [`Self::check_dpop`] at the resource server (UserInfo), refusals as `DPoP` challenges.
    pub(super) fn dpop_at_rs(
        &mut self,
        req: &Incoming,
        access_token: &str,
    ) -> Result<Option<String>, Reply> {
        self.check_dpop(req, Endpoint::UserInfo, Some(access_token))
            .map_err(|f| {
                let (error, why) = match f {
                    DpopFail::Invalid(why) => ("invalid_dpop_proof", why),
                    DpopFail::NeedNonce => (
                        "use_dpop_nonce",
                        "resource server requires nonce in DPoP proof".to_owned(),
                    ),
                };
                let mut r = Reply::json(401, &json!({ "error": error, "error_description": why }));
                r.headers.push((
                    "www-authenticate",
                    format!("DPoP error=\"{error}\", algs=\"ES256 EdDSA RS256 PS256\""),
                ));
                if let Some(n) = &self.dpop_nonce {
                    r.headers.push(("dpop-nonce", n.clone()));
                }
                r
            })
    }
}
