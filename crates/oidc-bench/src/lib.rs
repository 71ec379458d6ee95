//! Shared inputs of the `oidc-bench` benchmarks: the signing keys, the realistic ID tokens,
//! the JWKS and discovery documents, the raw `ring` floor, and the switch that lets one
//! process measure `jsonwebtoken` with both of its crypto backends.
//!
//! Every benchmark measures `oidc-desktop` and its peers on the same inputs in the same
//! run; `cargo xtask bench` runs them all and turns criterion's estimates into the ratios of
//! `target/bench/summary.md`. Absolute times on a shared machine are noise; the ratios are
//! what the goals are about.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oidc_jose::{Algorithm, KeyMaterial, SigningKey};
use ring::signature;

/// The issuer of every benchmark token.
pub const ISSUER: &str = "https://login.example.com/tenant-4f1c2a/v2.0";
/// The client id (the tokens' `aud` and `azp`).
pub const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
/// The nonce every token carries and every validator checks.
pub const NONCE: &str = "n-0S6_WzA2Mj-Qx7vR3c";

/// The current time, whole seconds since the Unix epoch.
///
/// Tokens are issued at start-up for the real clock, because `jsonwebtoken` and
/// `openidconnect` read the system clock themselves; every validator (ours included)
/// therefore reads the system clock too.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A realistic ~600-byte claims set (the shape Google, Entra and Okta send), issued `now`.
pub fn claims_json(now: i64) -> String {
    serde_json::json!({
        "iss": ISSUER,
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
        "aud": CLIENT_ID,
        "exp": now + 3600, "iat": now, "nbf": now, "auth_time": now - 20,
        "nonce": NONCE,
        "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "azp": CLIENT_ID,
        "sid": "08a5019c-17e1-4977-8f42-65a12843ea02",
        "name": "Jane Q. Example-Smith",
        "given_name": "Jane", "family_name": "Example-Smith",
        "preferred_username": "jane.example-smith@contoso.example",
        "email": "jane.example-smith@contoso.example", "email_verified": true,
        "locale": "en-GB", "zoneinfo": "Europe/London",
        "amr": ["pwd", "mfa"], "acr": "urn:example:loa:2"
    })
    .to_string()
}

/// The registered claims a peer deserializes (what `oidc-jose` parses on its hot path).
#[derive(Debug, serde::Deserialize)]
pub struct RegisteredClaims {
    /// `iss`.
    pub iss: String,
    /// `sub`.
    pub sub: String,
    /// `aud` (a string in these tokens).
    pub aud: String,
    /// `exp`.
    pub exp: i64,
    /// `iat`.
    pub iat: i64,
    /// `nbf`.
    pub nbf: Option<i64>,
    /// `auth_time`.
    pub auth_time: Option<i64>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `azp`.
    pub azp: Option<String>,
    /// `at_hash`.
    pub at_hash: Option<String>,
    /// `sid`.
    pub sid: Option<String>,
}

/// One signing algorithm of the comparison.
#[derive(Debug)]
pub struct Case {
    /// The benchmark group's name (`RS256-2048`, `ES256`, `EdDSA`).
    pub name: &'static str,
    /// The algorithm.
    pub alg: Algorithm,
    /// The key's `kid` (also in the token's header).
    pub kid: &'static str,
    /// The signed ID token.
    pub token: String,
    /// The JWS signing input (`header.payload`), for the raw floor.
    pub signing_input: String,
    /// The decoded signature bytes, for the raw floor.
    pub signature: Vec<u8>,
    /// The public key, already decoded, for the raw floor.
    pub material: KeyMaterial,
}

/// The three signing keys: RSA-2048 (`rsa`), P-256 (`ec`), Ed25519 (`ed`); test-only keys
/// committed with `oidc-jose`.
///
/// # Panics
///
/// If a committed key does not load (a broken checkout).
pub fn signing_keys() -> Vec<(&'static str, &'static str, SigningKey)> {
    let load = |alg, pem: &str, kid: &str| {
        SigningKey::from_pkcs8_pem(alg, pem)
            .unwrap_or_else(|e| panic!("test key {kid}: {e}"))
            .with_kid(kid)
    };
    vec![
        (
            "RS256-2048",
            "rsa",
            load(
                Algorithm::RS256,
                include_str!("../../oidc-jose/tests/keys/rsa2048-1.pem"),
                "rsa",
            ),
        ),
        (
            "ES256",
            "ec",
            load(
                Algorithm::ES256,
                include_str!("../../oidc-jose/tests/keys/ec-p256.pem"),
                "ec",
            ),
        ),
        (
            "EdDSA",
            "ed",
            load(
                Algorithm::EdDSA,
                include_str!("../../oidc-jose/tests/keys/ed25519.pem"),
                "ed",
            ),
        ),
    ]
}

/// The 3-key JWKS (RSA, EC, OKP) of [`signing_keys`], with `kid`, `alg` and `use`.
///
/// # Panics
///
/// If a key has no public JWK (never for these keys).
pub fn jwks_json() -> String {
    let keys: Vec<serde_json::Value> = signing_keys()
        .iter()
        .map(|(_, _, k)| {
            let mut v = k.public_jwk_json().unwrap_or_else(|| panic!("public JWK"));
            if let Some(m) = v.as_object_mut() {
                m.insert("alg".into(), k.alg().as_str().into());
                m.insert("use".into(), "sig".into());
            }
            v
        })
        .collect();
    serde_json::json!({ "keys": keys }).to_string()
}

