//! The token endpoint: grants, the token response and its parser.

use std::sync::Arc;

use oidc_core::{
    AccessToken, AuthorizationCode, ClientId, Clock, HttpClient, HttpRequest, HttpResponse,
    IdTokenString, PkceVerifier, RedirectUrl, RefreshToken, Scope, SystemClock,
};
use serde_json::{Map, Value};
use url::Url;

use crate::auth::{ClientAuth, audience_for};
use crate::wire::{self, DEFAULT_MAX_RESPONSE_BYTES, Form};
use crate::{Endpoint, Error, Result};

/// The `grant_type` of the Device Authorization Grant (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How responses are read: the size limit and the named leniencies for providers that
/// deviate from the specifications. Every leniency is off by default.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseOptions {
    /// Bodies larger than this are refused ([`Error::ResponseTooLarge`]). Default 1 MiB.
    pub max_response_bytes: usize,
    /// Accept `"expires_in": "3600"` (a string) as well as a number. Some providers
    /// (older Azure AD v1 endpoints, some Salesforce deployments) send strings.
    pub accept_string_expires_in: bool,
    /// Accept a `token_type` other than `Bearer` instead of refusing the response.
    pub accept_non_bearer_token_type: bool,
}

impl Default for ResponseOptions {
    fn default() -> Self {
        Self {
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            accept_string_expires_in: false,
            accept_non_bearer_token_type: false,
        }
    }
}

impl ResponseOptions {
    /// Sets [`ResponseOptions::accept_string_expires_in`].
    #[must_use]
    pub fn accept_string_expires_in(mut self, yes: bool) -> Self {
        self.accept_string_expires_in = yes;
        self
    }

    /// Sets [`ResponseOptions::max_response_bytes`].
    #[must_use]
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Sets [`ResponseOptions::accept_non_bearer_token_type`].
    #[must_use]
    pub fn accept_non_bearer_token_type(mut self, yes: bool) -> Self {
        self.accept_non_bearer_token_type = yes;
        self
    }
}

/// The `token_type` of a token response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenType {
    /// `Bearer` (RFC 6750), matched case-insensitively.
    Bearer,
    /// `DPoP` (RFC 9449): bound to the key of the proof that accompanied the request. Whether
    /// it was asked for is the caller's check (a `Bearer` answer to a proof is a downgrade).
    Dpop,
    /// Anything else, as sent (only with `accept_non_bearer_token_type`).
    Other(String),
}

impl TokenType {
    /// Parses a `token_type` value.
    pub fn parse(value: &str) -> Self {
        if value.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else if value.eq_ignore_ascii_case("dpop") {
            TokenType::Dpop
        } else {
            TokenType::Other(value.to_owned())
        }
    }

    /// The canonical name.
    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::Dpop => "DPoP",
            TokenType::Other(s) => s,
        }
    }
}

