//! Redaction of secrets in diagnostics and logs: the one redactor of the workspace (the
//! transport's exchange dumps and tracing, the facade's log lines).

/// The replacement text of a masked value.
pub const MASK: &str = "[masked]";

/// Names whose values are secrets, in headers (case-insensitive), form bodies, JSON
/// bodies and URL queries.
pub const SENSITIVE_FIELDS: [&str; 13] = [
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code",
    "code_verifier",
    "client_assertion",
    "password",
    "device_code",
    // Not secrets of the same weight, but nothing a log needs: the CSRF value of a pending
    // sign-in, the replay nonce, and who is signing in.
    "state",
    "nonce",
    "login_hint",
    "id_token_hint",
];

/// Headers whose values are always masked.
pub const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    // A DPoP proof is no secret, but whoever reads it can replay it within its lifetime.
    "dpop",
];

/// Whether `name` is a sensitive header.
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
}

/// Masks the values of sensitive keys in an `application/x-www-form-urlencoded` string
/// (also a URL query).
pub fn form(body: &str) -> String {
    body.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SENSITIVE_FIELDS.contains(&k) => format!("{k}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Masks the string values of sensitive keys in a JSON text, at any depth, without
/// re-serializing it (so truncated or invalid JSON is masked too).
pub fn json(body: &str) -> String {
    let bytes = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let Some(end) = string_end(bytes, i) else {
            break;
        };
        let key = &body[i + 1..end];
        let mut j = end + 1;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if SENSITIVE_FIELDS.contains(&key) && j < bytes.len() && bytes[j] == b':' {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'"' {
                let value_end = string_end(bytes, j).unwrap_or(bytes.len());
                out.push_str(&body[copied..=j]);
                out.push_str(MASK);
                copied = value_end;
                i = value_end + 1;
                continue;
            }
        }
        i = end + 1;
    }
    // `copied` is an index of `body` or its length (an unterminated value): never past it.
    out.push_str(&body[copied..]);
    out
}

/// The index of the closing quote of the JSON string opening at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut k = start + 1;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 2,
            b'"' => return Some(k),
            _ => k += 1,
        }
    }
    None
}

/// Masks a body according to its content type: a form as a form, anything else as JSON
/// (which only touches `"key": "value"` shapes).
pub fn body(content_type: Option<&str>, body: &str) -> String {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("application/x-www-form-urlencoded") {
        form(body)
    } else {
        json(body)
    }
}

/// Masks the sensitive query parameters of a URL.
pub fn url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, rest)) => {
            let (query, fragment) = match rest.split_once('#') {
                Some((q, f)) => (q, Some(f)),
                None => (rest, None),
            };
            let mut s = format!("{base}?{}", form(query));
            if let Some(f) = fragment {
                s.push('#');
                s.push_str(&form(f));
            }
            s
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_masked() {
        let s = form("grant_type=authorization_code&code=abc&code_verifier=xyz&client_id=app");
        assert_eq!(
            s,
            "grant_type=authorization_code&code=[masked]&code_verifier=[masked]&client_id=app"
        );
    }

    #[test]
    fn json_values_are_masked_at_any_depth() {
        let s = json(
            r#"{"access_token" : "at\"x", "nested":{"refresh_token":"rt"},"id_token":"a.b.c","token_type":"Bearer","n":{"code":1}}"#,
        );
        assert!(!s.contains("at\\\"x"), "{s}");
        assert!(!s.contains("\"rt\""), "{s}");
        assert!(!s.contains("a.b.c"), "{s}");
        assert!(s.contains("\"Bearer\""), "{s}");
        assert!(s.contains("\"code\":1"), "{s}");
        assert_eq!(s.matches(MASK).count(), 3);
    }

    #[test]
    fn truncated_json_is_masked_and_never_panics() {
        let s = json(r#"{"client_secret":"abc"#);
        assert!(!s.contains("abc"));
        for cut in 0..40 {
            let text = r#"{"id_token":"x.y.z","a":"\"","b":"#;
            let _ = json(&text[..cut.min(text.len())]);
        }
    }

    #[test]
    fn url_query_is_masked() {
        assert_eq!(
            url("http://127.0.0.1/cb?code=abc&state=s#access_token=t"),
            "http://127.0.0.1/cb?code=[masked]&state=[masked]#access_token=[masked]"
        );
        assert_eq!(url("https://op/x"), "https://op/x");
    }

    #[test]
    fn an_authorization_url_keeps_what_helps_debugging_and_hides_the_rest() {
        let s = url(
            "https://op/authorize?response_type=code&client_id=app&scope=openid&state=st\
             &nonce=n&login_hint=jane%40example.com&code_challenge=ch&code_challenge_method=S256",
        );
        for hidden in ["st", "n", "jane"] {
            assert!(!s.contains(&format!("={hidden}")), "{s}");
        }
        for kept in [
            "client_id=app",
            "scope=openid",
            "code_challenge=ch",
            "response_type=code",
        ] {
            assert!(s.contains(kept), "{s}");
        }
    }

    #[test]
    fn sensitive_headers_are_case_insensitive() {
        assert!(is_sensitive_header("Authorization"));
        assert!(is_sensitive_header("proxy-authorization"));
        assert!(!is_sensitive_header("accept"));
    }
}
