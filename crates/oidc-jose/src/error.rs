//! The error type of `oidc-jose`.

use oidc_core::ErrorCode;

use crate::Algorithm;

/// Why a compact JWS or a JSON document could not be parsed (code 901 for ID tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The token is larger than the configured limit.
    TooLarge,
    /// The compact serialization does not have exactly three dot-separated parts (five
    /// parts, a JWE, is reported as [`Error::EncryptedToken`]).
    PartCount,
    /// A part is not strict base64url (padding, whitespace or other characters, or
    /// non-zero trailing bits).
    Base64,
    /// The header is not a JSON object or a member has the wrong type.
    HeaderJson,
    /// The header has no `alg`.
    MissingAlg,
    /// The payload is not a JSON object or a registered claim has the wrong type.
    ClaimsJson,
    /// The `crit` header is empty or names a registered header.
    InvalidCrit,
}

/// What went wrong while parsing keys or validating a JWS or an ID token.
///
/// Each variant maps to a code of the OIDCDesktop table through [`Error::code`] and to a
/// stable name through [`Error::kind`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token could not be parsed (901).
    #[error("the token could not be parsed: {0:?}")]
    Malformed(Malformed),
    /// The token is a JWE (five parts); encrypted ID tokens need the `josekit` backend.
    #[error("the ID token is encrypted (JWE); encrypted ID tokens are not supported by this build")]
    EncryptedToken,
    /// A JWK or JWKS document could not be parsed.
    #[error("the key set could not be parsed: {reason}")]
    InvalidJwks {
        /// What was wrong.
        reason: &'static str,
    },
    /// A JWK is unusable (wrong member sizes, unknown curve).
    #[error("key {kid:?} is unusable: {reason}")]
    InvalidKey {
        /// The key's `kid`.
        kid: Option<String>,
        /// What was wrong.
        reason: &'static str,
    },
    /// The header names a critical extension this library does not understand (RFC 7515 §4.1.11).
    #[error("the token requires the critical header extension `{0}`, which is not understood")]
    UnsupportedCritical(String),
    /// The token is unsigned (`alg: none`) or its signature is empty (923).
    #[error("the token carries no signature (alg `none` or an empty signature)")]
    MissingSignature,
    /// The algorithm is not known.
    #[error("unknown signature algorithm `{0}`")]
    UnknownAlgorithm(String),
    /// The algorithm is known but this build cannot verify it (e.g. ES512 without the `josekit` feature).
    #[error("algorithm {0} is not supported by this build")]
    UnsupportedAlgorithm(Algorithm),
    /// The algorithm is not in the allow-list (920).
    #[error("algorithm {alg} is not allowed; allowed: {allowed}")]
    AlgorithmNotAllowed {
        /// The token's algorithm.
        alg: Algorithm,
        /// The allow-list, comma-separated.
        allowed: String,
    },
    /// The key set has no key that could verify this token (921).
    #[error("no signing key is available (the key set is empty or has no key for {0})")]
    NoKeys(Algorithm),
    /// An HMAC-signed token arrived but no client secret is configured (921).
    #[error("the token is signed with {0} (HMAC) but no client secret is configured")]
    MissingClientSecret(Algorithm),
    /// The HMAC key (the client secret, or an `oct` key given to [`crate::verify_signature`])
    /// is too short for the token's algorithm: RFC 7518 §3.2 requires at least the hash
    /// output size (32, 48, 64 bytes for HS256/384/512; [`Algorithm::min_hmac_key_len`]) (921).
    #[error(
        "the token is signed with {alg} (HMAC), but its key (normally the client secret) has {len} bytes, fewer than the {min} bytes RFC 7518 §3.2 requires"
    )]
    WeakHmacKey {
        /// The token's algorithm.
        alg: Algorithm,
        /// The secret's length in bytes.
        len: usize,
        /// The minimum for `alg`.
        min: usize,
    },
    /// The JWT is explicitly typed as another kind of token (`typ` such as `at+jwt`, an RFC
    /// 9068 access token, or `logout+jwt`), so it is not an ID token (RFC 8725 §3.11) (901).
    #[error("the token's `typ` is `{0}`: it is not an ID token")]
    WrongTokenType(String),
    /// No key carries the token's `kid`: the caller should refetch the JWKS once (922).
    #[error("no key in the key set has kid `{0}` (the provider may have rotated its keys)")]
    UnknownKid(String),
    /// Keys were found but none fits the token's header (type, curve, `alg`, `use`), or
    /// none of several candidates verified a token without `kid` (922).
    #[error("no key matches the token's header (alg {alg}, kid {kid:?})")]
    NoMatchingKey {
        /// The token's algorithm.
        alg: Algorithm,
        /// The token's `kid`.
        kid: Option<String>,
    },
    /// The signature did not verify (920).
    #[error("the signature does not verify")]
    BadSignature,
    /// `exp` is in the past beyond the leeway (910).
    #[error("the ID token expired at {exp} (now {now}, leeway {leeway} s)")]
    Expired {
        /// `exp`.
        exp: i64,
        /// The clock's time.
        now: i64,
        /// The leeway applied.
        leeway: i64,
    },
    /// `iss` differs from the expected issuer (911).
    #[error("the ID token's issuer `{found}` is not the expected `{expected}`")]
    IssuerMismatch {
        /// The expected issuer.
        expected: String,
        /// The `iss` claim.
        found: String,
    },
    /// The expected audience is not among `aud` (912).
    #[error("the ID token's audience {found:?} does not contain `{expected}`")]
    AudienceMismatch {
        /// The expected audience (normally the client id).
        expected: String,
        /// The `aud` claim.
        found: Vec<String>,
    },
    /// `aud` contains an audience that is not trusted (912).
    #[error("the ID token is also addressed to the untrusted audience `{0}`")]
    UntrustedAudience(String),
    /// `azp` is present (or required) and is not the client id (912).
    #[error("the ID token's authorized party (azp) {found:?} is not `{expected}`")]
    AzpMismatch {
        /// The client id.
        expected: String,
        /// The `azp` claim, if any.
        found: Option<String>,
    },
    /// A required claim is absent (913).
    #[error("the ID token has no `{0}` claim")]
    MissingClaim(&'static str),
    /// `nbf` is in the future beyond the leeway (914).
    #[error("the ID token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// `nbf`.
        nbf: i64,
        /// The clock's time.
        now: i64,
    },
    /// `iat` is in the future beyond the leeway, or zero (915).
    #[error("the ID token's issued-at time {iat} is invalid (now {now})")]
    InvalidIssuedAt {
        /// `iat`.
        iat: i64,
        /// The clock's time.
        now: i64,
    },
    /// `nonce` differs from the one sent (903).
    #[error("the ID token's nonce does not match the one sent with the request")]
    NonceMismatch,
    /// `at_hash` does not match the access token (903).
    #[error("the ID token's at_hash does not match the access token")]
    AtHashMismatch,
    /// `c_hash` does not match the authorization code (903).
    #[error("the ID token's c_hash does not match the authorization code")]
    CHashMismatch,
    /// `auth_time` is older than `max_age` allows (903).
    #[error("the user authenticated at {auth_time}, longer ago than max_age {max_age} s allows")]
    AuthTimeTooOld {
        /// `auth_time`.
        auth_time: i64,
        /// The `max_age` requested.
        max_age: u64,
    },
    /// A refreshed ID token's `auth_time` differs from the original (903, §12.2).
    #[error("the refreshed ID token's auth_time differs from the original ID token's")]
    AuthTimeChanged,
    /// A refreshed ID token's `sub` differs from the original (903, OpenID Connect Core §12.2).
    #[error("the refreshed ID token's subject differs from the original ID token's")]
    SubjectMismatch,
    /// A DPoP proof (RFC 9449 §4.3) failed a check.
    #[error("invalid DPoP proof: {0}")]
    DpopProof(DpopRefusal),
}

