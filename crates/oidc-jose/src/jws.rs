//! JWS compact serialization (RFC 7515 §7.1) and its protected header.

use std::borrow::Cow;

use serde::Deserialize;

use crate::{Algorithm, Error, Malformed, b64};

/// The default size limit of a compact JWS: 64 KiB. ID tokens are a few KiB at most.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 64 * 1024;

/// The JOSE header members this library reads. `jku`, `x5u`, `jwk` and `x5c` are never
/// followed or trusted: keys come only from the provider's JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg`.
    pub alg: Algorithm,
    /// `kid`.
    pub kid: Option<String>,
    /// `typ`.
    pub typ: Option<String>,
    /// `cty`.
    pub cty: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    typ: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cty: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    crit: Option<Vec<Cow<'a, str>>>,
}

/// Registered header names, which `crit` must not list (RFC 7515 §4.1.11).
const REGISTERED: &[&str] = &[
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc", "zip",
];

/// Extensions we understand when marked critical: none.
const UNDERSTOOD_CRIT: &[&str] = &[];

/// Parses a header JSON object.
pub(crate) fn parse_header(json: &[u8]) -> Result<Header, Error> {
    // serde would also read a struct from a JSON array; a JOSE header is an object.
    if json.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Error::Malformed(Malformed::HeaderJson));
    }
    let raw: RawHeader<'_> =
        serde_json::from_slice(json).map_err(|_| Error::Malformed(Malformed::HeaderJson))?;
    if let Some(crit) = &raw.crit {
        if crit.is_empty() {
            return Err(Error::Malformed(Malformed::InvalidCrit));
        }
        for name in crit {
            if REGISTERED.contains(&name.as_ref()) {
                return Err(Error::Malformed(Malformed::InvalidCrit));
            }
            if !UNDERSTOOD_CRIT.contains(&name.as_ref()) {
                return Err(Error::UnsupportedCritical(name.clone().into_owned()));
            }
        }
    }
    let alg_name = raw.alg.ok_or(Error::Malformed(Malformed::MissingAlg))?;
    let alg = Algorithm::parse(&alg_name)
        .ok_or_else(|| Error::UnknownAlgorithm(alg_name.into_owned()))?;
    Ok(Header {
        alg,
        kid: raw.kid.map(Cow::into_owned),
        typ: raw.typ.map(Cow::into_owned),
        cty: raw.cty.map(Cow::into_owned),
    })
}

/// A parsed compact JWS whose signature has not been checked yet. Its `Debug` shows the
/// header's `alg`, `kid` and `typ` and the sizes, never the token, payload or signature.
#[derive(Clone)]
pub struct CompactJws<'a> {
    token: &'a str,
    header: Header,
    payload: Vec<u8>,
    signature: Vec<u8>,
    signing_input_len: usize,
}

impl std::fmt::Debug for CompactJws<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactJws")
            .field("alg", &self.header.alg)
            .field("kid", &self.header.kid)
            .field("typ", &self.header.typ)
            .field("token_len", &self.token.len())
            .field("payload_len", &self.payload.len())
            .field("signature_len", &self.signature.len())
            .finish_non_exhaustive()
    }
}

impl<'a> CompactJws<'a> {
    /// Parses `token` with the default size limit.
    pub fn parse(token: &'a str) -> Result<Self, Error> {
        Self::parse_with_limit(token, DEFAULT_MAX_TOKEN_LEN)
    }

    /// Parses `token`, refusing anything longer than `max_len` bytes.
    pub fn parse_with_limit(token: &'a str, max_len: usize) -> Result<Self, Error> {
        if token.len() > max_len {
            return Err(Error::Malformed(Malformed::TooLarge));
        }
        let bytes = token.as_bytes();
        let first = memchr(b'.', bytes, 0).ok_or(Error::Malformed(Malformed::PartCount))?;
        let second =
            memchr(b'.', bytes, first + 1).ok_or(Error::Malformed(Malformed::PartCount))?;
        if memchr(b'.', bytes, second + 1).is_some() {
            let dots = bytes.iter().filter(|&&b| b == b'.').count();
            return Err(if dots == 4 {
                Error::EncryptedToken
            } else {
                Error::Malformed(Malformed::PartCount)
            });
        }
        let (h, p, s) = (
            &bytes[..first],
            &bytes[first + 1..second],
            &bytes[second + 1..],
        );
        let mut hbuf = [0u8; 2048];
        let header = if h.len() <= 2728 {
            let n = b64::decode_into(h, &mut hbuf).ok_or(Error::Malformed(Malformed::Base64))?;
            parse_header(&hbuf[..n])?
        } else {
            let v = b64::decode(h).ok_or(Error::Malformed(Malformed::Base64))?;
            parse_header(&v)?
        };
        let payload = b64::decode(p).ok_or(Error::Malformed(Malformed::Base64))?;
        let signature = b64::decode(s).ok_or(Error::Malformed(Malformed::Base64))?;
        Ok(Self {
            token,
            header,
            payload,
            signature,
            signing_input_len: second,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The decoded payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Consumes the JWS, returning the decoded payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// Consumes the JWS, returning the header and the decoded payload.
    pub fn into_parts(self) -> (Header, Vec<u8>) {
        (self.header, self.payload)
    }

    /// The decoded signature (empty for an unsigned JWS).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes that were signed.
    pub fn signing_input(&self) -> &'a [u8] {
        &self.token.as_bytes()[..self.signing_input_len]
    }

    /// The token as given.
    pub fn as_str(&self) -> &'a str {
        self.token
    }
}

fn memchr(needle: u8, hay: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(header: &str, payload: &str, sig: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            b64::encode(header.as_bytes()),
            b64::encode(payload.as_bytes()),
            b64::encode(sig)
        )
    }

