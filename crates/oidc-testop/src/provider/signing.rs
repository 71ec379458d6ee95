//! Signing ID tokens, UserInfo JWTs and the faults that corrupt them.

use super::*;

impl Provider {
    /// Signs `payload` with `alg` (HS256 keyed with the client secret), `kid` unless told.
    pub(super) fn sign(
        &self,
        alg: Algorithm,
        client: &Client,
        payload: &Value,
        with_kid: bool,
    ) -> Result<String, Reply> {
        let internal = |what: &str| Reply::text(500, what);
        let hmac;
        let key: &SigningKey = if alg.is_symmetric() {
            let secret = client
                .client_secret
                .as_deref()
                .ok_or_else(|| internal("HS256 needs the client secret"))?;
            hmac =
                SigningKey::hmac(alg, secret.as_bytes()).map_err(|_| internal("bad HMAC key"))?;
            &hmac
        } else {
            self.keys
                .key(alg)
                .ok_or_else(|| internal("no key for the algorithm"))?
        };
        let mut header = Map::new();
        header.insert("alg".into(), alg.as_str().into());
        header.insert("typ".into(), "JWT".into());
        if with_kid && let Some(kid) = key.kid() {
            header.insert("kid".into(), kid.into());
        }
        key.sign_with_header(
            Value::Object(header).to_string().as_bytes(),
            payload.to_string().as_bytes(),
        )
        .map_err(|_| internal("signing failed"))
    }

    pub(super) fn scoped_claims(&self, sub: &str, scope: &str) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(user) = self.user_by_sub(sub) {
            for (s, names) in SCOPE_CLAIMS {
                if has_scope(scope, s) {
                    for n in names {
                        if let Some(v) = user.claims.get(*n) {
                            out.insert((*n).to_owned(), v.clone());
                        }
                    }
                }
            }
        }
        out
    }

    pub(super) fn id_token(&mut self, input: &IdTokenInput<'_>) -> Result<String, Reply> {
        if self.has(&Fault::RotateKeysBeforeSigning) && !self.skip_rotation {
            self.keys
                .rotate()
                .map_err(|_| Reply::text(500, "key rotation failed"))?;
        }
        let alg = if self.has(&Fault::IdTokenAlgNone) {
            Algorithm::None
        } else if self.has(&Fault::IdTokenAlgConfusion) {
            Algorithm::HS256
        } else {
            input.client.id_token_signed_response_alg
        };
        let now = self.now();
        let mut c = Map::new();
        // Claims for the user go into the ID token when no access token is issued to fetch
        // them from UserInfo (OpenID Connect Core §5.4).
        if input.access_token.is_none() {
            c = self.scoped_claims(input.sub, input.scope);
        }
        c.insert("iss".into(), self.token_issuer().into());
        if let Some(tid) = &self.tenant {
            c.insert("tid".into(), tid.clone().into());
        }
        c.insert("sub".into(), input.sub.into());
        c.insert("aud".into(), input.client.client_id.clone().into());
        c.insert("exp".into(), (now + self.id_token_lifetime).into());
        c.insert("iat".into(), now.into());
        c.insert("auth_time".into(), input.auth_time.into());
        if let Some(n) = input.nonce {
            c.insert("nonce".into(), n.into());
        }
        if let Some(h) = input.access_token.and_then(|t| claim_hash(alg, t)) {
            c.insert("at_hash".into(), h.into());
        }
        if let Some(h) = input.code.and_then(|t| claim_hash(alg, t)) {
            c.insert("c_hash".into(), h.into());
        }
        for f in &self.faults {
            match f {
                Fault::RefreshIssAltered if input.refresh => {
                    c.insert("iss".into(), ATTACKER.into());
                }
                Fault::RefreshSubAltered if input.refresh => {
                    c.insert("sub".into(), format!("{}-other", input.sub).into());
                }
                Fault::RefreshAuthTimeMoved if input.refresh => {
                    c.insert("auth_time".into(), now.max(input.auth_time + 1).into());
                }
                Fault::IdTokenIssAltered => {
                    c.insert("iss".into(), ATTACKER.into());
                }
                Fault::IdTokenAudAltered => {
                    c.insert("aud".into(), "another-client".into());
                }
                Fault::IdTokenAudRemoved => {
                    c.remove("aud");
                }
                Fault::IdTokenAzpAltered => {
                    c.insert("azp".into(), "another-client".into());
                }
                Fault::IdTokenSubRemoved => {
                    c.remove("sub");
                }
                Fault::IdTokenIatRemoved => {
                    c.remove("iat");
                }
                Fault::IdTokenIatInFuture => {
                    c.insert("iat".into(), (now + 3600).into());
                    c.insert("exp".into(), (now + 3600 + self.id_token_lifetime).into());
                }
                Fault::IdTokenExpired => {
                    c.insert("iat".into(), (now - 7200).into());
                    c.insert("exp".into(), (now - 3600).into());
                }
                Fault::IdTokenNotYetValid => {
                    c.insert("nbf".into(), (now + 3600).into());
                }
                Fault::IdTokenNonceAltered => {
                    let altered = format!("{}-altered", input.nonce.unwrap_or("no-nonce"));
                    c.insert("nonce".into(), altered.into());
                }
                Fault::IdTokenNonceRemoved => {
                    c.remove("nonce");
                }
                Fault::IdTokenAtHashAltered => {
                    let h = claim_hash(alg, "not-the-access-token").unwrap_or_default();
                    c.insert("at_hash".into(), h.into());
                }
                Fault::IdTokenAtHashRemoved => {
                    c.remove("at_hash");
                }
                Fault::IdTokenCHashAltered => {
                    let h = claim_hash(alg, "not-the-code").unwrap_or_default();
                    c.insert("c_hash".into(), h.into());
                }
                Fault::IdTokenCHashRemoved => {
                    c.remove("c_hash");
                }
                _ => {}
            }
        }
        let payload = Value::Object(c);
        let token = if alg == Algorithm::None {
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(payload.to_string().as_bytes())
            )
        } else if self.has(&Fault::IdTokenAlgConfusion) {
            let rsa = self
                .keys
                .key(Algorithm::RS256)
                .and_then(SigningKey::public_jwk)
                .and_then(|j| j.to_public_key_pem())
                .ok_or_else(|| Reply::text(500, "no RSA public key"))?;
            let key = SigningKey::hmac(Algorithm::HS256, rsa.as_bytes())
                .map_err(|_| Reply::text(500, "bad HMAC key"))?;
            let mut header = Map::new();
            header.insert("alg".into(), "HS256".into());
            header.insert("typ".into(), "JWT".into());
            if let Some(kid) = self.keys.key(Algorithm::RS256).and_then(SigningKey::kid) {
                header.insert("kid".into(), kid.into());
            }
            key.sign_with_header(
                Value::Object(header).to_string().as_bytes(),
                payload.to_string().as_bytes(),
            )
            .map_err(|_| Reply::text(500, "signing failed"))?
        } else {
            let with_kid = !self.has(&Fault::IdTokenKidAbsent);
            self.sign(alg, input.client, &payload, with_kid)?
        };
        Ok(if self.has(&Fault::IdTokenSignatureCorrupted) {
            corrupt_signature(&token)
        } else {
            token
        })
    }
}
