//! The provider's state and endpoints. Everything here is synchronous and runs under one
//! lock; the server module does the IO.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use oidc_core::{
    Clock, PkceVerifier, ResponseMode, ResponseType, ResponseTypeComponent, random_token,
};
use oidc_jose::{Algorithm, CompactJws, JwkSet, SigningKey, claim_hash, verify_jws};
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq as _;
use url::Url;

use crate::keys::{ASYMMETRIC, KeyRing};
use crate::log::{RecordedRequest, find};
use crate::util::{b64, b64_decode, form_decode, form_encode, has_repeated, html_escape};
use crate::{
    Client, ClientAuth, Endpoint, Error, Fault, FrontChannelResponse, JwksPath, LoginMode,
    OpConfig, User,
};

const ATTACKER: &str = "https://attacker.example";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const PAR_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
const PAR_LIFETIME: i64 = 60;

/// Claims released per scope (OpenID Connect Core §5.4).
const SCOPE_CLAIMS: [(&str, &[&str]); 4] = [
    (
        "profile",
        &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
    ),
    ("email", &["email", "email_verified"]),
    ("address", &["address"]),
    ("phone", &["phone_number", "phone_number_verified"]),
];

/// A request as the endpoints see it.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
}

impl Incoming {
    pub(crate) fn new(parts: &http::request::Parts, body: &[u8]) -> Self {
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let is_form = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';').next().is_some_and(|m| {
                    m.trim()
                        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
                })
            });
        Self {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts
                .uri
                .query()
                .map(|q| form_decode(q.as_bytes()))
                .unwrap_or_default(),
            form: if is_form {
                form_decode(body)
            } else {
                Vec::new()
            },
            headers,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn is_post(&self) -> bool {
        self.method == "POST"
    }

    /// The parameters of the method: the form body for POST, the query otherwise.
    fn params(&self) -> &[(String, String)] {
        if self.is_post() {
            &self.form
        } else {
            &self.query
        }
    }
}

/// What an endpoint answers.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) front_channel: Option<Box<FrontChannelResponse>>,
}

impl Reply {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body,
            front_channel: None,
        }
    }

    pub(crate) fn text(status: u16, text: &str) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    fn json(status: u16, value: &Value) -> Self {
        let mut r = Self::new(status, "application/json", value.to_string().into_bytes());
        r.headers.push(("cache-control", "no-store".into()));
        r
    }

    fn html(status: u16, title: &str, body: &str) -> Self {
        let page = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>{body}</body></html>\n",
            html_escape(title)
        );
        Self::new(status, "text/html; charset=utf-8", page.into_bytes())
    }

    /// An error page for requests that must not redirect (unknown client or redirect URI).
    fn page_error(text: &str) -> Self {
        Self::html(
            400,
            "Invalid request",
            &format!(
                "<h1>Invalid request</h1><p id=\"error\">{}</p>",
                html_escape(text)
            ),
        )
    }

    fn oauth_error(status: u16, error: &str, description: &str) -> Self {
        let mut r = Self::json(
            status,
            &json!({ "error": error, "error_description": description }),
        );
        if status == 401 {
            r.headers
                .push(("www-authenticate", "Basic realm=\"oidc-testop\"".into()));
        }
        r
    }

    fn bearer_error(status: u16, error: &str, description: &str) -> Self {
        let mut r = Self::json(
            status,
            &json!({ "error": error, "error_description": description }),
        );
        r.headers.push((
            "www-authenticate",
            format!("Bearer error=\"{error}\", error_description=\"{description}\""),
        ));
        r
    }

    fn redirect(location: String) -> Self {
        let mut r = Self::new(302, "text/plain; charset=utf-8", Vec::new());
        r.headers.push(("location", location));
        r
    }

    fn method_not_allowed() -> Self {
        Self::text(405, "method not allowed")
    }
}

struct CodeGrant {
    client_id: String,
    sub: String,
    scope: String,
    nonce: Option<String>,
    auth_time: i64,
    redirect_uri: String,
    code_challenge: Option<String>,
    expires_at: i64,
    /// The authorization response already carried an ID token (hybrid): its signing key
    /// was rotated then, so the token endpoint's ID token of the same login is not
    /// rotated again (`Fault::RotateKeysBeforeSigning` rotates once per login).
    front_id_token: bool,
}

struct AccessGrant {
    family: Option<String>,
    client_id: String,
    sub: String,
    scope: String,
    issued_at: i64,
    expires_at: i64,
}

struct RefreshGrant {
    /// Every token of one grant (the code exchange and its refreshes) shares a family:
    /// reusing a rotated-out token revokes the family (RFC 9700 §4.14.2).
    family: String,
    client_id: String,
    sub: String,
    scope: String,
    auth_time: i64,
}

enum DeviceDecision {
    Pending,
    Approved(String),
    Denied,
}

