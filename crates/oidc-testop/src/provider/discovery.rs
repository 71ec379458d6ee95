//! The discovery document and the JWKS.

use super::*;

impl Provider {
    /// The `iss` of the tokens: the issuer, or in Entra's multi-tenant shape the tenant's
    /// own issuer (`…/<tid>/v2.0`).
    pub(super) fn token_issuer(&self) -> String {
        match &self.tenant {
            Some(tid) => self.issuer.replacen("/common/", &format!("/{tid}/"), 1),
            None => self.issuer.clone(),
        }
    }

    pub(super) fn discovery(&self) -> Value {
        let issuer = if self.has(&Fault::DiscoveryIssuerMismatch) {
            format!("{}/other-issuer", self.issuer)
        } else if self.tenant.is_some() {
            self.issuer.replacen("/common/", "/{tenantid}/", 1)
        } else {
            self.issuer.clone()
        };
        let signing: Vec<&str> = ASYMMETRIC
            .iter()
            .map(|a| a.as_str())
            .chain(["HS256"])
            .collect();
        let auth_methods: Vec<&str> = ClientAuth::ALL.iter().map(|m| m.as_str()).collect();
        let claims: Vec<&str> = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"]
            .into_iter()
            .chain(SCOPE_CLAIMS.iter().flat_map(|(_, c)| c.iter().copied()))
            .collect();
        json!({
            "issuer": issuer,
            "authorization_endpoint": self.url(Endpoint::Authorization),
            "token_endpoint": self.url(Endpoint::Token),
            "userinfo_endpoint": self.url(Endpoint::UserInfo),
            "jwks_uri": self.url(Endpoint::Jwks),
            "dpop_signing_alg_values_supported": ["ES256", "ES384", "EdDSA", "RS256", "PS256"],
            "revocation_endpoint": self.url(Endpoint::Revocation),
            "introspection_endpoint": self.url(Endpoint::Introspection),
            "end_session_endpoint": self.url(Endpoint::EndSession),
            "device_authorization_endpoint": self.url(Endpoint::DeviceAuthorization),
            "pushed_authorization_request_endpoint": self.url(Endpoint::PushedAuthorization),
            "require_pushed_authorization_requests": false,
            "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
            "response_types_supported": [
                "code", "id_token", "id_token token", "code id_token", "code token",
                "code id_token token"
            ],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": [
                "authorization_code", "implicit", "refresh_token", "client_credentials",
                DEVICE_GRANT
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": signing,
            "userinfo_signing_alg_values_supported": signing,
            "token_endpoint_auth_methods_supported": auth_methods,
            "token_endpoint_auth_signing_alg_values_supported": signing,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": auth_methods,
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": self.iss_parameter,
            "claims_supported": claims,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        })
    }

    pub(crate) fn jwks_json(&self) -> Value {
        self.keys.jwks(
            self.has(&Fault::IdTokenKidAbsent),
            self.has(&Fault::DecoyKeys),
        )
    }
}
