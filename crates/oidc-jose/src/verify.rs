//! Signature verification with `ring` (and `josekit` for ES512 when enabled).

use ring::{hmac, signature};

use crate::{Algorithm, CompactJws, Curve, Error, Jwk, JwkSet, KeyMaterial};

/// Verifies `signature` over `message` with `key` for `alg`. The key must fit the
/// algorithm ([`Jwk::fits`]); HMAC keys come from the client secret, not the JWKS.
///
/// An HMAC key shorter than the hash output is refused ([`Error::WeakHmacKey`], RFC 7518
/// §3.2) before any MAC is computed.
pub fn verify_signature(
    alg: Algorithm,
    key: &KeyMaterial,
    message: &[u8],
    sig: &[u8],
) -> Result<(), Error> {
    use Algorithm as A;
    let ok = match (alg, key) {
        (
            A::RS256 | A::RS384 | A::RS512 | A::PS256 | A::PS384 | A::PS512,
            KeyMaterial::Rsa { n, e },
        ) => {
            let params: &signature::RsaParameters = match alg {
                A::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                A::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                A::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                A::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                A::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                _ => &signature::RSA_PSS_2048_8192_SHA512,
            };
            signature::RsaPublicKeyComponents { n, e }
                .verify(params, message, sig)
                .is_ok()
        }
        (
            A::ES256,
            KeyMaterial::Ec {
                curve: Curve::P256,
                point,
            },
        ) => signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
            .verify(message, sig)
            .is_ok(),
        (
            A::ES384,
            KeyMaterial::Ec {
                curve: Curve::P384,
                point,
            },
        ) => signature::UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
            .verify(message, sig)
            .is_ok(),
        (
            A::ES512,
            KeyMaterial::Ec {
                curve: Curve::P521,
                point,
            },
        ) => {
            return verify_es512(point, message, sig);
        }
        (A::EdDSA, KeyMaterial::Ed25519 { x }) => {
            signature::UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(message, sig)
                .is_ok()
        }
        (A::HS256 | A::HS384 | A::HS512, KeyMaterial::Oct { k }) => {
            return verify_hmac(alg, k, message, sig);
        }
        (A::None, _) => return Err(Error::MissingSignature),
        // A key of another family: HS256 keyed with an RSA key's bytes, and the like.
        _ => false,
    };
    if ok { Ok(()) } else { Err(Error::BadSignature) }
}

/// HS256/384/512 with `key`, which must be at least as long as the hash output (RFC 7518
/// §3.2: "A key of the same size as the hash output … or larger MUST be used").
fn verify_hmac(alg: Algorithm, key: &[u8], message: &[u8], sig: &[u8]) -> Result<(), Error> {
    let a = match alg {
        Algorithm::HS256 => hmac::HMAC_SHA256,
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => return Err(Error::BadSignature),
    };
    let min = a.digest_algorithm().output_len();
    if key.len() < min {
        return Err(Error::WeakHmacKey {
            alg,
            len: key.len(),
            min,
        });
    }
    hmac::verify(&hmac::Key::new(a, key), message, sig).map_err(|_| Error::BadSignature)
}

#[cfg(feature = "josekit")]
mod es512_josekit;
#[cfg(feature = "josekit")]
use es512_josekit::verify_es512;

#[cfg(not(feature = "josekit"))]
fn verify_es512(_point: &[u8], _message: &[u8], _sig: &[u8]) -> Result<(), Error> {
    Err(Error::UnsupportedAlgorithm(Algorithm::ES512))
}

/// Verifies a parsed JWS with a key from `keys` (or `hmac_secret` for HS*), choosing the
/// key as OpenID Connect Core §10.1 describes: by `kid` when the header has one; without a
/// `kid`, every key whose type, curve, `alg` and `use` fit is tried.
///
/// `allowed` is the algorithm allow-list. `alg: none` is refused here
/// ([`Error::MissingSignature`]): accepting unsigned tokens is the validator's explicit
/// opt-in. `hmac_secret` keys HS256/384/512: an empty one counts as none
/// ([`Error::MissingClientSecret`]) and one shorter than the hash output is refused
/// ([`Error::WeakHmacKey`], RFC 7518 §3.2). Returns the key that verified (`None` for HMAC).
pub fn verify_jws<'k>(
    jws: &CompactJws<'_>,
    keys: &'k JwkSet,
    allowed: &[Algorithm],
    hmac_secret: Option<&[u8]>,
) -> Result<Option<&'k Jwk>, Error> {
    let alg = jws.header().alg;
    if alg == Algorithm::None || jws.signature().is_empty() {
        return Err(Error::MissingSignature);
    }
    if !allowed.contains(&alg) {
        return Err(Error::AlgorithmNotAllowed {
            alg,
            allowed: allowed
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let msg = jws.signing_input();
    let sig = jws.signature();
    if alg.is_symmetric() {
        // An empty secret is no secret at all; a short one is refused by `verify_hmac`.
        let secret = hmac_secret
            .filter(|s| !s.is_empty())
            .ok_or(Error::MissingClientSecret(alg))?;
        return verify_hmac(alg, secret, msg, sig).map(|()| None);
    }
    if keys.is_empty() {
        return Err(Error::NoKeys(alg));
    }
    let kid = jws.header().kid.as_deref();
    if let Some(kid) = kid {
        let mut named = keys.find_kid(kid).peekable();
        if named.peek().is_none() {
            return Err(Error::UnknownKid(kid.to_owned()));
        }
        let mut last = None;
        for k in named.filter(|k| k.fits(alg)) {
            match verify_signature(alg, k.material(), msg, sig) {
                Ok(()) => return Ok(Some(k)),
                Err(e) => last = Some(e),
            }
        }
        return Err(last.unwrap_or_else(|| Error::NoMatchingKey {
            alg,
            kid: Some(kid.to_owned()),
        }));
    }
    let candidates: Vec<&Jwk> = keys.keys().iter().filter(|k| k.fits(alg)).collect();
    match candidates.as_slice() {
        [] => Err(Error::NoMatchingKey { alg, kid: None }),
        [only] => verify_signature(alg, only.material(), msg, sig).map(|()| Some(*only)),
        many => {
            for k in many {
                match verify_signature(alg, k.material(), msg, sig) {
                    Ok(()) => return Ok(Some(*k)),
                    Err(Error::BadSignature) => {}
                    Err(other) => return Err(other),
                }
            }
            Err(Error::NoMatchingKey { alg, kid: None })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_is_a_missing_signature_whatever_the_key() {
        for key in [
            KeyMaterial::Oct { k: vec![7; 32] },
            KeyMaterial::Ed25519 { x: vec![1; 32] },
        ] {
            assert!(matches!(
                verify_signature(Algorithm::None, &key, b"m", b""),
                Err(Error::MissingSignature)
            ));
        }
    }

    #[test]
    fn es512_needs_its_backend() {
        // A P-521 point of the right shape; the signature is junk either way.
        let mut point = vec![4];
        point.extend_from_slice(&[1; 132]);
        let key = KeyMaterial::Ec {
            curve: Curve::P521,
            point,
        };
        let r = verify_signature(Algorithm::ES512, &key, b"m", &[0; 132]);
        if cfg!(feature = "josekit") {
            assert!(r.is_err(), "a junk ES512 signature verified");
        } else {
            assert!(
                matches!(r, Err(Error::UnsupportedAlgorithm(Algorithm::ES512))),
                "{r:?}"
            );
        }
    }
}
