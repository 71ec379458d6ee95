//! The small public values of oidc-core do what their documentation says: names, numbers,
//! conversions, the unsafe-character rule and the redactor's reading of JSON. Written against
//! the survivors of `cargo xtask mutants --group core`.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use std::collections::HashSet;

use oidc_core::{
    AuthorizationRequest, AuthorizationResponse, ClientId, Display, ErrorCode, GrantType,
    HttpError, HttpErrorKind, IssuerUrl, Prompt, ProviderError, RedirectUrl, ResponseMode,
    ResponseType, ResponseTypeComponent, Scope, has_unsafe_url_chars, redact,
};

#[test]
fn every_error_code_has_its_own_description_and_prints_as_its_number() {
    let mut seen = HashSet::new();
    for code in ErrorCode::ALL {
        let d = code.description();
        assert!(d.len() > 10 && d.ends_with('.'), "{code}: {d}");
        assert!(seen.insert(d), "two codes share {d}");
        assert_eq!(code.to_string(), code.as_u16().to_string());
        assert_eq!(ErrorCode::from_u16(code.as_u16()), Some(code));
    }
    assert_eq!(ErrorCode::InvalidIdToken.to_string(), "901");
}

#[test]
fn grant_types_from_the_numeric_setting_and_their_names() {
    assert_eq!(
        GrantType::from_seed_value(0),
        Some(GrantType::AuthorizationCode)
    );
    assert_eq!(GrantType::from_seed_value(1), Some(GrantType::Implicit));
    assert_eq!(GrantType::from_seed_value(2), Some(GrantType::Hybrid));
    assert_eq!(GrantType::from_seed_value(3), None);
    assert_eq!(GrantType::AuthorizationCode.name(), "authorization code");
    assert_eq!(GrantType::Implicit.name(), "implicit");
    assert_eq!(GrantType::Hybrid.name(), "hybrid");
}

#[test]
fn response_types_are_sets_of_their_components() {
    use ResponseTypeComponent::{Code, IdToken, Token};
    let all = ResponseType::of(&[Token, Code, IdToken]);
    assert_eq!(all.to_string(), "code id_token token");
    assert_eq!(format!("{all:?}"), "ResponseType(code id_token token)");
    // A component named twice is still one member.
    assert_eq!(ResponseType::of(&[Code, Code]).to_string(), "code");
    assert_eq!(
        ResponseType::of(&[Code, IdToken]),
        ResponseType::parse("id_token code").unwrap()
    );
}

#[test]
fn response_modes_parse_their_wire_names() {
    for m in [
        ResponseMode::Query,
        ResponseMode::Fragment,
        ResponseMode::FormPost,
    ] {
        assert_eq!(ResponseMode::parse(m.as_str()), Some(m));
    }
    assert_eq!(ResponseMode::parse("web_message"), None);
}

#[test]
fn only_a_timeout_is_a_timeout() {
    assert!(HttpError::new(HttpErrorKind::Timeout).is_timeout());
    for kind in [
        HttpErrorKind::Connect,
        HttpErrorKind::Tls,
        HttpErrorKind::TooLarge,
    ] {
        assert!(!HttpError::new(kind).is_timeout(), "{kind:?}");
    }
}

#[test]
fn unsafe_url_characters_are_whitespace_controls_and_shell_metacharacters() {
    assert!(!has_unsafe_url_chars("https://op.example/a?b=c&d=%20#f"));
    for bad in [
        "a b", "a\tb", "a\u{7}b", "a'b", "a;b", "a$b", "a|b", "a`b", "a\\b",
    ] {
        assert!(has_unsafe_url_chars(bad), "{bad:?}");
    }
}

#[test]
fn localhost_issuers_only_when_allowed() {
    let e = IssuerUrl::new("http://localhost:8080")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("localhost is a name"),
        "the refusal says why: {e}"
    );
    let i = IssuerUrl::new_allowing_http_localhost("http://localhost:8080").unwrap();
    assert!(i.is_local_http());
    let e = IssuerUrl::new("http://op.example").unwrap_err().to_string();
    assert!(e.contains("must use https"), "{e}");
    // Allowing localhost does not allow other http hosts.
    assert!(IssuerUrl::new_allowing_http_localhost("http://op.example").is_err());
    assert!(
        IssuerUrl::from_metadata_url("http://localhost:8080/.well-known/openid-configuration")
            .is_err()
    );
    let i = IssuerUrl::from_metadata_url_allowing_http_localhost(
        "http://localhost:8080/.well-known/oauth-authorization-server/t",
    )
    .unwrap()
    .unwrap();
    assert_eq!(i.as_str(), "http://localhost:8080/t");
}

