//! Random values from the operating system's CSPRNG (through `ring::rand`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

/// Returns `bytes` random bytes from the system CSPRNG, base64url-encoded without padding.
///
/// # Panics
///
/// Panics only if the operating system's random source fails, which `ring` documents as
/// unrecoverable (no safe value could be produced; continuing would weaken every sign-in).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    #[allow(
        clippy::expect_used,
        reason = "the OS CSPRNG failing is not recoverable"
    )]
    SystemRandom::new()
        .fill(&mut buf)
        .expect("the operating system's random number generator failed");
    URL_SAFE_NO_PAD.encode(&buf)
}
