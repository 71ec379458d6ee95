//! `oidc-desktop`: sign in with any OpenID Connect provider from a terminal or a script.
//! Everything lives in the `oidc_desktop_cli` library; see `docs/CLI.md`.

fn main() -> std::process::ExitCode {
    oidc_desktop_cli::main_entry()
}
