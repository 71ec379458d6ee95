//! Signing, for the parts of a relying party that sign (`private_key_jwt`,
//! `client_secret_jwt`) and for the test provider.

use ring::rand::SystemRandom;
use ring::signature::KeyPair as _;
use ring::{hmac, signature};

use crate::{Algorithm, Curve, Error, Jwk, KeyMaterial, b64, der};

enum Inner {
    Rsa(signature::RsaKeyPair),
    Ec(signature::EcdsaKeyPair, Curve),
    Ed25519(signature::Ed25519KeyPair),
    Hmac(hmac::Key),
}

/// A private key that signs JWS compact tokens with one algorithm.
///
/// Deliberately not `Clone`; `Debug` shows the algorithm and `kid` only.
pub struct SigningKey {
    alg: Algorithm,
    kid: Option<String>,
    inner: Inner,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn bad(reason: &'static str) -> Error {
    Error::InvalidKey { kid: None, reason }
}

impl SigningKey {
    /// An RSA key (PKCS#8 DER) for RS256/384/512 or PS256/384/512.
    pub fn rsa_pkcs8(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, Error> {
        if alg.family() != crate::alg::Family::Rsa {
            return Err(bad("an RSA key signs only RS* and PS* algorithms"));
        }
        let kp =
            signature::RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| bad("invalid RSA PKCS#8 key"))?;
        Ok(Self::with(alg, Inner::Rsa(kp)))
    }

    /// An RSA key from a PEM `PRIVATE KEY` (PKCS#8) block.
    pub fn rsa_pem(alg: Algorithm, pem: &str) -> Result<Self, Error> {
        let der =
            der::pem_decode(pem, "PRIVATE KEY").ok_or_else(|| bad("no PRIVATE KEY PEM block"))?;
        Self::rsa_pkcs8(alg, &der)
    }

    /// Any supported private key from a PEM `PRIVATE KEY` (PKCS#8) block, for `alg`.
    pub fn from_pkcs8_pem(alg: Algorithm, pem: &str) -> Result<Self, Error> {
        let der =
            der::pem_decode(pem, "PRIVATE KEY").ok_or_else(|| bad("no PRIVATE KEY PEM block"))?;
        match alg.family() {
            crate::alg::Family::Rsa => Self::rsa_pkcs8(alg, &der),
            crate::alg::Family::Ec(_) => Self::ec_pkcs8(alg, &der),
            crate::alg::Family::Ed25519 => Self::ed25519_pkcs8(&der),
            _ => Err(bad("PEM keys sign RS*, PS*, ES256/384 and EdDSA")),
        }
    }

    /// An ECDSA key (PKCS#8 DER) for ES256 or ES384.
    pub fn ec_pkcs8(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let (a, curve) = match alg {
            Algorithm::ES256 => (&signature::ECDSA_P256_SHA256_FIXED_SIGNING, Curve::P256),
            Algorithm::ES384 => (&signature::ECDSA_P384_SHA384_FIXED_SIGNING, Curve::P384),
            _ => return Err(bad("ECDSA signing supports ES256 and ES384")),
        };
        let kp = signature::EcdsaKeyPair::from_pkcs8(a, pkcs8, &rng)
            .map_err(|_| bad("invalid EC PKCS#8 key"))?;
        Ok(Self::with(alg, Inner::Ec(kp, curve)))
    }

    /// A fresh random ECDSA key for ES256 or ES384.
    pub fn generate_ec(alg: Algorithm) -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let a = match alg {
            Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            _ => return Err(bad("ECDSA signing supports ES256 and ES384")),
        };
        let doc = signature::EcdsaKeyPair::generate_pkcs8(a, &rng)
            .map_err(|_| bad("EC key generation failed"))?;
        Self::ec_pkcs8(alg, doc.as_ref())
    }

