//! ES512 (P-521) verification through josekit/OpenSSL, which ring lacks: built only with
//! the `josekit` feature.

use crate::Error;

/// Verifies an ES512 signature by the P-521 public key `point` (`0x04 || x || y`).
pub(super) fn verify_es512(point: &[u8], message: &[u8], sig: &[u8]) -> Result<(), Error> {
    use josekit::jws::ES512;
    use josekit::jws::JwsVerifier as _;
    let x = crate::b64::encode(&point[1..67]);
    let y = crate::b64::encode(&point[67..]);
    let jwk_json = format!(r#"{{"kty":"EC","crv":"P-521","x":"{x}","y":"{y}"}}"#);
    let refused = |_| Error::InvalidKey {
        kid: None,
        reason: "P-521 key refused by the josekit backend",
    };
    let jwk = josekit::jwk::Jwk::from_bytes(jwk_json.as_bytes()).map_err(refused)?;
    let verifier = ES512.verifier_from_jwk(&jwk).map_err(refused)?;
    verifier
        .verify(message, sig)
        .map_err(|_| Error::BadSignature)
}
