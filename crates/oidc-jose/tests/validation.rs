//! Every ID-token rule of OpenID Connect Core, each with a test that fails if the rule
//! is removed from the validator.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use oidc_core::{ClientSecret, FixedClock};
use oidc_jose::{
    Algorithm, CompactJws, Error, ExpectedIssuer, HashedValue, IdTokenValidator, Jwk, JwkSet,
    KeyMaterial, Malformed, SigningKey, SkipChecks, ValidatedClaims, ValidationContext, claim_hash,
    verify_jws, verify_signature,
};
use serde_json::{Value, json};

const ISS: &str = "https://op.example.com";
const CLIENT: &str = "client-1";
const SECRET: &str = "a-client-secret-of-32-bytes-len!";
const NOW: i64 = 1_900_000_000;
const NONCE: &str = "n-0S6_WzA2Mj";

struct Keys {
    rsa: SigningKey,
    rsa2: SigningKey,
    ps: SigningKey,
    ec: SigningKey,
    ed: SigningKey,
    hs: SigningKey,
    jwks: JwkSet,
}

fn keys() -> Keys {
    let rsa = SigningKey::from_pkcs8_pem(Algorithm::RS256, include_str!("keys/rsa2048-1.pem"))
        .unwrap()
        .with_kid("r1");
    let rsa2 = SigningKey::from_pkcs8_pem(Algorithm::RS256, include_str!("keys/rsa2048-2.pem"))
        .unwrap()
        .with_kid("r2");
    let ps = SigningKey::from_pkcs8_pem(Algorithm::PS256, include_str!("keys/rsa2048-2.pem"))
        .unwrap()
        .with_kid("p1");
    let ec = SigningKey::from_pkcs8_pem(Algorithm::ES256, include_str!("keys/ec-p256.pem"))
        .unwrap()
        .with_kid("e1");
    let ed = SigningKey::from_pkcs8_pem(Algorithm::EdDSA, include_str!("keys/ed25519.pem"))
        .unwrap()
        .with_kid("d1");
    let hs = SigningKey::hmac(Algorithm::HS256, SECRET.as_bytes()).unwrap();
    let jwks_json = json!({"keys": [
        rsa.public_jwk_json(), rsa2.public_jwk_json(), ps.public_jwk_json(),
        ec.public_jwk_json(), ed.public_jwk_json()
    ]});
    let jwks = JwkSet::from_slice(jwks_json.to_string().as_bytes()).unwrap();
    Keys {
        rsa,
        rsa2,
        ps,
        ec,
        ed,
        hs,
        jwks,
    }
}

fn claims() -> Value {
    json!({
        "iss": ISS, "sub": "user-1", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 10,
        "nonce": NONCE, "auth_time": NOW - 100, "name": "Jane Doe", "email": "jane@example.com"
    })
}

fn with(mut base: Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    f(base.as_object_mut().unwrap());
    base
}

fn mint(key: &SigningKey, claims: &Value) -> String {
    key.sign_compact(Some("JWT"), claims.to_string().as_bytes())
        .unwrap()
}

fn validator() -> IdTokenValidator {
    IdTokenValidator::new(ISS, CLIENT)
        .algorithms([
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::ES256,
            Algorithm::EdDSA,
            Algorithm::HS256,
        ])
        .client_secret(ClientSecret::new(SECRET))
}

fn ctx() -> ValidationContext<'static> {
    ValidationContext {
        nonce: Some(NONCE),
        ..Default::default()
    }
}

fn check(
    v: &IdTokenValidator,
    token: &str,
    jwks: &JwkSet,
    c: &ValidationContext<'_>,
) -> Result<ValidatedClaims, Error> {
    v.validate(token, jwks, c, &FixedClock::new(NOW))
        .map(|t| t.claims)
}

fn ok(token: &str, k: &Keys) -> ValidatedClaims {
    check(&validator(), token, &k.jwks, &ctx()).unwrap()
}

fn err(token: &str, k: &Keys) -> Error {
    check(&validator(), token, &k.jwks, &ctx()).unwrap_err()
}

fn assert_code(e: &Error, code: u16, kind: &str) {
    assert_eq!((e.code().as_u16(), e.kind()), (code, kind), "{e}");
}

fn flip_sig(token: &str) -> String {
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut bytes: Vec<char> = sig.chars().collect();
    bytes[5] = if bytes[5] == 'A' { 'B' } else { 'A' };
    format!("{head}.{}", bytes.into_iter().collect::<String>())
}

#[test]
fn every_algorithm_validates() {
    let k = keys();
    for key in [&k.rsa, &k.ps, &k.ec, &k.ed, &k.hs] {
        let c = ok(&mint(key, &claims()), &k);
        assert_eq!(c.sub.as_deref(), Some("user-1"));
        assert_eq!(c.user().name.as_deref(), Some("Jane Doe"));
    }
}

