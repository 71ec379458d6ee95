#![no_main]
//! See `oidc_desktop_fuzz::id_token`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oidc_desktop_fuzz::id_token(data));
