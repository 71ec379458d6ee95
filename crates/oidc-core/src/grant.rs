//! Grant types, response types and response modes, with the manual's defaults.

use crate::Error;

/// The flow used to authenticate. The numbers 0, 1 and 2 are the numeric values of the
/// OIDCDesktop component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum GrantType {
    /// Authorization code flow (the default; `ogtAuthorizationCode`, 0).
    #[default]
    AuthorizationCode,
    /// Implicit flow (`ogtImplicit`, 1). Tokens travel through the browser.
    Implicit,
    /// Hybrid flow (`ogtHybrid`, 2).
    Hybrid,
}

impl GrantType {
    /// The grant type of a numeric value of the OIDCDesktop component (0, 1 or 2).
    pub fn from_seed_value(value: i32) -> Option<Self> {
        match value {
            0 => Some(Self::AuthorizationCode),
            1 => Some(Self::Implicit),
            2 => Some(Self::Hybrid),
            _ => None,
        }
    }

    /// A readable name.
    pub fn name(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization code",
            GrantType::Implicit => "implicit",
            GrantType::Hybrid => "hybrid",
        }
    }

    /// The default `response_type` of the manual's table.
    pub fn default_response_type(self) -> ResponseType {
        use ResponseTypeComponent as C;
        match self {
            GrantType::AuthorizationCode => ResponseType::of(&[C::Code]),
            GrantType::Implicit => ResponseType::of(&[C::IdToken, C::Token]),
            GrantType::Hybrid => ResponseType::of(&[C::Code, C::IdToken]),
        }
    }

    /// The `response_type` values the manual allows for this grant type.
    pub fn allowed_response_types(self) -> &'static [&'static str] {
        match self {
            GrantType::AuthorizationCode => &["code"],
            GrantType::Implicit => &["id_token", "id_token token"],
            GrantType::Hybrid => &["code id_token", "code token", "code id_token token"],
        }
    }

    /// Checks that `rt` is allowed for this grant type (code 902 otherwise).
    pub fn check_response_type(self, rt: ResponseType) -> Result<(), Error> {
        let canonical = rt.to_string();
        if self.allowed_response_types().contains(&canonical.as_str()) {
            Ok(())
        } else {
            Err(Error::ResponseTypeNotAllowed {
                grant: self.name(),
                response_type: canonical,
                allowed: match self {
                    GrantType::AuthorizationCode => "code",
                    GrantType::Implicit => "id_token, id_token token",
                    GrantType::Hybrid => "code id_token, code token, code id_token token",
                },
            })
        }
    }
}

/// One member of a `response_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseTypeComponent {
    /// `code`
    Code,
    /// `id_token`
    IdToken,
    /// `token`
    Token,
}

impl ResponseTypeComponent {
    const fn bit(self) -> u8 {
        match self {
            ResponseTypeComponent::Code => 1,
            ResponseTypeComponent::IdToken => 2,
            ResponseTypeComponent::Token => 4,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseTypeComponent::Code => "code",
            ResponseTypeComponent::IdToken => "id_token",
            ResponseTypeComponent::Token => "token",
        }
    }
}

/// A `response_type`: a non-empty set of `code`, `id_token` and `token`.
///
/// Order on the wire does not matter (OAuth 2.0 Multiple Response Types §3); `Display`
/// prints the canonical order `code id_token token`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseType(u8);

impl ResponseType {
    /// The set of the given components.
    pub fn of(components: &[ResponseTypeComponent]) -> Self {
        Self(components.iter().fold(0, |acc, c| acc | c.bit()))
    }

    /// Parses a space-separated `response_type` (code 902 on unknown or repeated members).
    pub fn parse(value: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidResponseType {
            value: value.to_owned(),
        };
        let mut bits = 0u8;
        for part in value.split(' ').filter(|p| !p.is_empty()) {
            let c = match part {
                "code" => ResponseTypeComponent::Code,
                "id_token" => ResponseTypeComponent::IdToken,
                "token" => ResponseTypeComponent::Token,
                _ => return Err(invalid()),
            };
            if bits & c.bit() != 0 {
                return Err(invalid());
            }
            bits |= c.bit();
        }
        if bits == 0 {
            Err(invalid())
        } else {
            Ok(Self(bits))
        }
    }