#[test]
fn the_validated_claims_hold_the_required_members() {
    let k = keys();
    let c = ok(&mint(&k.ec, &claims()), &k);
    assert_eq!(c.issuer(), ISS);
    assert_eq!(c.subject(), "user-1");
    assert_eq!(c.audiences(), [CLIENT]);
    assert_eq!((c.expires_at(), c.issued_at()), (NOW + 300, NOW - 10));
    assert_eq!(c.auth_time, Some(NOW - 100));
}

#[test]
fn a_skip_flag_skips_the_value_check_never_the_presence() {
    // OpenID Connect Core §2 requires the five members in every ID token; skipping the check
    // of one (a bit flag) must not let a token without it through, so the validated
    // claims never lack one.
    let k = keys();
    let every_flag = validator().skip_checks(SkipChecks::from_seed_flags(0x7f));
    for (member, flag) in [
        ("iss", 0x01),
        ("aud", 0x02),
        ("exp", 0x04),
        ("iat", 0x10),
        ("sub", 0),
    ] {
        let t = mint(
            &k.rsa,
            &with(claims(), |m| {
                m.remove(member);
            }),
        );
        for v in [
            validator().skip_checks(SkipChecks::from_seed_flags(flag)),
            every_flag.clone(),
        ] {
            match check(&v, &t, &k.jwks, &ctx()) {
                Err(Error::MissingClaim(m)) => assert_eq!(m, member),
                other => panic!("without {member}: {other:?}"),
            }
        }
    }
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert("aud".into(), json!([]));
        }),
    );
    assert!(matches!(
        check(&every_flag, &t, &k.jwks, &ctx()),
        Err(Error::MissingClaim("aud"))
    ));
}

#[test]
fn corrupted_signature_is_refused_for_every_algorithm() {
    let k = keys();
    for key in [&k.rsa, &k.ps, &k.ec, &k.ed, &k.hs] {
        let e = err(&flip_sig(&mint(key, &claims())), &k);
        assert_code(&e, 920, "bad_signature");
    }
}

