//! The authorization response: the parameters the browser brings back to the redirect URI.

use std::borrow::Cow;

use crate::{
    AccessToken, AuthorizationCode, Error, IdTokenString, IssuerUrl, ResponseType,
    ResponseTypeComponent, State,
};

/// At most this many parameters are read from one response; more is hostile.
pub(crate) const MAX_PARAMS: usize = 64;

/// An error response from the authorization endpoint (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// `error`, e.g. `access_denied`, `login_required`, `interaction_required`.
    pub error: String,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `error_uri`.
    pub error_uri: Option<String>,
    /// `state`, if the provider echoed it.
    pub state: Option<State>,
    /// RFC 9207 `iss`, if present.
    pub iss: Option<String>,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the provider refused the authorization: {}", self.error)?;
        if let Some(d) = &self.error_description {
            write!(f, " ({d})")?;
        }
        if let Some(u) = &self.error_uri {
            write!(f, "; see {u}")?;
        }
        Ok(())
    }
}

/// A successful authorization response.
#[derive(Debug, Clone)]
pub struct AuthorizationSuccess {
    /// `code` (code and hybrid flows).
    pub code: Option<AuthorizationCode>,
    /// `id_token` (implicit and hybrid flows), not yet validated.
    pub id_token: Option<IdTokenString>,
    /// `access_token` (response types with `token`).
    pub access_token: Option<AccessToken>,
    /// `token_type`.
    pub token_type: Option<String>,
    /// `expires_in`, seconds.
    pub expires_in: Option<u64>,
    /// `scope`, when the provider returned the granted scope.
    pub scope: Option<String>,
    /// `state`.
    pub state: Option<State>,
    /// RFC 9207 `iss`.
    pub iss: Option<String>,
    /// `session_state` (OpenID Connect Session Management).
    pub session_state: Option<String>,
}

impl AuthorizationSuccess {
    /// Checks `state` against the value sent, in constant time.
    pub fn check_state(&self, expected: &State) -> Result<(), Error> {
        check_state(self.state.as_ref(), expected)
    }

    /// Applies RFC 9207: a present `iss` must equal the issuer exactly; an absent one is
    /// refused when the provider advertises `authorization_response_iss_parameter_supported`,
    /// unless the response carries an ID token (whose own `iss` is checked instead).
    pub fn check_iss(
        &self,
        issuer: &IssuerUrl,
        iss_parameter_supported: bool,
    ) -> Result<(), Error> {
        match &self.iss {
            Some(found) if found != issuer.as_str() => Err(Error::IssuerMismatch {
                expected: issuer.as_str().to_owned(),
                found: found.clone(),
            }),
            Some(_) => Ok(()),
            None if iss_parameter_supported && self.id_token.is_none() => Err(Error::MissingIssuer),
            None => Ok(()),
        }
    }

    /// Checks that every member of the requested response type came back.
    pub fn check_response_type(&self, rt: ResponseType) -> Result<(), Error> {
        if rt.contains(ResponseTypeComponent::Code) && self.code.is_none() {
            return Err(Error::MissingParameter { name: "code" });
        }
        if rt.contains(ResponseTypeComponent::IdToken) && self.id_token.is_none() {
            return Err(Error::MissingParameter { name: "id_token" });
        }
        if rt.contains(ResponseTypeComponent::Token) && self.access_token.is_none() {
            return Err(Error::MissingParameter {
                name: "access_token",
            });
        }
        Ok(())
    }
}

fn check_state(found: Option<&State>, expected: &State) -> Result<(), Error> {
    match found {
        None => Err(Error::MissingState),
        Some(s) if s == expected => Ok(()),
        Some(_) => Err(Error::StateMismatch),
    }
}

