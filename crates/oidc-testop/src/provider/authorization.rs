//! The authorization endpoint, the login page and the front-channel response.

use super::*;

impl Provider {
    pub(super) fn validate_authorization(
        &self,
        params: Vec<(String, String)>,
    ) -> Result<Authz, AuthzError> {
        let page = |s: &str| AuthzError::Page(s.to_owned());
        let client = find(&params, "client_id")
            .and_then(|id| self.client(id))
            .ok_or_else(|| page("unknown or missing client_id"))?;
        let redirect_uri = find(&params, "redirect_uri")
            .ok_or_else(|| page("missing redirect_uri"))?
            .to_owned();
        if !client
            .redirect_uris
            .iter()
            .any(|r| crate::util::redirect_uri_matches(r, &redirect_uri))
        {
            return Err(page("redirect_uri is not registered for this client"));
        }
        let state = find(&params, "state").map(str::to_owned);
        let err = |mode, error, description| AuthzError::Redirect {
            redirect_uri: redirect_uri.clone(),
            mode,
            state: state.clone(),
            error,
            description,
        };
        let Some(Ok(rt)) = find(&params, "response_type").map(ResponseType::parse) else {
            return Err(err(
                ResponseMode::Query,
                "unsupported_response_type",
                "response_type is missing or not supported",
            ));
        };
        let default_mode = rt.default_response_mode();
        let mode = match find(&params, "response_mode") {
            None => default_mode,
            Some(m) => ResponseMode::parse(m)
                .ok_or_else(|| err(default_mode, "invalid_request", "unknown response_mode"))?,
        };
        if mode == ResponseMode::Query && !rt.is_code_only() {
            return Err(err(
                ResponseMode::Fragment,
                "invalid_request",
                "tokens must not travel in the query (response_mode=query)",
            ));
        }
        let scope = find(&params, "scope").unwrap_or_default();
        if rt.contains(ResponseTypeComponent::IdToken) {
            if !has_scope(scope, "openid") {
                return Err(err(
                    mode,
                    "invalid_scope",
                    "id_token needs the openid scope",
                ));
            }
            if find(&params, "nonce").is_none() {
                return Err(err(
                    mode,
                    "invalid_request",
                    "nonce is required when an ID token comes from the authorization endpoint",
                ));
            }
        }
        let challenge = find(&params, "code_challenge");
        let method = find(&params, "code_challenge_method");
        match (challenge, method) {
            (Some(c), Some("S256")) => {
                if c.len() != 43 || b64_decode(c).is_none_or(|d| d.len() != 32) {
                    return Err(err(
                        mode,
                        "invalid_request",
                        "code_challenge is not an S256 value",
                    ));
                }
            }
            (Some(_), _) => {
                return Err(err(
                    mode,
                    "invalid_request",
                    "only code_challenge_method=S256 is supported",
                ));
            }
            (None, Some(_)) => {
                return Err(err(
                    mode,
                    "invalid_request",
                    "code_challenge_method without code_challenge",
                ));
            }
            (None, None) => {
                if rt.contains(ResponseTypeComponent::Code) && self.require_pkce {
                    return Err(err(
                        mode,
                        "invalid_request",
                        "PKCE (code_challenge, S256) is required",
                    ));
                }
            }
        }
        Ok(Authz {
            client,
            redirect_uri,
            state,
            rt,
            mode,
            params,
        })
    }

    pub(super) fn authz_error_reply(&self, e: AuthzError) -> Reply {
        match e {
            AuthzError::Page(text) => Reply::page_error(&text),
            AuthzError::Redirect {
                redirect_uri,
                mode,
                state,
                error,
                description,
            } => self.front_error(
                &redirect_uri,
                mode,
                state.as_deref(),
                error,
                description,
                None,
            ),
        }
    }

