//! The UserInfo endpoint.

use super::*;

impl Provider {
    pub(super) fn userinfo(&mut self, req: &Incoming) -> Reply {
        let authorization = req.header("authorization").and_then(|h| h.split_once(' '));
        let dpop_scheme =
            authorization.is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("dpop"));
        let header_token = authorization.and_then(|(scheme, rest)| {
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("dpop"))
                .then(|| rest.trim())
        });
        let body_token = if req.is_post() {
            find(&req.form, "access_token")
        } else {
            None
        };
        let token = match (header_token, body_token) {
            (Some(t), None) | (None, Some(t)) => t,
            (Some(_), Some(_)) => {
                return Reply::bearer_error(400, "invalid_request", "more than one bearer method");
            }
            (None, None) => {
                let mut r = Reply::text(401, "bearer token required");
                r.headers.push(("www-authenticate", "Bearer".into()));
                return r;
            }
        };
        let token = token.to_owned();
        let bound = match self.access.get(&token) {
            None => return Reply::bearer_error(401, "invalid_token", "unknown access token"),
            Some(g) => g.jkt.clone(),
        };
        // RFC 9449 §7: a bound token only with the DPoP scheme and a proof of its key; an
        // unbound one never with the DPoP scheme.
        match (bound, dpop_scheme) {
            (Some(jkt), true) => match self.dpop_at_rs(req, &token) {
                Err(r) => return r,
                Ok(Some(proof)) if proof == jkt => {}
                Ok(_) => {
                    return Reply::bearer_error(
                        401,
                        "invalid_token",
                        "the DPoP proof is missing or made with another key",
                    );
                }
            },
            (Some(_), false) => {
                return Reply::bearer_error(
                    401,
                    "invalid_token",
                    "a DPoP-bound access token presented as a bearer token",
                );
            }
            (None, true) => {
                return Reply::bearer_error(
                    401,
                    "invalid_token",
                    "the access token is not DPoP-bound",
                );
            }
            (None, false) => {}
        }
        let Some(grant) = self.access.get(&token) else {
            return Reply::bearer_error(401, "invalid_token", "unknown access token");
        };
        if grant.expires_at < self.now() {
            return Reply::bearer_error(401, "invalid_token", "the access token has expired");
        }
        if !has_scope(&grant.scope, "openid") {
            return Reply::bearer_error(403, "insufficient_scope", "the openid scope is required");
        }
        let (sub, scope, client_id) = (
            grant.sub.clone(),
            grant.scope.clone(),
            grant.client_id.clone(),
        );
        let mut claims = self.scoped_claims(&sub, &scope);
        let sub = if self.has(&Fault::UserInfoSubMismatch) {
            format!("{sub}-other")
        } else {
            sub
        };
        claims.insert("sub".into(), sub.into());
        let Some(client) = self.client(&client_id) else {
            return Reply::bearer_error(401, "invalid_token", "the client is gone");
        };
        let alg = if self.has(&Fault::SignedUserInfo) {
            Some(Algorithm::RS256)
        } else {
            client.userinfo_signed_response_alg
        };
        match alg {
            None => Reply::json(200, &Value::Object(claims)),
            Some(alg) => {
                claims.insert("iss".into(), self.token_issuer().into());
                claims.insert("aud".into(), client_id.into());
                match self.sign(alg, &client, &Value::Object(claims), true) {
                    Ok(jwt) => Reply::new(200, "application/jwt", jwt.into_bytes()),
                    Err(r) => r,
                }
            }
        }
    }
}
