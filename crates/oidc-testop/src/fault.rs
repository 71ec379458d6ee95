//! Typed fault injection: every provider misbehaviour of the conformance catalogue.

use std::time::Duration;

/// One of the provider's endpoints (used by the request log and by transport faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `/.well-known/openid-configuration`.
    Discovery,
    /// The JWKS (`jwks_uri`).
    Jwks,
    /// `/authorize`.
    Authorization,
    /// `/login`: the login page's form target.
    Login,
    /// `/token`.
    Token,
    /// `/userinfo`.
    UserInfo,
    /// `/revoke` (RFC 7009).
    Revocation,
    /// `/introspect` (RFC 7662).
    Introspection,
    /// `/logout` (RP-initiated logout, `end_session_endpoint`).
    EndSession,
    /// `/device_authorization` (RFC 8628).
    DeviceAuthorization,
    /// `/device`: the device flow's verification page.
    DeviceVerification,
    /// `/par` (RFC 9126).
    PushedAuthorization,
    /// The OAuth 2.0 authorization server metadata (RFC 8414), at
    /// `/.well-known/oauth-authorization-server` followed by the issuer's path.
    OAuthMetadata,
    /// Any other path (answered 404).
    Unknown,
}

impl Endpoint {
    /// The path below the issuer (`None` for the JWKS, whose path is configurable, for the
    /// RFC 8414 metadata, whose well-known segment goes before the issuer's path, and for
    /// [`Endpoint::Unknown`]).
    pub fn path(self) -> Option<&'static str> {
        Some(match self {
            Endpoint::Discovery => "/.well-known/openid-configuration",
            Endpoint::Authorization => "/authorize",
            Endpoint::Login => "/login",
            Endpoint::Token => "/token",
            Endpoint::UserInfo => "/userinfo",
            Endpoint::Revocation => "/revoke",
            Endpoint::Introspection => "/introspect",
            Endpoint::EndSession => "/logout",
            Endpoint::DeviceAuthorization => "/device_authorization",
            Endpoint::DeviceVerification => "/device",
            Endpoint::PushedAuthorization => "/par",
            Endpoint::Jwks | Endpoint::OAuthMetadata | Endpoint::Unknown => return None,
        })
    }

    /// Every endpoint with a fixed path.
    pub(crate) const FIXED: [Endpoint; 11] = [
        Endpoint::Discovery,
        Endpoint::Authorization,
        Endpoint::Login,
        Endpoint::Token,
        Endpoint::UserInfo,
        Endpoint::Revocation,
        Endpoint::Introspection,
        Endpoint::EndSession,
        Endpoint::DeviceAuthorization,
        Endpoint::DeviceVerification,
        Endpoint::PushedAuthorization,
    ];
}

