//! What the provider serves: clients, users, login mode, paths and lifetimes.

use std::sync::Arc;
use std::time::Duration;

use oidc_core::{Clock, SystemClock};
use oidc_jose::Algorithm;
use serde_json::{Map, Value, json};

use crate::Fault;

/// How a client authenticates at the token, PAR, device, revocation and introspection
/// endpoints (`token_endpoint_auth_method`). The provider accepts only the registered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `none`: a public client, identified by `client_id` alone.
    None,
    /// `client_secret_basic`: HTTP Basic with the form-urlencoded id and secret.
    ClientSecretBasic,
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// `client_secret_jwt`: an HS256 assertion keyed with the client secret (RFC 7523).
    ClientSecretJwt,
    /// `private_key_jwt`: an assertion signed with a key of the client's registered JWKS.
    PrivateKeyJwt,
}

impl ClientAuth {
    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::ClientSecretBasic => "client_secret_basic",
            ClientAuth::ClientSecretPost => "client_secret_post",
            ClientAuth::ClientSecretJwt => "client_secret_jwt",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Every method, in discovery order.
    pub const ALL: [ClientAuth; 5] = [
        ClientAuth::None,
        ClientAuth::ClientSecretBasic,
        ClientAuth::ClientSecretPost,
        ClientAuth::ClientSecretJwt,
        ClientAuth::PrivateKeyJwt,
    ];
}

/// A registered client.
///
/// Loopback redirect URIs (`http://127.0.0.1/...`, `http://[::1]/...`, `http://localhost/...`)
/// match any port, as RFC 8252 §7.3 requires; scheme, host, path and query must match exactly.
/// Other redirect URIs must match exactly.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Client {
    /// `client_id`.
    pub client_id: String,
    /// The client secret (for `client_secret_*` and HS256 ID tokens).
    pub client_secret: Option<String>,
    /// The one authentication method accepted.
    pub auth: ClientAuth,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Registered `post_logout_redirect_uri`s (exact match).
    pub post_logout_redirect_uris: Vec<String>,
    /// `id_token_signed_response_alg`: RS256 (default), PS256, ES256, EdDSA or HS256.
    pub id_token_signed_response_alg: Algorithm,
    /// `userinfo_signed_response_alg`: when set, UserInfo answers with a signed JWT.
    pub userinfo_signed_response_alg: Option<Algorithm>,
    /// The client's public keys (a JWKS JSON document) for `private_key_jwt`.
    pub jwks: Option<String>,
    /// `dpop_bound_access_tokens` (RFC 9449 §5.2): every token request must carry a DPoP
    /// proof.
    pub dpop_bound_access_tokens: bool,
}

impl Client {
    /// A public client (`none`) with one redirect URI.
    pub fn public(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            auth: ClientAuth::None,
            redirect_uris: vec![redirect_uri.into()],
            post_logout_redirect_uris: Vec::new(),
            id_token_signed_response_alg: Algorithm::RS256,
            userinfo_signed_response_alg: None,
            jwks: None,
            dpop_bound_access_tokens: false,
        }
    }

    /// A confidential client with a secret and an authentication method.
    pub fn confidential(
        client_id: impl Into<String>,
        secret: impl Into<String>,
        auth: ClientAuth,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            client_secret: Some(secret.into()),
            auth,
            ..Self::public(client_id, redirect_uri)
        }
    }

    /// A `private_key_jwt` client whose assertions verify with `jwks_json`.
    pub fn private_key_jwt(
        client_id: impl Into<String>,
        jwks_json: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            auth: ClientAuth::PrivateKeyJwt,
            jwks: Some(jwks_json.into()),
            ..Self::public(client_id, redirect_uri)
        }
    }

    /// Adds a redirect URI.
    #[must_use]
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Adds a `post_logout_redirect_uri`.
    #[must_use]
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.post_logout_redirect_uris.push(uri.into());
        self
    }

    /// Sets `id_token_signed_response_alg`.
    #[must_use]
    pub fn id_token_alg(mut self, alg: Algorithm) -> Self {
        self.id_token_signed_response_alg = alg;
        self
    }

    /// Registers `dpop_bound_access_tokens`: token requests without a DPoP proof are refused.
    #[must_use]
    pub fn dpop_bound(mut self) -> Self {
        self.dpop_bound_access_tokens = true;
        self
    }

    /// Sets `userinfo_signed_response_alg` (UserInfo then answers with a signed JWT).
    #[must_use]
    pub fn userinfo_alg(mut self, alg: Algorithm) -> Self {
        self.userinfo_signed_response_alg = Some(alg);
        self
    }
}

/// An end user the provider signs in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct User {
    /// The `sub` claim.
    pub sub: String,
    /// The login name typed on the login page (and accepted by the device page).
    pub username: String,
    /// The password the login page wants; `None` accepts any.
    pub password: Option<String>,
    /// Further claims (`name`, `email`, `address`, ...), released by scope.
    pub claims: Map<String, Value>,
}

impl User {
    /// A user with only `sub` and a login name.
    pub fn new(sub: impl Into<String>, username: impl Into<String>) -> Self {
        Self {
            sub: sub.into(),
            username: username.into(),
            password: None,
            claims: Map::new(),
        }
    }

    /// Jane Doe, with every standard claim of the profile, email, address and phone scopes.
    pub fn jane() -> Self {
        let claims = json!({
            "name": "Jane Doe",
            "given_name": "Jane",
            "family_name": "Doe",
            "preferred_username": "jane",
            "locale": "en-GB",
            "updated_at": 1_700_000_000,
            "email": "jane@example.com",
            "email_verified": true,
            "phone_number": "+1 555 0100",
            "phone_number_verified": false,
            "address": {
                "street_address": "1 Main Street",
                "locality": "Springfield",
                "postal_code": "12345",
                "country": "US"
            }
        });
        Self {
            claims: match claims {
                Value::Object(m) => m,
                _ => Map::new(),
            },
            ..Self::new("248289761001", "jane")
        }
    }

