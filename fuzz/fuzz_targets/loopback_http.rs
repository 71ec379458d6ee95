#![no_main]
//! See `oidc_desktop_fuzz::loopback_http`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| oidc_desktop_fuzz::loopback_http(data));
