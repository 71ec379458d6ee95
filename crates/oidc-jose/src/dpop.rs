//! DPoP (RFC 9449): proofs of possession for sender-constrained tokens.
//!
//! [`DpopKey`] is the client's key: it makes a proof per request ([`DpopKey::proof`]) and
//! names itself by its RFC 7638 thumbprint ([`DpopKey::thumbprint`], the `jkt`).
//! [`verify_proof`] is the server's side (used by the project's test provider, and by tests
//! as a check on the client's proofs).

use ring::rand::{SecureRandom as _, SystemRandom};
use serde_json::Value;

use crate::{Algorithm, DpopRefusal, Error, Jwk, KeyMaterial, SigningKey, b64};

/// The `typ` of a DPoP proof.
pub const DPOP_TYP: &str = "dpop+jwt";

/// A DPoP key: ES256 (the default), EdDSA, or RS256/PS256 loaded from PKCS#8 (`ring` cannot
/// generate RSA keys). Not `Clone`; `Debug` shows the algorithm and thumbprint only.
pub struct DpopKey {
    signing: SigningKey,
    pkcs8: Vec<u8>,
    /// The base64url header, made once: `{"typ":"dpop+jwt","alg":…,"jwk":{…}}`.
    header_b64: String,
    jkt: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.signing.alg())
            .field("jkt", &self.jkt)
            .finish_non_exhaustive()
    }
}

fn bad(reason: &'static str) -> Error {
    Error::InvalidKey { kid: None, reason }
}

impl DpopKey {
    /// A fresh ES256 key.
    pub fn generate() -> Result<Self, Error> {
        Self::generate_for(Algorithm::ES256)
    }

