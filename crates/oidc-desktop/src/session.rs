//! The result of a sign-in.

use oidc_core::{AccessToken, Clock as _, IdTokenString, RefreshToken};
use oidc_jose::{IdTokenClaims, StandardClaims, ValidatedClaims};
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
    pub(crate) claims: Option<ValidatedClaims>,
    pub(crate) user: Option<UserDetails>,
    pub(crate) scope: Option<String>,
    pub(crate) authorization_response: Vec<(String, String)>,
    /// When the current access token was obtained, Unix seconds.
    pub(crate) obtained_at: Option<i64>,
    /// Read back from a token store rather than obtained by this process.
    pub(crate) from_store: bool,
    /// Why the provider refused the refresh token (its answer), once it has.
    pub(crate) refresh_refused: Option<String>,
    /// The DPoP key the tokens are bound to (RFC 9449), when they are.
    pub(crate) dpop_key: Option<std::sync::Arc<oidc_jose::DpopKey>>,
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
            .field("obtained_at", &self.obtained_at)
            .field("from_store", &self.from_store)
            .field("refresh_refused", &self.refresh_refused)
            .field("dpop_jkt", &self.dpop_key.as_ref().map(|k| k.thumbprint()))
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    obtained_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_refused: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dpop_key: Option<StoredDpopKey>,
}

/// A DPoP key as stored with its session: the algorithm and the PKCS#8 DER, base64url.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredDpopKey {
    pub(crate) alg: String,
    pub(crate) pkcs8: String,
}

impl StoredDpopKey {
    pub(crate) fn of(key: &oidc_jose::DpopKey) -> Self {
        use base64::Engine as _;
        Self {
            alg: key.algorithm().as_str().to_owned(),
            pkcs8: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_pkcs8()),
        }
    }

    pub(crate) fn key(&self) -> Result<oidc_jose::DpopKey, crate::Error> {
        use base64::Engine as _;
        let damaged = |reason: &str| {
            crate::Error::Store(oidc_store::Error::Damaged {
                key: "dpop_key".to_owned(),
                reason: reason.to_owned(),
            })
        };
        let alg =
            oidc_jose::Algorithm::parse(&self.alg).ok_or_else(|| damaged("unknown algorithm"))?;
        let der = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.pkcs8)
            .map_err(|_| damaged("not base64url"))?;
        oidc_jose::DpopKey::from_pkcs8(alg, &der).map_err(|_| damaged("not a key of its algorithm"))
    }
}

