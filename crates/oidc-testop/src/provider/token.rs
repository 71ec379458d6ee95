//! The token endpoint: code, refresh (with rotation), device code, client credentials.

use super::*;

impl Provider {
    /// Revokes every access and refresh token of a grant.
    pub(super) fn revoke_family(&mut self, family: &str) {
        self.refresh.retain(|_, g| g.family != family);
        self.access
            .retain(|_, g| g.family.as_deref() != Some(family));
    }

    pub(super) fn new_access_token(
        &mut self,
        family: Option<&str>,
        client_id: &str,
        sub: &str,
        scope: &str,
    ) -> String {
        let token = random_token(32);
        let now = self.now();
        self.access.insert(
            token.clone(),
            AccessGrant {
                jkt: self.issuing_jkt.clone(),
                family: family.map(str::to_owned),
                client_id: client_id.to_owned(),
                sub: sub.to_owned(),
                scope: scope.to_owned(),
                issued_at: now,
                expires_at: now + self.access_token_lifetime,
            },
        );
        token
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one private helper for four grants"
    )]
    pub(super) fn issue_tokens(
        &mut self,
        client: &Client,
        sub: &str,
        scope: &str,
        nonce: Option<&str>,
        auth_time: i64,
        family: Option<&str>,
        refresh: bool,
    ) -> Reply {
        let access = self.new_access_token(family, &client.client_id, sub, scope);
        let mut body = Map::new();
        body.insert("access_token".into(), access.clone().into());
        let token_type = if self.issuing_jkt.is_some() {
            "DPoP"
        } else {
            "Bearer"
        };
        body.insert("token_type".into(), token_type.into());
        body.insert("expires_in".into(), self.access_token_lifetime.into());
        body.insert("scope".into(), scope.into());
        if let Some(family) = family {
            let rt = random_token(32);
            self.refresh.insert(
                rt.clone(),
                RefreshGrant {
                    family: family.to_owned(),
                    client_id: client.client_id.clone(),
                    sub: sub.to_owned(),
                    scope: scope.to_owned(),
                    auth_time,
                    // RFC 9449 §5: a public client's refresh token is bound to its key.
                    jkt: self
                        .issuing_jkt
                        .clone()
                        .filter(|_| client.auth == ClientAuth::None),
                },
            );
            body.insert("refresh_token".into(), rt.into());
        }
        let omitted = !refresh && self.has(&Fault::IdTokenOmittedFromTokenResponse);
        if has_scope(scope, "openid") && !omitted {
            let input = IdTokenInput {
                client,
                sub,
                scope,
                nonce,
                auth_time,
                access_token: Some(&access),
                code: None,
                refresh,
            };
            match self.id_token(&input) {
                Ok(t) => {
                    body.insert("id_token".into(), t.into());
                }
                Err(reply) => return reply,
            }
        }
        Reply::json(200, &Value::Object(body))
    }

    pub(super) fn token(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::Token) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let proof = match self.dpop_at_as(req, Endpoint::Token) {
            Ok(p) => p,
            Err(r) => return r,
        };
        if client.dpop_bound_access_tokens && proof.is_none() {
            return Reply::oauth_error(400, "invalid_grant", "DPoP proof JWT not provided");
        }
        self.issuing_jkt = proof
            .clone()
            .filter(|_| !self.has(&Fault::DpopBearerDowngrade));
        let mut reply = self.token_grant(req, &client, proof.as_deref());
        self.issuing_jkt = None;
        if let Some(n) = self.dpop_nonce.clone().filter(|_| proof.is_some()) {
            reply.headers.push(("dpop-nonce", n));
        }
        reply
    }

    fn token_grant(&mut self, req: &Incoming, client: &Client, proof: Option<&str>) -> Reply {
        if let Some((error, description)) = self.faults.iter().find_map(|f| match f {
            Fault::TokenError { error, description } => Some((error.clone(), description.clone())),
            _ => None,
        }) {
            return Reply::oauth_error(400, &error, &description);
        }
        let form = &req.form;
        let grant_error = |d: &str| Reply::oauth_error(400, "invalid_grant", d);
        match find(form, "grant_type") {
            Some("authorization_code") => {
                let Some(code) = find(form, "code") else {
                    return Reply::oauth_error(400, "invalid_request", "missing code");
                };
                let family = format!("code {code}");
                let Some(grant) = self.codes.remove(code) else {
                    if self.used_codes.contains(code) {
                        // RFC 6749 §4.1.2: revoke what the code gave.
                        self.revoke_family(&family);
                        return grant_error("the authorization code was already used");
                    }
                    return grant_error("unknown authorization code");
                };
                self.used_codes.insert(code.to_owned());
                if grant.client_id != client.client_id {
                    return grant_error("the code was issued to another client");
                }
                if grant.expires_at < self.now() {
                    return grant_error("the authorization code has expired");
                }
                if let Some(bound) = &grant.dpop_jkt
                    && proof != Some(bound.as_str())
                {
                    return grant_error("the code is bound to another DPoP key (dpop_jkt)");
                }
                if find(form, "redirect_uri") != Some(grant.redirect_uri.as_str()) {
                    return grant_error("redirect_uri differs from the authorization request's");
                }
                let verifier = find(form, "code_verifier");
                match (&grant.code_challenge, verifier) {
                    (Some(challenge), Some(v)) => {
                        let Ok(v) = PkceVerifier::parse(v) else {
                            return grant_error("code_verifier is malformed (RFC 7636 §4.1)");
                        };
                        if !ct_eq(&v.challenge().challenge, challenge) {
                            return grant_error("code_verifier does not match the code_challenge");
                        }
                    }
                    (Some(_), None) => return grant_error("code_verifier is required"),
                    (None, Some(_)) => {
                        return grant_error("code_verifier sent but no code_challenge was");
                    }
                    (None, None) => {}
                }
                let with_refresh =
                    self.always_issue_refresh_token || has_scope(&grant.scope, "offline_access");
                self.skip_rotation = grant.front_id_token;
                let reply = self.issue_tokens(
                    client,
                    &grant.sub,
                    &grant.scope,
                    grant.nonce.as_deref(),
                    grant.auth_time,
                    with_refresh.then_some(family.as_str()),
                    false,
                );
                self.skip_rotation = false;
                reply
            }
            Some("refresh_token") => {
                let Some(token) = find(form, "refresh_token") else {
                    return Reply::oauth_error(400, "invalid_request", "missing refresh_token");
                };
                if let Some(family) = self.used_refresh.get(token).cloned() {
                    self.revoke_family(&family);
                    return grant_error(
                        "the refresh token was already used (rotation); its grant is revoked",
                    );
                }
                let Some(grant) = self.refresh.remove(token) else {
                    return grant_error("unknown or revoked refresh token");
                };
                if grant.client_id != client.client_id {
                    self.refresh.insert(token.to_owned(), grant);
                    return grant_error("the refresh token was issued to another client");
                }
                if let Some(bound) = &grant.jkt
                    && proof != Some(bound.as_str())
                {
                    self.refresh.insert(token.to_owned(), grant);
                    return grant_error("the refresh token is bound to another DPoP key");
                }
                self.used_refresh
                    .insert(token.to_owned(), grant.family.clone());
                self.issue_tokens(
                    client,
                    &grant.sub,
                    &grant.scope,
                    None,
                    grant.auth_time,
                    Some(&grant.family),
                    true,
                )
            }
            Some(DEVICE_GRANT) => {
                let Some(dc) = find(form, "device_code") else {
                    return Reply::oauth_error(400, "invalid_request", "missing device_code");
                };
                let now = self.now();
                let Some(i) = self
                    .devices
                    .iter()
                    .position(|d| d.device_code == dc && d.client_id == client.client_id)
                else {
                    return grant_error("unknown device_code");
                };
                if self.devices[i].expires_at < now {
                    self.devices.remove(i);
                    return Reply::oauth_error(400, "expired_token", "the device code has expired");
                }
                match &self.devices[i].decision {
                    DeviceDecision::Pending => Reply::oauth_error(
                        400,
                        "authorization_pending",
                        "the user has not decided yet",
                    ),
                    DeviceDecision::Denied => {
                        self.devices.remove(i);
                        Reply::oauth_error(400, "access_denied", "the user denied the request")
                    }
                    DeviceDecision::Approved(_) => {
                        let d = self.devices.remove(i);
                        let DeviceDecision::Approved(sub) = d.decision else {
                            return Reply::text(500, "device state changed");
                        };
                        self.issue_tokens(
                            client,
                            &sub,
                            &d.scope,
                            None,
                            now,
                            Some(&d.device_code),
                            false,
                        )
                    }
                }
            }
            Some("client_credentials") => {
                if client.auth == ClientAuth::None {
                    return Reply::oauth_error(
                        400,
                        "unauthorized_client",
                        "client_credentials needs a confidential client",
                    );
                }
                let scope = find(form, "scope")
                    .unwrap_or_default()
                    .replace("openid", "");
                let scope = scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let id = client.client_id.clone();
                self.issue_tokens(client, &id, &scope, None, self.now(), None, false)
            }
            Some(_) => {
                Reply::oauth_error(400, "unsupported_grant_type", "grant_type is not supported")
            }
            None => Reply::oauth_error(400, "invalid_request", "missing grant_type"),
        }
    }
}
