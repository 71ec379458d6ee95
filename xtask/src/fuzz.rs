//! `cargo xtask fuzz [--target T]... [--time SECS] [--parallel N]`:
//! coverage-guided fuzzing of the parsers (`fuzz/`, libFuzzer through `libfuzzer-sys`).
//!
//! The stable route: cargo-fuzz's own build adds `-Zsanitizer=address`, which needs a
//! nightly compiler. Rust code here is `unsafe`-free, so AddressSanitizer adds little; what
//! libFuzzer needs is the coverage instrumentation, and those flags (`-Cpasses=sancov-module`
//! and the `-Cllvm-args=-sanitizer-coverage-*` options) are stable. This task builds the fuzz
//! workspace with them on the pinned toolchain, `--target <host>` so that build scripts stay
//! uninstrumented, `--cfg fuzzing` for the crates' fuzz-only entry points, debug assertions
//! and overflow checks on. With a nightly compiler `cargo fuzz run <target>` works too (same
//! layout), adding AddressSanitizer.
//!
//! Each target starts from its working corpus (`fuzz/corpus/<target>`, kept between runs, not
//! in git) and its seeds: the spec vectors, fixtures and regression files already in the
//! repository, plus `fuzz/seeds/<target>` — written into `fuzz/target/seeds/<target>` in the
//! form the target reads (an HTTP-response target takes two leading selector bytes). libFuzzer
//! runs every seed first, so a regression file that fails again fails the run. A crash stops
//! the run with the input's path (`fuzz/artifacts/<target>/`) and the end of the log.
//!
//! Without `--time`, each target runs 6 s: the smoke CI runs. Campaigns pass e.g.
//! `--time 1800 --parallel 2`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// How a seed file becomes the target's input.
#[derive(Clone, Copy)]
enum Form {
    /// As it is.
    Raw,
    /// The body of a `200` response; the byte selects the content type (`0`: JSON,
    /// `16`: `application/jwt`; see `fuzz/src/http_input.rs`).
    Response(u8),
    /// Behind one selector byte.
    Prefixed(u8),
}

/// Seeds of each target: directories relative to the repository root, and their form.
const SEEDS: &[(&str, &[(&str, Form)])] = &[
    (
        "jws",
        &[
            ("fuzz/seeds/jws", Form::Raw),
            ("crates/oidc-jose/tests/regressions", Form::Raw),
        ],
    ),
    ("jwks", &[("fuzz/seeds/jwks", Form::Raw)]),
    (
        "discovery",
        &[
            ("fuzz/seeds/discovery", Form::Response(0)),
            ("crates/oidc-discovery/tests/fixtures", Form::Response(0)),
        ],
    ),
    (
        "token_endpoint",
        &[("fuzz/seeds/token_endpoint", Form::Response(0))],
    ),
    (
        "userinfo",
        &[
            ("fuzz/seeds/userinfo", Form::Response(0)),
            ("fuzz/seeds/userinfo_jwt", Form::Response(16)),
        ],
    ),
    (
        "authorization_response",
        // query, pasted line checked too, provider promises `iss`
        &[
            ("fuzz/seeds/authorization_response", Form::Prefixed(0b101)),
            (
                "crates/oidc-desktop/tests/regressions/pasted",
                Form::Prefixed(0b101),
            ),
        ],
    ),
    (
        "loopback_http",
        &[
            ("fuzz/seeds/loopback_http", Form::Raw),
            ("crates/oidc-loopback/tests/regressions", Form::Raw),
        ],
    ),
    ("session_cache", &[("fuzz/seeds/session_cache", Form::Raw)]),
    (
        "profile_config",
        &[("fuzz/seeds/profile_config", Form::Raw)],
    ),
    // Structure-aware: the empty input is already a valid token.
    ("id_token", &[]),
    (
        "dpop_proof",
        &[("fuzz/seeds/dpop_proof", Form::Prefixed(0))],
    ),
];

const SMOKE_SECS: u64 = 6;

const COVERAGE_FLAGS: &[&str] = &[
    "--cfg fuzzing",
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
];

