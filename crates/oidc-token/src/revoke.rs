//! Token revocation (RFC 7009) and introspection (RFC 7662).

use oidc_core::{HttpClient, HttpRequest, HttpResponse, Scope};
use serde_json::{Map, Value};
use url::Url;

use crate::token::{TokenClient, map_lookup, send};
use crate::wire::{self, Form};
use crate::{Endpoint, Error, Result};

/// The `token_type_hint` of RFC 7009 §2.1 / RFC 7662 §2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenTypeHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
}

impl TokenTypeHint {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
        }
    }
}

/// An introspection response (RFC 7662 §2.2). `Debug` shows no token values.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Introspection {
    /// `active`: whether the token is currently valid. Nothing else matters when false.
    pub active: bool,
    /// `scope`.
    pub scope: Option<Scope>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `token_type`.
    pub token_type: Option<String>,
    /// `exp`.
    pub exp: Option<i64>,
    /// `iat`.
    pub iat: Option<i64>,
    /// `nbf`.
    pub nbf: Option<i64>,
    /// `sub`.
    pub sub: Option<String>,
    /// `iss`.
    pub iss: Option<String>,
    /// `jti`.
    pub jti: Option<String>,
    /// `aud` (a string or an array on the wire).
    pub aud: Vec<String>,
    /// Every other member.
    pub extra: Map<String, Value>,
}

impl Introspection {
    /// An extra member by name, JSON pointer or `/json/...` path (the bare `/json` is
    /// `None`: the extra members are not the whole response).
    pub fn member(&self, name_or_path: &str) -> Option<&Value> {
        map_lookup(&self.extra, name_or_path)
    }
}

fn token_form(token: &str, hint: Option<TokenTypeHint>) -> Form {
    let mut form = Form::new();
    form.push("token", token);
    form.push_opt("token_type_hint", hint.map(TokenTypeHint::as_str));
    form
}

impl TokenClient {
    /// Builds a revocation request (pure). `token` is the secret value of an access or
    /// refresh token.
    pub fn build_revocation_request(
        &self,
        revocation_endpoint: &Url,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<HttpRequest> {
        self.authenticated_post(
            Endpoint::Revocation,
            revocation_endpoint,
            token_form(token, hint),
        )
    }

    /// Parses a revocation response (pure): HTTP 200 is success, whatever the body
    /// (RFC 7009 §2.2: an unknown or already invalid token is also a success).
    pub fn parse_revocation_response(&self, response: &HttpResponse) -> Result<()> {
        wire::check_size_and_status(
            Endpoint::Revocation,
            response,
            self.options.max_response_bytes,
        )
    }

    /// Revokes a token.
    pub async fn revoke(
        &self,
        http: &dyn HttpClient,
        revocation_endpoint: &Url,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<()> {
        let request = self.build_revocation_request(revocation_endpoint, token, hint)?;
        let response = send(http, Endpoint::Revocation, request).await?;
        self.parse_revocation_response(&response)
    }

    /// Builds an introspection request (pure).
    pub fn build_introspection_request(
        &self,
        introspection_endpoint: &Url,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<HttpRequest> {
        self.authenticated_post(
            Endpoint::Introspection,
            introspection_endpoint,
            token_form(token, hint),
        )
    }

    /// Parses an introspection response (pure).
    pub fn parse_introspection_response(&self, response: &HttpResponse) -> Result<Introspection> {
        const E: Endpoint = Endpoint::Introspection;
        let mut obj = wire::json_object(E, response, self.options.max_response_bytes)?;
        let active = match obj.remove("active") {
            Some(Value::Bool(b)) => b,
            Some(_) => {
                return Err(Error::InvalidField {
                    endpoint: E,
                    field: "active",
                    reason: "not a boolean",
                });
            }
            None => {
                return Err(Error::MissingField {
                    endpoint: E,
                    field: "active",
                });
            }
        };
        let mut int = |field: &'static str| -> Result<Option<i64>> {
            match obj.remove(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    // a float time (`1800000000.5`): truncated; `as` saturates, NaN cannot occur in JSON
                    .or_else(|| n.as_f64().map(|f| f as i64))
                    .map(Some)
                    .ok_or(Error::InvalidField {
                        endpoint: E,
                        field,
                        reason: "not a number",
                    }),
                Some(_) => Err(Error::InvalidField {
                    endpoint: E,
                    field,
                    reason: "not a number",
                }),
            }
        };
        let exp = int("exp")?;
        let iat = int("iat")?;
        let nbf = int("nbf")?;
        let aud = match obj.remove("aud") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(a)) => a
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                return Err(Error::InvalidField {
                    endpoint: E,
                    field: "aud",
                    reason: "not a string or an array",
                });
            }
        };
        Ok(Introspection {
            active,
            scope: wire::take_opt_string(E, &mut obj, "scope")?.map(|s| Scope::new(&s)),
            client_id: wire::take_opt_string(E, &mut obj, "client_id")?,
            username: wire::take_opt_string(E, &mut obj, "username")?,
            token_type: wire::take_opt_string(E, &mut obj, "token_type")?,
            exp,
            iat,
            nbf,
            sub: wire::take_opt_string(E, &mut obj, "sub")?,
            iss: wire::take_opt_string(E, &mut obj, "iss")?,
            jti: wire::take_opt_string(E, &mut obj, "jti")?,
            aud,
            extra: obj,
        })
    }

    /// Introspects a token.
    pub async fn introspect(
        &self,
        http: &dyn HttpClient,
        introspection_endpoint: &Url,
        token: &str,
        hint: Option<TokenTypeHint>,
    ) -> Result<Introspection> {
        let request = self.build_introspection_request(introspection_endpoint, token, hint)?;
        let response = send(http, Endpoint::Introspection, request).await?;
        self.parse_introspection_response(&response)
    }
}
