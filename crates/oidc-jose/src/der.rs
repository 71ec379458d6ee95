//! Minimal DER writing for SubjectPublicKeyInfo export, and PEM armour.

use crate::{Curve, KeyMaterial, b64};

fn len(out: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        // n >= 0x80, so at least its last byte is not zero: skip the leading zero bytes.
        let skip = (n.leading_zeros() / 8) as usize;
        let body = &bytes[skip..];
        out.push(0x80 | body.len() as u8);
        out.extend_from_slice(body);
    }
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(tag);
    len(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

fn uint(v: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(v.len() + 1);
    if v.first().is_none_or(|&b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(v);
    tlv(0x02, &body)
}

fn bit_string(v: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(v.len() + 1);
    body.push(0);
    body.extend_from_slice(v);
    tlv(0x03, &body)
}

const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const NULL: &[u8] = &[0x05, 0x00];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

/// The SubjectPublicKeyInfo DER of a public key; `None` for symmetric keys.
pub(crate) fn spki(m: &KeyMaterial) -> Option<Vec<u8>> {
    let (alg_id, key) = match m {
        KeyMaterial::Rsa { n, e } => {
            let mut seq = uint(n);
            seq.extend(uint(e));
            ([OID_RSA, NULL].concat(), tlv(0x30, &seq))
        }
        KeyMaterial::Ec { curve, point } => {
            let c = match curve {
                Curve::P256 => OID_P256,
                Curve::P384 => OID_P384,
                Curve::P521 => OID_P521,
            };
            ([OID_EC, c].concat(), point.clone())
        }
        KeyMaterial::Ed25519 { x } => (OID_ED25519.to_vec(), x.clone()),
        KeyMaterial::Oct { .. } => return None,
    };
    let mut body = tlv(0x30, &alg_id);
    body.extend(bit_string(&key));
    Some(tlv(0x30, &body))
}

/// PEM armour with 64-character lines.
pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let b = b64::encode_std(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside the first PEM block with `label`.
pub(crate) fn pem_decode(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b64::decode_std(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lengths() {
        let mut v = Vec::new();
        len(&mut v, 300);
        assert_eq!(v, [0x82, 0x01, 0x2c]);
        let mut v = Vec::new();
        len(&mut v, 0x80);
        assert_eq!(v, [0x81, 0x80]);
        for (n, want) in [
            (0usize, &[0x00][..]),
            (0x7f, &[0x7f]),
            (0xff, &[0x81, 0xff]),
            (0x100, &[0x82, 0x01, 0x00]),
            (0xffff, &[0x82, 0xff, 0xff]),
            (0x1_0000, &[0x83, 0x01, 0x00, 0x00]),
            (0x0100_0000, &[0x84, 0x01, 0x00, 0x00, 0x00]),
        ] {
            let mut v = Vec::new();
            len(&mut v, n);
            assert_eq!(v, want, "{n:#x}");
        }
        assert_eq!(uint(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(uint(&[0x01]), [0x02, 0x01, 0x01]);
    }

    #[test]
    fn pem_round_trip() {
        let p = pem("PUBLIC KEY", &[1, 2, 3, 250]);
        assert_eq!(pem_decode(&p, "PUBLIC KEY").unwrap(), [1, 2, 3, 250]);
        assert_eq!(pem_decode(&p, "CERTIFICATE"), None);
    }
}
