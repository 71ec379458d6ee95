//! Pushed Authorization Requests (RFC 9126).

use oidc_core::{AuthorizationRequest, HttpClient, HttpRequest, HttpResponse};
use serde_json::{Map, Value};
use url::Url;

use crate::token::{TokenClient, send};
use crate::wire::{self, Form};
use crate::{Endpoint, Error, Result};

/// The answer to a pushed authorization request (RFC 9126 §2.2).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PushedAuthorization {
    /// `request_uri`, to send to the authorization endpoint with `client_id`
    /// (see `AuthorizationRequest::build_par_url`).
    pub request_uri: String,
    /// `expires_in`, seconds.
    pub expires_in: u64,
    /// The absolute expiry in Unix seconds.
    pub expires_at: i64,
    /// Other members.
    pub extra: Map<String, Value>,
}

impl TokenClient {
    /// Builds the PAR request (pure): the authorization request's parameters, form-encoded,
    /// plus client authentication.
    pub fn build_par_request(
        &self,
        par_endpoint: &Url,
        request: &AuthorizationRequest,
    ) -> Result<HttpRequest> {
        let mut form = Form::new();
        for (n, v) in request.to_pairs().map_err(Error::AuthorizationRequest)? {
            form.push(&n, &v);
        }
        self.authenticated_post(Endpoint::PushedAuthorization, par_endpoint, form)
    }

    /// Parses the PAR response (pure): `201 Created` (200 tolerated) with `request_uri` and
    /// `expires_in`.
    pub fn parse_par_response(&self, response: &HttpResponse) -> Result<PushedAuthorization> {
        const E: Endpoint = Endpoint::PushedAuthorization;
        let mut obj = wire::json_object(E, response, self.options.max_response_bytes)?;
        let request_uri = wire::take_string(E, &mut obj, "request_uri")?;
        let expires_in = wire::take_opt_seconds(
            E,
            &mut obj,
            "expires_in",
            self.options.accept_string_expires_in,
        )?
        .ok_or(Error::MissingField {
            endpoint: E,
            field: "expires_in",
        })?;
        Ok(PushedAuthorization {
            request_uri,
            expires_in,
            expires_at: wire::add_secs(self.clock.now_unix(), expires_in),
            extra: obj,
        })
    }

    /// Pushes an authorization request.
    pub async fn push_authorization_request(
        &self,
        http: &dyn HttpClient,
        par_endpoint: &Url,
        request: &AuthorizationRequest,
    ) -> Result<PushedAuthorization> {
        let req = self.build_par_request(par_endpoint, request)?;
        let response = send(http, Endpoint::PushedAuthorization, req).await?;
        self.parse_par_response(&response)
    }
}