/// A successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
///
/// Tokens redact themselves in `Debug`; of the extra members only the names are shown.
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenResponse {
    /// `access_token`.
    pub access_token: AccessToken,
    /// `token_type`.
    pub token_type: TokenType,
    /// `expires_in` as sent, in seconds.
    pub expires_in: Option<u64>,
    /// The absolute expiry in Unix seconds: the clock's time
    /// when the response was read plus `expires_in`.
    pub expires_at: Option<i64>,
    /// `refresh_token`, if one was issued (or rotated).
    pub refresh_token: Option<RefreshToken>,
    /// `id_token`, not yet validated (see `oidc_jose::IdTokenValidator`).
    pub id_token: Option<IdTokenString>,
    /// The granted scope: the response's `scope` when present (it replaces the requested
    /// one), else the requested scope.
    pub scope: Option<Scope>,
    /// Whether `scope` came from the response (`true`) or from the request (`false`).
    pub scope_from_response: bool,
    /// Every other member of the response, as sent.
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("scope", &self.scope)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenResponse {
    /// A Bearer response holding only `access_token`, for callers that restore tokens from
    /// storage or build test doubles; fill the other public fields as needed.
    pub fn bearer(access_token: AccessToken) -> Self {
        Self {
            access_token,
            token_type: TokenType::Bearer,
            expires_in: None,
            expires_at: None,
            refresh_token: None,
            id_token: None,
            scope: None,
            scope_from_response: false,
            extra: Map::new(),
        }
    }

    /// An extra member by name, JSON pointer, or `/json/...` path (the bare `/json` is
    /// `None`: the extra members are not the whole response).
    pub fn member(&self, name_or_path: &str) -> Option<&Value> {
        map_lookup(&self.extra, name_or_path)
    }

    /// Whether the access token has expired at `now` (Unix seconds), allowing `skew` seconds.
    pub fn is_expired_at(&self, now: i64, skew: i64) -> bool {
        self.expires_at
            .is_some_and(|e| now.saturating_add(skew) >= e)
    }
}

/// Parses a token endpoint response (RFC 6749 §5.1 / §5.2).
///
/// `requested_scope` becomes the result's scope when the response has none. `clock` turns
/// `expires_in` into [`TokenResponse::expires_at`].
pub fn parse_token_response(
    response: &HttpResponse,
    requested_scope: Option<&Scope>,
    options: &ResponseOptions,
    clock: &dyn Clock,
) -> Result<TokenResponse> {
    const E: Endpoint = Endpoint::Token;
    let mut obj = wire::json_object(E, response, options.max_response_bytes)?;
    let access_token = AccessToken::new(wire::take_string(E, &mut obj, "access_token")?);
    let token_type = TokenType::parse(&wire::take_string(E, &mut obj, "token_type")?);
    if let TokenType::Other(t) = &token_type
        && !options.accept_non_bearer_token_type
    {
        return Err(Error::UnsupportedTokenType {
            token_type: t.clone(),
        });
    }
    let expires_in =
        wire::take_opt_seconds(E, &mut obj, "expires_in", options.accept_string_expires_in)?;
    let expires_at = expires_in.map(|s| wire::add_secs(clock.now_unix(), s));
    let refresh_token = wire::take_opt_string(E, &mut obj, "refresh_token")?
        .filter(|s| !s.is_empty())
        .map(RefreshToken::new);
    let id_token = wire::take_opt_string(E, &mut obj, "id_token")?
        .filter(|s| !s.is_empty())
        .map(IdTokenString::new);
    let granted = wire::take_opt_string(E, &mut obj, "scope")?.map(|s| Scope::new(&s));
    let scope_from_response = granted.is_some();
    let scope = granted.or_else(|| requested_scope.cloned());
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in,
        expires_at,
        refresh_token,
        id_token,
        scope,
        scope_from_response,
        extra: obj,
    })
}

/// A grant presented at the token endpoint.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Grant<'a> {
    /// `authorization_code` (RFC 6749 §4.1.3) with the PKCE verifier (RFC 7636 §4.5).
    AuthorizationCode {
        /// The code from the redirect.
        code: &'a AuthorizationCode,
        /// The redirect URI exactly as sent in the authorization request.
        redirect_uri: &'a RedirectUrl,
        /// The PKCE verifier, when PKCE was used.
        pkce_verifier: Option<&'a PkceVerifier>,
    },
    /// `refresh_token` (RFC 6749 §6); `scope` narrows the grant when given.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a RefreshToken,
        /// A narrower scope, or `None` for the original one.
        scope: Option<&'a Scope>,
    },
    /// `client_credentials` (RFC 6749 §4.4).
    ClientCredentials {
        /// The scope requested.
        scope: Option<&'a Scope>,
    },
    /// `urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4).
    DeviceCode {
        /// The `device_code` from the device authorization response.
        device_code: &'a crate::DeviceCode,
    },
}

impl Grant<'_> {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::RefreshToken { .. } => "refresh_token",
            Grant::ClientCredentials { .. } => "client_credentials",
            Grant::DeviceCode { .. } => DEVICE_CODE_GRANT_TYPE,
        }
    }

    /// The scope the grant asks for, if it names one.
    pub fn requested_scope(&self) -> Option<&Scope> {
        match self {
            Grant::RefreshToken { scope, .. } | Grant::ClientCredentials { scope } => *scope,
            _ => None,
        }
    }
}