#[test]
fn altered_payload_is_refused() {
    let k = keys();
    let token = mint(&k.rsa, &claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = with(claims(), |m| {
        m.insert("sub".into(), "admin".into());
    });
    let forged_payload = base64url(forged.to_string().as_bytes());
    let t = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_code(&err(&t, &k), 920, "bad_signature");
}

fn base64url(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn unsigned_tokens_need_the_loud_opt_in() {
    let k = keys();
    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none"}"#),
        base64url(claims().to_string().as_bytes())
    );
    assert_code(&err(&unsigned, &k), 923, "missing_signature");
    let v = validator().insecure_accept_unsigned(true);
    check(&v, &unsigned, &k.jwks, &ctx()).unwrap();
    // with the opt-in, `none` still may not carry a signature
    let with_sig = format!("{unsigned}AAAA");
    assert_code(
        &check(&v, &with_sig, &k.jwks, &ctx()).unwrap_err(),
        923,
        "missing_signature",
    );
    // an RS256 header with an empty signature is unsigned too
    let t = mint(&k.rsa, &claims());
    let stripped = format!("{}.", t.rsplit_once('.').unwrap().0);
    assert_code(&err(&stripped, &k), 923, "missing_signature");
}

#[test]
fn algorithm_allow_list() {
    let k = keys();
    let v = IdTokenValidator::new(ISS, CLIENT); // RS256 only
    let e = check(&v, &mint(&k.ec, &claims()), &k.jwks, &ctx()).unwrap_err();
    assert_code(&e, 920, "algorithm_not_allowed");
    check(&v, &mint(&k.rsa, &claims()), &k.jwks, &ctx()).unwrap();
    let from_names = IdTokenValidator::new(ISS, CLIENT).algorithms_from_names(["none", "bogus"]);
    assert_eq!(from_names.allowed_algorithms(), [Algorithm::RS256]);
}

#[test]
fn hs256_keyed_with_the_rsa_public_key_is_refused() {
    let k = keys();
    let public_pem = k.rsa.public_jwk().unwrap().to_public_key_pem().unwrap();
    let evil = SigningKey::hmac(Algorithm::HS256, public_pem.as_bytes())
        .unwrap()
        .with_kid("r1");
    let token = mint(&evil, &claims());
    // HS256 allowed and keyed with the client secret: the forged MAC does not verify.
    assert_code(&err(&token, &k), 920, "bad_signature");
    // HS256 allowed but no client secret: there is no HMAC key at all.
    let v = IdTokenValidator::new(ISS, CLIENT).algorithms([Algorithm::RS256, Algorithm::HS256]);
    assert_code(
        &check(&v, &token, &k.jwks, &ctx()).unwrap_err(),
        921,
        "no_signer_key",
    );
    // the default allow-list refuses HS256 outright
    let v = IdTokenValidator::new(ISS, CLIENT);
    assert_code(
        &check(&v, &token, &k.jwks, &ctx()).unwrap_err(),
        920,
        "algorithm_not_allowed",
    );
}

#[test]
fn hmac_keys_shorter_than_the_hash_output_are_refused() {
    let k = keys();
    // RFC 7518 §3.2: HS256 needs 32 bytes of key, HS384 48, HS512 64.
    for (alg, len, ok_len) in [
        (Algorithm::HS256, 31, 32),
        (Algorithm::HS384, 47, 48),
        (Algorithm::HS512, 63, 64),
    ] {
        let short = "s".repeat(len);
        let key = SigningKey::hmac(alg, short.as_bytes()).unwrap();
        let token = mint(&key, &claims());
        let v = IdTokenValidator::new(ISS, CLIENT)
            .algorithms([alg])
            .client_secret(ClientSecret::new(short.clone()));
        let e = check(&v, &token, &k.jwks, &ctx()).unwrap_err();
        assert_code(&e, 921, "weak_hmac_key");
        assert!(
            matches!(e, Error::WeakHmacKey { len: l, min, .. } if l == len && min == ok_len),
            "{e:?}"
        );
        let long = "s".repeat(ok_len);
        let key = SigningKey::hmac(alg, long.as_bytes()).unwrap();
        let token = mint(&key, &claims());
        let v = IdTokenValidator::new(ISS, CLIENT)
            .algorithms([alg])
            .client_secret(ClientSecret::new(long));
        check(&v, &token, &k.jwks, &ctx()).unwrap();
    }
    // An empty secret is no secret: a token MACed with the empty key is not valid.
    let empty = SigningKey::hmac(Algorithm::HS256, b"").unwrap();
    let token = mint(&empty, &claims());
    let v = IdTokenValidator::new(ISS, CLIENT)
        .algorithms([Algorithm::HS256])
        .client_secret(ClientSecret::new(""));
    assert_code(
        &check(&v, &token, &k.jwks, &ctx()).unwrap_err(),
        921,
        "no_signer_key",
    );
}

#[test]
fn weak_hmac_keys_are_refused_on_every_verify_path() {
    // verify_jws (signed UserInfo, client assertions at the test provider) and
    // verify_signature (an `oct` key) hold HMAC keys to the validator's minimum.
    let none = JwkSet::default();
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let min = alg.min_hmac_key_len().unwrap();
        let short = "k".repeat(min - 1);
        // Signing does not refuse a short key (client_secret_jwt with a provider's secret).
        let token = SigningKey::hmac(alg, short.as_bytes())
            .unwrap()
            .sign_compact(None, b"{}")
            .unwrap();
        let jws = CompactJws::parse(&token).unwrap();
        let weak = |e: &Error| {
            matches!(e, Error::WeakHmacKey { alg: a, len, min: m }
                if *a == alg && *len == min - 1 && *m == min)
        };
        let e = verify_jws(&jws, &none, &[alg], Some(short.as_bytes())).unwrap_err();
        assert!(weak(&e), "{alg}: {e:?}");
        assert_code(&e, 921, "weak_hmac_key");
        let e = verify_jws(&jws, &none, &[alg], Some(b"")).unwrap_err();
        assert!(
            matches!(e, Error::MissingClientSecret(a) if a == alg),
            "{e:?}"
        );
        let oct = KeyMaterial::Oct {
            k: short.into_bytes(),
        };
        let e = verify_signature(alg, &oct, jws.signing_input(), jws.signature()).unwrap_err();
        assert!(weak(&e), "{alg}: {e:?}");

        let long = "k".repeat(min);
        let token = SigningKey::hmac(alg, long.as_bytes())
            .unwrap()
            .sign_compact(None, b"{}")
            .unwrap();
        let jws = CompactJws::parse(&token).unwrap();
        assert!(
            verify_jws(&jws, &none, &[alg], Some(long.as_bytes()))
                .unwrap()
                .is_none()
        );
        let oct = KeyMaterial::Oct {
            k: long.into_bytes(),
        };
        verify_signature(alg, &oct, jws.signing_input(), jws.signature()).unwrap();
    }
    // An `oct` JWK whose `k` is "secret" (6 bytes) verifies nothing.
    let jwk = Jwk::from_slice(br#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
    let token = SigningKey::hmac(Algorithm::HS256, b"secret")
        .unwrap()
        .sign_compact(None, b"{}")
        .unwrap();
    let jws = CompactJws::parse(&token).unwrap();
    let e = verify_signature(
        Algorithm::HS256,
        jwk.material(),
        jws.signing_input(),
        jws.signature(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::WeakHmacKey {
                len: 6,
                min: 32,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn explicitly_typed_other_tokens_are_not_id_tokens() {
    let k = keys();
    let payload = claims().to_string();
    let unchecked = validator().skip_checks(SkipChecks {
        insecure_signature: true,
        ..Default::default()
    });
    for typ in [
        "at+jwt",
        "application/at+jwt",
        "AT+JWT",
        "Application/At+Jwt",
        "at+jwt; charset=utf-8",
        " at+jwt ",
        "logout+jwt",
        "application/logout+jwt",
        "LOGOUT+JWT",
        "dpop+jwt",
        "application/dpop+jwt",
        "DPoP+JWT",
        "secevent+jwt",
        // Found by the id_token fuzz target: `trim_ascii` keeps a vertical tab, so the
        // suffix rule did not see `+jwt`; a type with controls or non-ASCII is no media type.
        "at+jwt\u{b}",
        "at+jwt\u{b}\u{c}",
        "JWT\u{2003}",
        "J\u{0}WT",
    ] {
        let token = k.rsa.sign_compact(Some(typ), payload.as_bytes()).unwrap();
        let e = err(&token, &k);
        assert_code(&e, 901, "wrong_token_type");
        assert!(e.to_string().contains(typ), "{e}");
        assert!(matches!(&e, Error::WrongTokenType(t) if t == typ), "{e:?}");
        // Not a signature rule: it holds when the signature check is skipped, too.
        let e = check(&unchecked, &flip_sig(&token), &k.jwks, &ctx()).unwrap_err();
        assert_code(&e, 901, "wrong_token_type");
    }
    for typ in [
        Some("JWT"),
        Some("jwt"),
        Some("application/jwt"),
        Some(" JWT\t"),
        None,
    ] {
        let token = k.rsa.sign_compact(typ, payload.as_bytes()).unwrap();
        ok(&token, &k);
    }
}

#[test]
fn a_parsed_token_does_not_print_itself() {
    let k = keys();
    let token = mint(&k.rsa, &claims());
    let jws = CompactJws::parse(&token).unwrap();
    let shown = format!("{jws:?}");
    let mut parts = token.split('.');
    let (header, payload, sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    for part in [header, payload, sig] {
        assert!(!shown.contains(part), "{shown}");
    }
    assert!(!shown.contains("jane@example.com"), "{shown}");
    assert!(shown.contains("RS256") && shown.contains("r1"), "{shown}");
}

#[test]
fn contexts_validated_tokens_and_keys_do_not_print_secrets() {
    let k = keys();
    let access_token = "SlAV32hkKG-an-access-token";
    let code = "Qcb0Orv1zh30vL1MPRsbm-a-code";
    let c = with(claims(), |m| {
        m.insert(
            "at_hash".into(),
            claim_hash(Algorithm::RS256, access_token).into(),
        );
        m.insert("c_hash".into(), claim_hash(Algorithm::RS256, code).into());
    });
    let token = mint(&k.rsa, &c);
    let c = ValidationContext {
        nonce: Some(NONCE),
        access_token: Some(HashedValue {
            value: access_token,
            required: true,
        }),
        code: Some(HashedValue {
            value: code,
            required: true,
        }),
        ..Default::default()
    };
    let shown = format!("{c:?}");
    for secret in [access_token, code, NONCE] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(
        shown.contains("[redacted]") && shown.contains("value_len"),
        "{shown}"
    );

    let validated = validator()
        .validate(&token, &k.jwks, &c, &FixedClock::new(NOW))
        .unwrap();
    let shown = format!("{validated:?}");
    for part in token.split('.') {
        assert!(!shown.contains(part), "{shown}");
    }
    for secret in [access_token, code, NONCE, "jane@example.com"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("user-1") && shown.contains("r1"), "{shown}");

    let hmac = format!(
        "{:?}",
        SigningKey::hmac(Algorithm::HS256, SECRET.as_bytes()).unwrap()
    );
    assert!(!hmac.contains(SECRET) && hmac.contains("HS256"), "{hmac}");
    let oct = format!(
        "{:?}",
        Jwk::from_material(
            Some("o1".into()),
            Some(Algorithm::HS256),
            KeyMaterial::Oct {
                k: SECRET.as_bytes().to_vec()
            }
        )
    );
    assert!(!oct.contains(SECRET) && !oct.contains("97, 45"), "{oct}");
}

#[test]
fn key_type_must_match_the_algorithm() {
    let k = keys();
    // RS256 header naming the EC key's kid
    let header = br#"{"alg":"RS256","kid":"e1"}"#;
    let t = k
        .rsa
        .sign_with_header(header, claims().to_string().as_bytes())
        .unwrap();
    assert_code(&err(&t, &k), 922, "no_matching_key");
}

#[test]
fn unknown_kid_is_its_own_error() {
    let k = keys();
    let t = mint(
        &SigningKey::generate_ec(Algorithm::ES256)
            .unwrap()
            .with_kid("rotated"),
        &claims(),
    );
    let e = err(&t, &k);
    assert_code(&e, 922, "no_matching_key");
    assert!(e.is_unknown_kid());
    assert!(!err(&flip_sig(&mint(&k.rsa, &claims())), &k).is_unknown_kid());
}

#[test]
fn kid_absent_single_and_multiple_keys() {
    let k = keys();
    let header = br#"{"alg":"RS256","typ":"JWT"}"#;
    let payload = claims().to_string();
    // one RSA key in the set: accepted
    let single = JwkSet::from_keys(vec![k.rsa.public_jwk().unwrap()]);
    let t = k.rsa.sign_with_header(header, payload.as_bytes()).unwrap();
    check(&validator(), &t, &single, &ctx()).unwrap();
    // several RSA keys without kid: the right one is found by trying
    let t2 = k.rsa2.sign_with_header(header, payload.as_bytes()).unwrap();
    ok(&t2, &k);
    // several candidates, none verifies: no matching key
    let stranger = SigningKey::generate_ed25519().unwrap();
    let t3 = stranger
        .sign_with_header(br#"{"alg":"EdDSA"}"#, payload.as_bytes())
        .unwrap();
    let two_ed = JwkSet::from_keys(vec![
        k.ed.public_jwk().unwrap(),
        SigningKey::generate_ed25519()
            .unwrap()
            .public_jwk()
            .unwrap(),
    ]);
    assert_code(
        &check(&validator(), &t3, &two_ed, &ctx()).unwrap_err(),
        922,
        "no_matching_key",
    );
    // no key of the token's type at all
    let only_ec = JwkSet::from_keys(vec![k.ec.public_jwk().unwrap()]);
    assert_code(
        &check(&validator(), &t, &only_ec, &ctx()).unwrap_err(),
        922,
        "no_matching_key",
    );
    // empty set
    assert_code(
        &check(&validator(), &t, &JwkSet::default(), &ctx()).unwrap_err(),
        921,
        "no_signer_key",
    );
}

#[test]
fn duplicate_kids_are_tolerated_and_enc_keys_never_verify() {
    let k = keys();
    let mut a = k.rsa2.public_jwk_json().unwrap();
    a["kid"] = "dup".into();
    let mut b = k.rsa.public_jwk_json().unwrap();
    b["kid"] = "dup".into();
    let set = JwkSet::from_slice(json!({"keys":[a, b]}).to_string().as_bytes()).unwrap();
    let signer = SigningKey::from_pkcs8_pem(Algorithm::RS256, include_str!("keys/rsa2048-1.pem"))
        .unwrap()
        .with_kid("dup");
    check(&validator(), &mint(&signer, &claims()), &set, &ctx()).unwrap();
    let mut enc = k.rsa.public_jwk_json().unwrap();
    enc["use"] = "enc".into();
    let set = JwkSet::from_slice(json!({"keys":[enc]}).to_string().as_bytes()).unwrap();
    assert_code(
        &check(&validator(), &mint(&k.rsa, &claims()), &set, &ctx()).unwrap_err(),
        922,
        "no_matching_key",
    );
}

#[test]
fn header_keys_are_never_trusted() {
    let k = keys();
    let attacker = SigningKey::generate_ec(Algorithm::ES256).unwrap();
    let header =
        json!({"alg":"ES256","jwk": attacker.public_jwk_json(), "jku":"https://evil.example/jwks"});
    let t = attacker
        .sign_with_header(
            header.to_string().as_bytes(),
            claims().to_string().as_bytes(),
        )
        .unwrap();
    // EC key e1 is the only candidate; the embedded key is ignored, so the signature fails.
    assert_code(&err(&t, &k), 920, "bad_signature");
}

#[test]
fn critical_headers_and_encrypted_tokens() {
    let k = keys();
    let t = k
        .rsa
        .sign_with_header(
            br#"{"alg":"RS256","kid":"r1","crit":["exp-ext"],"exp-ext":1}"#,
            claims().to_string().as_bytes(),
        )
        .unwrap();
    assert_code(&err(&t, &k), 901, "unsupported_critical_header");
    assert_code(&err("a.b.c.d.e", &k), 901, "encrypted_token");
    let big = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert("pad".into(), "x".repeat(70_000).into());
        }),
    );
    assert!(matches!(
        err(&big, &k),
        Error::Malformed(Malformed::TooLarge)
    ));
    let v = validator().max_token_len(100_000);
    check(&v, &big, &k.jwks, &ctx()).unwrap();
}

#[test]
fn claims_of_the_wrong_type_are_unparsable() {
    let k = keys();
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert("exp".into(), "tomorrow".into());
        }),
    );
    assert_code(&err(&t, &k), 901, "malformed_token");
}

#[test]
fn issuer() {
    let k = keys();
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert("iss".into(), "https://op.example.com/".into());
        }),
    );
    assert_code(&err(&t, &k), 911, "issuer_mismatch");
    let v = validator().skip_checks(SkipChecks::from_seed_flags(0x01));
    check(&v, &t, &k.jwks, &ctx()).unwrap();
    let v = validator().expected_issuer(ExpectedIssuer::Exact("https://op.example.com/".into()));
    check(&v, &t, &k.jwks, &ctx()).unwrap();
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.remove("iss");
        }),
    );
    assert_code(&err(&t, &k), 913, "missing_claim");
}