    pub(super) fn authorize(&mut self, req: &Incoming) -> Reply {
        let mut params = req.params().to_vec();
        if let Some(request_uri) = find(&params, "request_uri") {
            let Some(entry) = self.par.remove(request_uri) else {
                return Reply::page_error("unknown, expired or already used request_uri");
            };
            if entry.expires_at < self.now() {
                return Reply::page_error("the request_uri has expired");
            }
            if find(&params, "client_id") != Some(entry.client_id.as_str()) {
                return Reply::page_error("client_id differs from the pushed request's");
            }
            params = entry.params;
        }
        let authz = match self.validate_authorization(params) {
            Ok(a) => a,
            Err(e) => return self.authz_error_reply(e),
        };
        if let Some((description, uri)) = self.faults.iter().find_map(|f| match f {
            Fault::AccessDenied { description, uri } => Some((description.clone(), uri.clone())),
            _ => None,
        }) {
            return self.front_error(
                &authz.redirect_uri,
                authz.mode,
                authz.state.as_deref(),
                "access_denied",
                &description,
                Some(&uri),
            );
        }
        let prompt_none = find(&authz.params, "prompt").is_some_and(|p| has_scope(p, "none"));
        match self.login {
            LoginMode::AutoApprove => {
                let Some(sub) = self.users.first().map(|u| u.sub.clone()) else {
                    return Reply::text(500, "no user is configured");
                };
                self.complete(&authz, &sub)
            }
            LoginMode::LoginPage if prompt_none => self.front_error(
                &authz.redirect_uri,
                authz.mode,
                authz.state.as_deref(),
                "login_required",
                "prompt=none but the user must log in",
                None,
            ),
            LoginMode::LoginPage => {
                let pending = random_token(16);
                let page = login_page(
                    &pending,
                    &authz.client.client_id,
                    find(&authz.params, "scope").unwrap_or_default(),
                    None,
                );
                self.pending_logins.insert(pending, authz.params);
                page
            }
        }
    }

    pub(super) fn login_submit(&mut self, req: &Incoming) -> Reply {
        let form = &req.form;
        let Some(pending) = find(form, "pending").map(str::to_owned) else {
            return Reply::page_error("missing pending login");
        };
        let Some(params) = self.pending_logins.remove(&pending) else {
            return Reply::page_error("unknown or finished login");
        };
        let authz = match self.validate_authorization(params) {
            Ok(a) => a,
            Err(e) => return self.authz_error_reply(e),
        };
        if find(form, "decision") != Some("allow") {
            return self.front_error(
                &authz.redirect_uri,
                authz.mode,
                authz.state.as_deref(),
                "access_denied",
                "the user denied the request",
                None,
            );
        }
        let username = find(form, "username").unwrap_or_default();
        let password = find(form, "password").unwrap_or_default();
        let user = self.users.iter().find(|u| {
            u.username == username && u.password.as_deref().is_none_or(|p| ct_eq(p, password))
        });
        match user.map(|u| u.sub.clone()) {
            Some(sub) => self.complete(&authz, &sub),
            None => {
                let scope = find(&authz.params, "scope").unwrap_or_default().to_owned();
                let page = login_page(
                    &pending,
                    &authz.client.client_id,
                    &scope,
                    Some("Unknown user or wrong password."),
                );
                self.pending_logins.insert(pending, authz.params);
                page
            }
        }
    }

    pub(super) fn complete(&mut self, authz: &Authz, sub: &str) -> Reply {
        let now = self.now();
        let p = &authz.params;
        let scope = find(p, "scope").unwrap_or_default().to_owned();
        let nonce = find(p, "nonce").map(str::to_owned);
        let mut out: Vec<(String, String)> = Vec::new();
        let code = authz.rt.contains(ResponseTypeComponent::Code).then(|| {
            let code = random_token(32);
            self.codes.insert(
                code.clone(),
                CodeGrant {
                    client_id: authz.client.client_id.clone(),
                    sub: sub.to_owned(),
                    scope: scope.clone(),
                    nonce: nonce.clone(),
                    auth_time: now,
                    redirect_uri: authz.redirect_uri.clone(),
                    code_challenge: find(p, "code_challenge").map(str::to_owned),
                    expires_at: now + self.code_lifetime,
                    front_id_token: authz.rt.contains(ResponseTypeComponent::IdToken),
                    dpop_jkt: find(p, "dpop_jkt").map(str::to_owned),
                },
            );
            code
        });
        let access = authz
            .rt
            .contains(ResponseTypeComponent::Token)
            .then(|| self.new_access_token(None, &authz.client.client_id, sub, &scope));
        if let Some(c) = &code {
            out.push(("code".into(), c.clone()));
        }
        if let Some(a) = &access {
            out.push(("access_token".into(), a.clone()));
            out.push(("token_type".into(), "Bearer".into()));
            out.push(("expires_in".into(), self.access_token_lifetime.to_string()));
            // RFC 6749 §4.2.2 lets the provider leave out a scope equal to the one asked
            // for; many send it anyway, and so does this one.
            out.push(("scope".into(), scope.clone()));
        }
        if authz.rt.contains(ResponseTypeComponent::IdToken) {
            let input = IdTokenInput {
                client: &authz.client,
                sub,
                scope: &scope,
                nonce: nonce.as_deref(),
                auth_time: now,
                access_token: access.as_deref(),
                code: code.as_deref(),
                refresh: false,
            };
            match self.id_token(&input) {
                Ok(t) => out.push(("id_token".into(), t)),
                Err(reply) => return reply,
            }
        }
        self.finish_front(&authz.redirect_uri, authz.mode, authz.state.as_deref(), out)
    }