    /// A fresh key for `alg`: ES256, ES384 or EdDSA.
    pub fn generate_for(alg: Algorithm) -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let doc = match alg {
            Algorithm::ES256 => ring::signature::EcdsaKeyPair::generate_pkcs8(
                &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &rng,
            ),
            Algorithm::ES384 => ring::signature::EcdsaKeyPair::generate_pkcs8(
                &ring::signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                &rng,
            ),
            Algorithm::EdDSA => ring::signature::Ed25519KeyPair::generate_pkcs8(&rng),
            _ => {
                return Err(bad(
                    "DPoP keys are generated for ES256, ES384 and EdDSA; load RSA keys from PKCS#8",
                ));
            }
        }
        .map_err(|_| bad("DPoP key generation failed"))?;
        Self::from_pkcs8(alg, doc.as_ref())
    }

    /// A key from its PKCS#8 DER, for `alg` (ES256, ES384, EdDSA, RS256/384/512, PS256/384/512).
    pub fn from_pkcs8(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, Error> {
        let signing = match alg {
            Algorithm::ES256 | Algorithm::ES384 => SigningKey::ec_pkcs8(alg, pkcs8)?,
            Algorithm::EdDSA => SigningKey::ed25519_pkcs8(pkcs8)?,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => SigningKey::rsa_pkcs8(alg, pkcs8)?,
            _ => return Err(bad("DPoP needs an asymmetric algorithm")),
        };
        let jwk = signing
            .public_jwk()
            .ok_or_else(|| bad("DPoP needs an asymmetric key"))?;
        let public = canonical_public_jwk(jwk.material()).ok_or_else(|| bad("no public key"))?;
        let jkt =
            b64::encode(ring::digest::digest(&ring::digest::SHA256, public.as_bytes()).as_ref());
        let header = format!(
            r#"{{"typ":"{DPOP_TYP}","alg":"{}","jwk":{public}}}"#,
            alg.as_str()
        );
        Ok(Self {
            signing,
            pkcs8: pkcs8.to_vec(),
            header_b64: b64::encode(header.as_bytes()),
            jkt,
            rng: SystemRandom::new(),
        })
    }

    /// The private key as PKCS#8 DER, to store the key with a session. Keep it as secret as
    /// a refresh token.
    pub fn to_pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The signature algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.signing.alg()
    }

    /// The RFC 7638 SHA-256 thumbprint of the public key, base64url: `dpop_jkt`, `cnf.jkt`.
    pub fn thumbprint(&self) -> &str {
        &self.jkt
    }

    /// A proof for a request: `htm` (the method), `htu` (the URL; its query and fragment are
    /// dropped), `iat` (Unix seconds), the server's `nonce` if it gave one, and for a
    /// resource request the `access_token` it accompanies (its hash becomes `ath`).
    pub fn proof(
        &self,
        htm: &str,
        htu: &str,
        iat: i64,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, Error> {
        let mut jti = [0u8; 16];
        self.rng
            .fill(&mut jti)
            .map_err(|_| bad("the system random generator failed"))?;
        let mut payload = String::with_capacity(160);
        payload.push_str(r#"{"jti":""#);
        payload.push_str(&b64::encode(&jti));
        payload.push_str(r#"","htm":"#);
        push_json_string(&mut payload, htm);
        payload.push_str(r#","htu":"#);
        push_json_string(&mut payload, strip_query(htu));
        payload.push_str(r#","iat":"#);
        payload.push_str(&iat.to_string());
        if let Some(n) = nonce {
            payload.push_str(r#","nonce":"#);
            push_json_string(&mut payload, n);
        }
        if let Some(t) = access_token {
            payload.push_str(r#","ath":""#);
            payload.push_str(&access_token_hash(t));
            payload.push('"');
        }
        payload.push('}');
        let mut out = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 100);
        out.push_str(&self.header_b64);
        out.push('.');
        out.push_str(&b64::encode(payload.as_bytes()));
        let sig = self.signing.sign(out.as_bytes())?;
        out.push('.');
        out.push_str(&b64::encode(&sig));
        Ok(out)
    }
}

/// `ath`: base64url SHA-256 of the access token's ASCII (RFC 9449 §4.2).
pub fn access_token_hash(access_token: &str) -> String {
    b64::encode(ring::digest::digest(&ring::digest::SHA256, access_token.as_bytes()).as_ref())
}

/// `htu` as RFC 9449 §4.2 wants it: the URL without query and fragment.
pub fn strip_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

/// The RFC 7638 thumbprint of a public key.
pub fn thumbprint(key: &KeyMaterial) -> Option<String> {
    let json = canonical_public_jwk(key)?;
    Some(b64::encode(
        ring::digest::digest(&ring::digest::SHA256, json.as_bytes()).as_ref(),
    ))
}

/// The required public members in lexicographic order, without whitespace (RFC 7638 §3.2).
fn canonical_public_jwk(key: &KeyMaterial) -> Option<String> {
    Some(match key {
        KeyMaterial::Rsa { n, e } => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            b64::encode(e),
            b64::encode(n)
        ),
        KeyMaterial::Ec { curve, point } => {
            let l = curve.coordinate_len();
            format!(
                r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                curve.as_str(),
                b64::encode(point.get(1..=l)?),
                b64::encode(point.get(1 + l..)?)
            )
        }
        KeyMaterial::Ed25519 { x } => {
            format!(
                r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
                b64::encode(x)
            )
        }
        KeyMaterial::Oct { .. } => return None,
    })
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a server expects of a proof.
#[derive(Debug, Clone, Copy)]
pub struct ProofCheck<'a> {
    /// The request's method.
    pub htm: &'a str,
    /// The request's URL (query and fragment are ignored).
    pub htu: &'a str,
    /// The server's time, Unix seconds.
    pub now: i64,
    /// How old a proof may be, seconds.
    pub max_age: i64,
    /// How far in the future `iat` may lie (clock skew), seconds.
    pub leeway: i64,
    /// The nonce the server requires, if any.
    pub nonce: Option<&'a str>,
    /// For a resource request: the access token presented (`ath` must match).
    pub access_token: Option<&'a str>,
    /// The algorithms accepted (asymmetric only; HMAC and `none` are always refused).
    pub algorithms: &'a [Algorithm],
}

/// A proof that passed [`verify_proof`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedProof {
    /// The thumbprint of the proof's key.
    pub jkt: String,
    /// The proof's unique id: the caller refuses one it has seen (replay).
    pub jti: String,
    /// When it was made.
    pub iat: i64,
    /// The nonce it carried.
    pub nonce: Option<String>,
}

fn refuse(r: DpopRefusal) -> Error {
    Error::DpopProof(r)
}

/// Verifies a DPoP proof (RFC 9449 §4.3): `typ`, an asymmetric allowed `alg`, a public
/// `jwk` that verifies the signature, `htm`, `htu`, `iat` within the window, `jti`, the
/// server's nonce when it requires one, and `ath` for a resource request.
pub fn verify_proof(proof: &str, check: &ProofCheck<'_>) -> Result<VerifiedProof, Error> {
    let jws = crate::CompactJws::parse_with_limit(proof, 8 * 1024)?;
    let alg = jws.header().alg;
    if jws.header().typ.as_deref() != Some(DPOP_TYP) {
        return Err(refuse(DpopRefusal::Type));
    }
    if alg.is_symmetric() || alg == Algorithm::None || !check.algorithms.contains(&alg) {
        return Err(refuse(DpopRefusal::Algorithm));
    }
    let header_part = proof.split('.').next().unwrap_or_default();
    let header: Value = b64::decode(header_part.as_bytes())
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or(refuse(DpopRefusal::Jwk))?;
    let jwk_json = header
        .get("jwk")
        .filter(|j| j.is_object())
        .ok_or(refuse(DpopRefusal::Jwk))?;
    if ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|m| jwk_json.get(m).is_some())
    {
        return Err(refuse(DpopRefusal::PrivateKey));
    }
    let jwk =
        Jwk::from_slice(jwk_json.to_string().as_bytes()).map_err(|_| refuse(DpopRefusal::Jwk))?;
    crate::verify_signature(alg, jwk.material(), jws.signing_input(), jws.signature())
        .map_err(|_| refuse(DpopRefusal::Signature))?;
    let claims: Value =
        serde_json::from_slice(jws.payload()).map_err(|_| refuse(DpopRefusal::Claim("payload")))?;
    let text = |name: &'static str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .ok_or(refuse(DpopRefusal::Claim(name)))
    };
    let jti = text("jti")?;
    if jti.is_empty() {
        return Err(refuse(DpopRefusal::Claim("jti")));
    }
    if text("htm")? != check.htm {
        return Err(refuse(DpopRefusal::Htm));
    }
    if strip_query(text("htu")?) != strip_query(check.htu) {
        return Err(refuse(DpopRefusal::Htu));
    }
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or(refuse(DpopRefusal::Claim("iat")))?;
    if iat > check.now.saturating_add(check.leeway) || iat < check.now.saturating_sub(check.max_age)
    {
        return Err(refuse(DpopRefusal::Iat));
    }
    let nonce = claims.get("nonce").and_then(Value::as_str);
    if let Some(want) = check.nonce {
        match nonce {
            None => return Err(refuse(DpopRefusal::NonceMissing)),
            Some(n) if n != want => return Err(refuse(DpopRefusal::NonceMismatch)),
            Some(_) => {}
        }
    }
    if let Some(at) = check.access_token
        && claims.get("ath").and_then(Value::as_str) != Some(access_token_hash(at).as_str())
    {
        return Err(refuse(DpopRefusal::Ath));
    }
    Ok(VerifiedProof {
        jkt: thumbprint(jwk.material()).ok_or(refuse(DpopRefusal::Jwk))?,
        jti: jti.to_owned(),
        iat,
        nonce: nonce.map(str::to_owned),
    })
}