#[test]
fn an_rfc_8414_url_has_the_well_known_segment_whole() {
    let root =
        IssuerUrl::from_metadata_url("https://op.example/.well-known/oauth-authorization-server")
            .unwrap()
            .unwrap();
    assert_eq!(root.as_str(), "https://op.example");
    // `oauth-authorization-servertenant` is another path, not the well-known one.
    assert!(
        IssuerUrl::from_metadata_url(
            "https://op.example/.well-known/oauth-authorization-servertenant"
        )
        .unwrap()
        .is_none()
    );
    assert!(
        IssuerUrl::from_metadata_url(
            "https://op.example/.well-known/oauth-authorization-server?x=1"
        )
        .unwrap()
        .is_none()
    );
}

#[test]
fn identifiers_print_and_convert_to_what_they_hold() {
    let issuer = IssuerUrl::new("https://op.example/t").unwrap();
    assert_eq!(issuer.to_string(), "https://op.example/t");
    assert_eq!(String::from(issuer), "https://op.example/t");
    assert_eq!(ClientId::new("app").to_string(), "app");
    let redirect = RedirectUrl::new("http://127.0.0.1:8000/callback").unwrap();
    assert_eq!(redirect.to_string(), "http://127.0.0.1:8000/callback");
    assert_eq!(String::from(redirect), "http://127.0.0.1:8000/callback");
}

#[test]
fn a_scope_is_an_ordered_set_of_tokens() {
    let s = Scope::from("openid  email profile".to_owned());
    assert!(s.contains("email"));
    assert!(!s.contains("mail"));
    assert!(!s.is_empty());
    assert!(Scope::new("").is_empty());
    assert_eq!(
        s.tokens().collect::<Vec<_>>(),
        ["openid", "email", "profile"]
    );
    assert_eq!(String::from(s), "openid email profile");
}

#[test]
fn the_json_redactor_reads_strings_left_to_right() {
    // `"code"` here is the text between two strings, not a key: nothing is masked.
    let tricky = r#"["x"code":"s"]"#;
    assert_eq!(redact::json(tricky), tricky);
    let masked = redact::json(r#"{"a":"b","code":"s","c":"d"}"#);
    assert_eq!(masked, r#"{"a":"b","code":"[masked]","c":"d"}"#);
}

#[test]
fn prompts_and_displays_read_their_wire_values() {
    assert_eq!(
        Prompt::parse_list(" login  select_account consent "),
        [Prompt::Login, Prompt::SelectAccount, Prompt::Consent]
    );
    assert!(Prompt::parse_list("   ").is_empty());
    for d in [Display::Page, Display::Popup, Display::Touch, Display::Wap] {
        assert_eq!(Display::parse(d.as_str()), Some(d.clone()));
    }
    assert_eq!(Display::Popup.as_str(), "popup");
    assert_eq!(Display::parse("modal"), None);
}

#[test]
fn a_body_is_masked_by_its_content_type() {
    let form = "grant_type=refresh_token&refresh_token=rt";
    assert_eq!(
        redact::body(
            Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
            form
        ),
        "grant_type=refresh_token&refresh_token=[masked]"
    );
    let json = r#"{"refresh_token":"rt","expires_in":60}"#;
    assert_eq!(
        redact::body(Some("application/json"), json),
        r#"{"refresh_token":"[masked]","expires_in":60}"#
    );
    assert_eq!(redact::body(None, json), redact::json(json));
}

#[test]
fn prompt_none_is_allowed_alone_only() {
    let req = || {
        AuthorizationRequest::new(
            "https://op.example/authorize".parse().unwrap(),
            ClientId::new("app"),
            RedirectUrl::new("http://127.0.0.1:8000/callback").unwrap(),
        )
    };
    let pairs = req().prompt([Prompt::None]).to_pairs().unwrap();
    assert!(pairs.contains(&("prompt".to_owned(), "none".to_owned())));
    assert!(
        req()
            .prompt([Prompt::None, Prompt::Login])
            .to_pairs()
            .is_err()
    );
    assert!(
        req()
            .prompt([Prompt::Login, Prompt::Consent])
            .to_pairs()
            .is_ok()
    );
}

#[test]
fn a_provider_error_reads_as_a_sentence() {
    let e = ProviderError {
        error: "access_denied".to_owned(),
        error_description: Some("the user said no".to_owned()),
        error_uri: Some("https://op.example/e".to_owned()),
        state: None,
        iss: None,
    };
    assert_eq!(
        e.to_string(),
        "the provider refused the authorization: access_denied (the user said no); see https://op.example/e"
    );
}

#[test]
fn an_authorization_response_prints_without_its_secrets() {
    let r =
        AuthorizationResponse::from_query("code=c0de&state=st4te&session_state=ss&x=y").unwrap();
    let shown = format!("{r:?}");
    assert!(
        !shown.contains("c0de") && !shown.contains("st4te"),
        "{shown}"
    );
    assert!(
        shown.contains(r#""x": "y""#) && shown.contains("session_state"),
        "{shown}"
    );
    // In received order; empty values are absent (RFC 6749 §3.1).
    let r = AuthorizationResponse::from_query("b=2&a=1&empty=").unwrap();
    let names: Vec<&str> = r.params().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
}
