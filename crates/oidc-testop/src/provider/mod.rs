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
pub(crate) use wire::{Incoming, Reply};

mod authorization;
mod client_auth;
mod device;
mod discovery;
mod dpop;
mod end_session;
mod par;
mod revocation;
mod signing;
mod token;
mod userinfo;
mod wire;

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
    /// `dpop_jkt` of the authorization request (RFC 9449 §10).
    dpop_jkt: Option<String>,
}

struct AccessGrant {
    /// The thumbprint of the DPoP key the token is bound to (`cnf.jkt`).
    jkt: Option<String>,
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
    /// The DPoP key a public client's refresh token is bound to (RFC 9449 §5).
    jkt: Option<String>,
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
    /// DPoP proofs seen (jti → iat), to refuse replays.
    dpop_jtis: HashMap<String, i64>,
    /// The nonce DPoP proofs must carry (`OpConfig::dpop_nonce`).
    dpop_nonce: Option<String>,
    /// Set for the duration of one token response: the DPoP key its tokens are bound to.
    issuing_jkt: Option<String>,
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
            dpop_jtis: HashMap::new(),
            dpop_nonce: config.dpop_nonce.then(|| random_token(24)),
            issuing_jkt: None,
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
}