struct Device {
    device_code: String,
    user_code: String,
    client_id: String,
    scope: String,
    expires_at: i64,
    decision: DeviceDecision,
}

struct ParEntry {
    client_id: String,
    params: Vec<(String, String)>,
    expires_at: i64,
}

/// A validated authorization request.
struct Authz {
    client: Client,
    redirect_uri: String,
    state: Option<String>,
    rt: ResponseType,
    mode: ResponseMode,
    params: Vec<(String, String)>,
}

enum AuthzError {
    /// Must not redirect: show a page.
    Page(String),
    /// Redirect an OAuth error to the (registered) redirect URI.
    Redirect {
        redirect_uri: String,
        mode: ResponseMode,
        state: Option<String>,
        error: &'static str,
        description: &'static str,
    },
}

/// What an ID token is issued for.
struct IdTokenInput<'a> {
    client: &'a Client,
    sub: &'a str,
    scope: &'a str,
    nonce: Option<&'a str>,
    auth_time: i64,
    access_token: Option<&'a str>,
    code: Option<&'a str>,
    refresh: bool,
}

pub(crate) fn check_client(client: &Client) -> Result<(), Error> {
    let id_alg = client.id_token_signed_response_alg;
    let algs = std::iter::once(id_alg).chain(client.userinfo_signed_response_alg);
    for alg in algs {
        if alg == Algorithm::HS256 {
            if client.client_secret.is_none() {
                return Err(Error::InvalidConfig(
                    "HS256 ID tokens or UserInfo need a client secret",
                ));
            }
        } else if !ASYMMETRIC.contains(&alg) {
            return Err(Error::UnsupportedAlgorithm(alg));
        }
    }
    match client.auth {
        ClientAuth::ClientSecretBasic
        | ClientAuth::ClientSecretPost
        | ClientAuth::ClientSecretJwt
            if client.client_secret.is_none() =>
        {
            Err(Error::InvalidConfig(
                "client_secret_* clients need a secret",
            ))
        }
        ClientAuth::PrivateKeyJwt => {
            let jwks = client
                .jwks
                .as_deref()
                .ok_or(Error::InvalidConfig("private_key_jwt clients need a JWKS"))?;
            JwkSet::from_slice(jwks.as_bytes())?;
            Ok(())
        }
        _ => Ok(()),
    }
}

fn has_scope(scope: &str, token: &str) -> bool {
    scope.split(' ').any(|s| s == token)
}

