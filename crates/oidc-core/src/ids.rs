//! Identifiers: issuer, client, redirect URI, scope.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::Error;

/// Whether `url`'s host is a loopback IP literal (`127.0.0.0/8`, `[::1]`). `localhost` is
/// not: a name can resolve anywhere (RFC 8252 §8.3).
pub fn is_loopback_ip_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(_)) | None => false,
    }
}

/// Characters no URL we hand on (to a browser, as an endpoint) may contain, besides
/// whitespace and controls: quotes and shell metacharacters.
const SHELL_METACHARACTERS: &[char] = &['\'', '"', '`', '$', ';', '|', '<', '>', '(', ')', '\\'];

/// Whether `s` holds whitespace, control characters or shell metacharacters, none of which
/// a URL we open in a browser or call as an endpoint may contain.
pub fn has_unsafe_url_chars(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_whitespace() || c.is_control() || SHELL_METACHARACTERS.contains(&c))
}

/// Whether the host is the name `localhost`.
fn is_localhost_name(url: &Url) -> bool {
    matches!(url.host(), Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost"))
}

/// An OpenID Provider's issuer identifier, kept exactly as given.
///
/// Issuer comparison is exact string comparison (OpenID Connect Core §3.1.3.7 step 2,
/// Discovery §4.3), so the string is never normalized. It must be `https`, except for
/// loopback IP literals (`http://127.0.0.1:…`, `http://[::1]:…`), which tests and local
/// providers use (`http://localhost` only through [`Self::new_allowing_http_localhost`]);
/// it has no query or fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IssuerUrl {
    raw: String,
    url: Url,
}

impl IssuerUrl {
    /// Parses and checks an issuer identifier.
    pub fn new(issuer: impl Into<String>) -> Result<Self, Error> {
        Self::parse(issuer.into(), false)
    }

    /// Like [`Self::new`], and also accepts `http://localhost…`: a name, which the system's
    /// resolver may send anywhere, so only for a provider the user runs on this machine and
    /// only when asked for explicitly.
    pub fn new_allowing_http_localhost(issuer: impl Into<String>) -> Result<Self, Error> {
        Self::parse(issuer.into(), true)
    }

    fn parse(raw: String, allow_localhost: bool) -> Result<Self, Error> {
        let url = Url::parse(&raw).map_err(|source| Error::InvalidUrl {
            what: "issuer",
            source,
        })?;
        let refuse = |reason| Error::UnacceptableUrl {
            what: "issuer",
            url: raw.clone(),
            reason,
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_ip_host(&url) => {}
            "http" if allow_localhost && is_localhost_name(&url) => {}
            "http" if is_localhost_name(&url) => {
                return Err(refuse(
                    "http://localhost is a name, not a loopback address: use http://127.0.0.1 (or allow localhost explicitly)",
                ));
            }
            _ => {
                return Err(refuse(
                    "an issuer must use https (http only for the loopback addresses 127.0.0.1 and [::1])",
                ));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(refuse("an issuer has no query or fragment"));
        }
        Ok(Self { raw, url })
    }

    /// The issuer exactly as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The issuer as a parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether this is a plain-`http` issuer on this machine (a loopback IP literal, or
    /// `localhost` when allowed): only such an issuer may have `http` endpoints.
    pub fn is_local_http(&self) -> bool {
        self.url.scheme() == "http"
    }

    /// The discovery document URL (Discovery §4.1): the issuer with any trailing `/`
    /// removed, followed by `/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> Url {
        let base = self.raw.trim_end_matches('/');
        // The issuer parsed as a URL without query or fragment, so appending a path keeps it one.
        Url::parse(&format!("{base}/.well-known/openid-configuration"))
            .unwrap_or_else(|_| self.url.clone())
    }