impl Session {
    /// An empty session of `issuer` and `client_id`, filled by a grant.
    pub(crate) fn new(issuer: &str, client_id: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            access_token: None,
            token_type: None,
            expires_at: None,
            refresh_token: None,
            id_token: None,
            claims: None,
            user: None,
            scope: None,
            authorization_response: Vec::new(),
            obtained_at: None,
            from_store: false,
            refresh_refused: None,
            dpop_key: None,
        }
    }

    /// Moves a token endpoint answer into the session, the one place a grant's tokens land:
    /// access token, type, expiry, the time they were obtained; a refresh token and a scope
    /// when the answer has them (else the earlier ones stay, as RFC 6749 §6 lets a refresh
    /// answer leave them out); the ID token only with the claims it was validated into. A
    /// refusal recorded earlier no longer holds.
    pub(crate) fn apply(
        &mut self,
        tokens: oidc_token::TokenResponse,
        id_token: Option<(IdTokenString, ValidatedClaims)>,
        now: i64,
    ) {
        self.access_token = Some(tokens.access_token);
        self.token_type = Some(tokens.token_type.as_str().to_owned());
        self.expires_at = tokens.expires_at;
        self.obtained_at = Some(now);
        if let Some(rt) = tokens.refresh_token {
            self.refresh_token = Some(rt);
        }
        if let Some(scope) = tokens.scope {
            self.scope = Some(scope.to_string());
        }
        if let Some((raw, claims)) = id_token {
            self.id_token = Some(raw);
            self.claims = Some(claims);
            self.from_store = false;
        }
        self.refresh_refused = None;
    }

    /// The issuer that signed the user in.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The access token, whatever its expiry.
    pub fn access_token(&self) -> Option<&AccessToken> {
        self.access_token.as_ref()
    }

    /// `token_type` (normally `Bearer`).
    pub fn token_type(&self) -> Option<&str> {
        self.token_type.as_deref()
    }

    /// When the access token expires, Unix seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    /// Whether the access token is expired, or will be within `margin_secs`, at `now`.
    /// A token without a known expiry is taken as valid.
    pub fn expires_within(&self, now: i64, margin_secs: i64) -> bool {
        self.expires_at
            .is_some_and(|e| now.saturating_add(margin_secs) >= e)
    }

    /// When the access token was obtained, Unix seconds (with [`Self::expires_at`], its
    /// lifetime).
    pub fn obtained_at(&self) -> Option<i64> {
        self.obtained_at
    }

    /// True when this session was read back from a [`crate::TokenStore`]: its claims were
    /// validated when the tokens were obtained and are not validated again (the store is
    /// private to the user; see docs/SECURITY.md).
    pub fn is_from_store(&self) -> bool {
        self.from_store
    }

    /// Why the provider refused the refresh token, once it has: the session then needs a
    /// new sign-in, and the dead token is no longer kept.
    pub fn refresh_refused(&self) -> Option<&str> {
        self.refresh_refused.as_deref()
    }

    /// How long before expiry a token counts as used up: `configured`, but never more than a
    /// quarter of the token's lifetime, so a provider issuing 30-second tokens does not see a
    /// refresh for every use.
    pub(crate) fn reuse_margin(&self, configured: i64) -> i64 {
        match (self.obtained_at, self.expires_at) {
            (Some(o), Some(e)) if e > o => configured.min((e - o) / 4),
            _ => configured,
        }
    }

    /// The thumbprint (`jkt`) of the DPoP key the tokens are bound to, when they are
    /// (RFC 9449).
    pub fn dpop_thumbprint(&self) -> Option<&str> {
        self.dpop_key.as_deref().map(oidc_jose::DpopKey::thumbprint)
    }

    /// The headers for a request to the application's own API with this session's
    /// DPoP-bound access token: `Authorization: DPoP <token>` and a fresh `DPoP` proof for
    /// `method` and `url` (with `ath`, and the resource server's `nonce` when it demanded one;
    /// see [`crate::dpop_nonce_challenge`]).
    pub fn dpop_headers(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
    ) -> Result<crate::DpopHeaders, crate::Error> {
        let key = self.dpop_key.as_deref().ok_or(crate::Error::Config(
            "the session's tokens are not DPoP-bound",
        ))?;
        let at = self
            .access_token
            .as_ref()
            .ok_or(crate::Error::Config("the session has no access token"))?;
        let now = oidc_core::SystemClock.now_unix();
        let proof = key.proof(method, url, now, nonce, Some(at.secret()))?;
        Ok(crate::DpopHeaders {
            authorization: format!("DPoP {}", at.secret()),
            dpop: proof,
        })
    }

    /// The refresh token, if the provider issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The raw ID token.
    pub fn id_token(&self) -> Option<&IdTokenString> {
        self.id_token.as_ref()
    }

    /// The validated ID token's claims (`iss`, `sub`, `aud`, `exp`, `iat` as plain values;
    /// every other claim through [`IdTokenClaims`]).
    pub fn claims(&self) -> Option<&ValidatedClaims> {
        self.claims.as_ref()
    }

    /// The UserInfo response, when it was requested.
    pub fn userinfo(&self) -> Option<&UserDetails> {
        self.user.as_ref()
    }

    /// The user's details: UserInfo first, then the ID token's
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
                out.sub = Some(c.subject().to_owned());
            }
        }
        out
    }

    /// The granted scope.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// The raw parameters of the authorization response.
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
            userinfo: self.user.as_ref().map(|u| u.json().clone()),
            scope: self.scope.clone(),
            obtained_at: self.obtained_at,
            refresh_refused: self.refresh_refused.clone(),
            dpop_key: self.dpop_key.as_deref().map(StoredDpopKey::of),
        };
        // Every member is a string, a number or JSON already: serialization cannot fail.
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Restores a stored session. The claims were validated when the session was made;
    /// they are read back, not validated again, and [`Self::is_from_store`] says so.
    pub fn from_json(json: &str) -> Result<Self, crate::Error> {
        let s: Stored = serde_json::from_str(json).map_err(crate::Error::StoredSession)?;
        let claims = match s.id_token_claims {
            // Validated when the session was made; a record without a required member is
            // damaged, not a user without a subject.
            Some(v) => Some(ValidatedClaims::restore(IdTokenClaims::from_json(
                v.to_string().into_bytes(),
            )?)?),
            None => None,
        };
        let user = match s.userinfo {
            Some(v) => Some(UserDetails::from_json(v.to_string().as_bytes())?),
            None => None,
        };
        let dpop_key = match &s.dpop_key {
            Some(k) => Some(std::sync::Arc::new(k.key()?)),
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
            obtained_at: s.obtained_at,
            from_store: true,
            refresh_refused: s.refresh_refused,
            dpop_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_reads_back() {
        let json = serde_json::json!({
            "issuer": "https://op.example", "client_id": "app-1",
            "access_token": "at", "token_type": "Bearer", "expires_at": 2000,
            "refresh_token": "rt", "id_token": "h.p.s", "scope": "openid email",
            "obtained_at": 1000, "refresh_refused": "invalid_grant",
            "id_token_claims": {"iss": "https://op.example", "sub": "u1", "aud": "app-1",
                "exp": 3000, "iat": 1000, "name": "Jane", "email": "old@x"},
            "userinfo": {"sub": "u1", "email": "jane@x"},
        });
        let mut s = Session::from_json(&json.to_string()).unwrap();
        assert_eq!((s.issuer(), s.client_id()), ("https://op.example", "app-1"));
        assert_eq!(s.access_token().map(AccessToken::secret), Some("at"));
        assert_eq!(s.token_type(), Some("Bearer"));
        assert_eq!((s.obtained_at(), s.expires_at()), (Some(1000), Some(2000)));
        assert_eq!(s.refresh_token().map(RefreshToken::secret), Some("rt"));
        assert_eq!(s.id_token().map(IdTokenString::secret), Some("h.p.s"));
        assert_eq!(s.scope(), Some("openid email"));
        assert_eq!(s.refresh_refused(), Some("invalid_grant"));
        assert!(s.is_from_store());
        assert_eq!(s.claims().map(ValidatedClaims::subject), Some("u1"));
        assert_eq!(s.userinfo().and_then(|u| u.sub()), Some("u1"));
        assert_eq!(s.dpop_thumbprint(), None);
        // UserInfo first, the ID token's claims for the rest.
        let user = s.user();
        assert_eq!(user.email.as_deref(), Some("jane@x"));
        assert_eq!(user.name.as_deref(), Some("Jane"));
        assert_eq!(user.sub.as_deref(), Some("u1"));
        s.user = None;
        assert_eq!(s.user().sub.as_deref(), Some("u1"), "sub from the ID token");
        assert!(s.authorization_response().is_empty(), "not stored");
        s.authorization_response = vec![("code".into(), "c".into()), ("state".into(), "st".into())];
        assert_eq!(s.authorization_response().len(), 2);
        assert_eq!(s.get_query_param("state"), Some("st"));
        assert_eq!(s.get_query_param("nope"), None);
    }

    #[test]
    fn debug_names_the_session_and_hides_its_secrets() {
        let mut s = Session::new("https://op.example", "app-1");
        s.access_token = Some(AccessToken::new("at-secret-value".to_owned()));
        s.refresh_token = Some(RefreshToken::new("rt-secret-value".to_owned()));
        s.expires_at = Some(1_700_000_000);
        assert!(!s.is_from_store(), "made here, not read back");
        let shown = format!("{s:?}");
        assert!(shown.starts_with("Session {"), "{shown}");
        for visible in ["https://op.example", "app-1", "1700000000"] {
            assert!(shown.contains(visible), "{visible} missing: {shown}");
        }
        assert!(!shown.contains("secret-value"), "{shown}");
    }

    proptest::proptest! {
        /// The reuse margin never exceeds the configured one nor a quarter of the token's
        /// lifetime, so a token is always used for three quarters of its life; and a token
        /// reused under that margin still has that margin left.
        #[test]
        fn the_reuse_margin_scales_with_the_lifetime(
            obtained in 0i64..2_000_000_000,
            lifetime in 1i64..200_000,
            configured in 0i64..10_000,
            elapsed in 0i64..200_000,
        ) {
            let mut s = Session::new("https://op", "app");
            s.obtained_at = Some(obtained);
            s.expires_at = Some(obtained + lifetime);
            let m = s.reuse_margin(configured);
            proptest::prop_assert!(m >= 0 && m <= configured && m <= lifetime / 4);
            let now = obtained + elapsed;
            if !s.expires_within(now, m) {
                proptest::prop_assert!(now + m < obtained + lifetime);
            }
            if elapsed * 4 < lifetime * 3 {
                proptest::prop_assert!(!s.expires_within(now, m), "used for 3/4 of its life");
            }
        }

        /// Stored sessions round-trip through JSON, marked as from the store.
        #[test]
        fn stored_sessions_round_trip(
            at in "[A-Za-z0-9._~-]{1,40}",
            rt in proptest::option::of("[A-Za-z0-9._~-]{1,40}"),
            exp in proptest::option::of(0i64..4_000_000_000),
            refused in proptest::option::of("[ -~]{0,40}"),
        ) {
            let mut s = Session::new("https://op", "app");
            s.access_token = Some(AccessToken::new(at.clone()));
            s.refresh_token = rt.clone().map(RefreshToken::new);
            s.expires_at = exp;
            s.obtained_at = Some(1);
            s.refresh_refused = refused.clone();
            let back = Session::from_json(&s.to_json()).unwrap();
            proptest::prop_assert!(back.is_from_store());
            proptest::prop_assert_eq!(back.access_token().map(|t| t.secret().to_owned()), Some(at));
            proptest::prop_assert_eq!(back.refresh_token().map(|t| t.secret().to_owned()), rt);
            proptest::prop_assert_eq!(back.expires_at(), exp);
            proptest::prop_assert_eq!(back.refresh_refused().map(str::to_owned), refused);
        }
    }

    #[test]
    fn stored_claims_without_a_required_member_are_damaged_not_read() {
        let claims = r#"{"iss":"https://op","sub":"u","aud":"app","exp":20,"iat":10}"#;
        let stored = |c: &str| {
            format!(
                r#"{{"issuer":"https://op","client_id":"app","access_token":"t","id_token_claims":{c}}}"#
            )
        };
        let s = Session::from_json(&stored(claims)).unwrap();
        let c = s.claims().unwrap();
        assert_eq!((c.subject(), c.expires_at()), ("u", 20));
        for member in ["iss", "sub", "aud", "exp", "iat"] {
            let mut v: Value = serde_json::from_str(claims).unwrap();
            v.as_object_mut().unwrap().remove(member);
            match Session::from_json(&stored(&v.to_string())) {
                Err(crate::Error::IdToken(oidc_jose::Error::MissingClaim(m))) => {
                    assert_eq!(m, member);
                }
                other => panic!("without {member}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_dpop_key_round_trips_with_its_session() {
        let mut s = Session::new("https://op", "app");
        s.dpop_key = Some(std::sync::Arc::new(oidc_jose::DpopKey::generate().unwrap()));
        let jkt = s.dpop_thumbprint().unwrap().to_owned();
        let json = s.to_json();
        let back = Session::from_json(&json).unwrap();
        assert_eq!(back.dpop_thumbprint(), Some(jkt.as_str()));
        assert!(!format!("{back:?}").contains(&json[json.find("pkcs8").unwrap()..][10..30]));
        // A damaged key is a clear error, never a session without its key.
        let broken = json.replace("\"pkcs8\":\"", "\"pkcs8\":\"!");
        assert!(Session::from_json(&broken).is_err());
    }

    /// Stored sessions found by fuzzing (`tests/regressions/session/`): each reads, and
    /// writes itself back to text that reads back to the same session. (`float-round-trip`
    /// got the `aud` and `exp` a validated token always has once stored claims had to hold
    /// them; its out-of-range floats, the finding, are unchanged.)
    #[test]
    fn regression_sessions_survive_a_round_trip() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/session");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).expect("the regression directory") {
            let path = entry.expect("an entry").path();
            let text = std::fs::read_to_string(&path).expect("a UTF-8 file");
            let session = Session::from_json(&text).expect("the stored session reads");
            let written = session.to_json();
            let again = Session::from_json(&written).expect("its own JSON reads back");
            assert_eq!(again.to_json(), written, "{} changed", path.display());
            n += 1;
        }
        assert!(n >= 1, "expected the regression files in {}", dir.display());
    }
}
