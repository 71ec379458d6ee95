//! Strict base64url: no padding, no whitespace, canonical trailing bits.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, STANDARD, URL_SAFE_NO_PAD};

/// base64url without padding; decoding rejects padding and non-canonical trailing bits.
pub(crate) const B64URL: GeneralPurpose = URL_SAFE_NO_PAD;

/// Decodes strict base64url.
pub(crate) fn decode(input: &[u8]) -> Option<Vec<u8>> {
    B64URL.decode(input).ok()
}

/// Decodes strict base64url into `out`, returning the length written.
/// `None` when the input is not strict base64url or `out` is too small for it (the decoder
/// checks the room itself and never writes past `out`).
pub(crate) fn decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    B64URL.decode_slice(input, out).ok()
}

/// Encodes base64url without padding.
pub(crate) fn encode(input: &[u8]) -> String {
    B64URL.encode(input)
}

/// Decodes standard base64 (with padding), used by `x5c`.
pub(crate) fn decode_std(input: &str) -> Option<Vec<u8>> {
    STANDARD.decode(input).ok()
}

/// Encodes standard base64 with padding.
pub(crate) fn encode_std(input: &[u8]) -> String {
    STANDARD.encode(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictness() {
        assert_eq!(decode(b"YWJj").unwrap(), b"abc");
        assert!(decode(b"YWI=").is_none(), "padding refused");
        assert!(decode(b"YW I").is_none(), "whitespace refused");
        assert!(decode(b"YW+/").is_none(), "standard alphabet refused");
        assert_eq!(decode(b"YWI").unwrap(), b"ab");
        assert!(
            decode(b"YWJ").is_none(),
            "non-canonical trailing bits refused"
        );
        assert!(decode(b"Y").is_none(), "impossible length refused");
    }

    #[test]
    fn decode_into_writes_only_what_fits() {
        let mut exact = [0u8; 3];
        assert_eq!(decode_into(b"YWJj", &mut exact), Some(3));
        assert_eq!(&exact, b"abc");
        let mut roomy = [0u8; 8];
        assert_eq!(decode_into(b"YWI", &mut roomy), Some(2));
        assert_eq!(&roomy[..3], b"ab\0");
        let mut small = [0u8; 2];
        assert_eq!(decode_into(b"YWJj", &mut small), None, "no room: refused");
        assert_eq!(decode_into(b"YWI=", &mut roomy), None, "strictness kept");
    }
}