#[test]
fn microsoft_tenant_template() {
    let k = keys();
    let tpl = "https://login.microsoftonline.com/{tenantid}/v2.0";
    let v = validator().expected_issuer(ExpectedIssuer::MicrosoftTenantTemplate(tpl.into()));
    let good = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert(
                "iss".into(),
                "https://login.microsoftonline.com/t-123/v2.0".into(),
            );
            m.insert("tid".into(), "t-123".into());
        }),
    );
    check(&v, &good, &k.jwks, &ctx()).unwrap();
    let other_tenant = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert(
                "iss".into(),
                "https://login.microsoftonline.com/t-999/v2.0".into(),
            );
            m.insert("tid".into(), "t-123".into());
        }),
    );
    assert_code(
        &check(&v, &other_tenant, &k.jwks, &ctx()).unwrap_err(),
        911,
        "issuer_mismatch",
    );
}

#[test]
fn audience_and_azp() {
    let k = keys();
    let m =
        |f: &dyn Fn(&mut serde_json::Map<String, Value>)| mint(&k.rsa, &with(claims(), |m| f(m)));
    assert_code(
        &err(
            &m(&|c| {
                c.insert("aud".into(), "other".into());
            }),
            &k,
        ),
        912,
        "audience_mismatch",
    );
    assert_code(
        &err(
            &m(&|c| {
                c.remove("aud");
            }),
            &k,
        ),
        913,
        "missing_claim",
    );
    assert_code(
        &err(
            &m(&|c| {
                c.insert("aud".into(), json!([]));
            }),
            &k,
        ),
        913,
        "missing_claim",
    );
    // several audiences: the extra one must be trusted and azp must be present and ours
    let multi = m(&|c| {
        c.insert("aud".into(), json!([CLIENT, "api"]));
        c.insert("azp".into(), CLIENT.into());
    });
    assert_code(&err(&multi, &k), 912, "audience_mismatch");
    let v = validator().trusted_audiences(["api"]);
    check(&v, &multi, &k.jwks, &ctx()).unwrap();
    check(
        &validator().allow_untrusted_audiences(true),
        &multi,
        &k.jwks,
        &ctx(),
    )
    .unwrap();
    let no_azp = m(&|c| {
        c.insert("aud".into(), json!([CLIENT, "api"]));
    });
    assert_code(
        &check(&v, &no_azp, &k.jwks, &ctx()).unwrap_err(),
        912,
        "azp_mismatch",
    );
    check(
        &v.clone().require_azp_for_multiple_audiences(false),
        &no_azp,
        &k.jwks,
        &ctx(),
    )
    .unwrap();
    let bad_azp = m(&|c| {
        c.insert("azp".into(), "someone-else".into());
    });
    assert_code(&err(&bad_azp, &k), 912, "azp_mismatch");
    // ExpectedAudience override
    let api = m(&|c| {
        c.insert("aud".into(), "https://api.example".into());
    });
    check(
        &validator().expected_audience("https://api.example"),
        &api,
        &k.jwks,
        &ctx(),
    )
    .unwrap();
    check(
        &validator().skip_checks(SkipChecks::from_seed_flags(0x02)),
        &api,
        &k.jwks,
        &ctx(),
    )
    .unwrap();
}

