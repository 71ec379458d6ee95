//! The CLI's profile file (`config.toml`).

/// Every profile of the file applied to `login` and `token`, as `--profile NAME` applies
/// it: an error names the file (and line), or the words it adds parse as a command line.
pub fn profile_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for command in ["login", "token"] {
        if let Ok(lines) = oidc_desktop_cli::fuzzing::apply_profiles(text, command) {
            for args in lines {
                assert!(args.len() >= 4, "the profile removed words: {args:?}");
            }
        }
    }
}
