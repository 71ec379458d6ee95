//! Revocation (RFC 7009) and introspection (RFC 7662).

use super::*;

impl Provider {
    pub(super) fn revoke(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::Revocation) {
            Ok(c) => c,
            Err(r) => return r,
        };
        if let Err(r) = self.dpop_at_as(req, Endpoint::Revocation) {
            return r;
        }
        let Some(token) = find(&req.form, "token") else {
            return Reply::oauth_error(400, "invalid_request", "missing token");
        };
        let owner = self
            .access
            .get(token)
            .map(|g| g.client_id.clone())
            .or_else(|| self.refresh.get(token).map(|g| g.client_id.clone()));
        match owner {
            Some(o) if o != client.client_id => Reply::oauth_error(
                400,
                "unauthorized_client",
                "the token was issued to another client",
            ),
            _ => {
                self.access.remove(token);
                self.refresh.remove(token);
                Reply::new(200, "text/plain; charset=utf-8", Vec::new())
            }
        }
    }

    pub(super) fn introspect(&mut self, req: &Incoming) -> Reply {
        if let Err(r) = self.authenticate(req, Endpoint::Introspection) {
            return r;
        }
        if let Err(r) = self.dpop_at_as(req, Endpoint::Introspection) {
            return r;
        }
        let Some(token) = find(&req.form, "token") else {
            return Reply::oauth_error(400, "invalid_request", "missing token");
        };
        let now = self.now();
        let body = if let Some(g) = self.access.get(token).filter(|g| g.expires_at >= now) {
            let mut v = json!({
                "active": true, "token_type": "Bearer", "scope": g.scope,
                "client_id": g.client_id, "sub": g.sub, "iss": self.issuer,
                "iat": g.issued_at, "exp": g.expires_at,
            });
            if let Some(jkt) = &g.jkt {
                v["token_type"] = "DPoP".into();
                v["cnf"] = json!({ "jkt": jkt });
            }
            v
        } else if let Some(g) = self.refresh.get(token) {
            json!({
                "active": true, "token_type": "refresh_token", "scope": g.scope,
                "client_id": g.client_id, "sub": g.sub, "iss": self.issuer,
            })
        } else {
            json!({ "active": false })
        };
        Reply::json(200, &body)
    }
}