#[test]
fn expiry_with_leeway() {
    let k = keys();
    let exp_at = |exp: i64| {
        mint(
            &k.rsa,
            &with(claims(), |m| {
                m.insert("exp".into(), exp.into());
            }),
        )
    };
    assert_code(&err(&exp_at(NOW - 61), &k), 910, "expired");
    ok(&exp_at(NOW - 59), &k);
    let strict = validator().leeway(0);
    assert_code(
        &check(&strict, &exp_at(NOW), &k.jwks, &ctx()).unwrap_err(),
        910,
        "expired",
    );
    check(&strict, &exp_at(NOW + 1), &k.jwks, &ctx()).unwrap();
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.remove("exp");
        }),
    );
    assert_code(&err(&t, &k), 913, "missing_claim");
    check(
        &validator().skip_checks(SkipChecks::from_seed_flags(0x04)),
        &exp_at(NOW - 1000),
        &k.jwks,
        &ctx(),
    )
    .unwrap();
}

#[test]
fn issued_at() {
    let k = keys();
    let iat = |v: Value| {
        mint(
            &k.rsa,
            &with(claims(), |m| {
                m.insert("iat".into(), v);
            }),
        )
    };
    assert_code(&err(&iat(json!(NOW + 61)), &k), 915, "invalid_iat");
    ok(&iat(json!(NOW + 59)), &k);
    ok(&iat(json!(NOW + 60)), &k); // exactly the leeway ahead: still accepted
    ok(&iat(json!(1)), &k); // the first positive second
    assert_code(&err(&iat(json!(0)), &k), 915, "invalid_iat");
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.remove("iat");
        }),
    );
    assert_code(&err(&t, &k), 913, "missing_claim");
    check(
        &validator().skip_checks(SkipChecks::from_seed_flags(0x10)),
        &iat(json!(NOW + 999)),
        &k.jwks,
        &ctx(),
    )
    .unwrap();
}

