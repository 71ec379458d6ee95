//! JOSE for OpenID Connect relying parties: JWS, JWK/JWKS, and ID token validation.
//!
//! Pure: no IO, no clock reads (time comes from an [`oidc_core::Clock`]), no tasks.
//!
//! - [`CompactJws`]: strict compact parsing (base64url without padding or whitespace,
//!   size limit, `crit` honoured, `jku`/`x5u`/`jwk` headers never followed).
//! - [`Jwk`] / [`JwkSet`]: RSA, EC (P-256, P-384, P-521), OKP (Ed25519) and oct keys,
//!   decoded once into ready-to-verify material; unknown key types are skipped.
//! - [`verify_jws`]: key selection by `kid` (a distinct [`Error::UnknownKid`] lets the
//!   caller refetch the JWKS once), or every fitting key when the token has no `kid`;
//!   algorithm allow-list; key type must match the algorithm.
//! - [`IdTokenValidator`]: every rule of OpenID Connect Core §3.1.3.7, §3.2.2.11,
//!   §3.3.2.12 and §12.2, each failure its own [`Error`] variant with the OIDCDesktop code.
//! - [`SigningKey`]: signing for `private_key_jwt`, `client_secret_jwt` and test providers.
//!
//! Signatures are verified with `ring`. ES512 (P-521), which `ring` lacks, is verified
//! through `josekit` when the non-default `josekit` feature is enabled.
//!
//! # Example
//!
//! ```
//! use oidc_core::FixedClock;
//! use oidc_jose::{Algorithm, IdTokenValidator, JwkSet, SigningKey, ValidationContext};
//!
//! let op_key = SigningKey::generate_ec(Algorithm::ES256)?.with_kid("2026-11");
//! let jwks_json = serde_json::json!({ "keys": [op_key.public_jwk_json()] }).to_string();
//! let jwks = JwkSet::from_slice(jwks_json.as_bytes())?;
//!
//! let id_token = op_key.sign_compact(Some("JWT"), br#"{"iss":"https://op.example",
//!     "sub":"248289761001","aud":"my-app","exp":1800000600,"iat":1800000000,
//!     "nonce":"n-0S6_WzA2Mj","email":"jane@example.com"}"#)?;
//!
//! let validator = IdTokenValidator::new("https://op.example", "my-app")
//!     .algorithms_from_names(["RS256", "ES256"]);
//! let ctx = ValidationContext { nonce: Some("n-0S6_WzA2Mj"), ..Default::default() };
//! let token = validator.validate(&id_token, &jwks, &ctx, &FixedClock::new(1_800_000_001))?;
//! assert_eq!(token.claims.user().email.as_deref(), Some("jane@example.com"));
//! assert_eq!(token.claims.claim("/json/sub").unwrap(), "248289761001");
//!
//! // A different nonce is refused with error code 903.
//! let ctx = ValidationContext { nonce: Some("another"), ..Default::default() };
//! let err = validator.validate(&id_token, &jwks, &ctx, &FixedClock::new(1_800_000_001)).unwrap_err();
//! assert_eq!((err.code().as_u16(), err.kind()), (903, "nonce_mismatch"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod alg;
mod b64;
mod claims;
mod der;
mod dpop;
mod error;
mod jwk;
mod jws;
mod sign;
mod validated;
mod validator;
mod verify;

pub use alg::{Algorithm, claim_hash};
pub use claims::{Address, IdTokenClaims, StandardClaims, lookup, value_text};
pub use dpop::{
    DPOP_TYP, DpopKey, ProofCheck, VerifiedProof, access_token_hash, strip_query, thumbprint,
    verify_proof,
};
pub use error::{DpopRefusal, Error, Malformed};
pub use jwk::{Curve, Jwk, JwkSet, KeyMaterial, MAX_KEYS, SkippedKey};
pub use jws::{CompactJws, DEFAULT_MAX_TOKEN_LEN, Header};
pub use sign::SigningKey;
pub use validated::ValidatedClaims;
pub use validator::{
    DEFAULT_LEEWAY_SECS, ExpectedIssuer, HashedValue, IdTokenValidator, SkipChecks,
    ValidatedIdToken, ValidationContext,
};
pub use verify::{verify_jws, verify_signature};

/// Parses an ID token's claims without validating anything.
/// Never trust the result: use [`IdTokenValidator::validate`] for that.
pub fn parse_unverified(token: &str) -> Result<(Header, IdTokenClaims), Error> {
    let jws = CompactJws::parse(token)?;
    let header = jws.header().clone();
    Ok((header, IdTokenClaims::from_json(jws.into_payload())?))
}
