//! JSON Web Keys (RFC 7517) parsed into ready-to-verify public keys.

use serde::Deserialize;

use crate::{Algorithm, Error, b64, der};

/// An elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl Curve {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            "P-521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// Coordinate length in bytes.
    pub fn coordinate_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// The JWK `crv` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

/// The key material of a JWK, decoded and checked.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyMaterial {
    /// An RSA public key.
    Rsa {
        /// Modulus, big-endian, no leading zeros.
        n: Vec<u8>,
        /// Public exponent, big-endian, no leading zeros.
        e: Vec<u8>,
    },
    /// An EC public key.
    Ec {
        /// The curve.
        curve: Curve,
        /// The uncompressed point `0x04 || x || y`.
        point: Vec<u8>,
    },
    /// An Ed25519 public key (32 bytes).
    Ed25519 {
        /// The public key.
        x: Vec<u8>,
    },
    /// A symmetric key (`kty: oct`).
    Oct {
        /// The key bytes.
        k: Vec<u8>,
    },
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyMaterial::Rsa { n, .. } => write!(f, "Rsa({} bits)", n.len() * 8),
            KeyMaterial::Ec { curve, .. } => write!(f, "Ec({})", curve.as_str()),
            KeyMaterial::Ed25519 { .. } => f.write_str("Ed25519"),
            KeyMaterial::Oct { .. } => f.write_str("Oct([redacted])"),
        }
    }
}

/// A public (or symmetric) JSON Web Key, ready to verify signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<String>,
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    x5c: Vec<String>,
    material: KeyMaterial,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    x5c: Option<Vec<String>>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    k: Option<String>,
}

/// Outcome of reading one key of a set.
enum Parsed {
    Key(Jwk),
    Skip(SkippedKey),
}

/// A key of a JWKS that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Its `kid`, if it had one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: &'static str,
}

fn strip_zeros(mut v: Vec<u8>) -> Vec<u8> {
    let nz = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    v.drain(..nz);
    v
}

impl Jwk {
    /// Parses one JWK from JSON. Unknown key types and curves are errors here; inside a
    /// [`JwkSet`] they are skipped instead.
    pub fn from_slice(json: &[u8]) -> Result<Self, Error> {
        let raw: RawJwk = serde_json::from_slice(json).map_err(|_| Error::InvalidJwks {
            reason: "a JWK must be a JSON object with string members",
        })?;
        match Self::from_raw(raw) {
            Parsed::Key(k) => Ok(k),
            Parsed::Skip(s) => Err(Error::InvalidKey {
                kid: s.kid,
                reason: s.reason,
            }),
        }
    }

    fn from_raw(raw: RawJwk) -> Parsed {
        let kid = raw.kid;
        let skip = |reason| {
            Parsed::Skip(SkippedKey {
                kid: kid.clone(),
                reason,
            })
        };
        let dec = |v: &Option<String>| v.as_deref().and_then(|s| b64::decode(s.as_bytes()));
        let material = match raw.kty.as_deref() {
            Some("RSA") => match (dec(&raw.n), dec(&raw.e)) {
                (Some(n), Some(e)) => {
                    let (n, e) = (strip_zeros(n), strip_zeros(e));
                    if n.is_empty() || e.is_empty() {
                        return skip("RSA key with an empty n or e");
                    }
                    KeyMaterial::Rsa { n, e }
                }
                _ => return skip("RSA key without valid base64url n and e"),
            },
            Some("EC") => {
                let Some(curve) = raw.crv.as_deref().and_then(Curve::parse) else {
                    return skip("EC key on an unsupported curve");
                };
                match (dec(&raw.x), dec(&raw.y)) {
                    (Some(x), Some(y))
                        if x.len() == curve.coordinate_len()
                            && y.len() == curve.coordinate_len() =>
                    {
                        let mut point = Vec::with_capacity(1 + 2 * x.len());
                        point.push(4);
                        point.extend_from_slice(&x);
                        point.extend_from_slice(&y);
                        KeyMaterial::Ec { curve, point }
                    }
                    _ => return skip("EC key whose x and y are not coordinates of its curve"),
                }
            }
            Some("OKP") => {
                if raw.crv.as_deref() != Some("Ed25519") {
                    return skip("OKP key on a curve other than Ed25519");
                }
                match dec(&raw.x) {
                    Some(x) if x.len() == 32 => KeyMaterial::Ed25519 { x },
                    _ => return skip("Ed25519 key whose x is not 32 bytes"),
                }
            }
            Some("oct") => match dec(&raw.k) {
                Some(k) if !k.is_empty() => KeyMaterial::Oct { k },
                _ => return skip("oct key without a valid k"),
            },
            _ => return skip("unknown or missing kty"),
        };
        Parsed::Key(Jwk {
            kid,
            alg: raw.alg,
            use_: raw.use_,
            key_ops: raw.key_ops,
            x5c: raw.x5c.unwrap_or_default(),
            material,
        })
    }

