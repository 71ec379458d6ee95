#![no_main]
//! See `oidc_desktop_fuzz::jws`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oidc_desktop_fuzz::jws(data));