/// Why a DPoP proof was refused (RFC 9449 §4.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DpopRefusal {
    /// `typ` is not `dpop+jwt`.
    #[error("typ is not dpop+jwt")]
    Type,
    /// The `jwk` header is missing or not a usable public key.
    #[error("the jwk header is missing or unusable")]
    Jwk,
    /// The `jwk` header carries private key material.
    #[error("the jwk header carries a private key")]
    PrivateKey,
    /// `alg` is symmetric, `none`, or not allowed.
    #[error("the algorithm is not allowed")]
    Algorithm,
    /// The signature does not verify with the `jwk`.
    #[error("the signature does not verify")]
    Signature,
    /// A claim is missing or of the wrong type.
    #[error("the claim `{0}` is missing or malformed")]
    Claim(&'static str),
    /// `htm` is not the request's method.
    #[error("htm does not match the request method")]
    Htm,
    /// `htu` is not the request's URL.
    #[error("htu does not match the request URL")]
    Htu,
    /// `iat` is outside the accepted window.
    #[error("iat is outside the accepted window")]
    Iat,
    /// The server's nonce is missing.
    #[error("the server's nonce is missing")]
    NonceMissing,
    /// The nonce is not the server's.
    #[error("the nonce is not the server's")]
    NonceMismatch,
    /// `ath` is missing or not the hash of the access token.
    #[error("ath does not match the access token")]
    Ath,
}