    /// The OAuth 2.0 authorization server metadata URL (RFC 8414 §3.1): the well-known
    /// segment `/.well-known/oauth-authorization-server` inserted between the host and the
    /// issuer's path (`https://op/tenant` → `https://op/.well-known/oauth-authorization-server/tenant`).
    ///
    /// ```
    /// # use oidc_core::IssuerUrl;
    /// let i = IssuerUrl::new("https://op.example/tenant/").unwrap();
    /// assert_eq!(
    ///     i.oauth_metadata_url().as_str(),
    ///     "https://op.example/.well-known/oauth-authorization-server/tenant"
    /// );
    /// ```
    pub fn oauth_metadata_url(&self) -> Url {
        let mut u = self.url.clone();
        let path = self.url.path().trim_end_matches('/');
        u.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
        u
    }

    /// The issuer of a metadata URL: the inverse of [`Self::discovery_url`] and
    /// [`Self::oauth_metadata_url`]. `None` when `url` is neither form.
    ///
    /// ```
    /// # use oidc_core::IssuerUrl;
    /// let i = IssuerUrl::from_metadata_url(
    ///     "https://op.example/.well-known/oauth-authorization-server/tenant",
    /// )
    /// .unwrap()
    /// .unwrap();
    /// assert_eq!(i.as_str(), "https://op.example/tenant");
    /// let i = IssuerUrl::from_metadata_url("https://op.example/t/.well-known/openid-configuration")
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(i.as_str(), "https://op.example/t");
    /// assert!(IssuerUrl::from_metadata_url("https://op.example/t").unwrap().is_none());
    /// ```
    pub fn from_metadata_url(url: &str) -> Result<Option<Self>, Error> {
        Self::from_metadata_url_with(url, false)
    }

    /// [`Self::from_metadata_url`], accepting an `http://localhost` issuer as
    /// [`Self::new_allowing_http_localhost`] does.
    pub fn from_metadata_url_allowing_http_localhost(url: &str) -> Result<Option<Self>, Error> {
        Self::from_metadata_url_with(url, true)
    }

    fn from_metadata_url_with(url: &str, allow_localhost: bool) -> Result<Option<Self>, Error> {
        if let Some(issuer) = url.strip_suffix("/.well-known/openid-configuration") {
            return Self::parse(issuer.to_owned(), allow_localhost).map(Some);
        }
        const OAUTH: &str = "/.well-known/oauth-authorization-server";
        let parsed = Url::parse(url).map_err(|source| Error::InvalidUrl {
            what: "metadata URL",
            source,
        })?;
        let Some(rest) = parsed.path().strip_prefix(OAUTH) else {
            return Ok(None);
        };
        if !(rest.is_empty() || rest.starts_with('/')) || parsed.query().is_some() {
            return Ok(None);
        }
        let mut issuer = parsed.clone();
        issuer.set_path(rest);
        let mut raw = issuer.to_string();
        if rest.is_empty() {
            // `Url` writes the root path as `/`; the issuer has none.
            raw = raw.trim_end_matches('/').to_owned();
        }
        Self::parse(raw, allow_localhost).map(Some)
    }
}

impl TryFrom<String> for IssuerUrl {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<IssuerUrl> for String {
    fn from(value: IssuerUrl) -> String {
        value.raw
    }
}

impl std::fmt::Display for IssuerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

impl std::str::FromStr for IssuerUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

/// The client identifier issued at registration. Not a secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    /// Wraps a client id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The client id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A redirect URI, kept exactly as sent: the token request must
/// repeat it byte for byte (RFC 6749 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RedirectUrl {
    raw: String,
    url: Url,
}

impl RedirectUrl {
    /// Parses a redirect URI; it must be absolute and have no fragment (RFC 6749 §3.1.2).
    pub fn new(uri: impl Into<String>) -> Result<Self, Error> {
        let raw = uri.into();
        let url = Url::parse(&raw).map_err(|source| Error::InvalidUrl {
            what: "redirect URI",
            source,
        })?;
        if url.fragment().is_some() {
            return Err(Error::UnacceptableUrl {
                what: "redirect URI",
                url: raw,
                reason: "a redirect URI has no fragment",
            });
        }
        Ok(Self { raw, url })
    }