fn user_code() -> String {
    // 8 characters from an alphabet without vowels or look-alikes (RFC 8628 §6.1).
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let raw = random_token(8);
    let chars: String = raw
        .bytes()
        .take(8)
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn ct_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Percent-decodes one `application/x-www-form-urlencoded` component.
fn form_component(text: &str) -> String {
    form_decode(format!("v={text}").as_bytes())
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .unwrap_or_default()
}

fn corrupt_signature(token: &str) -> String {
    let Some((signing_input, sig)) = token.rsplit_once('.') else {
        return token.to_owned();
    };
    let mut bytes = b64_decode(sig).unwrap_or_default();
    match bytes.first_mut() {
        Some(b) => *b ^= 0x01,
        None => bytes.push(0),
    }
    format!("{signing_input}.{}", b64(&bytes))
}

pub(crate) struct Provider {
    issuer: String,
    pub(crate) clients: Vec<Client>,
    pub(crate) users: Vec<User>,
    pub(crate) login: LoginMode,
    pub(crate) jwks_path: String,
    require_pkce: bool,
    iss_parameter: bool,
    /// Entra's multi-tenant shape: the tenant id (`OpConfig::microsoft_tenant`).
    tenant: Option<String>,
    always_issue_refresh_token: bool,
    access_token_lifetime: i64,
    id_token_lifetime: i64,
    code_lifetime: i64,
    device_code_lifetime: i64,
    pub(crate) faults: Vec<Fault>,
    clock: Arc<dyn Clock>,
    pub(crate) keys: KeyRing,
    codes: HashMap<String, CodeGrant>,
    /// Set for the duration of one token response whose ID token must not rotate keys.
    skip_rotation: bool,
    used_codes: HashSet<String>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    used_refresh: HashMap<String, String>,
    devices: Vec<Device>,
    par: HashMap<String, ParEntry>,
    pending_logins: HashMap<String, Vec<(String, String)>>,
    used_jti: HashSet<String>,
    pub(crate) log: Vec<RecordedRequest>,
    next_seq: usize,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl Provider {
    pub(crate) fn new(issuer: String, config: OpConfig) -> Result<Self, Error> {
        for c in &config.clients {
            check_client(c)?;
        }
        let jwks_path = match config.jwks_path {
            JwksPath::Default => "/jwks".to_owned(),
            JwksPath::Fixed(p)
                if p.starts_with('/')
                    && Endpoint::FIXED.iter().all(|e| e.path() != Some(p.as_str())) =>
            {
                p
            }
            JwksPath::Fixed(_) => {
                return Err(Error::InvalidConfig(
                    "the JWKS path must start with `/` and differ from the other endpoints",
                ));
            }
            JwksPath::Random => format!("/keys/{}", random_token(12)),
        };
        Ok(Self {
            issuer,
            clients: config.clients,
            users: config.users,
            login: config.login,
            jwks_path,
            require_pkce: config.require_pkce,
            iss_parameter: config.iss_parameter,
            tenant: config.microsoft_tenant.clone(),
            always_issue_refresh_token: config.always_issue_refresh_token,
            access_token_lifetime: secs(config.access_token_lifetime),
            id_token_lifetime: secs(config.id_token_lifetime),
            code_lifetime: secs(config.code_lifetime),
            device_code_lifetime: secs(config.device_code_lifetime),
            faults: config.faults,
            clock: config.clock,
            keys: KeyRing::new()?,
            codes: HashMap::new(),
            skip_rotation: false,
            used_codes: HashSet::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            used_refresh: HashMap::new(),
            devices: Vec::new(),
            par: HashMap::new(),
            pending_logins: HashMap::new(),
            used_jti: HashSet::new(),
            log: Vec::new(),
            next_seq: 0,
        })
    }

    fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    fn has(&self, fault: &Fault) -> bool {
        self.faults.contains(fault)
    }

    fn url(&self, endpoint: Endpoint) -> String {
        match endpoint.path() {
            Some(p) => format!("{}{p}", self.issuer),
            None => format!("{}{}", self.issuer, self.jwks_path),
        }
    }

    fn client(&self, id: &str) -> Option<Client> {
        self.clients.iter().find(|c| c.client_id == id).cloned()
    }

    fn user_by_sub(&self, sub: &str) -> Option<&User> {
        self.users.iter().find(|u| u.sub == sub)
    }

    // ----- request log -----

    pub(crate) fn record(&mut self, req: &Incoming, endpoint: Endpoint) -> usize {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.log.push(RecordedRequest {
            seq,
            endpoint,
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            form: req.form.clone(),
            headers: req.headers.clone(),
            status: 0,
            front_channel: None,
        });
        seq
    }

    pub(crate) fn finish_record(&mut self, seq: usize, reply: &Reply) {
        if let Some(r) = self.log.iter_mut().rev().find(|r| r.seq == seq) {
            r.status = reply.status;
            r.front_channel = reply.front_channel.as_deref().cloned();
        }
    }

    pub(crate) fn transport_faults(&self, endpoint: Endpoint) -> (Option<Duration>, Option<usize>) {
        let mut delay = None;
        let mut pad = None;
        for f in &self.faults {
            match f {
                Fault::Slow {
                    endpoint: e,
                    delay: d,
                } if *e == endpoint => delay = Some(*d),
                Fault::Oversized { endpoint: e, bytes } if *e == endpoint => pad = Some(*bytes),
                _ => {}
            }
        }
        (delay, pad)
    }

    // ----- dispatch -----

    pub(crate) fn handle(&mut self, req: &Incoming, endpoint: Endpoint) -> Reply {
        if self.has(&Fault::HandlerPanic(endpoint)) {
            panic!("injected handler panic (Fault::HandlerPanic({endpoint:?}))");
        }
        let post_only = matches!(
            endpoint,
            Endpoint::Token
                | Endpoint::Login
                | Endpoint::Revocation
                | Endpoint::Introspection
                | Endpoint::DeviceAuthorization
                | Endpoint::PushedAuthorization
        );
        if (post_only && !req.is_post()) || !matches!(req.method.as_str(), "GET" | "POST") {
            return Reply::method_not_allowed();
        }
        if endpoint != Endpoint::Unknown && (has_repeated(&req.query) || has_repeated(&req.form)) {
            return Reply::oauth_error(400, "invalid_request", "a parameter is repeated");
        }
        if let Some(reply) = self.injected_endpoint_error(req, endpoint) {
            return reply;
        }
        match endpoint {
            Endpoint::Discovery => {
                let mut doc = self.discovery();
                if self.has(&Fault::EndpointsOnlyInOAuthMetadata)
                    && let Some(m) = doc.as_object_mut()
                {
                    for member in [
                        "revocation_endpoint",
                        "introspection_endpoint",
                        "device_authorization_endpoint",
                    ] {
                        m.remove(member);
                    }
                }
                Reply::json(200, &doc)
            }
            // RFC 8414 metadata: the same members (an OpenID provider's are a superset).
            Endpoint::OAuthMetadata => Reply::json(200, &self.discovery()),
            Endpoint::Jwks => {
                let mut r = Reply::json(200, &self.jwks_json());
                r.headers.retain(|(n, _)| *n != "cache-control");
                r
            }
            Endpoint::Authorization => self.authorize(req),
            Endpoint::Login => self.login_submit(req),
            Endpoint::Token => self.token(req),
            Endpoint::UserInfo => self.userinfo(req),
            Endpoint::Revocation => self.revoke(req),
            Endpoint::Introspection => self.introspect(req),
            Endpoint::EndSession => self.end_session(req),
            Endpoint::DeviceAuthorization => self.device_authorization(req),
            Endpoint::DeviceVerification => self.device_page(req),
            Endpoint::PushedAuthorization => self.par(req),
            Endpoint::Unknown => Reply::text(404, "not found"),
        }
    }

    /// The reply of a matching [`Fault::EndpointError`], if one is set.
    fn injected_endpoint_error(&self, req: &Incoming, endpoint: Endpoint) -> Option<Reply> {
        let (status, error, description, uri) = self.faults.iter().find_map(|f| match f {
            Fault::EndpointError {
                endpoint: e,
                grant_type,
                status,
                error,
                description,
                uri,
            } if *e == endpoint
                && grant_type
                    .as_deref()
                    .is_none_or(|g| find(&req.form, "grant_type") == Some(g)) =>
            {
                Some((*status, error, description, uri))
            }
            _ => None,
        })?;
        let description = description.as_deref();
        Some(match endpoint {
            Endpoint::EndSession => {
                let p = req.params();
                let target = find(p, "post_logout_redirect_uri")?;
                let mut url = Url::parse(target).ok()?;
                {
                    let mut q = url.query_pairs_mut();
                    q.append_pair("error", error);
                    if let Some(d) = description {
                        q.append_pair("error_description", d);
                    }
                    if let Some(u) = uri {
                        q.append_pair("error_uri", u);
                    }
                    if let Some(state) = find(p, "state") {
                        q.append_pair("state", state);
                    }
                }
                Reply::redirect(url.into())
            }
            Endpoint::UserInfo if matches!(status, 401 | 403) => {
                Reply::bearer_error(status, error, description.unwrap_or_default())
            }
            _ => {
                let mut body = Map::new();
                body.insert("error".into(), json!(error));
                if let Some(d) = description {
                    body.insert("error_description".into(), json!(d));
                }
                if let Some(u) = uri {
                    body.insert("error_uri".into(), json!(u));
                }
                Reply::json(status, &Value::Object(body))
            }
        })
    }

    // ----- discovery and keys -----

    /// The `iss` of the tokens: the issuer, or in Entra's multi-tenant shape the tenant's
    /// own issuer (`…/<tid>/v2.0`).
    fn token_issuer(&self) -> String {
        match &self.tenant {
            Some(tid) => self.issuer.replacen("/common/", &format!("/{tid}/"), 1),
            None => self.issuer.clone(),
        }
    }

    fn discovery(&self) -> Value {
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

    // ----- signing -----

    /// Signs `payload` with `alg` (HS256 keyed with the client secret), `kid` unless told.
    fn sign(
        &self,
        alg: Algorithm,
        client: &Client,
        payload: &Value,
        with_kid: bool,
    ) -> Result<String, Reply> {
        let internal = |what: &str| Reply::text(500, what);
        let hmac;
        let key: &SigningKey = if alg.is_symmetric() {
            let secret = client
                .client_secret
                .as_deref()
                .ok_or_else(|| internal("HS256 needs the client secret"))?;
            hmac =
                SigningKey::hmac(alg, secret.as_bytes()).map_err(|_| internal("bad HMAC key"))?;
            &hmac
        } else {
            self.keys
                .key(alg)
                .ok_or_else(|| internal("no key for the algorithm"))?
        };
        let mut header = Map::new();
        header.insert("alg".into(), alg.as_str().into());
        header.insert("typ".into(), "JWT".into());
        if with_kid && let Some(kid) = key.kid() {
            header.insert("kid".into(), kid.into());
        }
        key.sign_with_header(
            Value::Object(header).to_string().as_bytes(),
            payload.to_string().as_bytes(),
        )
        .map_err(|_| internal("signing failed"))
    }

    fn scoped_claims(&self, sub: &str, scope: &str) -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(user) = self.user_by_sub(sub) {
            for (s, names) in SCOPE_CLAIMS {
                if has_scope(scope, s) {
                    for n in names {
                        if let Some(v) = user.claims.get(*n) {
                            out.insert((*n).to_owned(), v.clone());
                        }
                    }
                }
            }
        }
        out
    }

    fn id_token(&mut self, input: &IdTokenInput<'_>) -> Result<String, Reply> {
        if self.has(&Fault::RotateKeysBeforeSigning) && !self.skip_rotation {
            self.keys
                .rotate()
                .map_err(|_| Reply::text(500, "key rotation failed"))?;
        }
        let alg = if self.has(&Fault::IdTokenAlgNone) {
            Algorithm::None
        } else if self.has(&Fault::IdTokenAlgConfusion) {
            Algorithm::HS256
        } else {
            input.client.id_token_signed_response_alg
        };
        let now = self.now();
        let mut c = Map::new();
        // Claims for the user go into the ID token when no access token is issued to fetch
        // them from UserInfo (OpenID Connect Core §5.4).
        if input.access_token.is_none() {
            c = self.scoped_claims(input.sub, input.scope);
        }
        c.insert("iss".into(), self.token_issuer().into());
        if let Some(tid) = &self.tenant {
            c.insert("tid".into(), tid.clone().into());
        }
        c.insert("sub".into(), input.sub.into());
        c.insert("aud".into(), input.client.client_id.clone().into());
        c.insert("exp".into(), (now + self.id_token_lifetime).into());
        c.insert("iat".into(), now.into());
        c.insert("auth_time".into(), input.auth_time.into());
        if let Some(n) = input.nonce {
            c.insert("nonce".into(), n.into());
        }
        if let Some(h) = input.access_token.and_then(|t| claim_hash(alg, t)) {
            c.insert("at_hash".into(), h.into());
        }
        if let Some(h) = input.code.and_then(|t| claim_hash(alg, t)) {
            c.insert("c_hash".into(), h.into());
        }
        for f in &self.faults {
            match f {
                Fault::RefreshIssAltered if input.refresh => {
                    c.insert("iss".into(), ATTACKER.into());
                }
                Fault::RefreshSubAltered if input.refresh => {
                    c.insert("sub".into(), format!("{}-other", input.sub).into());
                }
                Fault::RefreshAuthTimeMoved if input.refresh => {
                    c.insert("auth_time".into(), now.max(input.auth_time + 1).into());
                }
                Fault::IdTokenIssAltered => {
                    c.insert("iss".into(), ATTACKER.into());
                }
                Fault::IdTokenAudAltered => {
                    c.insert("aud".into(), "another-client".into());
                }
                Fault::IdTokenAudRemoved => {
                    c.remove("aud");
                }
                Fault::IdTokenAzpAltered => {
                    c.insert("azp".into(), "another-client".into());
                }
                Fault::IdTokenSubRemoved => {
                    c.remove("sub");
                }
                Fault::IdTokenIatRemoved => {
                    c.remove("iat");
                }
                Fault::IdTokenIatInFuture => {
                    c.insert("iat".into(), (now + 3600).into());
                    c.insert("exp".into(), (now + 3600 + self.id_token_lifetime).into());
                }
                Fault::IdTokenExpired => {
                    c.insert("iat".into(), (now - 7200).into());
                    c.insert("exp".into(), (now - 3600).into());
                }
                Fault::IdTokenNotYetValid => {
                    c.insert("nbf".into(), (now + 3600).into());
                }
                Fault::IdTokenNonceAltered => {
                    let altered = format!("{}-altered", input.nonce.unwrap_or("no-nonce"));
                    c.insert("nonce".into(), altered.into());
                }
                Fault::IdTokenNonceRemoved => {
                    c.remove("nonce");
                }
                Fault::IdTokenAtHashAltered => {
                    let h = claim_hash(alg, "not-the-access-token").unwrap_or_default();
                    c.insert("at_hash".into(), h.into());
                }
                Fault::IdTokenAtHashRemoved => {
                    c.remove("at_hash");
                }
                Fault::IdTokenCHashAltered => {
                    let h = claim_hash(alg, "not-the-code").unwrap_or_default();
                    c.insert("c_hash".into(), h.into());
                }
                Fault::IdTokenCHashRemoved => {
                    c.remove("c_hash");
                }
                _ => {}
            }
        }
        let payload = Value::Object(c);
        let token = if alg == Algorithm::None {
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(payload.to_string().as_bytes())
            )
        } else if self.has(&Fault::IdTokenAlgConfusion) {
            let rsa = self
                .keys
                .key(Algorithm::RS256)
                .and_then(SigningKey::public_jwk)
                .and_then(|j| j.to_public_key_pem())
                .ok_or_else(|| Reply::text(500, "no RSA public key"))?;
            let key = SigningKey::hmac(Algorithm::HS256, rsa.as_bytes())
                .map_err(|_| Reply::text(500, "bad HMAC key"))?;
            let mut header = Map::new();
            header.insert("alg".into(), "HS256".into());
            header.insert("typ".into(), "JWT".into());
            if let Some(kid) = self.keys.key(Algorithm::RS256).and_then(SigningKey::kid) {
                header.insert("kid".into(), kid.into());
            }
            key.sign_with_header(
                Value::Object(header).to_string().as_bytes(),
                payload.to_string().as_bytes(),
            )
            .map_err(|_| Reply::text(500, "signing failed"))?
        } else {
            let with_kid = !self.has(&Fault::IdTokenKidAbsent);
            self.sign(alg, input.client, &payload, with_kid)?
        };
        Ok(if self.has(&Fault::IdTokenSignatureCorrupted) {
            corrupt_signature(&token)
        } else {
            token
        })
    }

    // ----- authorization -----

    fn validate_authorization(&self, params: Vec<(String, String)>) -> Result<Authz, AuthzError> {
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

    fn authz_error_reply(&self, e: AuthzError) -> Reply {
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

    fn authorize(&mut self, req: &Incoming) -> Reply {
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

    fn login_submit(&mut self, req: &Incoming) -> Reply {
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

    fn complete(&mut self, authz: &Authz, sub: &str) -> Reply {
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

    fn front_error(
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
    fn finish_front(
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

    // ----- client authentication -----

    fn authenticate(&mut self, req: &Incoming, endpoint: Endpoint) -> Result<Client, Reply> {
        let invalid = |d: &str| Reply::oauth_error(401, "invalid_client", d);
        let form = &req.form;
        let basic = req.header("authorization").and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then(|| rest.trim())
        });
        let assertion = find(form, "client_assertion");
        let form_secret = find(form, "client_secret");
        let form_id = find(form, "client_id");
        let methods = usize::from(basic.is_some())
            + usize::from(assertion.is_some())
            + usize::from(form_secret.is_some());
        if methods > 1 {
            return Err(Reply::oauth_error(
                400,
                "invalid_request",
                "more than one client authentication method was used",
            ));
        }
        let (used, id, secret) = if let Some(b) = basic {
            let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b)
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| invalid("malformed Basic credentials"))?;
            let (i, s) = decoded
                .split_once(':')
                .ok_or_else(|| invalid("malformed Basic credentials"))?;
            (
                ClientAuth::ClientSecretBasic,
                form_component(i),
                Some(form_component(s)),
            )
        } else if let Some(a) = assertion {
            if find(form, "client_assertion_type") != Some(JWT_BEARER) {
                return Err(invalid("client_assertion_type must be jwt-bearer"));
            }
            let jws = CompactJws::parse(a).map_err(|_| invalid("malformed client_assertion"))?;
            let claims: Value = serde_json::from_slice(jws.payload())
                .map_err(|_| invalid("client_assertion payload is not JSON"))?;
            let iss = claims["iss"].as_str().unwrap_or_default().to_owned();
            let used = if jws.header().alg.is_symmetric() {
                ClientAuth::ClientSecretJwt
            } else {
                ClientAuth::PrivateKeyJwt
            };
            (used, iss, None)
        } else if let Some(s) = form_secret {
            let id = form_id.ok_or_else(|| invalid("client_secret without client_id"))?;
            (
                ClientAuth::ClientSecretPost,
                id.to_owned(),
                Some(s.to_owned()),
            )
        } else if let Some(id) = form_id {
            (ClientAuth::None, id.to_owned(), None)
        } else {
            return Err(invalid("no client authentication"));
        };
        if form_id.is_some_and(|f| f != id) {
            return Err(invalid("client_id differs from the authenticated client"));
        }
        let client = self.client(&id).ok_or_else(|| invalid("unknown client"))?;
        if client.auth != used {
            return Err(invalid(&format!(
                "the client is registered for {} but used {}",
                client.auth.as_str(),
                used.as_str()
            )));
        }
        match used {
            ClientAuth::None => {}
            ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost => {
                let expected = client.client_secret.as_deref().unwrap_or_default();
                if !ct_eq(expected, secret.as_deref().unwrap_or_default()) {
                    return Err(invalid("wrong client secret"));
                }
            }
            ClientAuth::ClientSecretJwt | ClientAuth::PrivateKeyJwt => {
                let a = assertion.unwrap_or_default();
                self.verify_assertion(&client, a, endpoint)
                    .map_err(invalid)?;
            }
        }
        Ok(client)
    }

    /// RFC 7523 §3 with OpenID Connect Core §9: signature, iss = sub = client_id, aud names
    /// this provider, exp in the future, jti not seen before.
    fn verify_assertion(
        &mut self,
        client: &Client,
        assertion: &str,
        endpoint: Endpoint,
    ) -> Result<(), &'static str> {
        let jws = CompactJws::parse(assertion).map_err(|_| "malformed client_assertion")?;
        let allowed: Vec<Algorithm> = ASYMMETRIC.into_iter().chain([Algorithm::HS256]).collect();
        match client.auth {
            ClientAuth::ClientSecretJwt => {
                let secret = client.client_secret.as_deref().unwrap_or_default();
                verify_jws(
                    &jws,
                    &JwkSet::default(),
                    &[Algorithm::HS256],
                    Some(secret.as_bytes()),
                )
                .map_err(|_| "client_assertion signature does not verify with the client secret")?;
            }
            _ => {
                let keys =
                    JwkSet::from_slice(client.jwks.as_deref().unwrap_or_default().as_bytes())
                        .map_err(|_| "the client's registered JWKS is unusable")?;
                verify_jws(&jws, &keys, &allowed, None).map_err(
                    |_| "client_assertion signature does not verify with the client's keys",
                )?;
            }
        }
        let claims: Value = serde_json::from_slice(jws.payload())
            .map_err(|_| "client_assertion payload is not JSON")?;
        let id = client.client_id.as_str();
        if claims["iss"].as_str() != Some(id) || claims["sub"].as_str() != Some(id) {
            return Err("client_assertion iss and sub must be the client_id");
        }
        let accepted = [
            self.issuer.clone(),
            self.url(Endpoint::Token),
            self.url(endpoint),
        ];
        let aud_ok = match &claims["aud"] {
            Value::String(a) => accepted.contains(a),
            Value::Array(list) => list
                .iter()
                .any(|a| a.as_str().is_some_and(|a| accepted.iter().any(|x| x == a))),
            _ => false,
        };
        if !aud_ok {
            return Err("client_assertion aud must name the issuer or the endpoint");
        }
        let now = self.now();
        match claims["exp"].as_i64() {
            Some(exp) if exp > now - 60 => {}
            _ => return Err("client_assertion has expired or has no exp"),
        }
        let jti = claims["jti"]
            .as_str()
            .ok_or("client_assertion has no jti")?;
        if !self.used_jti.insert(format!("{id} {jti}")) {
            return Err("client_assertion jti was used before");
        }
        Ok(())
    }

    // ----- token endpoint -----

    /// Revokes every access and refresh token of a grant.
    fn revoke_family(&mut self, family: &str) {
        self.refresh.retain(|_, g| g.family != family);
        self.access
            .retain(|_, g| g.family.as_deref() != Some(family));
    }

    fn new_access_token(
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
    fn issue_tokens(
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
        body.insert("token_type".into(), "Bearer".into());
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
                },
            );
            body.insert("refresh_token".into(), rt.into());
        }
        if has_scope(scope, "openid") {
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

    fn token(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::Token) {
            Ok(c) => c,
            Err(r) => return r,
        };
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
                    &client,
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
                self.used_refresh
                    .insert(token.to_owned(), grant.family.clone());
                self.issue_tokens(
                    &client,
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
                            &client,
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
                self.issue_tokens(&client, &id, &scope, None, self.now(), None, false)
            }
            Some(_) => {
                Reply::oauth_error(400, "unsupported_grant_type", "grant_type is not supported")
            }
            None => Reply::oauth_error(400, "invalid_request", "missing grant_type"),
        }
    }

    // ----- userinfo -----

    fn userinfo(&mut self, req: &Incoming) -> Reply {
        let header_token = req.header("authorization").and_then(|h| {
            let (scheme, rest) = h.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        });
        let body_token = if req.is_post() {
            find(&req.form, "access_token")
        } else {
            None
        };
        let token = match (header_token, body_token) {
            (Some(t), None) | (None, Some(t)) => t,
            (Some(_), Some(_)) => {
                return Reply::bearer_error(400, "invalid_request", "more than one bearer method");
            }
            (None, None) => {
                let mut r = Reply::text(401, "bearer token required");
                r.headers.push(("www-authenticate", "Bearer".into()));
                return r;
            }
        };
        let Some(grant) = self.access.get(token) else {
            return Reply::bearer_error(401, "invalid_token", "unknown access token");
        };
        if grant.expires_at < self.now() {
            return Reply::bearer_error(401, "invalid_token", "the access token has expired");
        }
        if !has_scope(&grant.scope, "openid") {
            return Reply::bearer_error(403, "insufficient_scope", "the openid scope is required");
        }
        let (sub, scope, client_id) = (
            grant.sub.clone(),
            grant.scope.clone(),
            grant.client_id.clone(),
        );
        let mut claims = self.scoped_claims(&sub, &scope);
        let sub = if self.has(&Fault::UserInfoSubMismatch) {
            format!("{sub}-other")
        } else {
            sub
        };
        claims.insert("sub".into(), sub.into());
        let Some(client) = self.client(&client_id) else {
            return Reply::bearer_error(401, "invalid_token", "the client is gone");
        };
        let alg = if self.has(&Fault::SignedUserInfo) {
            Some(Algorithm::RS256)
        } else {
            client.userinfo_signed_response_alg
        };
        match alg {
            None => Reply::json(200, &Value::Object(claims)),
            Some(alg) => {
                claims.insert("iss".into(), self.token_issuer().into());
                claims.insert("aud".into(), client_id.into());
                match self.sign(alg, &client, &Value::Object(claims), true) {
                    Ok(jwt) => Reply::new(200, "application/jwt", jwt.into_bytes()),
                    Err(r) => r,
                }
            }
        }
    }

    // ----- revocation and introspection -----

    fn revoke(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::Revocation) {
            Ok(c) => c,
            Err(r) => return r,
        };
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

    fn introspect(&mut self, req: &Incoming) -> Reply {
        if let Err(r) = self.authenticate(req, Endpoint::Introspection) {
            return r;
        }
        let Some(token) = find(&req.form, "token") else {
            return Reply::oauth_error(400, "invalid_request", "missing token");
        };
        let now = self.now();
        let body = if let Some(g) = self.access.get(token).filter(|g| g.expires_at >= now) {
            json!({
                "active": true, "token_type": "Bearer", "scope": g.scope,
                "client_id": g.client_id, "sub": g.sub, "iss": self.issuer,
                "iat": g.issued_at, "exp": g.expires_at,
            })
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

    // ----- end session -----

    fn end_session(&mut self, req: &Incoming) -> Reply {
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

    // ----- device authorization (RFC 8628) -----

    fn device_authorization(&mut self, req: &Incoming) -> Reply {
        let client = match self.authenticate(req, Endpoint::DeviceAuthorization) {
            Ok(c) => c,
            Err(r) => return r,
        };
        let device_code = random_token(32);
        let code = user_code();
        let expires_in = self.device_code_lifetime;
        self.devices.push(Device {
            device_code: device_code.clone(),
            user_code: code.clone(),
            client_id: client.client_id,
            scope: find(&req.form, "scope").unwrap_or_default().to_owned(),
            expires_at: self.now() + expires_in,
            decision: DeviceDecision::Pending,
        });
        let verification = self.url(Endpoint::DeviceVerification);
        let complete = format!(
            "{verification}?{}",
            form_encode(&[("user_code".into(), code.clone())])
        );
        Reply::json(
            200,
            &json!({
                "device_code": device_code,
                "user_code": code,
                "verification_uri": verification,
                "verification_uri_complete": complete,
                "expires_in": expires_in,
                "interval": 1,
            }),
        )
    }

    pub(crate) fn pending_user_codes(&self) -> Vec<String> {
        self.devices
            .iter()
            .filter(|d| matches!(d.decision, DeviceDecision::Pending))
            .map(|d| d.user_code.clone())
            .collect()
    }

    pub(crate) fn decide_device(
        &mut self,
        user_code: &str,
        approve: bool,
        username: Option<&str>,
    ) -> bool {
        let sub = match username {
            Some(name) => self.users.iter().find(|u| u.username == name),
            None => self.users.first(),
        }
        .map(|u| u.sub.clone());
        let wanted = normalize_user_code(user_code);
        let now = self.now();
        let Some(d) = self.devices.iter_mut().find(|d| {
            normalize_user_code(&d.user_code) == wanted
                && matches!(d.decision, DeviceDecision::Pending)
                && d.expires_at >= now
        }) else {
            return false;
        };
        d.decision = match (approve, sub) {
            (true, Some(sub)) => DeviceDecision::Approved(sub),
            (true, None) => return false,
            (false, _) => DeviceDecision::Denied,
        };
        true
    }

    fn device_page(&mut self, req: &Incoming) -> Reply {
        if req.is_post() {
            let f = &req.form;
            let code = find(f, "user_code").unwrap_or_default();
            let approve = find(f, "decision") == Some("allow");
            let ok = self.decide_device(code, approve, find(f, "username"));
            return if ok {
                let what = if approve { "approved" } else { "denied" };
                Reply::html(
                    200,
                    "Device",
                    &format!(
                        "<h1 id=\"result\">Request {what}.</h1><p>You may close this window.</p>"
                    ),
                )
            } else {
                Reply::html(
                    400,
                    "Device",
                    "<h1 id=\"result\">Unknown, expired or decided code, or unknown user.</h1>",
                )
            };
        }
        let code = find(&req.query, "user_code").unwrap_or_default();
        let action = html_escape(&self.url(Endpoint::DeviceVerification));
        Reply::html(
            200,
            "Connect a device",
            &format!(
                "<h1>Connect a device</h1><form method=\"post\" action=\"{action}\">\
                 <label>Code <input name=\"user_code\" value=\"{}\"></label>\
                 <label>User <input name=\"username\"></label>\
                 <button name=\"decision\" value=\"allow\">Allow</button>\
                 <button name=\"decision\" value=\"deny\">Deny</button></form>",
                html_escape(code)
            ),
        )
    }

    // ----- PAR (RFC 9126) -----

    fn par(&mut self, req: &Incoming) -> Reply {
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

fn login_page(pending: &str, client_id: &str, scope: &str, error: Option<&str>) -> Reply {
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

fn deliver(redirect_uri: &str, mode: ResponseMode, params: Vec<(String, String)>) -> Reply {
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
