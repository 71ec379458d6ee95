//! ID token validation, side by side: `oidc-jose` beside `openidconnect`, `jsonwebtoken`
//! (aws-lc and RustCrypto backends), `josekit` and the raw `ring` floor, on the same tokens.
//!
//! Every contender does the whole job on each iteration: parse the compact token, pick the
//! key by `kid` from the same 3-key JWKS (keys prepared once, outside the loop, the way each
//! library is meant to be used), verify the signature, deserialize the claims and check
//! `iss`, `aud`, `exp` (and `nbf`/`iat` where the library does) and `nonce`. The floor is
//! `ring` verifying the already-decoded signing input and signature: no parsing at all.

use std::hint::black_box;
use std::str::FromStr as _;
use std::time::SystemTime;

use criterion::Criterion;
use oidc_bench::{
    CLIENT_ID, Case, ISSUER, JwtBackend, NONCE, RegisteredClaims, cases, jwks_json, note, now_unix,
    ring_verify, use_jsonwebtoken_backend,
};
use oidc_core::SystemClock;
use oidc_jose::{Algorithm, IdTokenValidator, JwkSet, ValidationContext};

// --- jsonwebtoken -----------------------------------------------------------------------

struct Jwt {
    keys: Vec<(String, jsonwebtoken::DecodingKey)>,
    validation: jsonwebtoken::Validation,
}

impl Jwt {
    fn new(jwks: &str, alg: Algorithm) -> Result<Self, String> {
        let set: jsonwebtoken::jwk::JwkSet =
            serde_json::from_str(jwks).map_err(|e| e.to_string())?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
            keys.push((jwk.common.key_id.clone().unwrap_or_default(), key));
        }
        let a = match alg {
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
            other => return Err(format!("{other:?} not in the comparison")),
        };
        let mut validation = jsonwebtoken::Validation::new(a);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[CLIENT_ID]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        Ok(Self { keys, validation })
    }

    fn validate(&self, token: &str) -> Result<RegisteredClaims, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        let kid = header.kid.as_deref().ok_or("no kid")?;
        let (_, key) = self
            .keys
            .iter()
            .find(|(k, _)| k == kid)
            .ok_or("unknown kid")?;
        let data = jsonwebtoken::decode::<RegisteredClaims>(token, key, &self.validation)
            .map_err(|e| e.to_string())?;
        if data.claims.nonce.as_deref() != Some(NONCE) {
            return Err("nonce mismatch".into());
        }
        Ok(data.claims)
    }
}

// --- josekit ----------------------------------------------------------------------------

struct Jose {
    verifiers: Vec<(String, Box<dyn josekit::jws::JwsVerifier>)>,
}

impl Jose {
    fn new(jwks: &str, alg: Algorithm) -> Result<Self, String> {
        let set = josekit::jwk::JwkSet::from_bytes(jwks).map_err(|e| e.to_string())?;
        let mut verifiers: Vec<(String, Box<dyn josekit::jws::JwsVerifier>)> = Vec::new();
        for jwk in set.keys() {
            let kid = jwk.key_id().unwrap_or_default().to_owned();
            let v: Box<dyn josekit::jws::JwsVerifier> = match (alg, jwk.key_type()) {
                (Algorithm::RS256, "RSA") => Box::new(
                    josekit::jws::RS256
                        .verifier_from_jwk(jwk)
                        .map_err(|e| e.to_string())?,
                ),
                (Algorithm::ES256, "EC") => Box::new(
                    josekit::jws::ES256
                        .verifier_from_jwk(jwk)
                        .map_err(|e| e.to_string())?,
                ),
                (Algorithm::EdDSA, "OKP") => Box::new(
                    josekit::jws::EdDSA
                        .verifier_from_jwk(jwk)
                        .map_err(|e| e.to_string())?,
                ),
                _ => continue,
            };
            verifiers.push((kid, v));
        }
        Ok(Self { verifiers })
    }

    fn validate(&self, token: &str) -> Result<josekit::jwt::JwtPayload, String> {
        let (payload, _header) = josekit::jwt::decode_with_verifier_selector(token, |h| {
            Ok(self
                .verifiers
                .iter()
                .find(|(k, _)| Some(k.as_str()) == h.key_id())
                .map(|(_, v)| &**v))
        })
        .map_err(|e| e.to_string())?;
        let mut v = josekit::jwt::JwtPayloadValidator::new();
        v.set_base_time(SystemTime::now());
        v.set_issuer(ISSUER);
        v.set_audience(CLIENT_ID);
        v.set_claim("nonce", serde_json::Value::from(NONCE));
        v.validate(&payload).map_err(|e| e.to_string())?;
        Ok(payload)
    }
}

