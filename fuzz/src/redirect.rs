//! The authorization response: a redirect's query, a `form_post` body, a pasted line.

use oidc_core::{AuthorizationResponse, IssuerUrl, RedirectUrl, State};

const STATE: &str = "fuzz-state";
const ISSUER: &str = "https://op.example";

fn issuer() -> IssuerUrl {
    IssuerUrl::new(ISSUER).unwrap_or_else(|e| panic!("fixed issuer refused: {e}"))
}

/// The query / form parsers, then the checks a sign-in makes (state, RFC 9207 `iss`), and
/// the pasted-line checks of a sign-in without a local browser. Whatever passes carries
/// this sign-in's state and, where the provider promises it, this issuer.
pub fn authorization_response(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let iss_supported = pick & 1 == 1;
    let state = State::new(STATE);
    let issuer = issuer();
    let parsed = if pick & 2 == 0 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        if pick & 4 == 4 {
            pasted(text, &state, &issuer, iss_supported);
        }
        AuthorizationResponse::from_query(text)
    } else {
        AuthorizationResponse::from_form_body(rest)
    };
    let Ok(response) = parsed else { return };
    let names: Vec<&str> = response.params().iter().map(|(n, _)| n.as_str()).collect();
    for (i, n) in names.iter().enumerate() {
        assert!(!names[..i].contains(n), "parameter {n:?} delivered twice");
    }
    for (n, v) in response.params() {
        assert!(!v.is_empty(), "empty value of {n:?} kept");
        assert_eq!(response.get(n), Some(v.as_str()));
    }
    let state_ok = response.check_state(&state).is_ok();
    assert_eq!(state_ok, response.get("state") == Some(STATE));
    let error_iss_ok = response.check_error_iss(&issuer, iss_supported).is_ok();
    if response.is_error() && error_iss_ok {
        match response.get("iss") {
            Some(found) => assert_eq!(found, ISSUER),
            None => assert!(!iss_supported, "unattributed error accepted"),
        }
    }
    if let Ok(success) = response.to_result() {
        assert!(!response.is_error());
        if success.check_iss(&issuer, iss_supported).is_ok() {
            match success.iss.as_deref() {
                Some(found) => assert_eq!(found, ISSUER),
                None => assert!(!iss_supported || success.id_token.is_some()),
            }
        }
        let _ = success.check_response_type(oidc_core::ResponseType::of(&[
            oidc_core::ResponseTypeComponent::Code,
        ]));
    }
}

fn pasted(line: &str, state: &State, issuer: &IssuerUrl, iss_supported: bool) {
    let redirect = RedirectUrl::new("http://127.0.0.1:8000/callback")
        .unwrap_or_else(|e| panic!("fixed redirect refused: {e}"));
    if let Ok(response) =
        oidc_desktop::fuzzing::check_pasted(line, &redirect, state, issuer, iss_supported)
    {
        assert_eq!(
            response.get("state"),
            Some(STATE),
            "pasted line with another state"
        );
        if let Some(found) = response.get("iss") {
            assert_eq!(found, ISSUER);
        } else if iss_supported {
            assert!(
                response.get("id_token").is_some(),
                "pasted line without iss"
            );
        }
    }
}