#[test]
fn not_before() {
    let k = keys();
    let nbf = |v: i64| {
        mint(
            &k.rsa,
            &with(claims(), |m| {
                m.insert("nbf".into(), v.into());
            }),
        )
    };
    assert_code(&err(&nbf(NOW + 61), &k), 914, "not_yet_valid");
    ok(&nbf(NOW + 59), &k);
    ok(&nbf(NOW + 60), &k); // exactly the leeway ahead: still accepted
    check(
        &validator().skip_checks(SkipChecks::from_seed_flags(0x20)),
        &nbf(NOW + 999),
        &k.jwks,
        &ctx(),
    )
    .unwrap();
}

#[test]
fn subject_is_required() {
    let k = keys();
    let t = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.remove("sub");
        }),
    );
    assert_code(&err(&t, &k), 913, "missing_claim");
    // no skip flag removes the need for sub
    let all = validator().skip_checks(SkipChecks::from_seed_flags(0x7f));
    assert_code(
        &check(&all, &t, &k.jwks, &ctx()).unwrap_err(),
        913,
        "missing_claim",
    );
}

#[test]
fn nonce() {
    let k = keys();
    let other = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert("nonce".into(), "n-other".into());
        }),
    );
    assert_code(&err(&other, &k), 903, "nonce_mismatch");
    let none = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.remove("nonce");
        }),
    );
    assert_code(&err(&none, &k), 913, "missing_claim");
    // no nonce expected (code flow without use_nonce): a present nonce is not compared
    check(&validator(), &other, &k.jwks, &ValidationContext::default()).unwrap();
    check(
        &validator().skip_checks(SkipChecks::from_seed_flags(0x40)),
        &other,
        &k.jwks,
        &ctx(),
    )
    .unwrap();
}