/// One [`Case`] per algorithm: a token signed over [`claims_json`]`(now)`.
///
/// # Panics
///
/// If signing fails (never for these keys).
pub fn cases(now: i64) -> Vec<Case> {
    let claims = claims_json(now);
    assert!(
        (550..=700).contains(&claims.len()),
        "claims are {} bytes",
        claims.len()
    );
    signing_keys()
        .into_iter()
        .map(|(name, kid, key)| {
            let token = key
                .sign_compact(Some("JWT"), claims.as_bytes())
                .unwrap_or_else(|e| panic!("signing {name}: {e}"));
            let (input, sig) = token.rsplit_once('.').unwrap_or_default();
            let signature = URL_SAFE_NO_PAD
                .decode(sig)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let jwk = key.public_jwk().unwrap_or_else(|| panic!("public JWK"));
            Case {
                name,
                alg: key.alg(),
                kid,
                signing_input: input.to_owned(),
                signature,
                material: jwk.material().clone(),
                token,
            }
        })
        .collect()
}

/// The floor: `ring`'s verification of the already-decoded signing input and signature
/// with the already-decoded public key. No base64, no JSON, no claim checks.
pub fn ring_verify(alg: Algorithm, key: &KeyMaterial, msg: &[u8], sig: &[u8]) -> bool {
    match (alg, key) {
        (Algorithm::RS256, KeyMaterial::Rsa { n, e }) => signature::RsaPublicKeyComponents { n, e }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
            .is_ok(),
        (Algorithm::ES256, KeyMaterial::Ec { point, .. }) => {
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(msg, sig)
                .is_ok()
        }
        (Algorithm::EdDSA, KeyMaterial::Ed25519 { x }) => {
            signature::UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(msg, sig)
                .is_ok()
        }
        _ => false,
    }
}

/// A realistic ~3 KB discovery document (Okta's shape, from `oidc-discovery`'s fixtures)
/// and its issuer.
pub const DISCOVERY_DOC: &str = include_str!("../../oidc-discovery/tests/fixtures/okta.json");
/// The issuer of [`DISCOVERY_DOC`].
pub const DISCOVERY_ISSUER: &str = "https://dev-123456.okta.com/oauth2/default";

/// Where benchmarks write what criterion does not record (request counts): the directory
/// named by `OIDC_BENCH_OUT` (set by `cargo xtask bench`), else `target/bench` of the
/// workspace.
pub fn out_dir() -> PathBuf {
    match std::env::var_os("OIDC_BENCH_OUT") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench"),
    }
}

/// `jsonwebtoken`'s crypto backend, chosen per benchmark.
///
/// `jsonwebtoken` 10+ picks its backend once per process (`CryptoProvider::install_default`).
/// To measure both backends on the same inputs in one run, [`use_jsonwebtoken_backend`]
/// installs a provider whose factories dispatch on a process-wide switch (one relaxed
/// atomic load per token, nothing next to a signature check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtBackend {
    /// `aws-lc-rs` (the `aws_lc_rs` feature).
    AwsLc,
    /// The RustCrypto crates (the `rust_crypto` feature).
    RustCrypto,
}

static USE_AWS_LC: AtomicBool = AtomicBool::new(true);

fn switch_verifier(
    alg: &jsonwebtoken::Algorithm,
    key: &jsonwebtoken::DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn jsonwebtoken::crypto::JwtVerifier>> {
    if USE_AWS_LC.load(Ordering::Relaxed) {
        (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(alg, key)
    } else {
        (jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.verifier_factory)(alg, key)
    }
}

fn switch_signer(
    alg: &jsonwebtoken::Algorithm,
    key: &jsonwebtoken::EncodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn jsonwebtoken::crypto::JwtSigner>> {
    if USE_AWS_LC.load(Ordering::Relaxed) {
        (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.signer_factory)(alg, key)
    } else {
        (jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.signer_factory)(alg, key)
    }
}

static SWITCH: LazyLock<jsonwebtoken::crypto::CryptoProvider> =
    LazyLock::new(|| jsonwebtoken::crypto::CryptoProvider {
        signer_factory: switch_signer,
        verifier_factory: switch_verifier,
        key_utils: jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
            .key_utils
            .clone(),
    });

/// Selects `jsonwebtoken`'s backend for the calls that follow (process-wide).
pub fn use_jsonwebtoken_backend(backend: JwtBackend) {
    // A second install fails and keeps the first, which is this same switch.
    let _ = SWITCH.install_default();
    USE_AWS_LC.store(backend == JwtBackend::AwsLc, Ordering::Relaxed);
}

/// Records why a benchmark was not run (a peer that lacks an algorithm, a feature that
/// failed): one `key<TAB>reason` line in `notes.txt` of [`out_dir`], which `cargo xtask
/// bench` shows in the summary next to the missing figure.
pub fn note(key: &str, reason: &str) {
    use std::io::Write as _;
    let dir = out_dir();
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("notes.txt"))
    {
        let reason = reason.replace(['\n', '\t'], " ");
        let _ = writeln!(f, "{key}\t{reason}");
    }
}
