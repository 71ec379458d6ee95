//! JWS compact serialization, JWK sets and DPoP proofs.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oidc_jose::{Algorithm, CompactJws, JwkSet, KeyMaterial, MAX_KEYS, ProofCheck};

/// `CompactJws::parse` and `parse_unverified`: a parsed token's parts are exactly the
/// canonical base64url of what was decoded (no padding, no stray bits, no whitespace).
pub fn jws(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jws) = CompactJws::parse(text) {
        assert_eq!(jws.as_str(), text);
        let parts: Vec<&str> = text.split('.').collect();
        assert_eq!(parts.len(), 3, "a parsed JWS has three parts");
        assert_eq!(URL_SAFE_NO_PAD.encode(jws.payload()), parts[1]);
        assert_eq!(URL_SAFE_NO_PAD.encode(jws.signature()), parts[2]);
        assert_eq!(
            jws.signing_input(),
            format!("{}.{}", parts[0], parts[1]).as_bytes()
        );
        let _ = oidc_jose::IdTokenClaims::from_json(jws.into_payload());
    }
    if let Ok((_, claims)) = oidc_jose::parse_unverified(text) {
        // The claims keep the JSON they were read from.
        let reparsed: serde_json::Value = serde_json::from_str(claims.raw_json())
            .unwrap_or_else(|e| panic!("raw_json of parsed claims is not JSON: {e}"));
        assert!(reparsed.is_object());
        let _ = claims.claim("/json/address/country");
        let _ = claims.audiences_joined();
    }
}

/// `JwkSet::from_slice` agrees with a plain JSON parse on what a document is, accounts for
/// every entry (a usable key or a recorded skip), and hands out well-formed key material.
pub fn jwks(data: &[u8]) {
    let parsed = JwkSet::from_slice(data);
    let reference: Option<usize> = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| v.get("keys")?.as_array().map(Vec::len));
    match (&parsed, reference) {
        (Ok(set), Some(n)) => {
            assert!(n <= MAX_KEYS, "{n} keys accepted, limit {MAX_KEYS}");
            assert_eq!(set.len() + set.skipped().len(), n, "an entry went missing");
            for key in set.keys() {
                check_material(key.material());
                if !matches!(key.material(), KeyMaterial::Oct { .. }) {
                    let jkt = oidc_jose::thumbprint(key.material());
                    assert!(
                        jkt.is_some_and(|t| t.len() == 43),
                        "public key without thumbprint"
                    );
                }
                if let Some(kid) = key.kid() {
                    assert!(set.contains_kid(kid));
                }
            }
        }
        (Err(_), Some(n)) if n > MAX_KEYS => {}
        (Err(e), Some(n)) => panic!("a JSON object with {n} keys was refused: {e}"),
        (Ok(set), None) => panic!(
            "accepted {} keys from a document that is no JWKS",
            set.len()
        ),
        (Err(_), None) => {}
    }
    if let Ok(key) = oidc_jose::Jwk::from_slice(data) {
        check_material(key.material());
    }
}

fn check_material(material: &KeyMaterial) {
    match material {
        KeyMaterial::Rsa { n, e } => {
            assert!(
                n.first().is_some_and(|b| *b != 0),
                "RSA modulus with a leading zero"
            );
            assert!(
                e.first().is_some_and(|b| *b != 0),
                "RSA exponent with a leading zero"
            );
        }
        KeyMaterial::Ec { curve, point } => {
            assert_eq!(point.len(), 1 + 2 * curve.coordinate_len());
            assert_eq!(point[0], 4, "EC point not uncompressed");
        }
        KeyMaterial::Ed25519 { x } => assert_eq!(x.len(), 32),
        KeyMaterial::Oct { k } => assert!(!k.is_empty(), "empty symmetric key"),
        _ => {}
    }
}

const NOW: i64 = 1_800_000_000;

/// `verify_proof` as a resource or token server runs it: an accepted proof is fresh, carries
/// the required nonce, and is bound to the request and the access token.
pub fn dpop_proof(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(proof) = std::str::from_utf8(rest) else {
        return;
    };
    let nonce = (pick & 1 == 1).then_some("server-nonce-1");
    let access_token = (pick & 2 == 2).then_some("access-token-1");
    let check = ProofCheck {
        htm: "POST",
        htu: "https://op.example/token",
        now: NOW,
        max_age: 300,
        leeway: 5,
        nonce,
        access_token,
        algorithms: &[Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256],
    };
    if let Ok(v) = oidc_jose::verify_proof(proof, &check) {
        assert!(
            v.iat >= NOW - 300 && v.iat <= NOW + 5,
            "stale or future proof: {}",
            v.iat
        );
        assert_eq!(v.nonce.as_deref().filter(|_| nonce.is_some()), nonce);
        assert_eq!(v.jkt.len(), 43, "thumbprint is not a SHA-256 in base64url");
        assert!(!v.jti.is_empty());
        let jws = CompactJws::parse(proof).unwrap_or_else(|e| panic!("accepted, yet {e}"));
        let claims: serde_json::Value = serde_json::from_slice(jws.payload())
            .unwrap_or_else(|e| panic!("accepted a payload that is no JSON: {e}"));
        assert_eq!(claims["htm"], "POST");
        if let Some(token) = access_token {
            assert_eq!(
                claims["ath"].as_str(),
                Some(oidc_jose::access_token_hash(token).as_str())
            );
        }
    }
}