struct Options {
    targets: Vec<String>,
    secs: u64,
    parallel: usize,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        targets: Vec::new(),
        secs: SMOKE_SECS,
        parallel: 1,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("fuzz: {name} needs a value"))
        };
        match a.as_str() {
            "--target" => o
                .targets
                .extend(value("--target")?.split(',').map(str::to_owned)),
            "--time" => {
                o.secs = value("--time")?
                    .parse()
                    .map_err(|_| "fuzz: --time takes whole seconds".to_owned())?;
            }
            "--parallel" => {
                o.parallel = value("--parallel")?
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| "fuzz: --parallel takes a positive number".to_owned())?;
            }
            other => return Err(format!("fuzz: unknown option `{other}`")),
        }
    }
    let known: Vec<&str> = SEEDS.iter().map(|(t, _)| *t).collect();
    if let Some(bad) = o.targets.iter().find(|t| !known.contains(&t.as_str())) {
        return Err(format!(
            "fuzz: no target `{bad}` (targets: {})",
            known.join(", ")
        ));
    }
    if o.targets.is_empty() {
        o.targets = known.iter().map(|t| (*t).to_owned()).collect();
    }
    Ok(o)
}

/// Runs the task.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let o = options(args)?;
    let root = crate::interop::workspace_root();
    let fuzz = root.join("fuzz");
    check_targets_listed(&fuzz)?;
    let host = host_triple()?;

    let mut c = crate::cargo();
    c.current_dir(&fuzz)
        .args(["build", "--release", "--target", &host])
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env("RUSTFLAGS", rustflags(&host));
    for t in &o.targets {
        c.args(["--bin", t]);
    }
    crate::run("fuzz: build the targets with coverage instrumentation", c)?;

    let bin_dir = fuzz.join("target").join(&host).join("release");
    let start = Instant::now();
    let mut results: Vec<Outcome> = Vec::new();
    for batch in o.targets.chunks(o.parallel) {
        let running: Vec<_> = batch
            .iter()
            .map(|t| launch(&root, &fuzz, &bin_dir, t, o.secs))
            .collect::<Result<_, _>>()?;
        for r in running {
            results.push(r.finish()?);
        }
    }
    print_table(&results);
    let failed: Vec<&Outcome> = results.iter().filter(|r| !r.ok).collect();
    for f in &failed {
        println!("\n--- {} failed; end of {}:", f.target, f.log.display());
        let log = fs::read_to_string(&f.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        for l in &lines[lines.len().saturating_sub(40)..] {
            println!("    {l}");
        }
    }
    println!(
        "\nxtask fuzz: {} target(s), {} failed, {:.0} s",
        results.len(),
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzzing found a failure in {}: the input is under fuzz/artifacts/<target>/; fix it \
             and keep the input as a regression file in the crate's tests",
            failed
                .iter()
                .map(|f| f.target.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Every binary of `fuzz/Cargo.toml` has seeds listed here, and the other way round.
fn check_targets_listed(fuzz: &Path) -> Result<(), String> {
    let mut on_disk: Vec<String> = fs::read_dir(fuzz.join("fuzz_targets"))
        .map_err(|e| format!("fuzz: cannot list fuzz/fuzz_targets: {e}"))?
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SEEDS.iter().map(|(t, _)| (*t).to_owned()).collect();
    listed.sort();
    if on_disk == listed {
        Ok(())
    } else {
        Err(format!(
            "fuzz: fuzz/fuzz_targets has {on_disk:?} but xtask/src/fuzz.rs lists {listed:?}"
        ))
    }
}

fn host_triple() -> Result<String, String> {
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned()))
        .arg("-vV")
        .output()
        .map_err(|e| format!("fuzz: cannot run rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| "fuzz: rustc -vV printed no host triple".to_owned())
}

fn rustflags(host: &str) -> String {
    let mut flags: Vec<&str> = COVERAGE_FLAGS.to_vec();
    if host.contains("-linux-") {
        flags.push("-Cllvm-args=-sanitizer-coverage-stack-depth");
    }
    let mut s = flags.join(" ");
    if let Ok(extra) = std::env::var("RUSTFLAGS")
        && !extra.trim().is_empty()
    {
        s = format!("{extra} {s}");
    }
    s
}

/// Writes the target's seeds in the form it reads; returns the directory.
fn write_seeds(root: &Path, fuzz: &Path, target: &str) -> Result<PathBuf, String> {
    let out = fuzz.join("target").join("seeds").join(target);
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out).map_err(|e| format!("fuzz: {}: {e}", out.display()))?;
    let sources = SEEDS
        .iter()
        .find(|(t, _)| *t == target)
        .map_or(&[][..], |(_, s)| *s);
    for (dir, form) in sources {
        let dir = root.join(dir);
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("fuzz: seeds {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !path.is_file() || name.eq_ignore_ascii_case("README.md") {
                continue;
            }
            let raw = fs::read(&path).map_err(|e| format!("fuzz: {}: {e}", path.display()))?;
            let bytes = match form {
                Form::Raw => raw,
                Form::Response(pick) => [&[*pick, 0][..], &raw].concat(),
                Form::Prefixed(b) => [&[*b][..], &raw].concat(),
            };
            let parent = dir.file_name().and_then(|n| n.to_str()).unwrap_or("seeds");
            fs::write(out.join(format!("{parent}-{name}")), bytes)
                .map_err(|e| format!("fuzz: {}: {e}", out.display()))?;
        }
    }
    Ok(out)
}

struct Running {
    target: String,
    secs: u64,
    log: PathBuf,
    child: std::process::Child,
}

struct Outcome {
    target: String,
    secs: u64,
    ok: bool,
    log: PathBuf,
    execs: Option<u64>,
    cov: Option<u64>,
    features: Option<u64>,
    corpus: Option<u64>,
}

fn launch(
    root: &Path,
    fuzz: &Path,
    bin_dir: &Path,
    target: &str,
    secs: u64,
) -> Result<Running, String> {
    let seeds = write_seeds(root, fuzz, target)?;
    let corpus = fuzz.join("corpus").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    let logs = fuzz.join("target").join("logs");
    for d in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(d).map_err(|e| format!("fuzz: {}: {e}", d.display()))?;
    }
    let log = logs.join(format!("{target}.log"));
    let log_file = fs::File::create(&log).map_err(|e| format!("fuzz: {}: {e}", log.display()))?;
    let mut c = Command::new(bin_dir.join(target));
    c.arg(&corpus)
        .arg(&seeds)
        .arg(format!("-max_total_time={secs}"))
        .arg("-timeout=10")
        .arg("-rss_limit_mb=2048")
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .stdout(Stdio::null())
        .stderr(log_file);
    println!("    {target}: {c:?}");
    let child = c
        .spawn()
        .map_err(|e| format!("fuzz: cannot start {target}: {e} (build it first)"))?;
    Ok(Running {
        target: target.to_owned(),
        secs,
        log,
        child,
    })
}

