//! The authorization request (OpenID Connect Core §3.1.2.1) and its URL.

use url::Url;

use crate::{
    ClientId, Error, GrantType, Nonce, PkceChallenge, PkceVerifier, RedirectUrl, ResponseMode,
    ResponseType, Scope, State,
};

/// A `prompt` value (OpenID Connect Core §3.1.2.1, Initiating User Registration §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Prompt {
    /// `none`: no UI; the provider answers `login_required` etc. if it would need one.
    None,
    /// `login`: re-authenticate.
    Login,
    /// `consent`: ask for consent again.
    Consent,
    /// `select_account`: let the user pick an account.
    SelectAccount,
    /// `create`: show the sign-up page.
    Create,
    /// Another value.
    Other(String),
}

impl Prompt {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Prompt::None => "none",
            Prompt::Login => "login",
            Prompt::Consent => "consent",
            Prompt::SelectAccount => "select_account",
            Prompt::Create => "create",
            Prompt::Other(s) => s,
        }
    }

    /// Parses one wire value.
    pub fn parse(value: &str) -> Self {
        match value {
            "none" => Prompt::None,
            "login" => Prompt::Login,
            "consent" => Prompt::Consent,
            "select_account" => Prompt::SelectAccount,
            "create" => Prompt::Create,
            other => Prompt::Other(other.to_owned()),
        }
    }

    /// Parses a space-separated list.
    pub fn parse_list(value: &str) -> Vec<Self> {
        value
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(Self::parse)
            .collect()
    }
}

/// A `display` value (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Display {
    /// `page`
    Page,
    /// `popup`
    Popup,
    /// `touch`
    Touch,
    /// `wap`
    Wap,
}

impl Display {
    /// The wire value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Display::Page => "page",
            Display::Popup => "popup",
            Display::Touch => "touch",
            Display::Wap => "wap",
        }
    }

    /// Parses a wire value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "page" => Some(Display::Page),
            "popup" => Some(Display::Popup),
            "touch" => Some(Display::Touch),
            "wap" => Some(Display::Wap),
            _ => None,
        }
    }
}

/// Parameters the client must own: derived from its registration or generated per request
/// to protect it. They can never come from outside (an extra parameter, a command line).
const CLIENT_OWNED: &[(&str, &str)] = &[
    ("client_id", "it is the client's registration"),
    (
        "redirect_uri",
        "it is the loopback listener of this sign-in",
    ),
    (
        "response_type",
        "it follows from the grant; choose the grant or response type instead",
    ),
    ("state", "it is generated per sign-in against CSRF"),
    (
        "nonce",
        "it is generated per sign-in against ID token replay",
    ),
    ("code_challenge", "PKCE is generated per sign-in"),
    ("code_challenge_method", "PKCE is generated per sign-in"),
    (
        "request",
        "request objects would bypass every check of the request",
    ),
    (
        "request_uri",
        "it comes from the provider's pushed authorization response",
    ),
    (
        "dpop_jkt",
        "it is the thumbprint of the client's DPoP key (RFC 9449 §10)",
    ),
];

/// Standard parameters with a typed setting of their own; as extra parameters they would be
/// sent twice.
const TYPED: &[&str] = &[
    "scope",
    "response_mode",
    "prompt",
    "display",
    "login_hint",
    "id_token_hint",
    "max_age",
    "ui_locales",
    "claims",
    "acr_values",
];

/// What an authorization request parameter given by name is to this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterRole {
    /// The client sets it itself and never takes it from outside; `why` says why.
    ClientOwned {
        /// Why (one clause, for error messages).
        why: &'static str,
    },
    /// A standard parameter with a typed setter of [`AuthorizationRequest`]
    /// (`prompt`, `login_hint`, `max_age`, …): route a value given by name to it.
    Typed,
    /// Any other parameter: sent as given through [`AuthorizationRequest::param`].
    Extra,
}

impl ParameterRole {
    /// The role of the parameter `name`.
    ///
    /// ```
    /// use oidc_core::ParameterRole;
    /// assert_eq!(ParameterRole::of("ui_locales"), ParameterRole::Typed);
    /// assert!(matches!(ParameterRole::of("state"), ParameterRole::ClientOwned { .. }));
    /// assert_eq!(ParameterRole::of("access_type"), ParameterRole::Extra);
    /// ```
    pub fn of(name: &str) -> Self {
        if let Some((_, why)) = CLIENT_OWNED.iter().find(|(n, _)| *n == name) {
            ParameterRole::ClientOwned { why }
        } else if TYPED.contains(&name) {
            ParameterRole::Typed
        } else {
            ParameterRole::Extra
        }
    }
}

