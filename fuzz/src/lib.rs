//! The fuzz targets of oidc-desktop, one function per parser that faces hostile input.
//!
//! Each function takes the raw bytes libFuzzer made, feeds them to the parser the way the
//! library meets them, and asserts what must hold for any input: no panic, and where a parse
//! succeeds, the promises the parser makes (canonical encodings, round trips, every rule of
//! a validated token). The binaries in `fuzz_targets/` are one line each; keeping the logic
//! here lets `cargo xtask fuzz` and a plain test replay the same checks.

mod http_input;
mod id_token;
mod jose;
mod loopback;
mod metadata;
mod profile;
mod redirect;
mod session;
mod token;

pub use id_token::id_token;
pub use jose::{dpop_proof, jwks, jws};
pub use loopback::loopback_http;
pub use metadata::discovery;
pub use profile::profile_config;
pub use redirect::authorization_response;
pub use session::session_cache;
pub use token::{token_endpoint, userinfo};

/// Every target by name, for replaying inputs outside libFuzzer.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("jws", jws),
    ("jwks", jwks),
    ("discovery", discovery),
    ("token_endpoint", token_endpoint),
    ("userinfo", userinfo),
    ("authorization_response", authorization_response),
    ("loopback_http", loopback_http),
    ("session_cache", session_cache),
    ("profile_config", profile_config),
    ("id_token", id_token),
    ("dpop_proof", dpop_proof),
];