/// A provider misbehaviour. Set faults in [`crate::OpConfig::faults`] or at run time with
/// [`crate::OpHandle::set_faults`] / [`crate::OpHandle::add_fault`]; several may be active
/// at once.
///
/// ID-token faults apply to every ID token the provider issues (authorization and token
/// endpoints) unless the variant says otherwise; the catalogue case each one serves
/// is named.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `iss` set to `https://attacker.example` (catalogue: `invalid-iss`).
    IdTokenIssAltered,
    /// `aud` set to another client (catalogue: `invalid-aud`).
    IdTokenAudAltered,
    /// No `aud` (catalogue: `missing-aud`).
    IdTokenAudRemoved,
    /// `azp` names another client while `aud` is right (OpenID Connect Core §3.1.3.7
    /// step 5; our extra case `invalid-azp`).
    IdTokenAzpAltered,
    /// No `sub` (catalogue: `missing-sub`).
    IdTokenSubRemoved,
    /// No `iat` (catalogue: `missing-iat`).
    IdTokenIatRemoved,
    /// The token endpoint answers the code (and device) grant without the `id_token` it
    /// should carry; refresh answers keep theirs.
    IdTokenOmittedFromTokenResponse,
    /// `iat` one hour in the future (catalogue: `issued-in-future`).
    IdTokenIatInFuture,
    /// `exp` one hour in the past (and `iat` two hours) (catalogue: `expired`).
    IdTokenExpired,
    /// `nbf` one hour in the future (catalogue: `not-yet-valid`).
    IdTokenNotYetValid,
    /// `nonce` altered (catalogue: `nonce-invalid`).
    IdTokenNonceAltered,
    /// No `nonce` (catalogue: `nonce-unless-code-flow`).
    IdTokenNonceRemoved,
    /// `at_hash` of another value (catalogue: `invalid-athash`).
    IdTokenAtHashAltered,
    /// No `at_hash` (catalogue: `missing-athash`).
    IdTokenAtHashRemoved,
    /// `c_hash` of another value (catalogue: `invalid-chash`).
    IdTokenCHashAltered,
    /// No `c_hash` (catalogue: `missing-chash`).
    IdTokenCHashRemoved,
    /// Signature bytes corrupted [invalid-sig-*].
    IdTokenSignatureCorrupted,
    /// `alg: none` with an empty signature (catalogue: `idtoken-sig-none`).
    IdTokenAlgNone,
    /// No `kid` in the ID token header, and none in the published JWKS
    /// (catalogue: `kid-absent-single-jwks`).
    IdTokenKidAbsent,
    /// An HS256 token whose HMAC key is the PEM of the provider's RS256 public key
    /// (catalogue: `alg-confusion`).
    IdTokenAlgConfusion,
    /// Publish, before every real key, two other keys of the same type and `alg`, so a
    /// token without `kid` has several candidates (catalogue: `kid-absent-multiple-jwks`).
    DecoyKeys,
    /// Rotate every signing key (new material, new `kid`) just before the first ID token of
    /// each login is signed (the front-channel one in hybrid flows; the token endpoint's
    /// otherwise, and at every refresh); the old keys leave the JWKS (catalogue:
    /// `signing-key-rotation-just-before-signing`).
    /// For rotation between logins call [`crate::OpHandle::rotate_keys`].
    RotateKeysBeforeSigning,
    /// ID tokens from the refresh grant carry another `iss` (catalogue: `refresh-token-invalid-issuer`).
    RefreshIssAltered,
    /// ID tokens from the refresh grant carry another `sub` (catalogue: `refresh-token-invalid-sub`).
    RefreshSubAltered,
    /// ID tokens from the refresh grant carry the time of this refresh as `auth_time`, as some
    /// providers do (OpenID Connect Core §12.2 says it must stay the original sign-in's).
    RefreshAuthTimeMoved,
    /// A token request with a valid DPoP proof is answered with unbound `Bearer` tokens
    /// (catalogue: `dpop-bearer-downgrade`).
    DpopBearerDowngrade,
    /// The discovery document's `issuer` differs from the URL it was fetched from
    /// (catalogue: `discovery-issuer-mismatch`).
    DiscoveryIssuerMismatch,
    /// The revocation, introspection and device authorization endpoints are published only
    /// in the RFC 8414 metadata, not in the OpenID discovery document (as django-oauth-toolkit
    /// does).
    EndpointsOnlyInOAuthMetadata,
    /// UserInfo answers with another `sub` (catalogue: `userinfo-invalid-sub`).
    UserInfoSubMismatch,
    /// UserInfo answers with an RS256-signed JWT whatever the client registered
    /// (catalogue: `userinfo-signed`).
    SignedUserInfo,
    /// The authorization response carries another `state` (catalogue: `state-mismatch`).
    WrongState,
    /// The authorization response is delivered in this response mode whatever the request
    /// asked for (e.g. tokens in the query although `form_post` was requested).
    ResponseModeIgnored(oidc_core::ResponseMode),
    /// The authorization response's RFC 9207 `iss` is `https://attacker.example`
    /// (catalogue: `iss-param-mismatch`).
    IssParameterWrong,
    /// The authorization response has no `iss` although discovery advertises it
    /// (catalogue: `iss-param-missing`, `iss-param-absent-with-id-token`).
    IssParameterMissing,
    /// The authorization endpoint answers `error=access_denied` with this description and
    /// URI (catalogue: `access-denied`, `form-post-error`).
    AccessDenied {
        /// `error_description`.
        description: String,
        /// `error_uri`.
        uri: String,
    },
    /// Every token request fails with HTTP 400 and this OAuth error (catalogue: `token-endpoint-error`).
    TokenError {
        /// `error`, e.g. `invalid_grant`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// The endpoint refuses with this OAuth 2.0 error instead of doing its work: a JSON error
    /// body (RFC 6749 §5.2) from the back-channel endpoints, with `WWW-Authenticate: Bearer`
    /// (RFC 6750 §3) from UserInfo when `status` is 401 or 403, and a redirect carrying the
    /// error to `post_logout_redirect_uri` from the end-session endpoint. On the token
    /// endpoint `grant_type` restricts it to one grant (`refresh_token`,
    /// `urn:ietf:params:oauth:grant-type:device_code`, …).
    EndpointError {
        /// The endpoint that refuses.
        endpoint: Endpoint,
        /// Only requests of this grant type (token endpoint); `None`: every request.
        grant_type: Option<String>,
        /// The HTTP status (ignored for the end-session redirect).
        status: u16,
        /// `error`.
        error: String,
        /// `error_description`.
        description: Option<String>,
        /// `error_uri`.
        uri: Option<String>,
    },
    /// The endpoint answers after this delay.
    Slow {
        /// The endpoint.
        endpoint: Endpoint,
        /// The delay.
        delay: Duration,
    },
    /// The endpoint's body is padded with trailing spaces (still valid JSON) to at least
    /// this many bytes.
    Oversized {
        /// The endpoint.
        endpoint: Endpoint,
        /// The minimum body size.
        bytes: usize,
    },
    /// The endpoint's handler panics. Exists to prove that a handler panic fails the test
    /// that caused it ([`crate::TestOp`]'s `Drop`, [`crate::OpHandle::assert_healthy`]).
    HandlerPanic(Endpoint),
}

impl Fault {
    /// `access_denied` with a fixed description and URI.
    pub fn access_denied() -> Self {
        Fault::AccessDenied {
            description: "The user declined the request".into(),
            uri: "https://op.example/errors/access_denied".into(),
        }
    }

    /// `endpoint` refuses every request with HTTP 400 and `error`, a description naming the
    /// fault and an `error_uri` derived from `error` (see [`Fault::EndpointError`]).
    pub fn endpoint_error(endpoint: Endpoint, error: &str) -> Self {
        Self::oauth_error(endpoint, None, error)
    }

    /// The token endpoint refuses requests of one grant type with HTTP 400 and `error`
    /// (description and URI as in [`Fault::endpoint_error`]).
    pub fn grant_error(grant_type: &str, error: &str) -> Self {
        Self::oauth_error(Endpoint::Token, Some(grant_type), error)
    }

    fn oauth_error(endpoint: Endpoint, grant_type: Option<&str>, error: &str) -> Self {
        Fault::EndpointError {
            endpoint,
            grant_type: grant_type.map(str::to_owned),
            status: 400,
            error: error.to_owned(),
            description: Some(format!("{error} (injected fault)")),
            uri: Some(format!("https://op.example/errors/{error}")),
        }
    }

    /// `invalid_grant` from the token endpoint.
    pub fn invalid_grant() -> Self {
        Fault::TokenError {
            error: "invalid_grant".into(),
            description: "The grant is invalid (injected fault)".into(),
        }
    }
}
