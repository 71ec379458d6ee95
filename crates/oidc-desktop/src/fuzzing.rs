//! Entry points for the fuzz targets (`fuzz/`), compiled only with `--cfg fuzzing`: crate
//! internals that parse hostile input, reachable without a sign-in around them.

use oidc_core::{AuthorizationResponse, IssuerUrl, RedirectUrl, State};

/// The checks a pasted line goes through (see `PastedAddresses`).
pub fn check_pasted(
    line: &str,
    redirect_uri: &RedirectUrl,
    state: &State,
    issuer: &IssuerUrl,
    iss_parameter_supported: bool,
) -> Result<AuthorizationResponse, String> {
    let expected = crate::paste::Expected {
        redirect_uri,
        state,
        issuer,
        iss_parameter_supported,
    };
    crate::paste::check_pasted(line, &expected).map(|p| p.response)
}
