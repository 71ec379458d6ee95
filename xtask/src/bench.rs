//! `cargo xtask bench [--quick] [--skip-cli]`: `oidc-desktop` beside its peers, on the same
//! inputs in the same run, and the ratios that the goals of `docs/PERFORMANCE.md` are about.
//!
//! 1. `cargo bench -p oidc-bench --bench peers` (criterion): ID token validation vs
//!    `openidconnect`, `jsonwebtoken` (aws-lc and RustCrypto), `josekit` and raw `ring`;
//!    JWKS and discovery parsing; 1- vs 2-thread scaling; a warm sign-in against
//!    `oidc-testop` vs the bare HTTP round trips, and the requests one sign-in makes.
//! 2. The CLI (`cargo build --release -p oidc-desktop-cli -p oidc-testop`): peak memory of
//!    one `oidc-desktop login` (`/usr/bin/time -v`) and the cold start to the browser launch
//!    (the browser command is this program, which records the time it was started and hands
//!    the URL to the CLI's scripted agent); median of several runs.
//! 3. Reads criterion's `target/criterion/oidc-bench_*/**/new/{benchmark,estimates}.json`
//!    (the median of each benchmark), writes `target/bench/summary.md` and prints it.
//!
//! `--quick` is the CI smoke: 10 samples, 0.2 s warm-up, 0.5 s measurement, 3 runs of the
//! debug CLI the test step built (rough figures; a full run uses a release build).
//! The figures of a quick run are rough; only a full run goes into the docs. Nothing here
//! asserts a time: a missed goal is reported, never a failure. The run fails only when a
//! benchmark cannot run at all.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Runs the benchmarks and writes `target/bench/summary.md`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--browser-stamp") {
        return browser_stamp(&args[1..]);
    }
    let mut quick = false;
    let mut skip_cli = false;
    for a in args {
        match a.as_str() {
            "--quick" => quick = true,
            "--skip-cli" => skip_cli = true,
            "-h" | "--help" => {
                println!("usage: cargo xtask bench [--quick] [--skip-cli]");
                println!("  --quick     CI smoke: short warm-up and measurement, 3 CLI runs");
                println!("  --skip-cli  skip the CLI's peak memory and cold start");
                return Ok(());
            }
            other => return Err(format!("bench: unknown option `{other}`")),
        }
    }
    let start = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root.join(t) })
        .unwrap_or_else(|| root.join("target"));
    let out = target.join("bench");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("bench: {}: {e}", out.display()))?;
    // Stale results of an earlier run (a contender that no longer runs) must not show.
    let criterion_dir = target.join("criterion");
    if let Ok(entries) = std::fs::read_dir(&criterion_dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("oidc-bench_") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let load_before = load_average();

    // Built first, on its own, so that the summary tells the build from the run.
    let mut c = crate::cargo();
    c.current_dir(root)
        .args(["bench", "-p", "oidc-bench", "--bench", "peers", "--no-run"]);
    crate::run("bench: build oidc-bench (bench profile)", c)?;
    let built = Instant::now();

    let mut c = crate::cargo();
    c.current_dir(root)
        .args(["bench", "-p", "oidc-bench", "--bench", "peers", "--"])
        .env("OIDC_BENCH_OUT", &out);
    if quick {
        c.args([
            "--sample-size",
            "10",
            "--warm-up-time",
            "0.2",
            "--measurement-time",
            "0.5",
        ]);
    } else {
        c.args(["--warm-up-time", "2", "--measurement-time", "5"]);
    }
    crate::run("bench: criterion (oidc-bench)", c)?;
    let bench_done = Instant::now();

    // A missing tool is reported in the summary; a CLI that fails to build or to sign in
    // fails the run (after the summary is written), as any benchmark that cannot run does.
    let mut failure = None;
    let cli = if skip_cli {
        Err("skipped (--skip-cli)".to_owned())
    } else if !Path::new(TIME).exists() {
        Err(format!("{TIME} is missing (apt-get install time)"))
    } else {
        measure_cli(root, &target, &out, quick).inspect_err(|e| {
            failure = Some(format!("bench: the CLI measurement failed: {e}"));
        })
    };
    if let Err(e) = &cli {
        println!("bench: CLI not measured: {e}");
    }

    let results = read_results(&criterion_dir)?;
    let notes = read_notes(&out.join("notes.txt"));
    let requests = std::fs::read_to_string(out.join("signin-requests.json"))
        .ok()
        .and_then(|t| Json::parse(&t));
    let machine = Machine {
        quick,
        load_before,
        load_after: load_average(),
        cores: std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
        rustc: command_line(Command::new("rustc").arg("--version")),
        build_secs: built.duration_since(start).as_secs_f64(),
        bench_secs: bench_done.duration_since(built).as_secs_f64(),
        total_secs: start.elapsed().as_secs_f64(),
    };
    let summary = summary(&machine, &results, &notes, requests.as_ref(), &cli);
    let path = out.join("summary.md");
    std::fs::write(&path, &summary).map_err(|e| format!("bench: {}: {e}", path.display()))?;
    println!("\n{summary}");
    println!("bench: wrote {}", path.display());
    failure.map_or(Ok(()), Err)
}