    /// Sets a claim.
    #[must_use]
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.claims.insert(name.into(), value.into());
        self
    }

    /// Sets the password the login page asks for.
    #[must_use]
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }
}

/// How the authorization endpoint decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginMode {
    /// Approve at once, as the first configured user (tests and scripted agents).
    #[default]
    AutoApprove,
    /// A minimal HTML login and consent page (the demo): user name, password, Allow / Deny.
    LoginPage,
}

/// Where the JWKS is served.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum JwksPath {
    /// `<issuer>/jwks`.
    #[default]
    Default,
    /// A fixed path below the issuer, e.g. `/keys/v2`.
    Fixed(String),
    /// A random path below the issuer, so only a relying party that reads `jwks_uri` from
    /// discovery finds it (catalogue `discovery-jwks-uri-keys`).
    Random,
}

/// The provider's configuration. [`OpConfig::default`] registers the public client
/// `test-client` with redirect URI `http://127.0.0.1/callback` (any port) and the user
/// [`User::jane`].
#[derive(Clone)]
#[non_exhaustive]
pub struct OpConfig {
    /// The port to bind on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// A path after `http://127.0.0.1:<port>` in the issuer, e.g. `/tenant-a` (no trailing `/`).
    pub issuer_path: String,
    /// Registered clients.
    pub clients: Vec<Client>,
    /// Users; the first is the one [`LoginMode::AutoApprove`] signs in.
    pub users: Vec<User>,
    /// How the authorization endpoint decides.
    pub login: LoginMode,
    /// Where the JWKS is served.
    pub jwks_path: JwksPath,
    /// Refuse authorization requests for a code without an S256 `code_challenge` (default true).
    pub require_pkce: bool,
    /// Advertise `authorization_response_iss_parameter_supported` and send `iss` in every
    /// authorization response (RFC 9207; default true).
    pub iss_parameter: bool,
    /// Issue a refresh token with every code exchange (default true; otherwise only for
    /// the `offline_access` scope).
    pub always_issue_refresh_token: bool,
    /// Access token lifetime (default one hour).
    pub access_token_lifetime: Duration,
    /// ID token lifetime (default ten minutes).
    pub id_token_lifetime: Duration,
    /// Authorization code lifetime (default one minute).
    pub code_lifetime: Duration,
    /// Device code lifetime (default ten minutes).
    pub device_code_lifetime: Duration,
    /// Behave as Microsoft Entra's multi-tenant endpoint for this tenant id: discovery at
    /// `…/common/v2.0` names the issuer `…/{tenantid}/v2.0`, ID tokens carry `tid` and the
    /// tenant's issuer `…/<tid>/v2.0`, and no RFC 9207 `iss` parameter is sent (see
    /// [`Self::microsoft_tenant`]).
    pub microsoft_tenant: Option<String>,
    /// DPoP (RFC 9449): require the server's nonce in every proof (`use_dpop_nonce`).
    pub dpop_nonce: bool,
    /// Faults active from the start (change them at run time through the handle).
    pub faults: Vec<Fault>,
    /// The provider's clock (system time by default).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpConfig")
            .field("port", &self.port)
            .field("issuer_path", &self.issuer_path)
            .field("clients", &self.clients)
            .field("users", &self.users)
            .field("login", &self.login)
            .field("jwks_path", &self.jwks_path)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl Default for OpConfig {
    fn default() -> Self {
        Self {
            port: 0,
            issuer_path: String::new(),
            clients: vec![Client::public("test-client", "http://127.0.0.1/callback")],
            users: vec![User::jane()],
            login: LoginMode::AutoApprove,
            jwks_path: JwksPath::Default,
            require_pkce: true,
            iss_parameter: true,
            always_issue_refresh_token: true,
            access_token_lifetime: Duration::from_secs(3600),
            id_token_lifetime: Duration::from_secs(600),
            code_lifetime: Duration::from_secs(60),
            device_code_lifetime: Duration::from_secs(600),
            microsoft_tenant: None,
            dpop_nonce: false,
            faults: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }
}

impl OpConfig {
    /// The default configuration without any client (add your own with [`Self::client`]).
    pub fn without_clients() -> Self {
        Self {
            clients: Vec::new(),
            ..Self::default()
        }
    }

    /// Registers a client.
    #[must_use]
    pub fn client(mut self, client: Client) -> Self {
        self.clients.push(client);
        self
    }

    /// Adds a user.
    #[must_use]
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// Sets the port.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the issuer path.
    #[must_use]
    pub fn issuer_path(mut self, path: impl Into<String>) -> Self {
        self.issuer_path = path.into();
        self
    }

    /// Microsoft Entra's multi-tenant shape for tenant `tid` (issuer path `/common/v2.0`; see
    /// [`Self::microsoft_tenant`](field@Self::microsoft_tenant)).
    #[must_use]
    pub fn microsoft_tenant(mut self, tid: impl Into<String>) -> Self {
        self.microsoft_tenant = Some(tid.into());
        self.issuer_path = "/common/v2.0".into();
        self.iss_parameter = false;
        self
    }

    /// Sets the login mode.
    #[must_use]
    pub fn login(mut self, login: LoginMode) -> Self {
        self.login = login;
        self
    }

    /// Sets the JWKS path.
    #[must_use]
    pub fn jwks_path(mut self, path: JwksPath) -> Self {
        self.jwks_path = path;
        self
    }

    /// Adds a fault active from the start.
    #[must_use]
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Sets the clock.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
