//! Small helpers: HTML escaping, form encoding, redirect URI matching.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::Url;

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

pub(crate) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn form_encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

pub(crate) fn form_decode(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

/// Whether any parameter name occurs twice (RFC 6749 §3.1: parameters MUST NOT repeat).
pub(crate) fn has_repeated(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .enumerate()
        .any(|(i, (n, _))| pairs[..i].iter().any(|(m, _)| m == n))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `requested` matches the registered redirect URI: exactly, or for a loopback
/// `http` URI on any port with scheme, host, path and query equal (RFC 8252 §7.3).
pub(crate) fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    reg.scheme() == "http"
        && req.scheme() == "http"
        && is_loopback(&reg)
        && reg.host() == req.host()
        && reg.path() == req.path()
        && reg.query() == req.query()
        && req.fragment().is_none()
        && req.username().is_empty()
        && req.password().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirect_ignores_port_only() {
        let reg = "http://127.0.0.1/callback";
        assert!(redirect_uri_matches(reg, "http://127.0.0.1:53124/callback"));
        assert!(redirect_uri_matches(reg, "http://127.0.0.1/callback"));
        assert!(!redirect_uri_matches(
            reg,
            "http://127.0.0.1:53124/callback/"
        ));
        assert!(!redirect_uri_matches(reg, "http://127.0.0.1:53124/other"));
        assert!(!redirect_uri_matches(
            reg,
            "http://127.0.0.2:53124/callback"
        ));
        assert!(!redirect_uri_matches(
            reg,
            "http://localhost:53124/callback"
        ));
        assert!(!redirect_uri_matches(
            reg,
            "https://127.0.0.1:53124/callback"
        ));
        assert!(!redirect_uri_matches(
            reg,
            "http://127.0.0.1:1/callback?x=1"
        ));
        assert!(!redirect_uri_matches(reg, "http://127.0.0.1:1/callback#f"));
        assert!(redirect_uri_matches("http://[::1]/cb", "http://[::1]:9/cb"));
        // Not loopback: exact match only.
        let web = "https://app.example/cb";
        assert!(redirect_uri_matches(web, web));
        assert!(!redirect_uri_matches(web, "https://app.example:444/cb"));
    }

    #[test]
    fn escaping_and_repeats() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let p = |n: &str| (n.to_owned(), String::new());
        assert!(has_repeated(&[p("a"), p("b"), p("a")]));
        assert!(!has_repeated(&[p("a"), p("b")]));
        let pairs = vec![("a b".to_owned(), "c&d=e".to_owned())];
        assert_eq!(form_decode(form_encode(&pairs).as_bytes()), pairs);
    }
}