    /// Whether the set contains `c`.
    pub fn contains(self, c: ResponseTypeComponent) -> bool {
        self.0 & c.bit() != 0
    }

    /// Whether this is exactly `code`.
    pub fn is_code_only(self) -> bool {
        self.0 == ResponseTypeComponent::Code.bit()
    }

    /// The grant type this response type belongs to.
    pub fn grant_type(self) -> GrantType {
        if self.is_code_only() {
            GrantType::AuthorizationCode
        } else if self.contains(ResponseTypeComponent::Code) {
            GrantType::Hybrid
        } else {
            GrantType::Implicit
        }
    }

    /// The default response mode (OAuth 2.0 Multiple Response Types §5): query for `code`,
    /// fragment otherwise.
    pub fn default_response_mode(self) -> ResponseMode {
        if self.is_code_only() {
            ResponseMode::Query
        } else {
            ResponseMode::Fragment
        }
    }
}

impl std::fmt::Display for ResponseType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for c in [
            ResponseTypeComponent::Code,
            ResponseTypeComponent::IdToken,
            ResponseTypeComponent::Token,
        ] {
            if self.contains(c) {
                if !first {
                    f.write_str(" ")?;
                }
                f.write_str(c.as_str())?;
                first = false;
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for ResponseType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResponseType({self})")
    }
}

impl std::str::FromStr for ResponseType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// How the provider returns the authorization response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseMode {
    /// In the redirect URI's query (`response_mode=query`).
    Query,
    /// In the redirect URI's fragment (`response_mode=fragment`); the loopback needs a relay page.
    Fragment,
    /// POSTed as a form to the redirect URI (OAuth 2.0 Form Post Response Mode).
    FormPost,
}

impl ResponseMode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseMode::Query => "query",
            ResponseMode::Fragment => "fragment",
            ResponseMode::FormPost => "form_post",
        }
    }

    /// Parses a wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_defaults() {
        assert_eq!(GrantType::default(), GrantType::AuthorizationCode);
        assert_eq!(
            GrantType::AuthorizationCode
                .default_response_type()
                .to_string(),
            "code"
        );
        assert_eq!(
            GrantType::Implicit.default_response_type().to_string(),
            "id_token token"
        );
        assert_eq!(
            GrantType::Hybrid.default_response_type().to_string(),
            "code id_token"
        );
        assert_eq!(GrantType::from_seed_value(2), Some(GrantType::Hybrid));
        assert_eq!(GrantType::from_seed_value(3), None);
    }

    #[test]
    fn allowed_overrides() {
        for g in [
            GrantType::AuthorizationCode,
            GrantType::Implicit,
            GrantType::Hybrid,
        ] {
            for rt in g.allowed_response_types() {
                let parsed = ResponseType::parse(rt).unwrap();
                g.check_response_type(parsed).unwrap();
                assert_eq!(parsed.grant_type(), g);
            }
        }
        let e = GrantType::AuthorizationCode
            .check_response_type(ResponseType::parse("id_token").unwrap())
            .unwrap_err();
        assert_eq!(e.code().as_u16(), 902);
        assert!(
            GrantType::Implicit
                .check_response_type(ResponseType::parse("token").unwrap())
                .is_err()
        );
    }

    #[test]
    fn parse_is_order_insensitive_and_strict() {
        assert_eq!(
            ResponseType::parse("token id_token code")
                .unwrap()
                .to_string(),
            "code id_token token"
        );
        for bad in ["", "code code", "code id-token", "none", "Code"] {
            let e = ResponseType::parse(bad).unwrap_err();
            assert_eq!(e.code().as_u16(), 902, "{bad}");
        }
    }

    #[test]
    fn default_modes() {
        assert_eq!(
            ResponseType::parse("code").unwrap().default_response_mode(),
            ResponseMode::Query
        );
        assert_eq!(
            ResponseType::parse("code id_token")
                .unwrap()
                .default_response_mode(),
            ResponseMode::Fragment
        );
        assert_eq!(
            ResponseMode::parse("form_post"),
            Some(ResponseMode::FormPost)
        );
        assert_eq!(ResponseMode::parse("web_message"), None);
    }
}
