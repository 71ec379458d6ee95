//! The provider's signing keys: one per asymmetric algorithm, rotated on demand.

use oidc_jose::{Algorithm, SigningKey};
use serde_json::Value;

use crate::Error;

/// TEST-ONLY RSA-2048 keys, public in this repository (see `keys/README.md`).
const RSA_PEMS: [&str; 4] = [
    include_str!("../keys/test-only-rsa2048-1.pem"),
    include_str!("../keys/test-only-rsa2048-2.pem"),
    include_str!("../keys/test-only-rsa2048-3.pem"),
    include_str!("../keys/test-only-rsa2048-4.pem"),
];

/// The asymmetric algorithms the provider signs ID tokens and UserInfo with.
pub(crate) const ASYMMETRIC: [Algorithm; 4] = [
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

pub(crate) struct KeyRing {
    generation: usize,
    /// One key per [`ASYMMETRIC`] algorithm, same order.
    keys: Vec<SigningKey>,
    /// Two decoys per algorithm (published only under `Fault::DecoyKeys`).
    decoys: Vec<SigningKey>,
}

fn make(alg: Algorithm, rsa_index: usize, kid: String) -> Result<SigningKey, Error> {
    let key = match alg {
        Algorithm::RS256 | Algorithm::PS256 => {
            SigningKey::rsa_pem(alg, RSA_PEMS[rsa_index % RSA_PEMS.len()])?
        }
        Algorithm::ES256 => SigningKey::generate_ec(alg)?,
        Algorithm::EdDSA => SigningKey::generate_ed25519()?,
        other => return Err(Error::UnsupportedAlgorithm(other)),
    };
    Ok(key.with_kid(kid))
}

impl KeyRing {
    pub(crate) fn new() -> Result<Self, Error> {
        let mut ring = Self {
            generation: 0,
            keys: Vec::new(),
            decoys: Vec::new(),
        };
        ring.build()?;
        Ok(ring)
    }

    fn build(&mut self) -> Result<(), Error> {
        let g = self.generation;
        let mut keys = Vec::new();
        let mut decoys = Vec::new();
        for (i, alg) in ASYMMETRIC.into_iter().enumerate() {
            // RS256 and PS256 take two different embedded keys per generation; their
            // decoys take the other two, so a decoy never shares material with a real key.
            keys.push(make(alg, 2 * g + i, format!("{alg}-g{g}"))?);
            for d in 0..2 {
                decoys.push(make(alg, 2 * g + 2 + d, format!("{alg}-decoy{d}-g{g}"))?);
            }
        }
        self.keys = keys;
        self.decoys = decoys;
        Ok(())
    }

    /// New material and new kids for every key; the old ones are gone.
    pub(crate) fn rotate(&mut self) -> Result<(), Error> {
        self.generation += 1;
        self.build()
    }

    pub(crate) fn key(&self, alg: Algorithm) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.alg() == alg)
    }

    pub(crate) fn jwks(&self, without_kid: bool, with_decoys: bool) -> Value {
        let mut out = Vec::new();
        for (i, key) in self.keys.iter().enumerate() {
            if with_decoys {
                out.extend(
                    self.decoys[2 * i..2 * i + 2]
                        .iter()
                        .filter_map(SigningKey::public_jwk_json),
                );
            }
            out.extend(key.public_jwk_json());
        }
        if without_kid {
            for k in &mut out {
                if let Value::Object(m) = k {
                    m.remove("kid");
                }
            }
        }
        serde_json::json!({ "keys": out })
    }
}