/// The result of a refresh: the new tokens and the refresh token to store from now on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Refreshed {
    /// The token response.
    pub tokens: TokenResponse,
    /// The refresh token to keep: the new one when the provider rotated it, else the one
    /// presented. Store it atomically with the access token; never replay the old one after
    /// a rotation (providers revoke the whole grant on replay).
    pub refresh_token: RefreshToken,
    /// Whether the provider issued a different refresh token.
    pub rotated: bool,
}

/// A client of the provider's back-channel endpoints: client id, client authentication,
/// clock and response options. Cheap to clone.
///
/// Every endpoint has a pure `build_*_request` method (no IO, no await) and a pure
/// `parse_*` function, plus an async method that joins them over an [`HttpClient`].
#[derive(Clone)]
pub struct TokenClient {
    pub(crate) client_id: ClientId,
    pub(crate) auth: ClientAuth,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) options: ResponseOptions,
    pub(crate) assertion_audience: Option<String>,
}

impl std::fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenClient")
            .field("client_id", &self.client_id)
            .field("auth", &self.auth)
            .field("options", &self.options)
            .field("assertion_audience", &self.assertion_audience)
            .finish_non_exhaustive()
    }
}

impl TokenClient {
    /// A client with the system clock and default options.
    pub fn new(client_id: ClientId, auth: ClientAuth) -> Self {
        Self {
            client_id,
            auth,
            clock: Arc::new(SystemClock),
            options: ResponseOptions::default(),
            assertion_audience: None,
        }
    }

    /// Uses `clock` for expiry times and assertion timestamps.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the response options (size limit, leniencies).
    #[must_use]
    pub fn with_options(mut self, options: ResponseOptions) -> Self {
        self.options = options;
        self
    }

