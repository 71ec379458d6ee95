//! DPoP proofs (RFC 9449): the specification's vectors, every proof checked by an
//! independent verifier (jsonwebtoken over RustCrypto) and by `verify_proof`, and every
//! refusal of `verify_proof`.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use oidc_jose::{
    Algorithm, Curve, DpopKey, DpopRefusal, Error, KeyMaterial, ProofCheck, access_token_hash,
    thumbprint, verify_proof,
};

const NOW: i64 = 1_800_000_000;
const ALGS: &[Algorithm] = &[
    Algorithm::ES256,
    Algorithm::EdDSA,
    Algorithm::RS256,
    Algorithm::PS256,
];

fn b64(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn check<'a>(htm: &'a str, htu: &'a str) -> ProofCheck<'a> {
    ProofCheck {
        htm,
        htu,
        now: NOW,
        max_age: 300,
        leeway: 60,
        nonce: None,
        access_token: None,
        algorithms: ALGS,
    }
}

#[test]
fn rfc_9449_vectors() {
    // §4.1's example key and the jkt its examples bind tokens to (§6.1, §10).
    let mut point = vec![4u8];
    point.extend(b64("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs"));
    point.extend(b64("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"));
    let key = KeyMaterial::Ec {
        curve: Curve::P256,
        point,
    };
    assert_eq!(
        thumbprint(&key).unwrap(),
        "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
    );
    // §7.1's access token and its ath.
    assert_eq!(
        access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    );
}

/// jsonwebtoken's own verification of a proof with the key in its `jwk` header.
fn independently_verified(proof: &str) -> serde_json::Value {
    let header = jsonwebtoken::decode_header(proof).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    let jwk = header.jwk.clone().unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    v.validate_aud = false;
    jsonwebtoken::decode::<serde_json::Value>(proof, &key, &v)
        .unwrap()
        .claims
}

#[test]
fn proofs_verify_independently_and_carry_every_member() {
    for key in [
        DpopKey::generate().unwrap(),
        DpopKey::generate_for(Algorithm::EdDSA).unwrap(),
    ] {
        let proof = key
            .proof(
                "POST",
                "https://op.example/token?x=1#f",
                NOW,
                Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
                None,
            )
            .unwrap();
        let claims = independently_verified(&proof);
        assert_eq!(claims["htm"], "POST");
        assert_eq!(
            claims["htu"], "https://op.example/token",
            "no query or fragment"
        );
        assert_eq!(claims["iat"], NOW);
        assert_eq!(claims["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
        assert!(claims.get("ath").is_none());
        assert!(claims["jti"].as_str().unwrap().len() >= 16);
        let ok = verify_proof(
            &proof,
            &ProofCheck {
                nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
                ..check("POST", "https://op.example/token")
            },
        )
        .unwrap();
        assert_eq!(ok.jkt, key.thumbprint());
        // Resource requests carry ath.
        let at = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
        let proof = key
            .proof("GET", "https://rs.example/me", NOW, None, Some(at))
            .unwrap();
        assert_eq!(
            independently_verified(&proof)["ath"],
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
        verify_proof(
            &proof,
            &ProofCheck {
                access_token: Some(at),
                ..check("GET", "https://rs.example/me")
            },
        )
        .unwrap();
    }
}

#[test]
fn every_proof_is_fresh() {
    let key = DpopKey::generate().unwrap();
    let a = verify_proof(
        &key.proof("POST", "https://a/t", NOW, None, None).unwrap(),
        &check("POST", "https://a/t"),
    )
    .unwrap();
    let b = verify_proof(
        &key.proof("POST", "https://a/t", NOW, None, None).unwrap(),
        &check("POST", "https://a/t"),
    )
    .unwrap();
    assert_ne!(a.jti, b.jti);
}

#[test]
fn keys_persist_through_pkcs8() {
    for alg in [Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        let key = DpopKey::generate_for(alg).unwrap();
        let proof = key.proof("GET", "https://a/r", NOW, None, None).unwrap();
        independently_verified(&proof);
        let mut c = check("GET", "https://a/r");
        let algs = [alg];
        c.algorithms = &algs;
        assert_eq!(verify_proof(&proof, &c).unwrap().jkt, key.thumbprint());
        let again = DpopKey::from_pkcs8(alg, key.to_pkcs8()).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
        assert_eq!(again.algorithm(), alg);
        let debug = format!("{key:?}");
        assert!(debug.contains(key.thumbprint()));
        assert!(!debug.contains("pkcs8"), "{debug}");
    }
    assert!(DpopKey::generate_for(Algorithm::HS256).is_err());
    assert!(DpopKey::from_pkcs8(Algorithm::ES256, b"not a key").is_err());
}

#[test]
fn rsa_keys_from_pkcs8_make_rs256_and_ps256_proofs() {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/keys/rsa2048-1.pem"
    ));
    let Ok(pem) = pem else {
        panic!("tests/keys/rsa2048-1.pem is missing");
    };
    let der = pem_body(&pem);
    for alg in [Algorithm::RS256, Algorithm::PS256] {
        let key = DpopKey::from_pkcs8(alg, &der).unwrap();
        let proof = key.proof("POST", "https://a/t", NOW, None, None).unwrap();
        independently_verified(&proof);
        assert_eq!(
            verify_proof(&proof, &check("POST", "https://a/t"))
                .unwrap()
                .jkt,
            key.thumbprint()
        );
    }
}

#[test]
fn a_servers_nonce_is_carried_exactly_whatever_it_holds() {
    let key = DpopKey::generate().unwrap();
    // Quotes, backslashes and control characters are escaped, a space and non-ASCII are not.
    let nonce = "a\u{1}\u{1f} \"\\é";
    let proof = key
        .proof("POST", "https://a/t", NOW, Some(nonce), None)
        .unwrap();
    let payload = b64(proof.split('.').nth(1).unwrap());
    let text = String::from_utf8(payload).unwrap();
    assert!(text.contains(r#""nonce":"a\u0001\u001f \"\\é""#), "{text}");
    let mut c = check("POST", "https://a/t");
    c.nonce = Some(nonce);
    assert_eq!(
        verify_proof(&proof, &c).unwrap().nonce.as_deref(),
        Some(nonce)
    );
    // A proof may be as long as 8 KiB: a long nonce still fits, one past the limit does not.
    let long = "n".repeat(5000);
    c.nonce = Some(&long);
    let proof = key
        .proof("POST", "https://a/t", NOW, Some(&long), None)
        .unwrap();
    assert!(
        proof.len() > 6000 && proof.len() <= 8 * 1024,
        "{}",
        proof.len()
    );
    assert_eq!(
        verify_proof(&proof, &c).unwrap().nonce.as_deref(),
        Some(&*long)
    );
    let too_long = "n".repeat(6500);
    c.nonce = Some(&too_long);
    let proof = key
        .proof("POST", "https://a/t", NOW, Some(&too_long), None)
        .unwrap();
    assert!(proof.len() > 8 * 1024);
    assert!(matches!(
        verify_proof(&proof, &c),
        Err(Error::Malformed(oidc_jose::Malformed::TooLarge))
    ));
}

fn pem_body(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

fn refusal(e: Error) -> DpopRefusal {
    match e {
        Error::DpopProof(r) => r,
        other => panic!("not a DPoP refusal: {other}"),
    }
}

#[test]
fn every_check_refuses() {
    let key = DpopKey::generate().unwrap();
    let other = DpopKey::generate().unwrap();
    let proof = |htm: &str, htu: &str, iat: i64, nonce: Option<&str>, at: Option<&str>| {
        key.proof(htm, htu, iat, nonce, at).unwrap()
    };
    let c = check("POST", "https://op/token");
    let r = |p: &str, c: &ProofCheck<'_>| refusal(verify_proof(p, c).unwrap_err());
    assert_eq!(
        r(&proof("GET", "https://op/token", NOW, None, None), &c),
        DpopRefusal::Htm
    );
    assert_eq!(
        r(&proof("POST", "https://op/other", NOW, None, None), &c),
        DpopRefusal::Htu
    );
    assert_eq!(
        r(
            &proof("POST", "https://op/token", NOW - 301, None, None),
            &c
        ),
        DpopRefusal::Iat
    );
    assert_eq!(
        r(&proof("POST", "https://op/token", NOW + 61, None, None), &c),
        DpopRefusal::Iat
    );
    let with_nonce = ProofCheck {
        nonce: Some("n-1"),
        ..c
    };
    assert_eq!(
        r(
            &proof("POST", "https://op/token", NOW, None, None),
            &with_nonce
        ),
        DpopRefusal::NonceMissing
    );
    assert_eq!(
        r(
            &proof("POST", "https://op/token", NOW, Some("n-0"), None),
            &with_nonce
        ),
        DpopRefusal::NonceMismatch
    );
    let with_at = ProofCheck {
        access_token: Some("at-1"),
        ..c
    };
    assert_eq!(
        r(
            &proof("POST", "https://op/token", NOW, None, None),
            &with_at
        ),
        DpopRefusal::Ath
    );
    assert_eq!(
        r(
            &proof("POST", "https://op/token", NOW, None, Some("at-2")),
            &with_at
        ),
        DpopRefusal::Ath
    );
    // A signature by another key over this key's header.
    let good = proof("POST", "https://op/token", NOW, None, None);
    let forged = other
        .proof("POST", "https://op/token", NOW, None, None)
        .unwrap();
    let mixed = format!(
        "{}.{}",
        good.rsplit_once('.').unwrap().0,
        forged.rsplit_once('.').unwrap().1
    );
    assert_eq!(r(&mixed, &c), DpopRefusal::Signature);
    // Not allowed: EdDSA when only ES256 is.
    let ed = DpopKey::generate_for(Algorithm::EdDSA).unwrap();
    let only_es = ProofCheck {
        algorithms: &[Algorithm::ES256],
        ..c
    };
    assert_eq!(
        r(
            &ed.proof("POST", "https://op/token", NOW, None, None)
                .unwrap(),
            &only_es
        ),
        DpopRefusal::Algorithm
    );
    // Header forgeries: another typ, a private key, no jwk.
    let parts: Vec<&str> = good.split('.').collect();
    let header: serde_json::Value = serde_json::from_slice(&b64(parts[0])).unwrap();
    let reheader = |h: serde_json::Value| {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.{}", e.encode(h.to_string()), parts[1], parts[2])
    };
    let mut h = header.clone();
    h["typ"] = "JWT".into();
    assert_eq!(r(&reheader(h), &c), DpopRefusal::Type);
    let mut h = header.clone();
    h["jwk"]["d"] = "AAAA".into();
    assert_eq!(r(&reheader(h), &c), DpopRefusal::PrivateKey);
    let mut h = header.clone();
    h.as_object_mut().unwrap().remove("jwk");
    assert_eq!(r(&reheader(h), &c), DpopRefusal::Jwk);
    // HMAC and `none` are refused even when the caller's list names them.
    let anything = [Algorithm::HS256, Algorithm::None, Algorithm::ES256];
    let lenient = ProofCheck {
        algorithms: &anything,
        ..c
    };
    for alg in ["HS256", "none"] {
        let mut h = header.clone();
        h["alg"] = alg.into();
        assert_eq!(r(&reheader(h), &lenient), DpopRefusal::Algorithm, "{alg}");
    }
    assert_eq!(
        verify_proof("not a jwt", &c).unwrap_err().kind(),
        "malformed_token"
    );
}

#[test]
fn iat_may_lie_at_either_edge_of_the_window() {
    let key = DpopKey::generate().unwrap();
    let c = check("POST", "https://op/token");
    // max_age 300, leeway 60: [NOW - 300, NOW + 60] is accepted, one second past is not.
    for (iat, ok) in [
        (NOW - 301, false),
        (NOW - 300, true),
        (NOW + 60, true),
        (NOW + 61, false),
    ] {
        let proof = key
            .proof("POST", "https://op/token", iat, None, None)
            .unwrap();
        match verify_proof(&proof, &c) {
            Ok(v) => assert!(ok && v.iat == iat, "{iat} accepted"),
            Err(e) => assert!(!ok && refusal(e) == DpopRefusal::Iat, "{iat} refused"),
        }
    }
}

proptest::proptest! {
    #[test]
    fn random_requests_round_trip(
        htm in "[A-Z]{3,7}",
        path in "[a-z0-9/._~-]{0,40}",
        nonce in proptest::option::of("[!#-\\[\\]-~]{1,40}"),
        token in proptest::option::of("[ -~]{1,80}"),
    ) {
        let key = DpopKey::generate().unwrap();
        let htu = format!("https://op.example/{path}");
        let proof = key.proof(&htm, &htu, NOW, nonce.as_deref(), token.as_deref()).unwrap();
        let v = verify_proof(&proof, &ProofCheck {
            nonce: nonce.as_deref(),
            access_token: token.as_deref(),
            ..check(&htm, &htu)
        }).unwrap();
        proptest::prop_assert_eq!(v.jkt, key.thumbprint());
    }

    #[test]
    fn random_input_never_panics(s in "\\PC{0,300}") {
        let _ = verify_proof(&s, &check("POST", "https://op/t"));
    }
}