/// The parameters of an authorization response, as received.
///
/// Parsing refuses repeated parameters (RFC 6749 §3.1) and treats empty values as absent
/// (RFC 6749 §3.1: "parameters sent without a value MUST be treated as if they were
/// omitted"). The raw pairs stay available ([`Self::get`]).
#[derive(Clone)]
pub struct AuthorizationResponse {
    params: Vec<(String, String)>,
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.params {
            if crate::redact::SENSITIVE_FIELDS.contains(&k.as_str()) {
                m.entry(k, &crate::redact::MASK);
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

impl AuthorizationResponse {
    /// From decoded name/value pairs.
    pub fn from_pairs<'a, I>(pairs: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    {
        let mut params: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs {
            if params.iter().any(|(n, _)| *n == *k) {
                return Err(Error::DuplicateParameter {
                    name: k.into_owned(),
                });
            }
            if params.len() >= MAX_PARAMS {
                return Err(Error::InvalidParameter {
                    name: "(too many parameters)",
                });
            }
            params.push((k.into_owned(), v.into_owned()));
        }
        params.retain(|(_, v)| !v.is_empty());
        Ok(Self { params })
    }

    /// From a query string or a fragment (without the leading `?` / `#`).
    pub fn from_query(query: &str) -> Result<Self, Error> {
        Self::from_pairs(url::form_urlencoded::parse(query.as_bytes()))
    }

    /// From an `application/x-www-form-urlencoded` body (`response_mode=form_post`).
    pub fn from_form_body(body: &[u8]) -> Result<Self, Error> {
        Self::from_pairs(url::form_urlencoded::parse(body))
    }

    /// A parameter by name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All parameters in received order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// Whether this is an error response.
    pub fn is_error(&self) -> bool {
        self.get("error").is_some()
    }

    /// The provider error, if this is an error response.
    pub fn provider_error(&self) -> Option<ProviderError> {
        let error = self.get("error")?;
        Some(ProviderError {
            error: error.to_owned(),
            error_description: self.get("error_description").map(str::to_owned),
            error_uri: self.get("error_uri").map(str::to_owned),
            state: self.get("state").map(State::new),
            iss: self.get("iss").map(str::to_owned),
        })
    }

    /// Checks `state` whatever the outcome (an error response must carry the right state
    /// too, or an attacker could inject errors).
    pub fn check_state(&self, expected: &State) -> Result<(), Error> {
        check_state(self.get("state").map(State::new).as_ref(), expected)
    }

    /// RFC 9207 for an error response (§2.4): a present `iss` must equal the issuer
    /// ([`Error::IssuerMismatch`]); an absent one, when the provider advertises
    /// `authorization_response_iss_parameter_supported`, makes the error unattributable
    /// ([`Error::UnattributedError`], the claimed error kept as untrusted detail). `Ok` for
    /// a success response (see [`AuthorizationSuccess::check_iss`]) and for an error
    /// response that passes.
    pub fn check_error_iss(
        &self,
        issuer: &IssuerUrl,
        iss_parameter_supported: bool,
    ) -> Result<(), Error> {
        let Some(e) = self.provider_error() else {
            return Ok(());
        };
        match e.iss.as_deref() {
            Some(found) if found != issuer.as_str() => Err(Error::IssuerMismatch {
                expected: issuer.as_str().to_owned(),
                found: found.to_owned(),
            }),
            None if iss_parameter_supported => Err(Error::UnattributedError(Box::new(e))),
            _ => Ok(()),
        }
    }

    /// The success parameters, or [`Error::Provider`] for an error response.
    pub fn to_result(&self) -> Result<AuthorizationSuccess, Error> {
        if let Some(e) = self.provider_error() {
            return Err(Error::Provider(e));
        }
        let expires_in = match self.get("expires_in") {
            None => None,
            Some(v) => Some(
                v.parse::<u64>()
                    .map_err(|_| Error::InvalidParameter { name: "expires_in" })?,
            ),
        };
        Ok(AuthorizationSuccess {
            code: self.get("code").map(AuthorizationCode::new),
            id_token: self.get("id_token").map(IdTokenString::new),
            access_token: self.get("access_token").map(AccessToken::new),
            token_type: self.get("token_type").map(str::to_owned),
            expires_in,
            scope: self.get("scope").map(str::to_owned),
            state: self.get("state").map(State::new),
            iss: self.get("iss").map(str::to_owned),
            session_state: self.get("session_state").map(str::to_owned),
        })
    }

    /// Like [`Self::to_result`], consuming the response.
    pub fn into_result(self) -> Result<AuthorizationSuccess, Error> {
        self.to_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_query() {
        let r = AuthorizationResponse::from_query(
            "code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=https%3A%2F%2Fop.example&scope=openid%20email",
        )
        .unwrap();
        assert!(!r.is_error());
        let s = r.to_result().unwrap();
        assert_eq!(s.code.as_ref().unwrap().secret(), "SplxlOBeZQQYbYS6WxSbIA");
        assert_eq!(s.scope.as_deref(), Some("openid email"));
        s.check_state(&State::new("af0ifjsldkj")).unwrap();
        assert!(matches!(
            s.check_state(&State::new("other")),
            Err(Error::StateMismatch)
        ));
        let iss = IssuerUrl::new("https://op.example").unwrap();
        s.check_iss(&iss, true).unwrap();
        let other = IssuerUrl::new("https://evil.example").unwrap();
        let e = s.check_iss(&other, false).unwrap_err();
        assert_eq!(e.code().as_u16(), 911);
        assert_eq!(e.kind(), "issuer_mismatch");
        s.check_response_type(ResponseType::parse("code").unwrap())
            .unwrap();
        assert!(
            s.check_response_type(ResponseType::parse("code id_token").unwrap())
                .is_err()
        );
        assert_eq!(r.get("iss"), Some("https://op.example"));
        assert!(!format!("{r:?}").contains("SplxlOBeZQQYbYS6WxSbIA"));
    }

    #[test]
    fn rfc9207_missing_iss() {
        let iss = IssuerUrl::new("https://op.example").unwrap();
        let r = AuthorizationResponse::from_query("code=c&state=s").unwrap();
        let s = r.to_result().unwrap();
        assert!(matches!(s.check_iss(&iss, true), Err(Error::MissingIssuer)));
        s.check_iss(&iss, false).unwrap();
        let with_id = AuthorizationResponse::from_query("code=c&state=s&id_token=a.b.c")
            .unwrap()
            .to_result()
            .unwrap();
        with_id.check_iss(&iss, true).unwrap();
    }

    #[test]
    fn error_responses_follow_rfc9207_too() {
        let issuer = IssuerUrl::new("https://op.example").unwrap();
        let no_iss = AuthorizationResponse::from_query("error=access_denied&state=s").unwrap();
        let e = no_iss.check_error_iss(&issuer, true).unwrap_err();
        let Error::UnattributedError(claimed) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(claimed.error, "access_denied");
        assert_eq!((e.code().as_u16(), e.kind()), (911, "issuer_mismatch"));
        assert!(e.to_string().contains("access_denied"), "{e}");
        // not promised: taken at face value
        no_iss.check_error_iss(&issuer, false).unwrap();
        let wrong = AuthorizationResponse::from_query("error=access_denied&iss=https%3A%2F%2Fevil")
            .unwrap();
        assert!(matches!(
            wrong.check_error_iss(&issuer, false),
            Err(Error::IssuerMismatch { .. })
        ));
        let right =
            AuthorizationResponse::from_query("error=access_denied&iss=https%3A%2F%2Fop.example")
                .unwrap();
        right.check_error_iss(&issuer, true).unwrap();
        // success responses are checked by AuthorizationSuccess::check_iss
        let ok = AuthorizationResponse::from_query("code=c&state=s").unwrap();
        ok.check_error_iss(&issuer, true).unwrap();
    }

    #[test]
    fn provider_error() {
        let r = AuthorizationResponse::from_form_body(
            b"error=access_denied&error_description=The+user+said+no&error_uri=https%3A%2F%2Fop%2Fe&state=s",
        )
        .unwrap();
        assert!(r.is_error());
        r.check_state(&State::new("s")).unwrap();
        let Err(Error::Provider(e)) = r.to_result() else {
            panic!("expected a provider error")
        };
        assert_eq!(e.error, "access_denied");
        assert_eq!(e.error_description.as_deref(), Some("The user said no"));
        assert_eq!(e.error_uri.as_deref(), Some("https://op/e"));
        let err = Error::Provider(e);
        assert_eq!(err.code().as_u16(), 940);
        assert_eq!(err.kind(), "authorization_error");
    }

    #[test]
    fn duplicates_and_empties() {
        assert!(matches!(
            AuthorizationResponse::from_query("code=a&code=b"),
            Err(Error::DuplicateParameter { .. })
        ));
        let r = AuthorizationResponse::from_query("code=a&state=&iss=").unwrap();
        assert_eq!(r.get("state"), None);
        assert!(matches!(
            r.check_state(&State::new("x")),
            Err(Error::MissingState)
        ));
        assert!(matches!(
            AuthorizationResponse::from_query("code=a&expires_in=soon")
                .unwrap()
                .to_result(),
            Err(Error::InvalidParameter { name: "expires_in" })
        ));
        let many: String = (0..100).map(|i| format!("p{i}=v&")).collect();
        assert!(AuthorizationResponse::from_query(&many).is_err());
    }
}
