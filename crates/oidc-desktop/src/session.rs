//! The result of a sign-in.

use oidc_core::{AccessToken, IdTokenString, RefreshToken};
use oidc_jose::{IdTokenClaims, StandardClaims};
use oidc_token::UserDetails;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A signed-in user: tokens, expiry, the validated ID token's claims, and the user's details.
///
/// Secrets stay redacted in `Debug`. [`Session::to_json`] / [`Session::from_json`] store and
/// restore it (the CLI's `--cache` does, in a 0600 file).
#[derive(Clone)]
pub struct Session {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) access_token: Option<AccessToken>,
    pub(crate) token_type: Option<String>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) refresh_token: Option<RefreshToken>,
    pub(crate) id_token: Option<IdTokenString>,
    pub(crate) claims: Option<IdTokenClaims>,
    pub(crate) user: Option<UserDetails>,
    pub(crate) scope: Option<String>,
    pub(crate) authorization_response: Vec<(String, String)>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("claims", &self.claims)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct Stored {
    issuer: String,
    client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<AccessToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<RefreshToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<IdTokenString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token_claims: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    userinfo: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

impl Session {
    /// The issuer that signed the user in.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The access token (the seed's `access_token`), whatever its expiry.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.access_token.as_ref()
    }

    /// `token_type` (normally `Bearer`).
    pub fn token_type(&self) -> Option<&str> {
        self.token_type.as_deref()
    }

    /// When the access token expires, Unix seconds (the seed's `AccessTokenExp`).
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    /// Whether the access token is expired, or will be within `margin_secs`, at `now`.
    /// A token without a known expiry is taken as valid.
    pub fn expires_within(&self, now: i64, margin_secs: i64) -> bool {
        self.expires_at
            .is_some_and(|e| now.saturating_add(margin_secs) >= e)
    }

    /// The refresh token, if the provider issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The raw ID token (the seed's `id_token_id_token_content`).
    pub fn id_token(&self) -> Option<&IdTokenString> {
        self.id_token.as_ref()
    }

    /// The validated ID token's claims (the seed's `id_token_*`).
    pub fn claims(&self) -> Option<&IdTokenClaims> {
        self.claims.as_ref()
    }

    /// The UserInfo response, when it was requested.
    pub fn userinfo(&self) -> Option<&UserDetails> {
        self.user.as_ref()
    }

    /// The user's details (the seed's `user_details_*`): UserInfo first, then the ID token's
    /// claims for whatever UserInfo did not say.
    pub fn user(&self) -> StandardClaims {
        let mut out = self
            .user
            .as_ref()
            .map(|u| u.claims().clone())
            .unwrap_or_default();
        if let Some(c) = &self.claims {
            out.merge_missing(c.user());
            if out.sub.is_none() {
                out.sub.clone_from(&c.sub);
            }
        }
        out
    }

    /// The granted scope (the seed's `authorization_scope` after the sign-in).
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The raw parameters of the authorization response (the seed's `get_query_param`).
    pub fn authorization_response(&self) -> &[(String, String)] {
        &self.authorization_response
    }

    /// One parameter of the authorization response.
    pub fn get_query_param(&self, name: &str) -> Option<&str> {
        self.authorization_response
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Serializes for storage. Contains the tokens in clear: store it privately.
    pub fn to_json(&self) -> String {
        let stored = Stored {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            access_token: self.access_token.clone(),
            token_type: self.token_type.clone(),
            expires_at: self.expires_at,
            refresh_token: self.refresh_token.clone(),
            id_token: self.id_token.clone(),
            id_token_claims: self.claims.as_ref().map(|c| c.json().clone()),
            userinfo: self.user.as_ref().map(|u| Value::Object(u.json().clone())),
            scope: self.scope.clone(),
        };
        // Every member is a string, a number or JSON already: serialization cannot fail.
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Restores a stored session. The claims were validated when the session was made;
    /// they are read back, not validated again.
    pub fn from_json(json: &str) -> Result<Self, crate::Error> {
        let s: Stored = serde_json::from_str(json).map_err(crate::Error::StoredSession)?;
        let claims = match s.id_token_claims {
            Some(v) => Some(IdTokenClaims::from_json(v.to_string().into_bytes())?),
            None => None,
        };
        let user = match s.userinfo {
            Some(v) => Some(UserDetails::from_json(v.to_string().as_bytes())?),
            None => None,
        };
        Ok(Self {
            issuer: s.issuer,
            client_id: s.client_id,
            access_token: s.access_token,
            token_type: s.token_type,
            expires_at: s.expires_at,
            refresh_token: s.refresh_token,
            id_token: s.id_token,
            claims,
            user,
            scope: s.scope,
            authorization_response: Vec::new(),
        })
    }
}
