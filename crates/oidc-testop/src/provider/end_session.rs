//! RP-initiated logout.

use super::*;

impl Provider {
    pub(super) fn end_session(&mut self, req: &Incoming) -> Reply {
        let p = req.params();
        let hint_aud: Option<String> = find(p, "id_token_hint").and_then(|t| {
            let (_, claims) = oidc_jose::parse_unverified(t).ok()?;
            (claims.iss.as_deref() == Some(self.issuer.as_str()))
                .then(|| claims.aud.first().cloned())
                .flatten()
        });
        let client_id = find(p, "client_id").map(str::to_owned).or(hint_aud);
        let Some(target) = find(p, "post_logout_redirect_uri") else {
            return Reply::html(200, "Signed out", "<h1>You are signed out.</h1>");
        };
        let Some(client) = client_id.and_then(|id| self.client(&id)) else {
            return Reply::page_error("post_logout_redirect_uri needs client_id or id_token_hint");
        };
        // The loopback rule of RFC 8252 §7.3 (any port) applies as for redirect URIs.
        if !client
            .post_logout_redirect_uris
            .iter()
            .any(|u| crate::util::redirect_uri_matches(u, target))
        {
            return Reply::page_error("post_logout_redirect_uri is not registered");
        }
        let Ok(mut url) = Url::parse(target) else {
            return Reply::page_error("post_logout_redirect_uri is not a URL");
        };
        if let Some(state) = find(p, "state") {
            url.query_pairs_mut().append_pair("state", state);
        }
        Reply::redirect(url.into())
    }
}