#[test]
fn at_hash_and_c_hash() {
    let k = keys();
    let at = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
    let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
    let good = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.insert("at_hash".into(), "77QmUPtjPfzWtF2AnpK9RQ".into());
            m.insert("c_hash".into(), "LDktKdoQak3Pk0cnXxCltA".into());
        }),
    );
    let required = ValidationContext {
        nonce: Some(NONCE),
        access_token: Some(HashedValue {
            value: at,
            required: true,
        }),
        code: Some(HashedValue {
            value: code,
            required: true,
        }),
        ..Default::default()
    };
    check(&validator(), &good, &k.jwks, &required).unwrap();
    let wrong_at = ValidationContext {
        access_token: Some(HashedValue {
            value: "other",
            required: false,
        }),
        ..required
    };
    assert_code(
        &check(&validator(), &good, &k.jwks, &wrong_at).unwrap_err(),
        903,
        "at_hash_mismatch",
    );
    let wrong_code = ValidationContext {
        code: Some(HashedValue {
            value: "other",
            required: false,
        }),
        ..required
    };
    assert_code(
        &check(&validator(), &good, &k.jwks, &wrong_code).unwrap_err(),
        903,
        "c_hash_mismatch",
    );
    let bare = mint(&k.rsa, &claims());
    let e = check(&validator(), &bare, &k.jwks, &required).unwrap_err();
    assert_eq!(e.to_string(), "the ID token has no `at_hash` claim");
    let only_code = ValidationContext {
        access_token: None,
        ..required
    };
    let e = check(&validator(), &bare, &k.jwks, &only_code).unwrap_err();
    assert_eq!(e.to_string(), "the ID token has no `c_hash` claim");
    // optional: absent is fine
    let optional = ValidationContext {
        access_token: Some(HashedValue {
            value: at,
            required: false,
        }),
        code: Some(HashedValue {
            value: code,
            required: false,
        }),
        ..required
    };
    check(&validator(), &bare, &k.jwks, &optional).unwrap();
}

#[test]
fn hash_follows_the_algorithm() {
    let k = keys();
    let at = "some-access-token";
    let ed_hash = claim_hash(Algorithm::EdDSA, at).unwrap();
    let sha256_hash = claim_hash(Algorithm::RS256, at).unwrap();
    assert_ne!(ed_hash, sha256_hash);
    let ctx = ValidationContext {
        nonce: Some(NONCE),
        access_token: Some(HashedValue {
            value: at,
            required: true,
        }),
        ..Default::default()
    };
    let good = mint(
        &k.ed,
        &with(claims(), |m| {
            m.insert("at_hash".into(), ed_hash.clone().into());
        }),
    );
    check(&validator(), &good, &k.jwks, &ctx).unwrap();
    let sha256 = mint(
        &k.ed,
        &with(claims(), |m| {
            m.insert("at_hash".into(), sha256_hash.clone().into());
        }),
    );
    assert_code(
        &check(&validator(), &sha256, &k.jwks, &ctx).unwrap_err(),
        903,
        "at_hash_mismatch",
    );
}