    #[test]
    fn parses_parts() {
        let t = tok(
            r#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#,
            r#"{"a":1}"#,
            b"sig",
        );
        let j = CompactJws::parse(&t).unwrap();
        assert_eq!(j.header().alg, Algorithm::RS256);
        assert_eq!(j.header().kid.as_deref(), Some("k1"));
        assert_eq!(j.payload(), br#"{"a":1}"#);
        assert_eq!(j.signature(), b"sig");
        assert_eq!(j.signing_input(), t.rsplit_once('.').unwrap().0.as_bytes());
    }

    #[test]
    fn refusals() {
        let m = |t: &str| CompactJws::parse(t).unwrap_err();
        assert!(matches!(m("a.b"), Error::Malformed(Malformed::PartCount)));
        assert!(matches!(
            m("a.b.c.d"),
            Error::Malformed(Malformed::PartCount)
        ));
        assert!(matches!(m("a.b.c.d.e"), Error::EncryptedToken));
        assert!(matches!(
            m("eyJ=.e30.e30"),
            Error::Malformed(Malformed::Base64)
        ));
        assert!(matches!(
            m(&tok("[1]", "{}", b"")),
            Error::Malformed(Malformed::HeaderJson)
        ));
        assert!(matches!(
            m(&tok(r#"{"kid":"x"}"#, "{}", b"")),
            Error::Malformed(Malformed::MissingAlg)
        ));
        assert!(matches!(
            m(&tok(r#"{"alg":"XX1"}"#, "{}", b"")),
            Error::UnknownAlgorithm(_)
        ));
        assert!(matches!(
            m(&tok(r#"{"alg":"RS256","crit":["exp"]}"#, "{}", b"")),
            Error::UnsupportedCritical(_)
        ));
        assert!(matches!(
            m(&tok(r#"{"alg":"RS256","crit":[]}"#, "{}", b"")),
            Error::Malformed(Malformed::InvalidCrit)
        ));
        assert!(matches!(
            m(&tok(r#"{"alg":"RS256","crit":["kid"]}"#, "{}", b"")),
            Error::Malformed(Malformed::InvalidCrit)
        ));
        let big = "a".repeat(DEFAULT_MAX_TOKEN_LEN + 1);
        assert!(matches!(m(&big), Error::Malformed(Malformed::TooLarge)));
    }

    #[test]
    fn the_parts_read_back() {
        let t = tok(r#"{"alg":"ES256","kid":"k"}"#, r#"{"a":1}"#, b"sig");
        let j = CompactJws::parse(&t).unwrap();
        assert_eq!(j.as_str(), t);
        assert_eq!(j.signing_input(), t.rsplit_once('.').unwrap().0.as_bytes());
        assert_eq!(j.signature(), b"sig");
        assert_eq!(j.payload(), br#"{"a":1}"#);
        let (header, payload) = j.into_parts();
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::ES256, Some("k"))
        );
        assert_eq!(payload, br#"{"a":1}"#);
    }

    #[test]
    fn headers_of_any_size_within_the_limit_are_read() {
        // Short headers decode into a stack buffer, long ones (past 2,728 characters) onto
        // the heap: both read the same.
        for kid_len in [1, 2000, 2040, 2100, 10_000] {
            let kid = "k".repeat(kid_len);
            let t = tok(&format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#), "{}", b"s");
            let j = CompactJws::parse(&t).unwrap();
            assert_eq!(j.header().kid.as_deref(), Some(&*kid), "{kid_len}");
        }
    }

    #[test]
    fn a_token_may_be_exactly_as_long_as_the_limit() {
        // 64 KiB by default. Unpadded base64 takes every length but 4k + 1, so some payload
        // and signature length make a token of exactly the limit.
        let exact = (0..4)
            .flat_map(|sig| (0..16).map(move |extra| (sig, extra)))
            .map(|(sig, extra)| {
                let pad = "a".repeat(DEFAULT_MAX_TOKEN_LEN * 3 / 4 - 30 + extra);
                tok(
                    r#"{"alg":"RS256"}"#,
                    &format!(r#"{{"p":"{pad}"}}"#),
                    &vec![7; sig + 1],
                )
            })
            .find(|t| t.len() == DEFAULT_MAX_TOKEN_LEN);
        let Some(t) = exact else {
            panic!("no token of exactly {DEFAULT_MAX_TOKEN_LEN} bytes");
        };
        assert_eq!(DEFAULT_MAX_TOKEN_LEN, 64 * 1024);
        assert!(CompactJws::parse(&t).is_ok());
        assert!(CompactJws::parse_with_limit(&t, t.len()).is_ok());
        assert!(matches!(
            CompactJws::parse_with_limit(&t, t.len() - 1),
            Err(Error::Malformed(Malformed::TooLarge))
        ));
    }

    #[test]
    fn untrusted_key_headers_are_ignored() {
        let t = tok(
            r#"{"alg":"RS256","jku":"https://evil/jwks","jwk":{"kty":"oct","k":"AA"},"x5u":"https://evil"}"#,
            "{}",
            b"s",
        );
        let j = CompactJws::parse(&t).unwrap();
        assert_eq!(j.header().kid, None);
    }
}