    /// The `aud` of `client_secret_jwt` / `private_key_jwt` assertions. By default the URL of
    /// the endpoint called (the token endpoint for grants, as OpenID Connect Core §9 asks);
    /// some providers want their issuer identifier instead.
    #[must_use]
    pub fn with_assertion_audience(mut self, audience: impl Into<String>) -> Self {
        self.assertion_audience = Some(audience.into());
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// The client authentication.
    pub fn auth(&self) -> &ClientAuth {
        &self.auth
    }

    /// The response options.
    pub fn options(&self) -> &ResponseOptions {
        &self.options
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// A form POST to `url` with client authentication applied.
    pub(crate) fn authenticated_post(
        &self,
        endpoint: Endpoint,
        url: &Url,
        mut form: Form,
    ) -> Result<HttpRequest> {
        let aud = audience_for(self.assertion_audience.as_deref(), url);
        let authz = self
            .auth
            .apply(&self.client_id, &aud, &*self.clock, &mut form)?;
        wire::form_post(endpoint, url, &form, authz.as_deref())
    }

    /// Builds the token request for `grant` (pure).
    pub fn build_token_request(
        &self,
        token_endpoint: &Url,
        grant: &Grant<'_>,
    ) -> Result<HttpRequest> {
        let mut form = Form::new();
        form.push("grant_type", grant.grant_type());
        match grant {
            Grant::AuthorizationCode {
                code,
                redirect_uri,
                pkce_verifier,
            } => {
                form.push("code", code.secret());
                form.push("redirect_uri", redirect_uri.as_str());
                form.push_opt("code_verifier", pkce_verifier.map(PkceVerifier::secret));
            }
            Grant::RefreshToken {
                refresh_token,
                scope,
            } => {
                form.push("refresh_token", refresh_token.secret());
                form.push_opt("scope", scope.map(ToString::to_string).as_deref());
            }
            Grant::ClientCredentials { scope } => {
                form.push_opt("scope", scope.map(ToString::to_string).as_deref());
            }
            Grant::DeviceCode { device_code } => {
                form.push("device_code", device_code.secret());
            }
        }
        self.authenticated_post(Endpoint::Token, token_endpoint, form)
    }

    /// Parses a token response with this client's clock and options (pure).
    pub fn parse_token_response(
        &self,
        response: &HttpResponse,
        requested_scope: Option<&Scope>,
    ) -> Result<TokenResponse> {
        parse_token_response(response, requested_scope, &self.options, &*self.clock)
    }

    /// Sends `grant` to the token endpoint and parses the answer.
    pub async fn request_token(
        &self,
        http: &dyn HttpClient,
        token_endpoint: &Url,
        grant: &Grant<'_>,
    ) -> Result<TokenResponse> {
        let request = self.build_token_request(token_endpoint, grant)?;
        tracing::debug!(grant_type = grant.grant_type(), url = %token_endpoint, "token request");
        let response = send(http, Endpoint::Token, request).await?;
        self.parse_token_response(&response, grant.requested_scope())
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        http: &dyn HttpClient,
        token_endpoint: &Url,
        code: &AuthorizationCode,
        redirect_uri: &RedirectUrl,
        pkce_verifier: Option<&PkceVerifier>,
    ) -> Result<TokenResponse> {
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri,
            pkce_verifier,
        };
        self.request_token(http, token_endpoint, &grant).await
    }

    /// Uses a refresh token; the result says which refresh token to keep.
    pub async fn refresh(
        &self,
        http: &dyn HttpClient,
        token_endpoint: &Url,
        refresh_token: &RefreshToken,
        scope: Option<&Scope>,
    ) -> Result<Refreshed> {
        let grant = Grant::RefreshToken {
            refresh_token,
            scope,
        };
        let tokens = self.request_token(http, token_endpoint, &grant).await?;
        Ok(refreshed(tokens, refresh_token))
    }

    /// The client credentials grant.
    pub async fn client_credentials(
        &self,
        http: &dyn HttpClient,
        token_endpoint: &Url,
        scope: Option<&Scope>,
    ) -> Result<TokenResponse> {
        self.request_token(http, token_endpoint, &Grant::ClientCredentials { scope })
            .await
    }
}

/// Decides which refresh token to keep after a refresh (pure).
pub fn refreshed(tokens: TokenResponse, presented: &RefreshToken) -> Refreshed {
    match &tokens.refresh_token {
        Some(new) => {
            let rotated = new != presented;
            let refresh_token = new.clone();
            Refreshed {
                tokens,
                refresh_token,
                rotated,
            }
        }
        None => Refreshed {
            tokens,
            refresh_token: presented.clone(),
            rotated: false,
        },
    }
}

/// Sends a request, mapping transport failures (a transport's size limit included).
pub(crate) async fn send(
    http: &dyn HttpClient,
    endpoint: Endpoint,
    request: HttpRequest,
) -> Result<HttpResponse> {
    http.execute(request).await.map_err(|source| {
        if source.kind() == oidc_core::HttpErrorKind::TooLarge {
            // One variant for every size-limit breach, whichever layer noticed it.
            Error::ResponseTooLarge {
                endpoint,
                size: None,
                limit: None,
            }
        } else {
            Error::Http { endpoint, source }
        }
    })
}

/// [`oidc_jose::lookup`] over the extra members of a response, held as a map: the same
/// grammar (a name, a JSON pointer, a `/json/...` path). The bare `"/json"`, which names the
/// whole document there, is `None` here: the extra members are not the whole response (and
/// not a member named `json`, which `/json/json` reads).
pub(crate) fn map_lookup<'m>(map: &'m Map<String, Value>, name_or_path: &str) -> Option<&'m Value> {
    let pointer = match name_or_path.strip_prefix("/json") {
        Some("") => return None,
        Some(rest) if rest.starts_with('/') => rest,
        _ if name_or_path.starts_with('/') => name_or_path,
        _ => return map.get(name_or_path),
    };
    let rest = &pointer[1..];
    let (first, tail) = match rest.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (rest, None),
    };
    let v = map.get(&first.replace("~1", "/").replace("~0", "~"))?;
    match tail {
        None => Some(v),
        Some(t) => v.pointer(&format!("/{t}")),
    }
}