// --- openidconnect ----------------------------------------------------------------------

struct Oidc {
    verifier: openidconnect::core::CoreIdTokenVerifier<'static>,
    nonce: openidconnect::Nonce,
}

impl Oidc {
    fn new(jwks: &str, alg: Algorithm) -> Result<Self, String> {
        use openidconnect::core::CoreJwsSigningAlgorithm as A;
        let set: openidconnect::core::CoreJsonWebKeySet =
            serde_json::from_str(jwks).map_err(|e| e.to_string())?;
        let a = match alg {
            Algorithm::RS256 => A::RsaSsaPkcs1V15Sha256,
            Algorithm::ES256 => A::EcdsaP256Sha256,
            Algorithm::EdDSA => A::EdDsa,
            other => return Err(format!("{other:?} not in the comparison")),
        };
        let verifier = openidconnect::core::CoreIdTokenVerifier::new_public_client(
            openidconnect::ClientId::new(CLIENT_ID.to_owned()),
            openidconnect::IssuerUrl::new(ISSUER.to_owned()).map_err(|e| e.to_string())?,
            set,
        )
        .set_allowed_algs([a]);
        Ok(Self {
            verifier,
            nonce: openidconnect::Nonce::new(NONCE.to_owned()),
        })
    }

    fn validate(&self, token: &str) -> Result<openidconnect::core::CoreIdTokenClaims, String> {
        let t = openidconnect::core::CoreIdToken::from_str(token).map_err(|e| e.to_string())?;
        t.into_claims(&self.verifier, &self.nonce)
            .map_err(|e| e.to_string())
    }
}

// --- the run ----------------------------------------------------------------------------

/// Runs `f` once; benchmarks it if it succeeded, otherwise records why not.
fn contender<T>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    case: &Case,
    id: &str,
    f: impl Fn(&str) -> Result<T, String>,
) {
    match f(&case.token) {
        Ok(_) => {
            g.bench_function(id, |b| b.iter(|| f(black_box(&case.token))));
        }
        Err(e) => {
            eprintln!("oidc-bench/id_token/{}/{id}: not measured: {e}", case.name);
            note(&format!("oidc-bench/id_token/{}/{id}", case.name), &e);
        }
    }
}

pub(crate) fn bench_validation(c: &mut Criterion) {
    let jwks = jwks_json();
    let ours = JwkSet::from_slice(jwks.as_bytes()).unwrap();
    for case in cases(now_unix()) {
        let validator = IdTokenValidator::new(ISSUER, CLIENT_ID).algorithms([case.alg]);
        let ctx = ValidationContext {
            nonce: Some(NONCE),
            ..Default::default()
        };
        assert!(ring_verify(
            case.alg,
            &case.material,
            case.signing_input.as_bytes(),
            &case.signature
        ));

        let mut g = c.benchmark_group(format!("oidc-bench/id_token/{}", case.name));
        contender(&mut g, &case, "oidc-jose", |t| {
            validator
                .validate(t, &ours, &ctx, &SystemClock)
                .map_err(|e| e.to_string())
        });
        g.bench_function("ring raw verify", |b| {
            b.iter(|| {
                ring_verify(
                    case.alg,
                    &case.material,
                    black_box(case.signing_input.as_bytes()),
                    black_box(&case.signature),
                )
            });
        });
        match Jwt::new(&jwks, case.alg) {
            Ok(jwt) => {
                use_jsonwebtoken_backend(JwtBackend::AwsLc);
                contender(&mut g, &case, "jsonwebtoken aws-lc", |t| jwt.validate(t));
                use_jsonwebtoken_backend(JwtBackend::RustCrypto);
                contender(&mut g, &case, "jsonwebtoken rust-crypto", |t| {
                    jwt.validate(t)
                });
                use_jsonwebtoken_backend(JwtBackend::AwsLc);
            }
            Err(e) => note(
                &format!("oidc-bench/id_token/{}/jsonwebtoken", case.name),
                &e,
            ),
        }
        match Jose::new(&jwks, case.alg) {
            Ok(jose) => contender(&mut g, &case, "josekit", |t| jose.validate(t)),
            Err(e) => note(&format!("oidc-bench/id_token/{}/josekit", case.name), &e),
        }
        match Oidc::new(&jwks, case.alg) {
            Ok(oidc) => contender(&mut g, &case, "openidconnect", |t| oidc.validate(t)),
            Err(e) => note(
                &format!("oidc-bench/id_token/{}/openidconnect", case.name),
                &e,
            ),
        }
        g.finish();
    }
}