/// Builds an authorization request.
///
/// The scope always contains `openid`; the response type defaults to the grant type's
/// default of the manual's table; implicit and hybrid response types require a nonce.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    endpoint: Url,
    client_id: ClientId,
    redirect_uri: RedirectUrl,
    scope: Scope,
    grant: GrantType,
    response_type: Option<ResponseType>,
    response_mode: Option<ResponseMode>,
    state: Option<String>,
    nonce: Option<String>,
    pkce: Option<PkceChallenge>,
    prompt: Vec<Prompt>,
    display: Option<Display>,
    login_hint: Option<String>,
    id_token_hint: Option<String>,
    max_age: Option<u64>,
    ui_locales: Option<String>,
    claims: Option<String>,
    acr_values: Option<String>,
    dpop_jkt: Option<String>,
    extra: Vec<(String, String)>,
}

impl AuthorizationRequest {
    /// A request to `endpoint` for `client_id`, returning to `redirect_uri`, with scope
    /// `openid` and the authorization code grant.
    pub fn new(endpoint: Url, client_id: ClientId, redirect_uri: RedirectUrl) -> Self {
        Self {
            endpoint,
            client_id,
            redirect_uri,
            scope: Scope::new("openid"),
            grant: GrantType::AuthorizationCode,
            response_type: None,
            response_mode: None,
            state: None,
            nonce: None,
            pkce: None,
            prompt: Vec::new(),
            display: None,
            login_hint: None,
            id_token_hint: None,
            max_age: None,
            ui_locales: None,
            claims: None,
            acr_values: None,
            dpop_jkt: None,
            extra: Vec::new(),
        }
    }

