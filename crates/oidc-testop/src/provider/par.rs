//! Pushed authorization requests (RFC 9126).

use super::*;

impl Provider {
    pub(super) fn par(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::PushedAuthorization) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let mut params: Vec<(String, String)> = req
            .form
            .iter()
            .filter(|(n, _)| {
                !matches!(
                    n.as_str(),
                    "client_secret" | "client_assertion" | "client_assertion_type"
                )
            })
            .cloned()
            .collect();
        if find(&params, "request_uri").is_some() {
            return Reply::oauth_error(400, "invalid_request", "request_uri must not be pushed");
        }
        if find(&params, "client_id").is_none() {
            params.push(("client_id".into(), client.client_id.clone()));
        }
        // RFC 9449 §10.1: a proof on the pushed request binds the code to its key.
        match self.dpop_at_as(req, Endpoint::PushedAuthorization) {
            Err(r) => return r,
            Ok(Some(jkt)) => match find(&params, "dpop_jkt") {
                Some(j) if j != jkt => {
                    return Reply::oauth_error(
                        400,
                        "invalid_dpop_proof",
                        "dpop_jkt differs from the proof's key",
                    );
                }
                Some(_) => {}
                None => params.push(("dpop_jkt".into(), jkt)),
            },
            Ok(None) => {}
        }
        if let Err(e) = self.validate_authorization(params.clone()) {
            let description = match e {
                AuthzError::Page(t) => t,
                AuthzError::Redirect { description, .. } => description.to_owned(),
            };
            return Reply::oauth_error(400, "invalid_request", &description);
        }
        let uri = format!("{PAR_PREFIX}{}", random_token(24));
        self.par.insert(
            uri.clone(),
            ParEntry {
                client_id: client.client_id,
                params,
                expires_at: self.now() + PAR_LIFETIME,
            },
        );
        Reply::json(
            201,
            &json!({ "request_uri": uri, "expires_in": PAR_LIFETIME }),
        )
    }
}