impl Running {
    fn finish(mut self) -> Result<Outcome, String> {
        let status = self
            .child
            .wait()
            .map_err(|e| format!("fuzz: {}: {e}", self.target))?;
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let stat = |name: &str| {
            log.lines()
                .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .and_then(|v| v.trim().parse().ok())
        };
        // The last status line: `#N  DONE   cov: C ft: F corp: K/…`.
        let last = log
            .lines()
            .rev()
            .find(|l| l.contains(" cov: "))
            .unwrap_or("");
        let field = |name: &str| {
            let mut words = last.split_whitespace();
            words.find(|w| *w == name)?;
            words.next()?.split('/').next()?.parse().ok()
        };
        Ok(Outcome {
            ok: status.success(),
            execs: stat("number_of_executed_units"),
            cov: field("cov:"),
            features: field("ft:"),
            corpus: field("corp:"),
            target: self.target,
            secs: self.secs,
            log: self.log,
        })
    }
}

fn print_table(results: &[Outcome]) {
    let show = |v: Option<u64>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
    println!(
        "\n| target | seconds | executions | exec/s | coverage (edges) | features | corpus | result |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for r in results {
        let rate = r.execs.map(|e| e / r.secs.max(1));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.target,
            r.secs,
            show(r.execs),
            show(rate),
            show(r.cov),
            show(r.features),
            show(r.corpus),
            if r.ok { "ok" } else { "FAILED" }
        );
    }
}
