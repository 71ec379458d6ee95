//! Unit tests of the metadata parser.

use super::*;
use crate::checks::parse_endpoint;

#[test]
fn template_matching() {
    let t = "https://login.microsoftonline.com/{tenantid}/v2.0";
    assert!(template_matches(
        t,
        "https://login.microsoftonline.com/common/v2.0"
    ));
    assert!(template_matches(
        t,
        "https://login.microsoftonline.com/organizations/v2.0"
    ));
    assert!(!template_matches(
        t,
        "https://login.microsoftonline.com/v2.0"
    ));
    assert!(!template_matches(
        t,
        "https://login.microsoftonline.com/a/b/v2.0"
    ));
    assert!(!template_matches(t, "https://evil.example/common/v2.0"));
    assert!(!template_matches(
        "https://op.example",
        "https://op.example/x"
    ));
}

fn load(doc: &str) -> Result<ProviderMetadata, Error> {
    ProviderMetadata::load(doc, &IssuerUrl::new("https://op.example").expect("issuer"))
}

#[test]
fn strings_are_spans_unless_escaped() {
    let doc = r#"{"issuer":"https:\/\/op.example","authorization_endpoint":"https://op.example/a",
        "jwks_uri":"https://op.example/j","token_endpoint":"https://op.ex\u0061mple/t",
        "scopes_supported":["op\u0065nid","email"],"claims_supported":null}"#;
    let md = load(doc).expect("valid");
    assert!(matches!(md.f.issuer, Some(Text::Owned(_))));
    assert!(matches!(md.f.authorization_endpoint, Some(Text::Span(_))));
    assert_eq!(md.issuer(), "https://op.example");
    assert_eq!(md.authorization_endpoint().as_str(), "https://op.example/a");
    assert_eq!(
        md.token_endpoint().map(Url::as_str),
        Some("https://op.example/t")
    );
    assert_eq!(md.userinfo_endpoint(), None);
    assert!(matches!(md.f.scopes_supported, Some(ListAt::Elsewhere)));
    assert!(md.f.claims_supported.is_none());
    assert!(
        md.lists.scopes_supported.get().is_none(),
        "lists are read on first use"
    );
    assert_eq!(md.scopes_supported(), ["openid", "email"]);
    assert!(md.claims_supported().is_empty());
    assert_eq!(md.claim_types_supported(), ["normal"]);
    assert_eq!(md.raw_json(), doc);
    let spaced = doc.replace(
        r#""claims_supported":null"#,
        "\"claims_supported\":[ \"sub\" ,\"n\\u0061me\",\n\"email\"\t]",
    );
    let md = load(&spaced).expect("valid");
    assert!(matches!(md.f.claims_supported, Some(ListAt::Span(_))));
    assert_eq!(md.claims_supported(), ["sub", "name", "email"]);
}

#[test]
fn wrong_member_types_name_the_expected_type() {
    let base = r#""issuer":"https://op.example","authorization_endpoint":"https://op.example/a","jwks_uri":"https://op.example/j""#;
    for (extra, expected) in [
        (r#""scopes_supported":"openid""#, "expected a sequence"),
        (r#""scopes_supported":["openid",1]"#, "expected a string"),
        (r#""scopes_supported":[null]"#, "expected a string"),
        (r#""token_endpoint":5"#, "expected a string"),
        (
            r#""claims_parameter_supported":"yes""#,
            "expected a boolean",
        ),
        (
            r#""issuer":"https://op.example""#,
            "duplicate field `issuer`",
        ),
    ] {
        let err = load(&format!("{{{base},{extra}}}")).expect_err(extra);
        assert!(
            matches!(err, Error::InvalidMember { .. }),
            "{extra}: {err:?}"
        );
        assert!(err.to_string().contains(expected), "{extra}: {err}");
    }
    let err = load("1").expect_err("number");
    assert!(err.to_string().contains("expected struct Fields"), "{err}");
    let err = load("[]").expect_err("array");
    assert!(err.to_string().contains("expected struct Fields"), "{err}");
}

#[test]
fn unknown_members_are_read_as_strictly_as_the_json_view_reads_them() {
    let base = r#""issuer":"https://op.example","authorization_endpoint":"https://op.example/a","jwks_uri":"https://op.example/j""#;
    // Skipped unread, `1e400` let the document load while `json()` (a `Value` parse of
    // the same text) failed: every lookup through it then read as absent.
    for extra in [r#""x":1e400"#, r#""x":{"y":[1,-1e999]}"#] {
        let err = load(&format!("{{{base},{extra}}}")).expect_err(extra);
        assert!(matches!(err, Error::InvalidJson { .. }), "{extra}: {err:?}");
        assert!(
            err.to_string().contains("number out of range"),
            "{extra}: {err}"
        );
    }
    let md = load(&format!(r#"{{{base},"x":1e300,"y":{{"z":[1,"2"]}}}}"#)).expect("in range");
    assert_ne!(md.json(), &Value::Null);
    assert_eq!(md.get_metadata("/y/z/1").as_deref(), Some("2"));
}

#[test]
fn endpoint_rules() {
    let remote = IssuerUrl::new("https://op.example").expect("issuer");
    let local = IssuerUrl::new("http://127.0.0.1:9").expect("issuer");
    let named = IssuerUrl::new_allowing_http_localhost("http://localhost:9").expect("issuer");
    let check = |url, issuer| parse_endpoint("token_endpoint", url, issuer);
    assert!(check("https://op.example/token", &remote).is_ok());
    assert!(check("https://op.example/token", &local).is_ok());
    assert!(check("http://127.0.0.1:9/token", &local).is_ok());
    assert!(check("http://[::1]:9/token", &local).is_ok());
    // a remote https issuer may not route the code, verifier and secret to a local port
    assert!(check("http://127.0.0.1:9/token", &remote).is_err());
    // localhost is a name, not a loopback address, unless it is the issuer's own host
    assert!(check("http://localhost/token", &local).is_err());
    assert!(check("http://localhost/token", &named).is_ok());
    assert!(check("http://op.example/token", &local).is_err());
    assert!(check("/token", &remote).is_err());
    assert!(check("ftp://op.example/", &remote).is_err());
    for bad in [
        "https://op.example/a'b",
        "https://op.example/$(id)",
        "https://op.example/a;b",
        "https://op.example/a|b",
        "https://op.example/a`b`",
        "https://op.example/a b",
        "https://op.example/a\nb",
        "https://op.example/a\\b",
    ] {
        let e = check(bad, &remote).expect_err(bad);
        assert!(e.to_string().contains("metacharacters"), "{e}");
    }
    // What looks like `https://host` but is no URL is refused at load, not handed out
    // to fail (or read as missing) at first use.
    for bad in [
        "https://[op.example/token",
        "https://op.example:99999/token",
        "https://%zz/token",
    ] {
        let e = check(bad, &remote).expect_err(bad);
        assert!(e.to_string().contains("not an absolute URL"), "{bad}: {e}");
    }
    let doc = |token: &str| {
        format!(
            r#"{{"issuer":"https://op.example","authorization_endpoint":"https://op.example/a",
            "jwks_uri":"https://op.example/k","token_endpoint":"{token}"}}"#
        )
    };
    let md = ProviderMetadata::load(doc("https://OP.example:443/t"), &remote).expect("load");
    assert_eq!(
        md.token_endpoint().map(Url::as_str),
        Some("https://op.example/t"),
        "handed out parsed"
    );
    let e = ProviderMetadata::load(doc("https://op.example:99999/t"), &remote)
        .expect_err("port out of range");
    assert!(matches!(e, Error::InvalidEndpoint { .. }), "{e}");
}