    /// An Ed25519 key (PKCS#8 DER) for EdDSA.
    pub fn ed25519_pkcs8(pkcs8: &[u8]) -> Result<Self, Error> {
        let kp = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(|_| bad("invalid Ed25519 PKCS#8 key"))?;
        Ok(Self::with(Algorithm::EdDSA, Inner::Ed25519(kp)))
    }

    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519_seed(seed: &[u8]) -> Result<Self, Error> {
        let kp = signature::Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| bad("invalid Ed25519 seed"))?;
        Ok(Self::with(Algorithm::EdDSA, Inner::Ed25519(kp)))
    }

    /// A fresh random Ed25519 key.
    pub fn generate_ed25519() -> Result<Self, Error> {
        let doc = signature::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| bad("Ed25519 key generation failed"))?;
        Self::ed25519_pkcs8(doc.as_ref())
    }

    /// An HMAC key (HS256/384/512), e.g. the client secret for `client_secret_jwt`.
    ///
    /// Any length is accepted here, although verification refuses keys shorter than the
    /// hash output ([`Error::WeakHmacKey`], [`Algorithm::min_hmac_key_len`]): a relying party
    /// does not choose its client secret, and refusing to sign with a short one would only
    /// push it to `client_secret_basic`/`client_secret_post`, which send the same secret
    /// itself. A test provider must also be able to mint the weak-key tokens whose refusal
    /// is tested. Callers that choose the key should check it against
    /// [`Algorithm::min_hmac_key_len`].
    pub fn hmac(alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        let a = match alg {
            Algorithm::HS256 => hmac::HMAC_SHA256,
            Algorithm::HS384 => hmac::HMAC_SHA384,
            Algorithm::HS512 => hmac::HMAC_SHA512,
            _ => return Err(bad("HMAC signing supports HS256, HS384 and HS512")),
        };
        Ok(Self::with(alg, Inner::Hmac(hmac::Key::new(a, secret))))
    }

    fn with(alg: Algorithm, inner: Inner) -> Self {
        Self {
            alg,
            kid: None,
            inner,
            rng: SystemRandom::new(),
        }
    }

    /// Sets the `kid` written into headers and the public JWK.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The algorithm.
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Signs `message`, returning the raw JWS signature bytes.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let failed = || bad("signing failed");
        match &self.inner {
            Inner::Rsa(kp) => {
                let enc: &'static dyn signature::RsaEncoding = match self.alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut sig = vec![0u8; kp.public().modulus_len()];
                kp.sign(enc, &self.rng, message, &mut sig)
                    .map_err(|_| failed())?;
                Ok(sig)
            }
            Inner::Ec(kp, _) => Ok(kp
                .sign(&self.rng, message)
                .map_err(|_| failed())?
                .as_ref()
                .to_vec()),
            Inner::Ed25519(kp) => Ok(kp.sign(message).as_ref().to_vec()),
            Inner::Hmac(k) => Ok(hmac::sign(k, message).as_ref().to_vec()),
        }
    }

    /// Signs a compact JWS with header `{"alg":…,"typ":typ,"kid":…}` over `payload`.
    pub fn sign_compact(&self, typ: Option<&str>, payload: &[u8]) -> Result<String, Error> {
        let mut header = serde_json::Map::new();
        header.insert("alg".into(), self.alg.as_str().into());
        if let Some(t) = typ {
            header.insert("typ".into(), t.into());
        }
        if let Some(k) = &self.kid {
            header.insert("kid".into(), k.clone().into());
        }
        let header = serde_json::Value::Object(header).to_string();
        self.sign_with_header(header.as_bytes(), payload)
    }

    /// Signs a compact JWS with a caller-built header JSON (tests use it to forge
    /// headers). The header's `alg` is not checked against the key.
    pub fn sign_with_header(&self, header_json: &[u8], payload: &[u8]) -> Result<String, Error> {
        let mut out = b64::encode(header_json);
        out.push('.');
        out.push_str(&b64::encode(payload));
        let sig = self.sign(out.as_bytes())?;
        out.push('.');
        out.push_str(&b64::encode(&sig));
        Ok(out)
    }

    /// The public key as a [`Jwk`] (`None` for HMAC keys, which have no public half).
    pub fn public_jwk(&self) -> Option<Jwk> {
        let material = match &self.inner {
            Inner::Rsa(kp) => {
                let c: signature::RsaPublicKeyComponents<Vec<u8>> = kp.public().into();
                KeyMaterial::Rsa { n: c.n, e: c.e }
            }
            Inner::Ec(kp, curve) => KeyMaterial::Ec {
                curve: *curve,
                point: kp.public_key().as_ref().to_vec(),
            },
            Inner::Ed25519(kp) => KeyMaterial::Ed25519 {
                x: kp.public_key().as_ref().to_vec(),
            },
            Inner::Hmac(_) => return None,
        };
        Some(Jwk::from_material(self.kid.clone(), Some(self.alg), material).with_use("sig"))
    }

    /// The public JWK as JSON (`kty`, key members, `kid`, `alg`, `use: sig`).
    pub fn public_jwk_json(&self) -> Option<serde_json::Value> {
        let jwk = self.public_jwk()?;
        let mut m = serde_json::Map::new();
        match jwk.material() {
            KeyMaterial::Rsa { n, e } => {
                m.insert("kty".into(), "RSA".into());
                m.insert("n".into(), b64::encode(n).into());
                m.insert("e".into(), b64::encode(e).into());
            }
            KeyMaterial::Ec { curve, point } => {
                let l = curve.coordinate_len();
                m.insert("kty".into(), "EC".into());
                m.insert("crv".into(), curve.as_str().into());
                m.insert("x".into(), b64::encode(&point[1..=l]).into());
                m.insert("y".into(), b64::encode(&point[1 + l..]).into());
            }
            KeyMaterial::Ed25519 { x } => {
                m.insert("kty".into(), "OKP".into());
                m.insert("crv".into(), "Ed25519".into());
                m.insert("x".into(), b64::encode(x).into());
            }
            KeyMaterial::Oct { .. } => return None,
        }
        if let Some(k) = &self.kid {
            m.insert("kid".into(), k.clone().into());
        }
        m.insert("alg".into(), self.alg.as_str().into());
        m.insert("use".into(), "sig".into());
        Some(serde_json::Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CompactJws, JwkSet, verify_jws};

    #[test]
    fn every_rsa_algorithm_signs_with_its_own_padding_and_hash() {
        let pem = include_str!("../tests/keys/rsa2048-1.pem");
        let rsa: Vec<Algorithm> = Algorithm::ALL
            .into_iter()
            .filter(|a| a.family() == crate::alg::Family::Rsa)
            .collect();
        assert_eq!(rsa.len(), 6, "RS256/384/512 and PS256/384/512");
        for &alg in &rsa {
            let k = SigningKey::from_pkcs8_pem(alg, pem).unwrap();
            let public = k.public_jwk().unwrap();
            let set = JwkSet::from_keys(vec![public.clone()]);
            let t = k.sign_compact(None, b"{}").unwrap();
            let j = CompactJws::parse(&t).unwrap();
            assert_eq!(j.header().alg, alg);
            assert!(verify_jws(&j, &set, &[alg], None).is_ok(), "{alg}");
            // Under any other RSA algorithm the same bytes do not verify.
            for &other in rsa.iter().filter(|&&o| o != alg) {
                let v = crate::verify_signature(
                    other,
                    public.material(),
                    j.signing_input(),
                    j.signature(),
                );
                assert!(v.is_err(), "{alg} signature verified as {other}");
            }
        }
    }

    #[test]
    fn sign_then_verify_each_family() {
        let keys = [
            SigningKey::generate_ec(Algorithm::ES256)
                .unwrap()
                .with_kid("ec"),
            SigningKey::generate_ec(Algorithm::ES384)
                .unwrap()
                .with_kid("ec384"),
            SigningKey::generate_ed25519().unwrap().with_kid("ed"),
        ];
        let set = JwkSet::from_keys(keys.iter().filter_map(SigningKey::public_jwk).collect());
        for k in &keys {
            let t = k.sign_compact(Some("JWT"), b"{}").unwrap();
            let j = CompactJws::parse(&t).unwrap();
            let used = verify_jws(&j, &set, &[k.alg()], None).unwrap().unwrap();
            assert_eq!(used.kid(), k.kid());
            // the JSON form parses back to the same key
            let json = k.public_jwk_json().unwrap().to_string();
            assert_eq!(&Jwk::from_slice(json.as_bytes()).unwrap(), used);
        }
        let secret = b"an-hmac-secret-of-at-least-32-bytes";
        let h = SigningKey::hmac(Algorithm::HS256, secret).unwrap();
        let t = h.sign_compact(None, b"{}").unwrap();
        let j = CompactJws::parse(&t).unwrap();
        assert!(
            verify_jws(&j, &set, &[Algorithm::HS256], Some(secret))
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            verify_jws(
                &j,
                &set,
                &[Algorithm::HS256],
                Some(b"another-secret-of-32-bytes-long!")
            ),
            Err(Error::BadSignature)
        ));
        assert!(h.public_jwk().is_none());
    }
}