    /// A key from its material, for tests and for keys that do not come from JSON.
    pub fn from_material(
        kid: Option<String>,
        alg: Option<Algorithm>,
        material: KeyMaterial,
    ) -> Self {
        Self {
            kid,
            alg: alg.map(|a| a.as_str().to_owned()),
            use_: None,
            key_ops: None,
            x5c: Vec::new(),
            material,
        }
    }

    /// The same key with `use` set.
    #[must_use]
    pub fn with_use(mut self, key_use: &str) -> Self {
        self.use_ = Some(key_use.to_owned());
        self
    }

    /// `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `alg`, if the key names one.
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// `use`.
    pub fn key_use(&self) -> Option<&str> {
        self.use_.as_deref()
    }

    /// The decoded key material.
    pub fn material(&self) -> &KeyMaterial {
        &self.material
    }

    /// The `kty` name.
    pub fn kty(&self) -> &'static str {
        match self.material {
            KeyMaterial::Rsa { .. } => "RSA",
            KeyMaterial::Ec { .. } => "EC",
            KeyMaterial::Ed25519 { .. } => "OKP",
            KeyMaterial::Oct { .. } => "oct",
        }
    }

    /// Whether this key may verify a JWS with `alg`: matching type and curve, its own
    /// `alg` (if any) equal, `use` (if any) `sig`, `key_ops` (if any) containing `verify`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        use crate::alg::Family;
        let type_ok = matches!(
            (alg.family(), &self.material),
            (Family::Rsa, KeyMaterial::Rsa { .. })
                | (Family::Ed25519, KeyMaterial::Ed25519 { .. })
                | (Family::Hmac, KeyMaterial::Oct { .. })
        ) || matches!((alg.family(), &self.material),
            (Family::Ec(c), KeyMaterial::Ec { curve, .. }) if c == *curve);
        type_ok
            && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self
                .key_ops
                .as_ref()
                .is_none_or(|ops| ops.iter().any(|o| o == "verify"))
    }

    /// The public key as a PEM `PUBLIC KEY` (SubjectPublicKeyInfo). `None` for `oct` keys.
    pub fn to_public_key_pem(&self) -> Option<String> {
        der::spki(&self.material).map(|d| der::pem("PUBLIC KEY", &d))
    }

    /// The public key as base64 DER (SubjectPublicKeyInfo). `None` for `oct` keys.
    pub fn to_public_key_base64(&self) -> Option<String> {
        der::spki(&self.material).map(|d| b64::encode_std(&d))
    }

    /// The first `x5c` certificate as PEM (the seed's `signer_cert_encoded`), if the key
    /// carries a chain whose first entry is valid base64.
    pub fn certificate_pem(&self) -> Option<String> {
        let first = self.x5c.first()?;
        let der = b64::decode_std(first)?;
        Some(der::pem("CERTIFICATE", &der))
    }

    /// The `x5c` chain as given (standard base64 DER).
    pub fn x5c(&self) -> &[String] {
        &self.x5c
    }
}

/// A JSON Web Key Set (the seed's `signer_jwks` and `signer_cert_*`).
///
/// Keys of unknown type or curve, and malformed keys, are skipped rather than fatal, so
/// one odd key at the provider cannot break every sign-in; [`JwkSet::skipped`] tells which.
#[derive(Debug, Clone, Default)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    skipped: Vec<SkippedKey>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// At most this many keys are read from one set.
pub const MAX_KEYS: usize = 100;