#[test]
fn max_age_and_auth_time() {
    let k = keys();
    let ctx = |max_age| ValidationContext {
        nonce: Some(NONCE),
        max_age: Some(max_age),
        ..Default::default()
    };
    let t = mint(&k.rsa, &claims()); // auth_time NOW-100
    check(&validator(), &t, &k.jwks, &ctx(100)).unwrap();
    check(&validator().leeway(0), &t, &k.jwks, &ctx(100)).unwrap();
    assert_code(
        &check(&validator().leeway(0), &t, &k.jwks, &ctx(99)).unwrap_err(),
        903,
        "auth_time_too_old",
    );
    let no_auth = mint(
        &k.rsa,
        &with(claims(), |m| {
            m.remove("auth_time");
        }),
    );
    assert_code(
        &check(&validator(), &no_auth, &k.jwks, &ctx(100)).unwrap_err(),
        913,
        "missing_claim",
    );
    let req = ValidationContext {
        nonce: Some(NONCE),
        require_auth_time: true,
        ..Default::default()
    };
    assert_code(
        &check(&validator(), &no_auth, &k.jwks, &req).unwrap_err(),
        913,
        "missing_claim",
    );
}

#[test]
fn refreshed_tokens_keep_iss_sub_and_auth_time() {
    let k = keys();
    let original = ok(&mint(&k.rsa, &claims()), &k);
    let refresh_ctx = ValidationContext {
        original: Some(&original),
        ..Default::default()
    };
    let no_nonce = with(claims(), |m| {
        m.remove("nonce");
    });
    check(
        &validator(),
        &mint(&k.rsa, &no_nonce),
        &k.jwks,
        &refresh_ctx,
    )
    .unwrap();
    let other_sub = with(no_nonce.clone(), |m| {
        m.insert("sub".into(), "user-2".into());
    });
    assert_code(
        &check(
            &validator(),
            &mint(&k.rsa, &other_sub),
            &k.jwks,
            &refresh_ctx,
        )
        .unwrap_err(),
        903,
        "subject_mismatch",
    );
    let other_iss = with(no_nonce.clone(), |m| {
        m.insert("iss".into(), "https://other.example".into());
    });
    let v = validator().skip_checks(SkipChecks::from_seed_flags(0x01));
    assert_code(
        &check(&v, &mint(&k.rsa, &other_iss), &k.jwks, &refresh_ctx).unwrap_err(),
        911,
        "issuer_mismatch",
    );
    let other_auth = with(no_nonce.clone(), |m| {
        m.insert("auth_time".into(), (NOW - 5).into());
    });
    assert_code(
        &check(
            &validator(),
            &mint(&k.rsa, &other_auth),
            &k.jwks,
            &refresh_ctx,
        )
        .unwrap_err(),
        903,
        "auth_time_changed",
    );
    // A caller keeping a provider's rotated tokens tolerates the move (and reports it).
    let tolerant = ValidationContext {
        allow_auth_time_change: true,
        ..refresh_ctx
    };
    assert!(check(&validator(), &mint(&k.rsa, &other_auth), &k.jwks, &tolerant).is_ok());
    let other_nonce = with(claims(), |m| {
        m.insert("nonce".into(), "changed".into());
    });
    assert_code(
        &check(
            &validator(),
            &mint(&k.rsa, &other_nonce),
            &k.jwks,
            &refresh_ctx,
        )
        .unwrap_err(),
        903,
        "nonce_mismatch",
    );
}

#[test]
fn skipping_the_signature_is_possible_but_loud() {
    let k = keys();
    let forged = flip_sig(&mint(&k.rsa, &claims()));
    let v = validator().skip_checks(SkipChecks {
        insecure_signature: true,
        ..Default::default()
    });
    check(&v, &forged, &k.jwks, &ctx()).unwrap();
    assert_eq!(
        SkipChecks::from_seed_flags(0x08),
        SkipChecks {
            insecure_signature: true,
            ..Default::default()
        }
    );
}

#[test]
fn validator_debug_redacts_the_client_secret() {
    let shown = format!("{:?}", validator());
    assert!(!shown.contains(SECRET));
    assert!(shown.contains("[redacted]"));
}

#[test]
fn pem_export_matches_openssl() {
    let k = keys();
    let rsa = k.rsa.public_jwk().unwrap();
    assert_eq!(
        rsa.to_public_key_pem().unwrap(),
        include_str!("keys/rsa2048-1.pub.pem")
    );
    let ec = k.ec.public_jwk().unwrap();
    assert_eq!(
        ec.to_public_key_pem().unwrap(),
        include_str!("keys/ec-p256.pub.pem")
    );
    let ed = k.ed.public_jwk().unwrap();
    assert_eq!(
        ed.to_public_key_pem().unwrap(),
        include_str!("keys/ed25519.pub.pem")
    );
}

#[test]
fn x5c_certificate_export() {
    let jwk = Jwk::from_slice(br#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","x5c":["MIIBAA=="]}"#).unwrap();
    let pem = jwk.certificate_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\nMIIBAA==\n"));
    assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
}