    /// The scope (space-separated); `openid` is added when absent.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<Scope>) -> Self {
        self.scope = scope.into();
        self
    }

    /// The grant type; its default response type applies unless [`Self::response_type`] is set.
    #[must_use]
    pub fn grant_type(mut self, grant: GrantType) -> Self {
        self.grant = grant;
        self
    }

    /// An explicit response type (must be allowed for the grant type).
    #[must_use]
    pub fn response_type(mut self, rt: ResponseType) -> Self {
        self.response_type = Some(rt);
        self
    }

    /// The response mode; omitted from the URL when not set (the response type's default).
    #[must_use]
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.response_mode = Some(mode);
        self
    }

    /// The `state` value.
    #[must_use]
    pub fn state(mut self, state: &State) -> Self {
        self.state = Some(state.secret().to_owned());
        self
    }

    /// The `nonce` value.
    #[must_use]
    pub fn nonce(mut self, nonce: &Nonce) -> Self {
        self.nonce = Some(nonce.secret().to_owned());
        self
    }

    /// PKCE S256 with this verifier.
    #[must_use]
    pub fn pkce(mut self, verifier: &PkceVerifier) -> Self {
        self.pkce = Some(verifier.challenge());
        self
    }

    /// `prompt` values.
    #[must_use]
    pub fn prompt(mut self, prompt: impl IntoIterator<Item = Prompt>) -> Self {
        self.prompt = prompt.into_iter().collect();
        self
    }

    /// `display`.
    #[must_use]
    pub fn display(mut self, display: Display) -> Self {
        self.display = Some(display);
        self
    }

    /// `login_hint`.
    #[must_use]
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// `id_token_hint`.
    #[must_use]
    pub fn id_token_hint(mut self, hint: impl Into<String>) -> Self {
        self.id_token_hint = Some(hint.into());
        self
    }

    /// `max_age` in seconds; the ID token must then carry `auth_time`.
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// `ui_locales` (space-separated BCP47 tags).
    #[must_use]
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.ui_locales = Some(locales.into());
        self
    }

    /// `claims` request parameter (a JSON object, OpenID Connect Core §5.5).
    #[must_use]
    pub fn claims(mut self, claims_json: impl Into<String>) -> Self {
        self.claims = Some(claims_json.into());
        self
    }

    /// `acr_values`: the requested Authentication Context Class References, space-separated
    /// in order of preference (OpenID Connect Core §3.1.2.1).
    #[must_use]
    pub fn acr_values(mut self, values: impl Into<String>) -> Self {
        self.acr_values = Some(values.into());
        self
    }

    /// `dpop_jkt` (RFC 9449 §10): the thumbprint of the DPoP key the code will be redeemed
    /// with, binding the authorization code to it.
    #[must_use]
    pub fn dpop_jkt(mut self, thumbprint: impl Into<String>) -> Self {
        self.dpop_jkt = Some(thumbprint.into());
        self
    }

    /// An extra parameter. A parameter with a typed setter, or one the client owns (see
    /// [`ParameterRole`]), is refused by [`Self::build_url`] and [`Self::to_pairs`].
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The effective response type.
    pub fn effective_response_type(&self) -> ResponseType {
        self.response_type
            .unwrap_or_else(|| self.grant.default_response_type())
    }

    /// The request's parameters in order, checked: response type allowed for the grant,
    /// nonce present for implicit/hybrid, `prompt=none` alone, no reserved extra names.
    /// These are the query of [`Self::build_url`] and the form body of a pushed
    /// authorization request (RFC 9126).
    pub fn to_pairs(&self) -> Result<Vec<(String, String)>, Error> {
        let rt = self.effective_response_type();
        self.grant.check_response_type(rt)?;
        if !rt.is_code_only() && self.nonce.is_none() {
            return Err(Error::NonceRequired {
                response_type: rt.to_string(),
            });
        }
        if self.prompt.len() > 1 && self.prompt.contains(&Prompt::None) {
            return Err(Error::PromptNoneCombined);
        }
        if let Some((name, _)) = self
            .extra
            .iter()
            .find(|(n, _)| ParameterRole::of(n) != ParameterRole::Extra)
        {
            return Err(Error::ReservedParameter { name: name.clone() });
        }
        let mut p: Vec<(String, String)> = Vec::with_capacity(16 + self.extra.len());
        let mut push = |k: &str, v: String| p.push((k.to_owned(), v));
        push("response_type", rt.to_string());
        push("client_id", self.client_id.as_str().to_owned());
        push("redirect_uri", self.redirect_uri.as_str().to_owned());
        push("scope", self.scope.clone().with_openid().to_string());
        if let Some(m) = self.response_mode {
            push("response_mode", m.as_str().to_owned());
        }
        if let Some(s) = &self.state {
            push("state", s.clone());
        }
        if let Some(n) = &self.nonce {
            push("nonce", n.clone());
        }
        if let Some(c) = &self.pkce {
            push("code_challenge", c.challenge.clone());
            push("code_challenge_method", c.method.as_str().to_owned());
        }
        if !self.prompt.is_empty() {
            let v: Vec<&str> = self.prompt.iter().map(Prompt::as_str).collect();
            push("prompt", v.join(" "));
        }
        if let Some(d) = &self.display {
            push("display", d.as_str().to_owned());
        }
        if let Some(h) = &self.login_hint {
            push("login_hint", h.clone());
        }
        if let Some(h) = &self.id_token_hint {
            push("id_token_hint", h.clone());
        }
        if let Some(m) = self.max_age {
            push("max_age", m.to_string());
        }
        if let Some(l) = &self.ui_locales {
            push("ui_locales", l.clone());
        }
        if let Some(c) = &self.claims {
            push("claims", c.clone());
        }
        if let Some(a) = &self.acr_values {
            push("acr_values", a.clone());
        }
        if let Some(j) = &self.dpop_jkt {
            push("dpop_jkt", j.clone());
        }
        for (k, v) in &self.extra {
            push(k, v.clone());
        }
        Ok(p)
    }

    /// The authorization URL: the endpoint (its own query kept) with the request's
    /// parameters appended, form-urlencoded.
    pub fn build_url(&self) -> Result<Url, Error> {
        let pairs = self.to_pairs()?;
        let mut url = self.endpoint.clone();
        url.query_pairs_mut().extend_pairs(pairs);
        Ok(url)
    }

    /// The URL that continues a pushed authorization request (RFC 9126 §4): only
    /// `client_id` and the `request_uri` the provider returned.
    pub fn build_par_url(&self, request_uri: &str) -> Url {
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id.as_str())
            .append_pair("request_uri", request_uri);
        url
    }

    /// The redirect URI.
    pub fn redirect_uri(&self) -> &RedirectUrl {
        &self.redirect_uri
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> AuthorizationRequest {
        AuthorizationRequest::new(
            Url::parse("https://op.example/authorize?tenant=a%20b").unwrap(),
            ClientId::new("app"),
            RedirectUrl::new("http://127.0.0.1:5555/callback").unwrap(),
        )
    }

    fn pairs(url: &Url) -> Vec<(String, String)> {
        url.query_pairs().into_owned().collect()
    }

    #[test]
    fn code_flow_url() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let url = base()
            .scope("email profile")
            .state(&State::new("st"))
            .nonce(&Nonce::new("n&=1"))
            .pkce(&v)
            .prompt([Prompt::Login, Prompt::Consent])
            .login_hint("user@example.com")
            .max_age(300)
            .param("access_type", "offline")
            .build_url()
            .unwrap();
        let p = pairs(&url);
        let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            p[0],
            ("tenant".into(), "a b".into()),
            "existing query kept first"
        );
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("app"));
        assert_eq!(get("redirect_uri"), Some("http://127.0.0.1:5555/callback"));
        assert_eq!(get("scope"), Some("openid email profile"));
        assert_eq!(get("state"), Some("st"));
        assert_eq!(get("nonce"), Some("n&=1"));
        assert_eq!(
            get("code_challenge"),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("prompt"), Some("login consent"));
        assert_eq!(get("login_hint"), Some("user@example.com"));
        assert_eq!(get("max_age"), Some("300"));
        assert_eq!(get("access_type"), Some("offline"));
        assert_eq!(get("response_mode"), None);
        // percent-encoding of reserved characters on the wire
        assert!(url.as_str().contains("nonce=n%26%3D1"));
        assert!(
            url.as_str()
                .contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcallback")
        );
    }

    #[test]
    fn implicit_needs_nonce() {
        let e = base()
            .grant_type(GrantType::Implicit)
            .build_url()
            .unwrap_err();
        assert!(matches!(e, Error::NonceRequired { .. }));
        let url = base()
            .grant_type(GrantType::Implicit)
            .nonce(&Nonce::new("n"))
            .response_mode(ResponseMode::FormPost)
            .build_url()
            .unwrap();
        let p = pairs(&url);
        assert!(p.contains(&("response_type".into(), "id_token token".into())));
        assert!(p.contains(&("response_mode".into(), "form_post".into())));
    }

    #[test]
    fn hybrid_override_and_refusals() {
        let rt = ResponseType::parse("code token").unwrap();
        let url = base()
            .grant_type(GrantType::Hybrid)
            .response_type(rt)
            .nonce(&Nonce::new("n"))
            .build_url()
            .unwrap();
        assert!(pairs(&url).contains(&("response_type".into(), "code token".into())));
        let e = base()
            .grant_type(GrantType::Hybrid)
            .response_type(ResponseType::parse("id_token").unwrap())
            .nonce(&Nonce::new("n"))
            .build_url()
            .unwrap_err();
        assert_eq!(e.code().as_u16(), 902);
        assert!(matches!(
            base().prompt([Prompt::None, Prompt::Login]).build_url(),
            Err(Error::PromptNoneCombined)
        ));
        let with_jkt = base().dpop_jkt("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
        let url = with_jkt.build_url().unwrap();
        assert!(
            url.query_pairs()
                .any(|(k, v)| k == "dpop_jkt" && v == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        );
        for name in ["state", "request", "ui_locales", "acr_values", "dpop_jkt"] {
            assert!(
                matches!(
                    base().param(name, "x").build_url(),
                    Err(Error::ReservedParameter { .. })
                ),
                "{name} as an extra parameter"
            );
        }
    }

    #[test]
    fn parameter_roles() {
        for owned in [
            "client_id",
            "redirect_uri",
            "response_type",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "request",
            "request_uri",
            "dpop_jkt",
        ] {
            assert!(
                matches!(ParameterRole::of(owned), ParameterRole::ClientOwned { why } if !why.is_empty()),
                "{owned}"
            );
        }
        for typed in [
            "prompt",
            "login_hint",
            "max_age",
            "ui_locales",
            "display",
            "acr_values",
            "claims",
            "id_token_hint",
            "scope",
            "response_mode",
        ] {
            assert_eq!(ParameterRole::of(typed), ParameterRole::Typed, "{typed}");
        }
        for extra in ["access_type", "claims_locales", "audience", "State"] {
            assert_eq!(ParameterRole::of(extra), ParameterRole::Extra, "{extra}");
        }
        let url = base()
            .acr_values("urn:mace:incommon:iap:silver")
            .build_url()
            .unwrap();
        assert!(
            pairs(&url).contains(&("acr_values".into(), "urn:mace:incommon:iap:silver".into()))
        );
    }

    #[test]
    fn par_url_carries_only_client_and_request_uri() {
        let url = base().build_par_url("urn:ietf:params:oauth:request_uri:abc");
        let p = pairs(&url);
        assert_eq!(p.len(), 3);
        assert_eq!(p[1], ("client_id".into(), "app".into()));
        assert_eq!(p[2].1, "urn:ietf:params:oauth:request_uri:abc");
    }
}
