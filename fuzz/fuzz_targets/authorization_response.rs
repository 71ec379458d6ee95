#![no_main]
//! See `oidc_desktop_fuzz::authorization_response`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oidc_desktop_fuzz::authorization_response(data));
