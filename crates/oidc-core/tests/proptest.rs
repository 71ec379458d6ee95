//! The redirect parsers never panic, and what they accept round-trips.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use oidc_core::{AuthorizationResponse, IssuerUrl, ResponseType, Scope, State};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_query_never_panics(q in ".{0,300}") {
        if let Ok(r) = AuthorizationResponse::from_query(&q) {
            let _ = r.to_result();
            let _ = r.check_state(&State::new("s"));
            let _ = format!("{r:?}");
        }
    }

    #[test]
    fn arbitrary_form_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(r) = AuthorizationResponse::from_form_body(&b) {
            let _ = r.to_result();
        }
    }

    #[test]
    fn encoded_pairs_round_trip(code in "[ -~]{1,40}", state in "[ -~]{1,40}") {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("state", &state)
            .finish();
        let r = AuthorizationResponse::from_query(&q).unwrap();
        let s = r.to_result().unwrap();
        let got = s.code.unwrap();
        prop_assert_eq!(got.secret(), code.as_str());
        s.state.unwrap();
        prop_assert!(r.check_state(&State::new(state.clone())).is_ok());
    }

    #[test]
    fn other_parsers_never_panic(s in ".{0,120}") {
        let _ = ResponseType::parse(&s);
        let _ = IssuerUrl::new(s.clone());
        let _ = Scope::new(&s).with_openid().to_string();
    }
}