impl JwkSet {
    /// Parses a JWKS document (`{"keys":[...]}`).
    pub fn from_slice(json: &[u8]) -> Result<Self, Error> {
        let raw: RawSet = serde_json::from_slice(json).map_err(|_| Error::InvalidJwks {
            reason: "a JWKS must be a JSON object with a `keys` array",
        })?;
        if raw.keys.len() > MAX_KEYS {
            return Err(Error::InvalidJwks {
                reason: "the key set has more than 100 keys",
            });
        }
        let mut keys = Vec::with_capacity(raw.keys.len());
        let mut skipped = Vec::new();
        for v in raw.keys {
            let kid = v.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
            match serde_json::from_value::<RawJwk>(v) {
                Ok(r) => match Jwk::from_raw(r) {
                    Parsed::Key(k) => keys.push(k),
                    Parsed::Skip(s) => skipped.push(s),
                },
                Err(_) => skipped.push(SkippedKey {
                    kid,
                    reason: "a key is not a JSON object with string members",
                }),
            }
        }
        Ok(Self { keys, skipped })
    }

    /// A set of the given keys.
    pub fn from_keys(keys: Vec<Jwk>) -> Self {
        Self {
            keys,
            skipped: Vec::new(),
        }
    }

    /// The usable keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The keys that were skipped, and why.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Whether there is no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The number of usable keys (the seed's `signer_cert_count`).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether some key has this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// The keys with this `kid` (duplicates are tolerated).
    pub fn find_kid<'s, 'q>(&'s self, kid: &'q str) -> impl Iterator<Item = &'s Jwk> + use<'s, 'q> {
        self.keys.iter().filter(move |k| k.kid() == Some(kid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"e1","use":"sig"}"#;

    #[test]
    fn set_skips_unknown_and_malformed() {
        let json = format!(
            r#"{{"keys":[{EC},{{"kty":"XYZ","kid":"u"}},{{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"short"}},{{"kty":"OKP","crv":"X25519","x":"AA"}},7,{{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"r"}}]}}"#
        );
        let set = JwkSet::from_slice(json.as_bytes()).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.skipped().len(), 4);
        assert!(set.contains_kid("e1"));
        assert!(set.contains_kid("r"));
        assert!(!set.contains_kid("u"));
        assert_eq!(set.skipped()[0].kid.as_deref(), Some("u"));
    }

    #[test]
    fn set_shape_errors() {
        for bad in ["", "[]", "{}", r#"{"keys":{}}"#, r#"{"keys":[1]"#] {
            assert!(JwkSet::from_slice(bad.as_bytes()).is_err(), "{bad}");
        }
        let many = format!(r#"{{"keys":[{}]}}"#, vec![EC; 101].join(","));
        assert!(JwkSet::from_slice(many.as_bytes()).is_err());
    }

    #[test]
    fn fits_rules() {
        let k = Jwk::from_slice(EC.as_bytes()).unwrap();
        assert!(k.fits(Algorithm::ES256));
        assert!(!k.fits(Algorithm::ES384));
        assert!(!k.fits(Algorithm::RS256));
        assert!(!k.fits(Algorithm::HS256));
        let enc = Jwk::from_slice(EC.replace("\"sig\"", "\"enc\"").as_bytes()).unwrap();
        assert!(!enc.fits(Algorithm::ES256), "use=enc keys never verify");
        let other_alg = Jwk::from_slice(
            EC.replace("\"use\":\"sig\"", "\"alg\":\"ES384\"")
                .as_bytes(),
        )
        .unwrap();
        assert!(!other_alg.fits(Algorithm::ES256));
        let ops = Jwk::from_slice(
            EC.replace("\"use\":\"sig\"", "\"key_ops\":[\"sign\"]")
                .as_bytes(),
        )
        .unwrap();
        assert!(!ops.fits(Algorithm::ES256));
    }

    #[test]
    fn oct_material_is_redacted() {
        let k = Jwk::from_slice(br#"{"kty":"oct","k":"c2VjcmV0"}"#).unwrap();
        assert!(!format!("{k:?}").contains("115"));
        assert!(format!("{k:?}").contains("redacted"));
        assert_eq!(k.to_public_key_pem(), None);
    }
}
