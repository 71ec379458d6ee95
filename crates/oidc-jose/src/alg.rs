//! JWS algorithms (RFC 7518 §3, RFC 8037).

use ring::digest;

/// A JWS `alg` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512 (needs the `josekit` feature to verify).
    ES512,
    /// EdDSA (Ed25519).
    EdDSA,
    /// HMAC with SHA-256, keyed with the client secret.
    HS256,
    /// HMAC with SHA-384, keyed with the client secret.
    HS384,
    /// HMAC with SHA-512, keyed with the client secret.
    HS512,
    /// No signature. Refused unless the validator's loudly named opt-in is set.
    None,
}

/// The key family an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Rsa,
    Ec(crate::Curve),
    Ed25519,
    Hmac,
    None,
}

impl Algorithm {
    /// Every algorithm.
    pub const ALL: [Algorithm; 14] = [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::None,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::None => "none",
        }
    }

    /// Parses a wire name (case-sensitive, as RFC 7515 requires).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    pub(crate) fn family(self) -> Family {
        use crate::Curve;
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Family::Rsa,
            Algorithm::ES256 => Family::Ec(Curve::P256),
            Algorithm::ES384 => Family::Ec(Curve::P384),
            Algorithm::ES512 => Family::Ec(Curve::P521),
            Algorithm::EdDSA => Family::Ed25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Family::Hmac,
            Algorithm::None => Family::None,
        }
    }

    /// Whether the algorithm is an HMAC keyed with the client secret.
    pub fn is_symmetric(self) -> bool {
        self.family() == Family::Hmac
    }

    /// The shortest key RFC 7518 §3.2 allows for an HMAC algorithm, in bytes: the hash
    /// output size (32 for HS256, 48 for HS384, 64 for HS512). `None` for the others.
    ///
    /// Verification refuses shorter keys ([`crate::Error::WeakHmacKey`]); signing with
    /// [`crate::SigningKey::hmac`] does not (see there).
    pub fn min_hmac_key_len(self) -> Option<usize> {
        match self {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        }
    }

    /// The hash used for `at_hash` / `c_hash` (OpenID Connect Core §3.1.3.6): the alg's
    /// hash; SHA-512 for EdDSA (Ed25519). `None` for `alg: none`.
    pub fn claim_hash(self) -> Option<&'static digest::Algorithm> {
        match self {
            Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::HS256 => {
                Some(&digest::SHA256)
            }
            Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 | Algorithm::HS384 => {
                Some(&digest::SHA384)
            }
            Algorithm::RS512
            | Algorithm::PS512
            | Algorithm::ES512
            | Algorithm::HS512
            | Algorithm::EdDSA => Some(&digest::SHA512),
            Algorithm::None => None,
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        Self::parse(s).ok_or_else(|| crate::Error::UnknownAlgorithm(s.to_owned()))
    }
}

/// `at_hash` / `c_hash` of `value` for `alg`: base64url of the left-most half of the hash.
pub fn claim_hash(alg: Algorithm, value: &str) -> Option<String> {
    let h = alg.claim_hash()?;
    let d = digest::digest(h, value.as_bytes());
    let half = &d.as_ref()[..d.as_ref().len() / 2];
    Some(crate::b64::encode(half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.as_str()), Some(a));
        }
        assert_eq!(Algorithm::parse("rs256"), None);
        assert_eq!(Algorithm::parse("NONE"), None);
    }

    #[test]
    fn display_and_from_str_speak_the_jwa_names() {
        for a in Algorithm::ALL {
            assert_eq!(a.to_string(), a.as_str());
            assert_eq!(a.as_str().parse::<Algorithm>().unwrap(), a);
        }
        assert_eq!(Algorithm::ES256.to_string(), "ES256");
        assert!(matches!(
            "HS1".parse::<Algorithm>(),
            Err(crate::Error::UnknownAlgorithm(n)) if n == "HS1"
        ));
    }

    #[test]
    fn hmac_minimum_key_lengths_are_the_hash_output_sizes() {
        for a in Algorithm::ALL {
            let expected = match a.claim_hash() {
                Some(h) if a.is_symmetric() => Some(h.output_len()),
                _ => None,
            };
            assert_eq!(a.min_hmac_key_len(), expected, "{a}");
        }
        assert_eq!(Algorithm::HS256.min_hmac_key_len(), Some(32));
    }

    #[test]
    fn hash_lengths() {
        assert_eq!(claim_hash(Algorithm::RS256, "x").unwrap().len(), 22);
        assert_eq!(claim_hash(Algorithm::ES384, "x").unwrap().len(), 32);
        assert_eq!(claim_hash(Algorithm::EdDSA, "x").unwrap().len(), 43);
        assert_eq!(claim_hash(Algorithm::None, "x"), None);
    }
}
