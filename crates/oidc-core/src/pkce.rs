//! PKCE (RFC 7636): the verifier and its S256 challenge.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Error, PkceVerifier};

/// The `code_challenge_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PkceMethod {
    /// `S256`: `BASE64URL(SHA256(ASCII(code_verifier)))`. The only method we send.
    S256,
}

impl PkceMethod {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMethod::S256 => "S256",
        }
    }
}

/// A `code_challenge` and its method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkceChallenge {
    /// The `code_challenge` value.
    pub challenge: String,
    /// The `code_challenge_method`.
    pub method: PkceMethod,
}

impl PkceVerifier {
    /// A fresh verifier: 32 random bytes base64url-encoded, 43 characters, the
    /// recommendation of RFC 7636 §4.1.
    pub fn generate() -> Self {
        Self::new(crate::random_token(32))
    }

    /// Checks a caller-supplied verifier against RFC 7636 §4.1: 43 to 128 characters of
    /// `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    pub fn parse(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        let ok_len = (43..=128).contains(&value.len());
        let ok_chars = value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'));
        if ok_len && ok_chars {
            Ok(Self::new(value))
        } else {
            Err(Error::InvalidPkceVerifier { len: value.len() })
        }
    }

    /// The S256 challenge of this verifier.
    pub fn challenge(&self) -> PkceChallenge {
        let digest = ring::digest::digest(&ring::digest::SHA256, self.secret().as_bytes());
        PkceChallenge {
            challenge: URL_SAFE_NO_PAD.encode(digest.as_ref()),
            method: PkceMethod::S256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let v = PkceVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        let c = v.challenge();
        assert_eq!(c.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(c.method.as_str(), "S256");
    }

    #[test]
    fn verifier_rules() {
        assert!(PkceVerifier::parse("a".repeat(42)).is_err());
        assert!(PkceVerifier::parse("a".repeat(43)).is_ok());
        assert!(PkceVerifier::parse("a".repeat(128)).is_ok());
        assert!(PkceVerifier::parse("a".repeat(129)).is_err());
        assert!(PkceVerifier::parse(format!("{}+", "a".repeat(43))).is_err());
        let g = PkceVerifier::generate();
        assert!(PkceVerifier::parse(g.secret()).is_ok());
    }
}
