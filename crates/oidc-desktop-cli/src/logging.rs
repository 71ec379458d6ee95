//! `-v` / `RUST_LOG` to `tracing` on stderr.

use tracing_subscriber::EnvFilter;

/// The crates whose logs `-v` turns up (the dependencies' own chatter stays at `warn`).
const OURS: [&str; 9] = [
    "oidc_desktop_cli",
    "oidc_desktop",
    "oidc_core",
    "oidc_jose",
    "oidc_reqwest",
    "oidc_discovery",
    "oidc_token",
    "oidc_loopback",
    "oidc_testop",
];

/// The filter for `-v` counts, the OIDCDesktop log levels: 0 errors only, 1 info (URLs,
/// statuses, steps), 2 verbose (headers), 3 debug (bodies).
pub(crate) fn filter_for(verbose: u8) -> String {
    let level = match verbose {
        0 => return "error".to_owned(),
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let mut f = String::from("warn");
    for c in OURS {
        f.push_str(&format!(",{c}={level}"));
    }
    f
}

/// Installs the subscriber: `-v` wins over `RUST_LOG`, which wins over the default (errors).
/// Secrets in logged bodies are masked by the transport unless `--show-secrets`
/// (see `commands::transport`).
pub(crate) fn init(verbose: u8) {
    let filter = if verbose > 0 {
        EnvFilter::new(filter_for(verbose))
    } else {
        match std::env::var("RUST_LOG") {
            Ok(s) if !s.trim().is_empty() => EnvFilter::new(s),
            _ => EnvFilter::new(filter_for(0)),
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_the_seed_levels() {
        assert_eq!(filter_for(0), "error");
        assert!(filter_for(1).contains("oidc_desktop=info"));
        assert!(filter_for(2).contains("oidc_reqwest=debug"));
        assert!(filter_for(3).contains("oidc_token=trace"));
        assert_eq!(filter_for(9), filter_for(3));
        assert!(filter_for(1).starts_with("warn,"));
    }
}
