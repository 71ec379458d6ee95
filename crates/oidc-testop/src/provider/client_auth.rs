//! Client authentication at the back-channel endpoints.

use super::*;

impl Provider {
    pub(super) fn authenticate(
        &mut self,
        req: &Incoming,
        endpoint: Endpoint,
    ) -> Result<Client, Reply> {
        let invalid = |d: &str| Reply::oauth_error(401, "invalid_client", d);
        let form = &req.form;
        let basic = req.header("authorization").and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        });
        let assertion = find(form, "client_assertion");
        let form_secret = find(form, "client_secret");
        let form_id = find(form, "client_id");
        let methods = usize::from(basic.is_some())
            + usize::from(assertion.is_some())
            + usize::from(form_secret.is_some());
        if methods > 1 {
            return Err(Reply::oauth_error(
                400,
                "invalid_request",
                "more than one client authentication method was used",
            ));
        }
        let (used, id, secret) = if let Some(b) = basic {
            let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b)
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| invalid("malformed Basic credentials"))?;
            let (i, s) = decoded
                .split_once(':')
                .ok_or_else(|| invalid("malformed Basic credentials"))?;
            (
                ClientAuth::ClientSecretBasic,
                form_component(i),
                Some(form_component(s)),
            )
        } else if let Some(a) = assertion {
            if find(form, "client_assertion_type") != Some(JWT_BEARER) {
                return Err(invalid("client_assertion_type must be jwt-bearer"));
            }
            let jws = CompactJws::parse(a).map_err(|_| invalid("malformed client_assertion"))?;
            let claims: Value = serde_json::from_slice(jws.payload())
                .map_err(|_| invalid("client_assertion payload is not JSON"))?;
            let iss = claims["iss"].as_str().unwrap_or_default().to_owned();
            let used = if jws.header().alg.is_symmetric() {
                ClientAuth::ClientSecretJwt
            } else {
                ClientAuth::PrivateKeyJwt
            };
            (used, iss, None)
        } else if let Some(s) = form_secret {
            let id = form_id.ok_or_else(|| invalid("client_secret without client_id"))?;
            (
                ClientAuth::ClientSecretPost,
                id.to_owned(),
                Some(s.to_owned()),
            )
        } else if let Some(id) = form_id {
            (ClientAuth::None, id.to_owned(), None)
        } else {
            return Err(invalid("no client authentication"));
        };
        if form_id.is_some_and(|f| f != id) {
            return Err(invalid("client_id differs from the authenticated client"));
        }
        let client = self.client(&id).ok_or_else(|| invalid("unknown client"))?;
        if client.auth != used {
            return Err(invalid(&format!(
                "the client is registered for {} but used {}",
                client.auth.as_str(),
                used.as_str()
            )));
        }
        match used {
            ClientAuth::None => {}
            ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost => {
                let expected = client.client_secret.as_deref().unwrap_or_default();
                if !ct_eq(expected, secret.as_deref().unwrap_or_default()) {
                    return Err(invalid("wrong client secret"));
                }
            }
            ClientAuth::ClientSecretJwt | ClientAuth::PrivateKeyJwt => {
                let a = assertion.unwrap_or_default();
                self.verify_assertion(&client, a, endpoint)
                    .map_err(invalid)?;
            }
        }
        Ok(client)
    }

    /// RFC 7523 §3 with OpenID Connect Core §9: signature, iss = sub = client_id, aud names
    /// this provider, exp in the future, jti not seen before.
    pub(super) fn verify_assertion(
        &mut self,
        client: &Client,
        assertion: &str,
        endpoint: Endpoint,
    ) -> Result<(), &'static str> {
        let jws = CompactJws::parse(assertion).map_err(|_| "malformed client_assertion")?;
        let allowed: Vec<Algorithm> = ASYMMETRIC.into_iter().chain([Algorithm::HS256]).collect();
        match client.auth {
            ClientAuth::ClientSecretJwt => {
                let secret = client.client_secret.as_deref().unwrap_or_default();
                verify_jws(
                    &jws,
                    &JwkSet::default(),
                    &[Algorithm::HS256],
                    Some(secret.as_bytes()),
                )
                .map_err(|_| "client_assertion signature does not verify with the client secret")?;
            }
            _ => {
                let keys =
                    JwkSet::from_slice(client.jwks.as_deref().unwrap_or_default().as_bytes())
                        .map_err(|_| "the client's registered JWKS is unusable")?;
                verify_jws(&jws, &keys, &allowed, None).map_err(
                    |_| "client_assertion signature does not verify with the client's keys",
                )?;
            }
        }
        let claims: Value = serde_json::from_slice(jws.payload())
            .map_err(|_| "client_assertion payload is not JSON")?;
        let id = client.client_id.as_str();
        if claims["iss"].as_str() != Some(id) || claims["sub"].as_str() != Some(id) {
            return Err("client_assertion iss and sub must be the client_id");
        }
        let accepted = [
            self.issuer.clone(),
            self.url(Endpoint::Token),
            self.url(endpoint),
        ];
        let aud_ok = match &claims["aud"] {
            Value::String(a) => accepted.contains(a),
            Value::Array(list) => list
                .iter()
                .any(|a| a.as_str().is_some_and(|a| accepted.iter().any(|x| x == a))),
            _ => false,
        };
        if !aud_ok {
            return Err("client_assertion aud must name the issuer or the endpoint");
        }
        let now = self.now();
        match claims["exp"].as_i64() {
            Some(exp) if exp > now - 60 => {}
            _ => return Err("client_assertion has expired or has no exp"),
        }
        let jti = claims["jti"]
            .as_str()
            .ok_or("client_assertion has no jti")?;
        if !self.used_jti.insert(format!("{id} {jti}")) {
            return Err("client_assertion jti was used before");
        }
        Ok(())
    }
}