impl Error {
    /// The OIDCDesktop error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Malformed(_)
            | Error::EncryptedToken
            | Error::InvalidJwks { .. }
            | Error::InvalidKey { .. }
            | Error::UnsupportedCritical(_)
            | Error::WrongTokenType(_)
            | Error::UnknownAlgorithm(_) => ErrorCode::InvalidIdToken,
            Error::MissingSignature => ErrorCode::MissingSignature,
            Error::UnsupportedAlgorithm(_)
            | Error::AlgorithmNotAllowed { .. }
            | Error::BadSignature => ErrorCode::BadSignature,
            Error::NoKeys(_) | Error::MissingClientSecret(_) | Error::WeakHmacKey { .. } => {
                ErrorCode::NoSignerKey
            }
            Error::UnknownKid(_) | Error::NoMatchingKey { .. } => ErrorCode::NoMatchingKey,
            Error::Expired { .. } => ErrorCode::Expired,
            Error::IssuerMismatch { .. } => ErrorCode::IssuerMismatch,
            Error::AudienceMismatch { .. }
            | Error::UntrustedAudience(_)
            | Error::AzpMismatch { .. } => ErrorCode::AudienceMismatch,
            Error::MissingClaim(_) => ErrorCode::MissingClaim,
            Error::NotYetValid { .. } => ErrorCode::NotYetValid,
            Error::InvalidIssuedAt { .. } => ErrorCode::InvalidIssuedAt,
            Error::NonceMismatch
            | Error::AtHashMismatch
            | Error::CHashMismatch
            | Error::AuthTimeTooOld { .. }
            | Error::AuthTimeChanged
            | Error::SubjectMismatch
            | Error::DpopProof(_) => ErrorCode::VerificationFailed,
        }
    }

    /// A stable snake_case name of the error kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "malformed_token",
            Error::EncryptedToken => "encrypted_token",
            Error::InvalidJwks { .. } => "invalid_jwks",
            Error::InvalidKey { .. } => "invalid_key",
            Error::UnsupportedCritical(_) => "unsupported_critical_header",
            Error::MissingSignature => "missing_signature",
            Error::UnknownAlgorithm(_) => "unknown_algorithm",
            Error::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Error::AlgorithmNotAllowed { .. } => "algorithm_not_allowed",
            Error::NoKeys(_) | Error::MissingClientSecret(_) => "no_signer_key",
            Error::WeakHmacKey { .. } => "weak_hmac_key",
            Error::WrongTokenType(_) => "wrong_token_type",
            Error::UnknownKid(_) | Error::NoMatchingKey { .. } => "no_matching_key",
            Error::BadSignature => "bad_signature",
            Error::Expired { .. } => "expired",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::AudienceMismatch { .. } | Error::UntrustedAudience(_) => "audience_mismatch",
            Error::AzpMismatch { .. } => "azp_mismatch",
            Error::MissingClaim(_) => "missing_claim",
            Error::NotYetValid { .. } => "not_yet_valid",
            Error::InvalidIssuedAt { .. } => "invalid_iat",
            Error::NonceMismatch => "nonce_mismatch",
            Error::AtHashMismatch => "at_hash_mismatch",
            Error::CHashMismatch => "c_hash_mismatch",
            Error::AuthTimeTooOld { .. } => "auth_time_too_old",
            Error::AuthTimeChanged => "auth_time_changed",
            Error::SubjectMismatch => "subject_mismatch",
            Error::DpopProof(_) => "invalid_dpop_proof",
        }
    }

    /// Whether the token named a `kid` the key set does not have: refetch the JWKS once
    /// (rate-limited) and validate again.
    pub fn is_unknown_kid(&self) -> bool {
        matches!(self, Error::UnknownKid(_))
    }
}