/// GNU time, for the peak resident set size.
const TIME: &str = "/usr/bin/time";

// --- the CLI ------------------------------------------------------------------------------

/// What the CLI runs gave: peak resident set sizes (KiB) and cold starts.
struct CliFigures {
    runs: usize,
    peak_rss_kib: Vec<u64>,
    cold_start: Vec<Duration>,
    /// `oidc-desktop --version`, the reference for the warm path.
    version: Vec<Duration>,
    /// `login --cache -o exec-credential` with a valid cached token (what kubectl pays for
    /// on every command).
    warm_cached: Vec<Duration>,
}

/// The browser command of the CLI runs: records when it was started (nanoseconds since the
/// epoch, appended to the stamp file), then hands the URL to the CLI's scripted agent
/// without waiting for it, so the agent is no descendant the peak memory counts.
fn browser_stamp(args: &[String]) -> Result<(), String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?;
    let [stamp, cli, url] = args else {
        return Err("usage: bench --browser-stamp STAMP_FILE CLI URL".to_owned());
    };
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(stamp)
        .map_err(|e| format!("{stamp}: {e}"))?;
    writeln!(f, "{}", now.as_nanos()).map_err(|e| format!("{stamp}: {e}"))?;
    Command::new(cli)
        .args(["agent", url])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{cli} agent: {e}"))?;
    Ok(())
}