    pub(super) fn front_error(
        &self,
        redirect_uri: &str,
        mode: ResponseMode,
        state: Option<&str>,
        error: &str,
        description: &str,
        uri: Option<&str>,
    ) -> Reply {
        let mut params = vec![
            ("error".to_owned(), error.to_owned()),
            ("error_description".to_owned(), description.to_owned()),
        ];
        if let Some(u) = uri {
            params.push(("error_uri".into(), u.into()));
        }
        self.finish_front(redirect_uri, mode, state, params)
    }

    /// Adds `state` and the RFC 9207 `iss` (with their faults) and delivers the response.
    pub(super) fn finish_front(
        &self,
        redirect_uri: &str,
        mode: ResponseMode,
        state: Option<&str>,
        mut params: Vec<(String, String)>,
    ) -> Reply {
        let state = if self.has(&Fault::WrongState) {
            Some(format!("{}-wrong", state.unwrap_or("no-state")))
        } else {
            state.map(str::to_owned)
        };
        if let Some(s) = state {
            params.push(("state".into(), s));
        }
        if self.iss_parameter && !self.has(&Fault::IssParameterMissing) {
            let iss = if self.has(&Fault::IssParameterWrong) {
                ATTACKER.to_owned()
            } else {
                self.issuer.clone()
            };
            params.push(("iss".into(), iss));
        }
        let mode = self
            .faults
            .iter()
            .find_map(|f| match f {
                Fault::ResponseModeIgnored(m) => Some(*m),
                _ => None,
            })
            .unwrap_or(mode);
        deliver(redirect_uri, mode, params)
    }
}

pub(super) fn login_page(
    pending: &str,
    client_id: &str,
    scope: &str,
    error: Option<&str>,
) -> Reply {
    let error = error
        .map(|e| format!("<p id=\"error\">{}</p>", html_escape(e)))
        .unwrap_or_default();
    Reply::html(
        200,
        "Sign in",
        &format!(
            "<h1>Sign in to continue to {}</h1>{error}\
             <p>The application asks for: {}</p>\
             <form method=\"post\" action=\"login\">\
             <input type=\"hidden\" name=\"pending\" value=\"{}\">\
             <label>User name <input name=\"username\" autofocus></label>\
             <label>Password <input name=\"password\" type=\"password\"></label>\
             <button name=\"decision\" value=\"allow\">Allow</button>\
             <button name=\"decision\" value=\"deny\">Deny</button></form>",
            html_escape(client_id),
            html_escape(scope),
            html_escape(pending)
        ),
    )
}

pub(super) fn deliver(
    redirect_uri: &str,
    mode: ResponseMode,
    params: Vec<(String, String)>,
) -> Reply {
    let location = match mode {
        ResponseMode::FormPost => None,
        _ => {
            let Ok(mut url) = Url::parse(redirect_uri) else {
                return Reply::page_error("redirect_uri is not a URL");
            };
            if mode == ResponseMode::Fragment {
                url.set_fragment(Some(&form_encode(&params)));
            } else {
                url.query_pairs_mut().extend_pairs(&params);
            }
            Some(String::from(url))
        }
    };
    let mut reply = match &location {
        Some(l) => Reply::redirect(l.clone()),
        None => {
            let inputs: String = params
                .iter()
                .map(|(n, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                        html_escape(n),
                        html_escape(v)
                    )
                })
                .collect();
            let page = format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Submit This Form</title></head>\n\
                 <body onload=\"document.forms[0].submit()\">\
                 <form method=\"post\" action=\"{}\">{inputs}\
                 <noscript><button type=\"submit\">Continue</button></noscript></form></body></html>\n",
                html_escape(redirect_uri)
            );
            let mut r = Reply::new(200, "text/html; charset=utf-8", page.into_bytes());
            r.headers.push(("cache-control", "no-store".into()));
            r
        }
    };
    reply.front_channel = Some(Box::new(FrontChannelResponse {
        redirect_uri: redirect_uri.to_owned(),
        mode,
        params,
        location,
    }));
    reply
}