    /// The URI exactly as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The URI parsed.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Whether the host is a loopback IP literal (RFC 8252 §7.3); `localhost` is not one
    /// (RFC 8252 §8.3).
    pub fn is_loopback(&self) -> bool {
        is_loopback_ip_host(&self.url)
    }
}

impl TryFrom<String> for RedirectUrl {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<RedirectUrl> for String {
    fn from(value: RedirectUrl) -> String {
        value.raw
    }
}

impl std::fmt::Display for RedirectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

/// A scope: an ordered set of space-separated tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Scope(Vec<String>);

impl Scope {
    /// Splits a space-separated scope string, dropping empty and repeated tokens.
    pub fn new(scope: &str) -> Self {
        let mut out: Vec<String> = Vec::new();
        for t in scope.split([' ', '\t', '\n']).filter(|t| !t.is_empty()) {
            if !out.iter().any(|o| o == t) {
                out.push(t.to_owned());
            }
        }
        Self(out)
    }

    /// The same scope with `openid` first (OpenID Connect requires it).
    #[must_use]
    pub fn with_openid(mut self) -> Self {
        if let Some(i) = self.0.iter().position(|t| t == "openid") {
            let t = self.0.remove(i);
            self.0.insert(0, t);
        } else {
            self.0.insert(0, "openid".to_owned());
        }
        self
    }

    /// Whether `token` is part of the scope.
    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    /// The tokens in order.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether the scope has no tokens.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl From<String> for Scope {
    fn from(value: String) -> Self {
        Self::new(&value)
    }
}

impl From<&str> for Scope {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<Scope> for String {
    fn from(value: Scope) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_rules() {
        assert!(IssuerUrl::new("https://accounts.google.com").is_ok());
        assert!(IssuerUrl::new("http://127.0.0.1:8080/op").is_ok());
        assert!(IssuerUrl::new("http://[::1]:8080").is_ok());
        // a name is not a loopback address (RFC 8252 §8.3): only when asked for
        let e = IssuerUrl::new("http://localhost:3000").unwrap_err();
        assert!(e.to_string().contains("127.0.0.1"), "{e}");
        assert!(IssuerUrl::new_allowing_http_localhost("http://localhost:3000").is_ok());
        assert!(IssuerUrl::new_allowing_http_localhost("http://op.example").is_err());
        assert!(
            IssuerUrl::new("http://127.0.0.1:3000")
                .unwrap()
                .is_local_http()
        );
        assert!(
            !IssuerUrl::new("https://op.example")
                .unwrap()
                .is_local_http()
        );
        assert!(IssuerUrl::new("http://op.example").is_err());
        assert!(IssuerUrl::new("https://op.example/?a=b").is_err());
        assert!(IssuerUrl::new("https://op.example/#x").is_err());
        assert!(IssuerUrl::new("not a url").is_err());
        // kept verbatim: a trailing slash is significant for comparison
        let i = IssuerUrl::new("https://op.example/").unwrap();
        assert_eq!(i.as_str(), "https://op.example/");
        assert_eq!(
            i.discovery_url().as_str(),
            "https://op.example/.well-known/openid-configuration"
        );
        let t = IssuerUrl::new("https://login.example/tenant/v2.0").unwrap();
        assert_eq!(
            t.discovery_url().as_str(),
            "https://login.example/tenant/v2.0/.well-known/openid-configuration"
        );
    }

    #[test]
    fn scope_normalization() {
        let s = Scope::new("profile  email openid profile").with_openid();
        assert_eq!(s.to_string(), "openid profile email");
        assert_eq!(
            Scope::new("email").with_openid().to_string(),
            "openid email"
        );
        assert!(s.contains("email"));
        assert!(Scope::new("").is_empty());
    }

    #[test]
    fn redirect_rules() {
        let r = RedirectUrl::new("http://127.0.0.1:5000/callback").unwrap();
        assert!(r.is_loopback());
        assert!(RedirectUrl::new("http://127.0.0.1/cb#frag").is_err());
        assert!(
            !RedirectUrl::new("https://app.example/cb")
                .unwrap()
                .is_loopback()
        );
    }
}