/// Kills the provider when the measurement ends, however it ends.
struct Provider(std::process::Child);

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn measure_cli(root: &Path, target: &Path, out: &Path, quick: bool) -> Result<CliFigures, String> {
    let time = Path::new(TIME);
    let runs = if quick { 3 } else { 11 };
    // The CI smoke measures the debug binaries the test step already built (a smoke that the
    // measurement works, figures rough and labelled so); a full run builds release ones.
    let profile = if quick { "debug" } else { "release" };
    let mut c = crate::cargo();
    c.current_dir(root)
        .args(["build", "-p", "oidc-desktop-cli", "-p", "oidc-testop"]);
    if !quick {
        c.arg("--release");
    }
    crate::run(&format!("bench: build the CLI ({profile})"), c)?;
    let cli = target.join(profile).join("oidc-desktop");
    let testop = target.join(profile).join("oidc-testop");

    let mut child = Command::new(&testop)
        .args(["--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", testop.display()))?;
    let stdout = child.stdout.take().ok_or("oidc-testop: no stdout")?;
    let provider = Provider(child);
    // Read the issuer, then keep draining the provider's stdout: closing the pipe early
    // would kill it with SIGPIPE at its next line of output.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(i) = line.strip_prefix("issuer:")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(i.trim().to_owned());
            }
        }
    });
    let issuer = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "oidc-testop printed no issuer within 30 s".to_owned())?;
    let xtask = std::env::current_exe().map_err(|e| format!("xtask: {e}"))?;
    let browser = format!(
        "{} bench --browser-stamp {} {} {{url}}",
        xtask.display(),
        out.join("browser-stamps.txt").display(),
        cli.display()
    );
    let login = |cmd: &mut Command| {
        cmd.args(["login", "--issuer", &issuer, "--client-id", "test-client"])
            .args(["--timeout", "30", "--output", "json", "--browser-command"])
            .arg(&browser)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
    };

    let mut figures = CliFigures {
        runs,
        peak_rss_kib: Vec::new(),
        cold_start: Vec::new(),
        version: Vec::new(),
        warm_cached: Vec::new(),
    };
    // Peak memory, under /usr/bin/time.
    for i in 0..runs {
        let report = out.join(format!("time-{i}.txt"));
        let mut cmd = Command::new(time);
        cmd.arg("-v").arg("-o").arg(&report).arg(&cli);
        login(&mut cmd);
        let o = cmd.output().map_err(|e| format!("time -v: {e}"))?;
        check_login(&o)?;
        let text = std::fs::read_to_string(&report).map_err(|e| e.to_string())?;
        let kib = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or("time -v reported no maximum resident set size")?;
        figures.peak_rss_kib.push(kib);
    }
    // Cold start to the browser launch, without /usr/bin/time in between.
    let stamps = out.join("browser-stamps.txt");
    for _ in 0..runs {
        let _ = std::fs::remove_file(&stamps);
        let mut cmd = Command::new(&cli);
        login(&mut cmd);
        let t0 = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?;
        let o = cmd
            .output()
            .map_err(|e| format!("{}: {e}", cli.display()))?;
        check_login(&o)?;
        let stamp = std::fs::read_to_string(&stamps)
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<u128>().ok()))
            .ok_or("the browser command left no time stamp")?;
        let ns = stamp.saturating_sub(t0.as_nanos());
        figures
            .cold_start
            .push(Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX)));
    }
    // The warm cached path beside `--version`, alternating so that both see the same load.
    let cache_home = out.join("warm-cache");
    let _ = std::fs::remove_dir_all(&cache_home);
    let cached_login = |cmd: &mut Command| {
        cmd.args(["login", "--issuer", &issuer, "--client-id", "test-client"])
            .args(["--timeout", "30", "--cache", "--output", "exec-credential"])
            .arg("--browser-command")
            .arg(&browser)
            .env("XDG_CACHE_HOME", &cache_home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
    };
    let mut cmd = Command::new(&cli);
    cached_login(&mut cmd);
    let o = cmd
        .output()
        .map_err(|e| format!("{}: {e}", cli.display()))?;
    if !o.status.success() {
        return Err(format!(
            "the cached sign-in failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    for _ in 0..runs * 3 {
        let t = Instant::now();
        let o = Command::new(&cli)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("{}: {e}", cli.display()))?;
        figures.version.push(t.elapsed());
        if !o.success() {
            return Err("oidc-desktop --version failed".to_owned());
        }
        let mut cmd = Command::new(&cli);
        cached_login(&mut cmd);
        let t = Instant::now();
        let o = cmd
            .output()
            .map_err(|e| format!("{}: {e}", cli.display()))?;
        figures.warm_cached.push(t.elapsed());
        let stdout = String::from_utf8_lossy(&o.stdout);
        if !o.status.success() || !stdout.contains("ExecCredential") {
            return Err(format!("the warm cached run failed: {}", stdout.trim()));
        }
    }
    drop(provider);
    Ok(figures)
}

fn check_login(o: &std::process::Output) -> Result<(), String> {
    let stdout = String::from_utf8_lossy(&o.stdout);
    if o.status.success() && stdout.contains("id_token") {
        Ok(())
    } else {
        Err(format!(
            "oidc-desktop login failed ({}): {} {}",
            o.status,
            stdout.trim(),
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

// --- criterion's results -----------------------------------------------------------------

/// Median time (ns) per benchmark, keyed by (group, function).
type Results = BTreeMap<(String, String), f64>;

fn read_results(criterion: &Path) -> Result<Results, String> {
    let mut results = Results::new();
    let entries =
        std::fs::read_dir(criterion).map_err(|e| format!("bench: {}: {e}", criterion.display()))?;
    for group in entries.flatten() {
        if !group
            .file_name()
            .to_string_lossy()
            .starts_with("oidc-bench_")
        {
            continue;
        }
        for bench in std::fs::read_dir(group.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let new = bench.path().join("new");
            let (Ok(meta), Ok(est)) = (
                std::fs::read_to_string(new.join("benchmark.json")),
                std::fs::read_to_string(new.join("estimates.json")),
            ) else {
                continue;
            };
            let (Some(meta), Some(est)) = (Json::parse(&meta), Json::parse(&est)) else {
                return Err(format!("bench: unreadable results in {}", new.display()));
            };
            let (Some(g), Some(f), Some(median)) = (
                meta.get("group_id").and_then(Json::as_str),
                meta.get("function_id").and_then(Json::as_str),
                est.get("median")
                    .and_then(|m| m.get("point_estimate"))
                    .and_then(Json::as_f64),
            ) else {
                continue;
            };
            results.insert((g.to_owned(), f.to_owned()), median);
        }
    }
    Ok(results)
}

fn read_notes(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

// --- the summary -------------------------------------------------------------------------

struct Machine {
    quick: bool,
    load_before: String,
    load_after: String,
    cores: usize,
    rustc: String,
    build_secs: f64,
    bench_secs: f64,
    total_secs: f64,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn command_line(cmd: &mut Command) -> String {
    cmd.output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".to_owned())
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

const ALGS: [(&str, &str); 3] = [
    ("RS256-2048", "RS256"),
    ("ES256", "ES256"),
    ("EdDSA", "EdDSA"),
];

const VALIDATORS: [(&str, &str); 6] = [
    ("oidc-jose", "oidc-jose"),
    ("ring raw verify", "raw ring (floor)"),
    ("jsonwebtoken aws-lc", "jsonwebtoken + aws-lc"),
    ("jsonwebtoken rust-crypto", "jsonwebtoken + RustCrypto"),
    ("josekit", "josekit (OpenSSL)"),
    ("openidconnect", "openidconnect 4"),
];

fn summary(
    m: &Machine,
    r: &Results,
    notes: &BTreeMap<String, String>,
    requests: Option<&Json>,
    cli: &Result<CliFigures, String>,
) -> String {
    let get = |g: &str, f: &str| r.get(&(format!("oidc-bench/{g}"), f.to_owned())).copied();
    let missing = |g: &str, f: &str| -> String {
        let key = format!("oidc-bench/{g}/{f}");
        let short = key.rsplit_once('/').map_or(key.as_str(), |(p, _)| p);
        let peer = f.split(' ').next().unwrap_or(f);
        match notes
            .get(&key)
            .or_else(|| notes.get(&format!("{short}/{peer}")))
        {
            Some(n) => format!("n/a ({n})"),
            None => "n/a".to_owned(),
        }
    };
    let cell = |g: &str, f: &str| get(g, f).map_or_else(|| missing(g, f), fmt_time);
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };

    let mut s = String::new();
    let mode = if m.quick {
        "`--quick` (CI smoke: 10 samples, 0.5 s each; rough figures)"
    } else {
        "full (2 s warm-up, 5 s measurement per benchmark)"
    };
    let _ = writeln!(s, "# oidc-desktop benchmarks beside the peers\n");
    let _ = writeln!(
        s,
        "Mode: {mode}. Machine: {} cores, {}, load average {} before and {} after. \
         Building the bench crate took {:.0} s, criterion ran {:.0} s, the whole task {:.0} s \
         (with the CLI's release build and runs). Times are criterion's median per \
         iteration; on a shared machine absolute times are noise, the ratios (same inputs, \
         same run) are what the goals are about.\n",
        m.cores, m.rustc, m.load_before, m.load_after, m.build_secs, m.bench_secs, m.total_secs
    );

    // ID token validation.
    let _ = writeln!(s, "## ID token validation\n");
    let _ = writeln!(
        s,
        "The same token (≈ 600-byte claims) per algorithm, key chosen by `kid` from the same \
         3-key JWKS, iss/aud/exp/nonce checked; raw ring verifies the already-decoded signing \
         input.\n"
    );
    let _ = writeln!(s, "| contender | RS256-2048 | ES256 | EdDSA |");
    let _ = writeln!(s, "|---|---|---|---|");
    for (f, label) in VALIDATORS {
        let _ = write!(s, "| {label} |");
        for (g, _) in ALGS {
            let g = format!("id_token/{g}");
            let _ = write!(s, " {} |", cell(&g, f));
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "\n| goal | RS256 | ES256 | EdDSA |");
    let _ = writeln!(s, "|---|---|---|---|");
    type Goal<'a> = (&'a str, &'a str, bool, [Option<f64>; 3]);
    // (label, peer, peer-over-ours?, limits per algorithm)
    let goals: [Goal<'_>; 4] = [
        (
            "oidc-jose / raw ring ≤",
            "ring raw verify",
            false,
            [Some(1.15), Some(1.15), Some(1.15)],
        ),
        (
            "openidconnect / oidc-jose ≥",
            "openidconnect",
            true,
            [Some(7.0), Some(4.0), None],
        ),
        (
            "josekit / oidc-jose >",
            "josekit",
            true,
            [Some(1.0), Some(1.0), Some(1.0)],
        ),
        (
            "oidc-jose / jsonwebtoken+aws-lc ≤",
            "jsonwebtoken aws-lc",
            false,
            [Some(1.10), Some(1.20), Some(1.20)],
        ),
    ];
    for (label, peer, peer_over_ours, limits) in goals {
        let _ = write!(s, "| {label} |");
        for ((g, _), limit) in ALGS.iter().zip(limits) {
            let g = format!("id_token/{g}");
            let ours = get(&g, "oidc-jose");
            let theirs = get(&g, peer);
            let x = if peer_over_ours {
                ratio(theirs, ours)
            } else {
                ratio(ours, theirs)
            };
            let text = match (x, limit) {
                (None, _) => missing(&g, peer),
                (Some(x), None) => format!("{x:.2}× (no goal)"),
                (Some(x), Some(l)) => {
                    let met = if peer_over_ours {
                        if l > 1.0 { x >= l } else { x > l }
                    } else {
                        x <= l
                    };
                    format!("{x:.2}× (goal {l}×: {})", verdict(met))
                }
            };
            let _ = write!(s, " {text} |");
        }
        let _ = writeln!(s);
    }
    let _ = write!(s, "| for scale: jsonwebtoken+RustCrypto / oidc-jose |");
    for (g, _) in ALGS {
        let g = format!("id_token/{g}");
        let text = ratio(get(&g, "jsonwebtoken rust-crypto"), get(&g, "oidc-jose")).map_or_else(
            || missing(&g, "jsonwebtoken rust-crypto"),
            |x| format!("{x:.2}×"),
        );
        let _ = write!(s, " {text} |");
    }
    let _ = writeln!(s);

    // Parsing.
    let _ = writeln!(s, "\n## Parsing\n");
    let _ = writeln!(
        s,
        "JWKS: 3 keys (RSA-2048, EC P-256, OKP Ed25519); `oidc-jose` decodes each key into \
         ready-to-verify bytes, the peers' JWK types keep base64url strings. Discovery: a \
         3.2 KB document (Okta's shape); `oidc-discovery` also checks the issuer and every \
         endpoint URL, `openidconnect` parses endpoints as URLs (issuer compared here).\n"
    );
    let _ = writeln!(
        s,
        "| contender | JWKS (3 keys) | × Value | discovery (3.2 KB) | × Value |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    let jv = get("jwks/3-keys", "serde_json Value");
    let dv = get("discovery/okta-3KB", "serde_json Value");
    for (jf, df, label) in [
        ("oidc-jose", "oidc-discovery", "oidc-jose / oidc-discovery"),
        ("openidconnect", "openidconnect", "openidconnect 4"),
        ("jsonwebtoken", "jsonwebtoken", "jsonwebtoken `JwkSet`"),
        ("josekit", "josekit", "josekit `JwkSet`"),
        (
            "serde_json Value",
            "serde_json Value",
            "`serde_json::Value`",
        ),
    ] {
        let jx = ratio(get("jwks/3-keys", jf), jv).map_or_else(String::new, |x| format!("{x:.2}×"));
        let dx = ratio(get("discovery/okta-3KB", df), dv)
            .map_or_else(String::new, |x| format!("{x:.2}×"));
        let _ = writeln!(
            s,
            "| {label} | {} | {jx} | {} | {dx} |",
            cell("jwks/3-keys", jf),
            cell("discovery/okta-3KB", df)
        );
    }

    // Scaling.
    let _ = writeln!(s, "\n## Multi-thread scaling\n");
    let _ = writeln!(
        s,
        "One shared `IdTokenValidator` and `JwkSet`; each thread validates the same fixed \
         number of tokens; time is wall time per validation per thread. Throughput ratio = \
         2 × t(1 thread) / t(2 threads).\n"
    );
    let _ = writeln!(
        s,
        "| algorithm | 1 thread | 2 threads | throughput ratio | goal ≥ 1.8× |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for g in ["RS256-2048", "ES256"] {
        let g = format!("scaling/{g}");
        let one = get(&g, "1 thread");
        let two = get(&g, "2 threads");
        let x = ratio(one, two).map(|x| 2.0 * x);
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            g.trim_start_matches("scaling/"),
            cell(&g, "1 thread"),
            cell(&g, "2 threads"),
            x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}×")),
            x.map_or("n/a", |x| verdict(x >= 1.8))
        );
    }

    // Sign-in.
    let _ = writeln!(s, "\n## Warm sign-in against oidc-testop (loopback)\n");
    let lib = get("signin/warm", "oidc-desktop authenticate");
    let bare = get("signin/warm", "bare reqwest round trips");
    let x = ratio(lib, bare);
    let _ = writeln!(s, "| | time per sign-in | ratio | goal |");
    let _ = writeln!(s, "|---|---|---|---|");
    let _ = writeln!(
        s,
        "| `OidcDesktop::authenticate` (scripted agent, `ParMode::Never`) | {} | {} | ≤ 1.5×: {} |",
        cell("signin/warm", "oidc-desktop authenticate"),
        x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.2}×")),
        x.map_or("n/a", |x| verdict(x <= 1.5))
    );
    let _ = writeln!(
        s,
        "| bare reqwest: GET authorize, GET the redirect from a bare listener, POST token | {} | 1.00× | — |",
        cell("signin/warm", "bare reqwest round trips")
    );
    let _ = writeln!(
        s,
        "| redirect arrived → `Session` returned (the latency the user feels) | {} | — | one token round trip + validation |",
        cell("signin/warm", "oidc-desktop redirect to session")
    );
    let _ = writeln!(s);
    match requests {
        Some(j) => {
            let n = |k: &str| j.get(k).and_then(Json::as_f64).unwrap_or(f64::NAN);
            let met = n("authorization") == 1.0
                && n("token") == 1.0
                && n("discovery") == 0.0
                && n("jwks") == 0.0;
            let _ = writeln!(
                s,
                "Requests the provider received per warm sign-in (over {} sign-ins): \
                 authorization {}, token {}, discovery {}, JWKS {}, userinfo {}, PAR {}; \
                 total {}. Goal 1 / 1 / 0 / 0: {}.",
                n("sign_ins"),
                n("authorization"),
                n("token"),
                n("discovery"),
                n("jwks"),
                n("userinfo"),
                n("par"),
                n("total"),
                verdict(met)
            );
        }
        None => {
            let _ = writeln!(
                s,
                "Request counts: n/a (the sign-in benchmark did not run)."
            );
        }
    }

    // The CLI.
    let _ = writeln!(
        s,
        "\n## The CLI (`oidc-desktop login` against `oidc-testop`)\n"
    );
    match cli {
        Ok(f) => {
            let mut kib = f.peak_rss_kib.clone();
            kib.sort_unstable();
            let mut cold = f.cold_start.clone();
            cold.sort_unstable();
            let max_mib = kib.last().copied().unwrap_or(0) as f64 / 1024.0;
            let med_mib = kib.get(kib.len() / 2).copied().unwrap_or(0) as f64 / 1024.0;
            let med_ms = cold
                .get(cold.len() / 2)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
            let min_ms = cold.first().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
            let _ = writeln!(s, "| | median | extreme | goal |");
            let _ = writeln!(s, "|---|---|---|---|");
            let _ = writeln!(
                s,
                "| peak memory of one sign-in (`/usr/bin/time -v`, max RSS; {} runs) | {med_mib:.1} MiB | max {max_mib:.1} MiB | < 20 MiB: {} |",
                f.runs,
                verdict(max_mib < 20.0)
            );
            let _ = writeln!(
                s,
                "| cold start to the browser launch ({} runs) | {med_ms:.1} ms | min {min_ms:.1} ms | < 50 ms: {} |",
                f.runs,
                verdict(med_ms < 50.0)
            );
            let median = |v: &[Duration]| {
                let mut v = v.to_vec();
                v.sort_unstable();
                v.get(v.len() / 2)
                    .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
            };
            let (version_ms, warm_ms) = (median(&f.version), median(&f.warm_cached));
            let ratio = warm_ms / version_ms;
            let _ = writeln!(
                s,
                "| warm cached `login --cache -o exec-credential` ({} runs) / `--version` ({version_ms:.2} ms) | {warm_ms:.2} ms | {ratio:.2}× | ≤ 1.5×: {} |",
                f.warm_cached.len(),
                verdict(ratio <= 1.5)
            );
            let _ = writeln!(
                s,
                "\nCold start: from just before the process is spawned to the start of the \
                 browser command (a small program that records the time, then hands the URL \
                 to `oidc-desktop agent`): process start, argument parsing, runtime, \
                 discovery over loopback, the loopback listener, the authorization URL, and \
                 the browser process's own start."
            );
        }
        Err(e) => {
            let _ = writeln!(s, "Not measured: {e}");
        }
    }
    s
}

// --- a minimal JSON reader (xtask stays dependency-free) ---------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Option<Json> {
        let mut p = Parser {
            b: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        (p.i == p.b.len()).then_some(v)
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn lit(&mut self, word: &str, v: Json) -> Option<Json> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word.as_bytes()).then(|| {
            self.i = end;
            v
        })
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.b.get(self.i)? {
            b'n' => self.lit("null", Json::Null),
            b't' => self.lit("true", Json::Bool(true)),
            b'f' => self.lit("false", Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                if self.eat(b']') {
                    return Some(Json::Arr(v));
                }
                loop {
                    v.push(self.value()?);
                    if self.eat(b']') {
                        return Some(Json::Arr(v));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                if self.eat(b'}') {
                    return Some(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    m.push((k, self.value()?));
                    if self.eat(b'}') {
                        return Some(Json::Obj(m));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            _ => {
                let start = self.i;
                while self
                    .b
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                {
                    self.i += 1;
                }
                std::str::from_utf8(&self.b[start..self.i])
                    .ok()?
                    .parse()
                    .ok()
                    .map(Json::Num)
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?).unwrap_or('\u{fffd}')
                        }
                        other => char::from(other),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_files() {
        let j = Json::parse(
            r#"{"group_id":"oidc-bench/id_token/ES256","function_id":"oidc-jose","value_str":null,
               "median":{"point_estimate":26012.5,"standard_error":1.2e2},"x":[true,false,"a\"b\u00e9"]}"#,
        )
        .expect("valid JSON");
        assert_eq!(
            j.get("group_id").and_then(Json::as_str),
            Some("oidc-bench/id_token/ES256")
        );
        assert_eq!(
            j.get("median")
                .and_then(|m| m.get("point_estimate"))
                .and_then(Json::as_f64),
            Some(26012.5)
        );
        assert_eq!(
            j.get("x"),
            Some(&Json::Arr(vec![
                Json::Bool(true),
                Json::Bool(false),
                Json::Str("a\"bé".into())
            ]))
        );
        assert_eq!(Json::parse("{\"a\":1,}"), None);
        assert_eq!(Json::parse("[1 2]"), None);
    }

    #[test]
    fn formats_times() {
        assert_eq!(fmt_time(950.0), "950 ns");
        assert_eq!(fmt_time(25_960.0), "26.0 µs");
        assert_eq!(fmt_time(1_250_000.0), "1.25 ms");
    }
}
