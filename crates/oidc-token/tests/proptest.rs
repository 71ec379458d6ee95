//! Arbitrary bodies never panic the parsers: they parse or return an error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers fail loudly"
)]

use std::sync::Arc;

use oidc_core::{ClientId, FixedClock, HttpResponse};
use oidc_token::*;
use proptest::prelude::*;

fn resp(status: u16, ct: Option<&str>, body: Vec<u8>) -> HttpResponse {
    let mut b = http::Response::builder().status(status);
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    b.body(body).unwrap()
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("access_token".to_owned()),
                    Just("token_type".to_owned()),
                    Just("expires_in".to_owned()),
                    Just("refresh_token".to_owned()),
                    Just("scope".to_owned()),
                    Just("id_token".to_owned()),
                    Just("error".to_owned()),
                    Just("sub".to_owned()),
                    Just("active".to_owned()),
                    Just("aud".to_owned()),
                    Just("device_code".to_owned()),
                    Just("user_code".to_owned()),
                    Just("verification_uri".to_owned()),
                    Just("interval".to_owned()),
                    Just("request_uri".to_owned()),
                    Just("address".to_owned()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn statuses() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(200u16),
        Just(201),
        Just(400),
        Just(401),
        Just(403),
        Just(500),
        100u16..600
    ]
}

fn content_types() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop_oneof![
        Just("application/json"),
        Just("application/jwt"),
        Just("text/html"),
        Just("application/json; charset=utf-8"),
    ])
}

fn check_all(r: &HttpResponse) {
    let clock = FixedClock::new(1_800_000_000);
    let c = TokenClient::new(ClientId::new("c"), ClientAuth::None)
        .with_clock(Arc::new(FixedClock::new(1_800_000_000)))
        .with_options(ResponseOptions::default().accept_string_expires_in(true));
    let _ = parse_token_response(r, None, &ResponseOptions::default(), &clock);
    let _ = c.parse_token_response(r, None);
    let _ = c.parse_device_authorization_response(r);
    let _ = c.parse_device_poll_response(r);
    let _ = c.parse_introspection_response(r);
    let _ = c.parse_revocation_response(r);
    let _ = c.parse_par_response(r);
    let keys = oidc_jose::JwkSet::default();
    let how = UserInfoParse::new("alice").with_verification(UserInfoVerification {
        keys: &keys,
        algorithms: &[oidc_jose::Algorithm::RS256],
        client_secret: None,
        issuer: Some("https://op"),
        client_id: None,
    });
    if let Ok(u) = parse_userinfo_response(r, &how) {
        assert_eq!(u.sub(), Some("alice"));
        let _ = u.claim("/json/address/country");
    }
    let _ = parse_userinfo_response(r, &UserInfoParse::new("alice"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(status in statuses(), ct in content_types(), body in prop::collection::vec(any::<u8>(), 0..512)) {
        check_all(&resp(status, ct, body));
    }

    #[test]
    fn arbitrary_json_never_panics(status in statuses(), ct in content_types(), v in json_value()) {
        check_all(&resp(status, ct, v.to_string().into_bytes()));
    }

    #[test]
    fn successful_parse_keeps_its_promises(v in json_value()) {
        let r = resp(200, Some("application/json"), v.to_string().into_bytes());
        let clock = FixedClock::new(1_000);
        if let Ok(t) = parse_token_response(&r, None, &ResponseOptions::default(), &clock) {
            prop_assert!(!t.access_token.secret().is_empty());
            prop_assert_eq!(t.token_type, TokenType::Bearer);
            prop_assert_eq!(t.expires_at.is_some(), t.expires_in.is_some());
            for k in ["access_token", "token_type", "expires_in", "refresh_token", "id_token", "scope"] {
                prop_assert!(!t.extra.contains_key(k));
            }
        }
    }
}
