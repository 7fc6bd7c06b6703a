//! The binary as users and CI run it: exit codes, the cargo-style first argument, the `check`
//! subcommand, `short` output, level flags, `explain` and `rules`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `cargo-cachelint ARGS` from the package root, with colors off.
fn cachelint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TERM_COLOR")
        .output()
        .expect("the binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The rules of `short` lines: `path:line:col: level[rule]: message` → `path:line:col level[rule]`.
fn short_heads(output: &Output) -> Vec<String> {
    stdout(output)
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, ": ");
            let at = parts.next().unwrap_or_default();
            let level_rule = parts.next().unwrap_or_default();
            format!("{at} {level_rule}")
        })
        .collect()
}

/// One line on stderr that starts with `error: ` and mentions `needle`.
fn assert_one_line_error(output: &Output, needle: &str) {
    let err = stderr(output);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line of reason expected, got:\n{err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(lines[0].contains(needle), "`{needle}` not in: {err}");
}

#[test]
fn a_silent_fixture_exits_0() {
    let output = cachelint(&["check", "fixtures/uncovered_read_silent"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_deny_finding_exits_1() {
    let output = cachelint(&["check", "fixtures/uncovered_read_fires"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stdout(&output).contains("cachelint::uncovered_read"));
}

#[test]
fn warnings_alone_exit_0_and_deny_warnings_makes_them_fail() {
    let fixture = "fixtures/ttl_only_read_default_staleness";
    let plain = cachelint(&["check", fixture, "--message-format", "short"]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    let denied = cachelint(&[
        "check",
        fixture,
        "--message-format",
        "short",
        "-D",
        "warnings",
    ]);
    assert_eq!(code(&denied), 1, "{}", stderr(&denied));
    let head = "fixtures/ttl_only_read_default_staleness/src/lib.rs";
    assert_eq!(
        short_heads(&denied),
        [
            format!("{head}:13:9 error[ttl_only_read]"),
            format!("{head}:18:9 error[ttl_only_read]"),
        ]
    );
}

#[test]
fn allowing_a_rule_silences_it() {
    let output = cachelint(&[
        "check",
        "fixtures/uncovered_read_fires",
        "-A",
        "uncovered_read",
        "--message-format",
        "short",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
}

#[test]
fn short_prints_one_line_per_finding() {
    let output = cachelint(&[
        "check",
        "fixtures/dead_invalidation_fires",
        "--message-format",
        "short",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let head = "fixtures/dead_invalidation_fires/src/lib.rs";
    assert_eq!(
        short_heads(&output),
        [
            format!("{head}:28:10 warning[dead_invalidation]"),
            format!("{head}:43:10 warning[dead_invalidation]"),
            format!("{head}:61:14 warning[dead_invalidation]"),
            format!("{head}:72:31 warning[dead_invalidation]"),
            format!("{head}:77:10 warning[dead_invalidation]"),
        ]
    );
    let first = stdout(&output)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        first,
        format!(
            "{head}:28:10: warning[dead_invalidation]: `trim_post` invalidates \
             `post:<id>:bd`, which no function reads; help: remove the write, or fix the key \
             to match the read it should invalidate"
        )
    );
}

#[test]
fn cargo_passes_cachelint_first() {
    let direct = cachelint(&[
        "check",
        "fixtures/uncovered_read_fires",
        "--message-format",
        "short",
    ]);
    let by_cargo = cachelint(&[
        "cachelint",
        "check",
        "fixtures/uncovered_read_fires",
        "--message-format",
        "short",
    ]);
    let by_cargo_no_subcommand = cachelint(&[
        "cachelint",
        "fixtures/uncovered_read_fires",
        "--message-format",
        "short",
    ]);
    let no_subcommand = cachelint(&["fixtures/uncovered_read_fires", "--message-format", "short"]);
    for output in [&direct, &by_cargo, &by_cargo_no_subcommand, &no_subcommand] {
        assert_eq!(code(output), 1, "{}", stderr(output));
        assert_eq!(stdout(output), stdout(&direct));
    }
    assert_eq!(short_heads(&direct).len(), 8);
}

#[test]
fn a_missing_path_exits_2() {
    let output = cachelint(&["check", "fixtures/does_not_exist"]);
    assert_eq!(code(&output), 2);
    assert_one_line_error(&output, "fixtures/does_not_exist");
    assert_eq!(stdout(&output), "");
}

#[test]
fn a_malformed_config_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("src")).expect("src/");
    std::fs::write(dir.path().join("src/lib.rs"), "pub fn f() {}\n").expect("lib.rs");
    let config = dir.path().join("cachelint.toml");
    std::fs::write(&config, "max_staleness = 5\n").expect("cachelint.toml");
    let path = dir.path().to_str().expect("a UTF-8 temporary path");
    let output = cachelint(&["check", path]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(&output, &format!("{}:1:", config.display()));
    assert!(
        stderr(&output).contains("max_staleness"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_malformed_config_file_flag_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("strict.toml");
    std::fs::write(&config, "[lints]\nuncovered_reed = \"deny\"\n").expect("strict.toml");
    let config_arg = config.to_str().expect("a UTF-8 temporary path");
    let output = cachelint(&[
        "check",
        "--config-file",
        config_arg,
        "fixtures/uncovered_read_silent",
    ]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(&output, &format!("{}:2:", config.display()));
    assert!(
        stderr(&output).contains("uncovered_reed"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_flag_exits_2() {
    let output = cachelint(&["check", "--no-such-flag"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("--no-such-flag"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn explain_prints_the_four_sections() {
    let output = cachelint(&["explain", "uncovered_read"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("uncovered_read"), "{text}");
    let positions: Vec<usize> = [
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Fix",
    ]
    .iter()
    .map(|heading| {
        text.find(heading)
            .unwrap_or_else(|| panic!("{heading} missing:\n{text}"))
    })
    .collect();
    assert!(positions.is_sorted(), "sections out of order:\n{text}");
}

#[test]
fn explain_works_the_cargo_way_too() {
    let direct = cachelint(&["explain", "stale_dependent"]);
    let by_cargo = cachelint(&["cachelint", "explain", "stale_dependent"]);
    assert_eq!(code(&by_cargo), 0, "{}", stderr(&by_cargo));
    assert_eq!(stdout(&by_cargo), stdout(&direct));
}

#[test]
fn explain_an_unknown_rule_exits_2() {
    let output = cachelint(&["explain", "nope"]);
    assert_eq!(code(&output), 2);
    assert_one_line_error(&output, "`nope`");
    assert_eq!(stdout(&output), "");
}

#[test]
fn explain_a_misspelt_rule_suggests_the_right_one() {
    let output = cachelint(&["explain", "uncoverd_read"]);
    assert_eq!(code(&output), 2);
    assert_one_line_error(&output, "did you mean `uncovered_read`?");
}

#[test]
fn rules_lists_every_rule_with_its_level() {
    let output = cachelint(&["rules"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(listed, cachelint_core::rules::RULE_NAMES);
    assert_eq!(listed.len(), 13);
    for (rule, level) in [
        ("annotation_drift", "warn"),
        ("stale_after_mutation", "deny"),
        ("uncovered_read", "deny"),
        ("partial_invalidation", "deny"),
        ("version_skew", "deny"),
        ("ttl_only_read", "warn"),
        ("stale_dependent", "deny"),
        ("dead_invalidation", "warn"),
        ("mistyped_invalidation", "deny"),
        ("broad_invalidation", "warn"),
        ("orphan_event", "warn"),
        ("invalid_key", "deny"),
        ("parse_error", "warn"),
    ] {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule))
            .unwrap_or_else(|| panic!("{rule} missing:\n{text}"));
        assert_eq!(line.split_whitespace().nth(1), Some(level), "{line}");
    }
}

#[test]
fn the_example_service_fails_on_its_planted_bugs() {
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/service")
            .is_dir()
    );
    let output = cachelint(&["check", "examples/service", "--message-format", "short"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        short_heads(&output),
        [
            "examples/service/src/orders.rs:19:13 error[uncovered_read]",
            "examples/service/src/teams.rs:22:13 error[version_skew]",
            "examples/service/src/teams.rs:58:14 error[mistyped_invalidation]",
            "examples/service/src/users.rs:60:12 error[stale_dependent]",
        ]
    );
}

/// The typo that started this project fails the gate: a periodic job evicting
/// `cache::post:<id>:v2` while every read uses `cache:post:<id>:v2` (with a ttl) exits 1, and
/// the `short` line CI logs show carries the corrected key.
#[test]
fn a_mistyped_invalidation_fails_the_gate() {
    let output = cachelint(&[
        "--message-format",
        "short",
        "fixtures/mistyped_invalidation_fires",
    ]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let text = stdout(&output);
    let line = text
        .lines()
        .find(|l| l.contains("cache::post:<id>:v2"))
        .unwrap_or_else(|| panic!("no finding for the doubled separator:\n{text}"));
    assert!(line.contains("error[mistyped_invalidation]"), "{line}");
    assert!(line.contains("`cache:post:<id>:v2`"), "{line}");
    // A write more than one edit from every read stays a warning: the gate stays green.
    let output = cachelint(&[
        "--message-format",
        "short",
        "fixtures/dead_invalidation_fires",
    ]);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(stdout(&output).contains("warning[dead_invalidation]"));
}

/// A ttl read whose only invalidation never runs (its subscriber waits for an event nothing
/// publishes) is `uncovered_read`, an error, not `ttl_only_read`.
#[test]
fn a_ttl_read_whose_invalidation_never_runs_is_uncovered() {
    let output = cachelint(&["--message-format", "short", "fixtures/uncovered_read_fires"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let heads = short_heads(&output);
    assert!(
        heads.contains(
            &"fixtures/uncovered_read_fires/src/lib.rs:85:9 error[uncovered_read]".to_string()
        ),
        "{heads:#?}"
    );
}

/// With `separator = "_"`, `<idempotency_hash>` is one placeholder, not an unclosed one.
#[test]
fn placeholders_are_atomic_whatever_the_separator() {
    let output = cachelint(&["--message-format", "short", "fixtures/separator_underscore"]);
    assert_eq!(
        short_heads(&output),
        ["fixtures/separator_underscore/src/lib.rs:24:9 error[uncovered_read]"],
        "{}",
        stderr(&output)
    );
}

/// Runs `cargo-cachelint ARGS` from `dir`, with colors off.
fn cachelint_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TERM_COLOR")
        .output()
        .expect("the binary runs")
}

/// Writes `files` (path, text) below `dir`, creating directories.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// A virtual workspace with members `users-api` and `billing` (no annotations).
fn two_member_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"users-api\", \"billing\"]\nresolver = \"2\"\n",
            ),
            (
                "users-api/Cargo.toml",
                "[package]\nname = \"users-api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("users-api/src/lib.rs", "pub fn f() {}\n"),
            (
                "billing/Cargo.toml",
                "[package]\nname = \"billing\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("billing/src/lib.rs", "pub fn g() {}\n"),
        ],
    );
    dir
}

#[test]
fn a_path_without_rust_files_exits_2_saying_so() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[("docs/README.md", "# hi\n"), ("notes.txt", "hi\n")],
    );
    std::fs::create_dir(dir.path().join("empty")).expect("mkdir");
    for (path, needle) in [
        ("empty", "no Rust files to analyze in `empty`"),
        ("docs", "no Rust files to analyze in `docs`"),
        ("notes.txt", "`notes.txt` is not a Rust file"),
        ("docs/README.md", "`docs/README.md` is not a Rust file"),
    ] {
        let output = cachelint_in(dir.path(), &["check", path]);
        assert_eq!(code(&output), 2, "{path}: {}", stdout(&output));
        assert_one_line_error(&output, needle);
        assert_eq!(stdout(&output), "", "{path}");
    }
}

#[test]
fn a_path_whose_rust_files_are_all_excluded_exits_2() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[
            ("cachelint.toml", "exclude = [\"gen\"]\n"),
            ("gen/a.rs", "pub fn f() {}\n"),
        ],
    );
    let output = cachelint_in(dir.path(), &["check", "gen"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(&output, "no Rust files to analyze in `gen`");
    let output = cachelint_in(dir.path(), &["check", "gen/a.rs"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(&output, "`gen/a.rs` is excluded");
}

#[test]
fn exclude_without_workspace_is_an_error_as_in_cargo() {
    let ws = two_member_workspace();
    let output = cachelint_in(ws.path(), &["--exclude", "billing"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(
        &output,
        "error: --exclude can only be used together with --workspace",
    );
    let output = cachelint_in(ws.path(), &["--workspace", "--exclude", "billing", "-q"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
}

#[test]
fn an_unknown_package_is_named_with_the_members() {
    let ws = two_member_workspace();
    let output = cachelint_in(ws.path(), &["-p", "nosuch"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(
        &output,
        "error: package ID specification `nosuch` did not match any packages; the workspace \
         members are `billing`, `users-api`",
    );
    let output = cachelint_in(ws.path(), &["check", "-p", "user-api"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(
        &output,
        "`user-api` did not match any packages (did you mean `users-api`?)",
    );
}

#[test]
fn a_mistyped_subcommand_suggests_the_right_one() {
    let output = cachelint(&["chek"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    assert_one_line_error(&output, "`chek` (did you mean `check`?)");
    let by_cargo = cachelint(&["cachelint", "explian", "uncovered_read"]);
    assert_eq!(code(&by_cargo), 2, "{}", stdout(&by_cargo));
    assert_one_line_error(&by_cargo, "`explian` (did you mean `explain`?)");
    // Options before a subcommand make its name a path: say where they go.
    let before = cachelint(&["cachelint", "-v", "map", "fixtures/uncovered_read_silent"]);
    assert_eq!(code(&before), 2, "{}", stdout(&before));
    assert_one_line_error(&before, "`map` is a subcommand: give its options after it");
}

#[test]
fn quiet_prints_nothing_on_a_clean_run() {
    let output = cachelint(&["check", "-q", "fixtures/uncovered_read_silent"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
    // With findings, `-q` still prints them.
    let output = cachelint(&["check", "-q", "fixtures/uncovered_read_fires"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stdout(&output).contains("cachelint::uncovered_read"));
}

#[test]
fn help_lists_the_message_formats() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["check", "--help"],
        &["check", "-h"],
    ] {
        let output = cachelint(args);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        let help = stdout(&output)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let at = help
            .find("--message-format <FMT>")
            .unwrap_or_else(|| panic!("{args:?}: {help}"));
        let after = &help[at..];
        let end = after[2..].find(" --").map_or(after.len(), |e| e + 2);
        for format in [
            "human", "short", "json", "sarif", "github", "gitlab", "rdjsonl",
        ] {
            assert!(
                after[..end].contains(format),
                "{args:?}: {format} missing in {after}"
            );
        }
    }
}

#[test]
fn explain_accepts_the_code_as_printed_and_dashes() {
    let plain = cachelint(&["explain", "stale_dependent"]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    for spelling in [
        "cachelint::stale_dependent",
        "stale-dependent",
        "cachelint::stale-dependent",
    ] {
        let output = cachelint(&["explain", spelling]);
        assert_eq!(code(&output), 0, "{spelling}: {}", stderr(&output));
        assert_eq!(stdout(&output), stdout(&plain), "{spelling}");
    }
    let output = cachelint(&["explain", "cachelint::stale-dependnt"]);
    assert_eq!(code(&output), 2);
    assert_one_line_error(&output, "did you mean `stale_dependent`?");
}

/// Two trait impls' methods of one name on one type, and two modules' free functions of one
/// name.
const SAME_NAMES: &str = r#"use cachelint::{reads, writes};

pub struct Db;

pub trait Store {
    fn update(&self, id: u64);
}

pub trait Cache {
    fn update(&self, id: u64);
}

impl Store for Db {
    #[writes("user:<id>:row")]
    fn update(&self, id: u64) {}
}

impl Cache for Db {
    #[writes("user:<id>:row")]
    fn update(&self, id: u64) {}
}

pub mod by_path {
    use cachelint::writes;

    #[writes("user:<id>:profile")]
    pub fn update_profile(id: u64) {}
}

pub mod by_glob {
    use cachelint::writes;

    #[writes("user:<id>:*")]
    pub fn update_profile(id: u64) {}
}

#[reads("user:<id>:profile")]
pub fn profile(id: u64) {}
"#;

#[test]
fn functions_are_named_alike_everywhere_and_qualified_where_two_would_read_the_same() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(dir.path(), &[("src/lib.rs", SAME_NAMES)]);
    let short = cachelint_in(dir.path(), &["check", ".", "--message-format", "short"]);
    assert_eq!(code(&short), 0, "{}", stderr(&short));
    assert_eq!(
        stdout(&short),
        "src/lib.rs:14:14: warning[dead_invalidation]: `<Db as Store>::update` invalidates \
         `user:<id>:row`, which no function reads; help: remove the write, or fix the key to \
         match the read it should invalidate\n\
         src/lib.rs:19:14: warning[dead_invalidation]: `<Db as Cache>::update` invalidates \
         `user:<id>:row`, which no function reads; help: remove the write, or fix the key to \
         match the read it should invalidate\n"
    );

    let map = cachelint_in(dir.path(), &["map", "."]);
    assert_eq!(code(&map), 0, "{}", stderr(&map));
    let map = stdout(&map);
    let expected = "\
## mutations: what each entry point invalidates

<Db as Cache>::update
  invalidates user:<id>:row

<Db as Store>::update
  invalidates user:<id>:row

by_glob::update_profile
  invalidates user:<id>:*

by_path::update_profile
  invalidates user:<id>:profile

## read keys: who invalidates each

user:<id>:profile  (read by profile)
  invalidated by by_glob::update_profile
  invalidated by by_path::update_profile
";
    assert!(map.ends_with(expected), "{map}");

    let graph = cachelint_in(dir.path(), &["graph", "--format", "json", "."]);
    assert_eq!(code(&graph), 0, "{}", stderr(&graph));
    let graph: serde_json::Value = serde_json::from_str(&stdout(&graph)).expect("JSON");
    let functions: Vec<(&str, &str)> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["kind"] == "function")
        .map(|n| {
            let label = n["label"].as_str().unwrap_or_default();
            (label, n["qualified_name"].as_str().unwrap_or_default())
        })
        .collect();
    for expected in [
        ("<Db as Cache>::update", "<crate::Db as Cache>::update"),
        ("<Db as Store>::update", "<crate::Db as Store>::update"),
        ("by_glob::update_profile", "crate::by_glob::update_profile"),
        ("by_path::update_profile", "crate::by_path::update_profile"),
        ("profile", "crate::profile"),
    ] {
        assert!(
            functions.contains(&expected),
            "{expected:?} not in {functions:?}"
        );
    }

    // Same rule, file and key: only the function tells the two findings apart.
    let gitlab = cachelint_in(dir.path(), &["check", ".", "--message-format", "gitlab"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&gitlab)).expect("JSON");
    let fingerprints: BTreeSet<&str> = report
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    assert_eq!(fingerprints.len(), 2, "{report:#}");
}

/// A virtual workspace whose members configure themselves: `billing` with a `cachelint.toml`
/// (allows `uncovered_read`, excludes `src/generated.rs` relative to itself), `users-api` with
/// `[package.metadata.cachelint]` (`max_staleness = "10m"`, or `users_api_metadata`).
fn configured_workspace(users_api_metadata: &str) -> tempfile::TempDir {
    let macros = Path::new(env!("CARGO_MANIFEST_DIR")).join("macros");
    let dependency = format!(
        "\n[dependencies]\ncachelint = {{ path = {:?} }}\n",
        macros.display().to_string()
    );
    let manifest = |name: &str, extra: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{dependency}{extra}"
        )
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"users-api\", \"billing\"]\nresolver = \"2\"\n",
            ),
            (
                "users-api/Cargo.toml",
                &manifest(
                    "users-api",
                    &format!("\n[package.metadata.cachelint]\n{users_api_metadata}"),
                ),
            ),
            (
                "users-api/src/lib.rs",
                "use cachelint::reads;\n\n\
                 #[reads(\"user:<id>:profile\")]\npub fn profile(id: u64) -> u64 { id }\n\n\
                 #[reads(\"user:<id>:feed\", ttl = \"5m\")]\npub fn feed(id: u64) -> u64 { id }\n",
            ),
            ("billing/Cargo.toml", &manifest("billing", "")),
            (
                "billing/cachelint.toml",
                "exclude = [\"src/generated.rs\"]\n\n[lints]\nuncovered_read = \"allow\"\n",
            ),
            (
                "billing/src/lib.rs",
                "use cachelint::reads;\nmod generated;\n\n\
                 #[reads(\"invoice:<id>:lines\")]\npub fn lines(id: u64) -> u64 { id }\n\n\
                 #[reads(\"invoice:<id>:total\", ttl = \"5m\")]\npub fn total(id: u64) -> u64 { id }\n",
            ),
            (
                "billing/src/generated.rs",
                "use cachelint::writes;\n\n#[writes(\"nothing:<id>\")]\npub fn stray(id: u64) {}\n",
            ),
        ],
    );
    dir
}

#[test]
fn members_configurations_apply_to_their_files_in_workspace_and_path_runs() {
    let ws = configured_workspace("max_staleness = \"10m\"\n");
    // users-api: `profile` is uncovered (deny at the root's level); `feed`'s 5m ttl is within
    // its own 10m. billing: `lines` is allowed there, `total`'s ttl is over the root's 0s,
    // and `src/generated.rs` (its dead invalidation) is excluded relative to billing/.
    let output = cachelint_in(ws.path(), &["--message-format", "short"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        short_heads(&output),
        [
            "billing/src/lib.rs:7:9 warning[ttl_only_read]",
            "users-api/src/lib.rs:3:9 error[uncovered_read]",
        ]
    );
    // A PATH run reads the same configurations, and globs stay relative to their file.
    let output = cachelint_in(
        ws.path(),
        &["check", "billing", "--message-format", "short"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        short_heads(&output),
        ["billing/src/lib.rs:7:9 warning[ttl_only_read]"]
    );
}

#[test]
fn a_typo_in_a_members_configuration_is_an_error_with_its_position() {
    let ws = configured_workspace("max_stalenes = \"10m\"\n");
    let output = cachelint_in(ws.path(), &["--message-format", "short"]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    let manifest = ws.path().join("users-api/Cargo.toml");
    assert_one_line_error(
        &output,
        &format!(
            "{}:10:1: unknown key `max_stalenes` (did you mean `max_staleness`?)",
            manifest.display()
        ),
    );
}

/// A subscriber of an event nothing publishes that something also calls directly does run:
/// `orphan_event` says the event never triggers it, not that it never runs.
#[test]
fn an_orphan_subscriber_called_directly_is_not_said_to_never_run() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[(
            "src/lib.rs",
            r#"
#[cachelint::reads("team:<tid>:members")]
pub fn members(tid: u64) -> u64 { tid }

#[cachelint::subscribes("team.updated")]
#[cachelint::writes("team:<tid>:members")]
pub fn on_team_updated(tid: u64) { let _ = tid; }

#[cachelint::subscribes("user.deleted")]
#[cachelint::writes("team:<tid>:members")]
pub fn on_user_deleted(tid: u64) { let _ = tid; }

pub fn run(tid: u64) { on_team_updated(tid); }
"#,
        )],
    );
    let output = cachelint_in(dir.path(), &["check", ".", "--color", "never"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "{text}{}", stderr(&output));
    assert!(
        text.contains(
            "the event never triggers `on_team_updated`; it runs only where it is called directly"
        ),
        "{text}"
    );
    assert!(
        text.contains("`on_user_deleted` never runs, so its writes invalidate nothing"),
        "{text}"
    );
    assert!(!text.contains("`on_team_updated` never runs"), "{text}");
}

/// Another punctuation char where the separator belongs is corrected to the read's key, not
/// to a key that only overlaps it through a placeholder (`user:_<id>:settings`).
#[test]
fn a_mistyped_separator_is_corrected_to_the_key_that_is_read() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[(
            "src/lib.rs",
            r#"
#[cachelint::reads("user:<id>:settings")]
pub fn settings(id: u64) -> u64 { id }

#[cachelint::writes("user:<id>:settings")]
pub fn save_settings(id: u64) { let _ = id; }

#[cachelint::writes("user_<id>:settings")]
pub fn reset_settings(id: u64) { let _ = id; }
"#,
        )],
    );
    let output = cachelint_in(dir.path(), &["check", ".", "--message-format", "short"]);
    let text = stdout(&output);
    assert_eq!(code(&output), 1, "{text}{}", stderr(&output));
    assert!(text.contains("error[mistyped_invalidation]"), "{text}");
    assert!(
        text.contains("did you mean `user:<id>:settings`?"),
        "{text}"
    );
}

#[test]
fn no_infer_is_accepted_and_a_bad_infer_value_exits_2_with_its_position() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_tree(
        dir.path(),
        &[
            ("src/lib.rs", "pub fn f() {}\n"),
            (
                "cachelint.toml",
                "[infer]\nenabled = true\nsql_dialect = \"sqlite\"\n\n[infer.wrappers]\n\
                 \"crate::cache::Cache::delete\" = \"invalidate\"\n",
            ),
        ],
    );
    for args in [
        &["check", "--no-infer", "src"][..],
        &["--no-infer", "src"],
        &["map", "--no-infer", "src"],
        &["graph", "--no-infer", "src"],
    ] {
        let output = cachelint_in(dir.path(), args);
        assert_eq!(code(&output), 0, "{args:?}: {}", stderr(&output));
    }
    write_tree(
        dir.path(),
        &[("cachelint.toml", "[infer]\nsql_dialect = \"postgress\"\n")],
    );
    for args in [&["check", "src"][..], &["check", "--no-infer", "src"]] {
        let output = cachelint_in(dir.path(), args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stdout(&output));
        assert_one_line_error(
            &output,
            "cachelint.toml:2:15: unknown SQL dialect `postgress` (did you mean `postgres`?)",
        );
    }
}

/// The unannotated redis service `annotate` is tested on (one fixture: loading a workspace that
/// uses redis costs seconds).
const ANNOTATE_SERVICE: &str = "fixtures/infer/annotate_service";

/// What `annotate` states for [`ANNOTATE_SERVICE`]: each function's `fn` line as it reads,
/// with the lines it adds above it. A get-or-load with a ttl, one without, an updater that
/// deletes through a helper taking the key, a method (after its doc comment and `#[inline]`),
/// a function in an inline module (no `use` reaches it: the path is spelt out), whose
/// mistyped eviction a finding points at (stated, so that the finding stays). The rate
/// limiter, the helper, the mistyped eviction of a function that is not annotated otherwise
/// and the session delete get nothing.
const ANNOTATED: &[(&str, &str)] = &[
    (
        "pub async fn get_profile(",
        "#[reads(\"user:<id>:profile\", ttl = \"1m\")]\n",
    ),
    (
        "pub async fn get_settings(",
        "#[reads(\"user:<id>:settings\")]\n",
    ),
    (
        "pub async fn update_profile(",
        "#[writes(\"user:<id>:profile\")]\n",
    ),
    (
        "    pub async fn members(",
        "    #[reads(\"team:<team>:members\", ttl = \"10m\")]\n",
    ),
    (
        "    pub async fn forget_user(",
        "    #[cachelint::writes(\"user:<id>:profile\")]\n    \
         #[cachelint::writes(\"user:<id>:setings\")]\n",
    ),
];

/// [`ANNOTATE_SERVICE`]'s `src/lib.rs` as `annotate --fix` leaves it: the [`ANNOTATED`] lines
/// and the `use`, everything else byte for byte.
fn annotated_service() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(ANNOTATE_SERVICE);
    let original = std::fs::read_to_string(path.join("src/lib.rs")).expect("the fixture");
    let mut fixed = String::new();
    for line in original.split_inclusive('\n') {
        for (anchor, added) in ANNOTATED {
            if line.starts_with(anchor) {
                fixed.push_str(added);
            }
        }
        fixed.push_str(line);
        if line == "use redis::AsyncCommands;\n" {
            fixed.push_str("use cachelint::{reads, writes};\n");
        }
    }
    let added: usize = ANNOTATED.iter().map(|(_, a)| a.matches("#[").count()).sum();
    assert_eq!(
        fixed.matches("#[").count(),
        original.matches("#[").count() + added
    );
    fixed
}

/// A copy of [`ANNOTATE_SERVICE`] in a temporary directory, committed to a fresh git
/// repository (a clean tree).
fn annotate_service_repo() -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(ANNOTATE_SERVICE);
    let dir = tempfile::tempdir().expect("a temporary directory");
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
        let text = std::fs::read_to_string(from.join(file)).expect("a fixture file");
        write_tree(dir.path(), &[(file, &text)]);
    }
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "service"],
    ] {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
    dir
}

/// The rule and message of every finding of a `--message-format json` run, sorted.
fn json_findings(output: &Output) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = stdout(output)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("a JSON line"))
        .filter(|message| message["reason"] == "compiler-message")
        .map(|message| {
            let diagnostic = &message["message"];
            (
                diagnostic["code"]["code"].as_str().unwrap_or("").to_owned(),
                diagnostic["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn annotate_prints_the_annotations_inference_found() {
    let human = cachelint(&["annotate", ANNOTATE_SERVICE]);
    let text = stdout(&human);
    assert_eq!(code(&human), 0, "{text}{}", stderr(&human));
    // Each function's lines to add, as rustc shows a suggestion: `N + line`.
    let added: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_once(" + ").map(|(_, added)| added))
        .filter(|added| added.trim_start().starts_with("#["))
        .collect();
    let expected: Vec<&str> = ANNOTATED.iter().flat_map(|(_, a)| a.lines()).collect();
    assert_eq!(added, expected, "{text}");
    assert!(
        text.contains("use cachelint::{reads, writes};"),
        "the `use` is part of the suggestion:\n{text}"
    );
    for name in ["rate_limit", "evict", "add_member"] {
        assert!(!text.contains(&format!("`{name}`")), "{name}:\n{text}");
    }
    assert!(
        text.contains("--> fixtures/infer/annotate_service/src/lib.rs:21:14"),
        "{text}"
    );
    assert!(
        text.contains("`user:<id>:profile` is filled on a miss by `conn.set_ex(..)`"),
        "{text}"
    );
    assert!(text.contains("cargo cachelint annotate --fix"), "{text}");

    let short = cachelint(&["annotate", ANNOTATE_SERVICE, "--message-format", "short"]);
    let file = format!("{ANNOTATE_SERVICE}/src/lib.rs");
    assert_eq!(
        stdout(&short),
        format!(
            "{file}:21:14: help[annotate]: state the cache operations inferred for `get_profile`; help: add `#[reads(\"user:<id>:profile\", ttl = \"1m\")]`\n\
             {file}:32:14: help[annotate]: state the cache operations inferred for `get_settings`; help: add `#[reads(\"user:<id>:settings\")]`\n\
             {file}:50:14: help[annotate]: state the cache operations inferred for `update_profile`; help: add `#[writes(\"user:<id>:profile\")]`\n\
             {file}:75:18: help[annotate]: state the cache operations inferred for `Teams::members`; help: add `#[reads(\"team:<team>:members\", ttl = \"10m\")]`\n\
             {file}:98:18: help[annotate]: state the cache operations inferred for `forget_user`; help: add `#[cachelint::writes(\"user:<id>:profile\")]`, `#[cachelint::writes(\"user:<id>:setings\")]`\n"
        ),
        "{}",
        stderr(&short)
    );
}

/// The issue's acceptance criterion: `--fix` writes the annotations (and nothing else), the
/// file still parses, and `cargo cachelint` then reports exactly what it reported from the
/// inferred facts. A clean git tree needs no `--allow-dirty`; once annotated, nothing is left
/// to suggest.
#[test]
fn annotate_fix_writes_the_contract_and_the_findings_stay_the_same() {
    let dir = annotate_service_repo();
    let fixed = cachelint_in(dir.path(), &["annotate", "--fix"]);
    let err = stderr(&fixed);
    assert_eq!(code(&fixed), 0, "{err}");
    assert_eq!(stdout(&fixed), "", "{err}");
    assert!(err.contains("Fixed src/lib.rs (6 annotations)"), "{err}");
    assert_eq!(
        err.matches("`cachelint`").count(),
        1,
        "one reminder of the dependency:\n{err}"
    );
    assert!(err.contains("[dependencies]"), "{err}");
    let text = std::fs::read_to_string(dir.path().join("src/lib.rs")).expect("the fixed file");
    assert_eq!(text, annotated_service());
    syn::parse_file(&text).expect("the fixed file parses");
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join(ANNOTATE_SERVICE);
    let manifest =
        |dir: &Path| std::fs::read_to_string(dir.join("Cargo.toml")).expect("a manifest");
    assert_eq!(
        manifest(dir.path()),
        manifest(&original),
        "Cargo.toml is not edited"
    );

    let before = cachelint_in(&original, &["--message-format", "json"]);
    let after = cachelint_in(dir.path(), &["--message-format", "json"]);
    let findings = json_findings(&before);
    assert!(findings.len() >= 3, "{findings:#?}");
    assert_eq!(json_findings(&after), findings, "{}", stdout(&after));

    let again = cachelint_in(dir.path(), &["annotate", "--message-format", "short"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(stdout(&again), "", "nothing left to annotate");
}

#[test]
fn annotate_fix_refuses_a_dirty_tree_unless_allowed() {
    let dir = annotate_service_repo();
    let lib = dir.path().join("src/lib.rs");
    let edited = std::fs::read_to_string(&lib).expect("lib.rs") + "\n// work in progress\n";
    std::fs::write(&lib, &edited).expect("edit");
    let refused = cachelint_in(dir.path(), &["annotate", "--fix"]);
    let err = stderr(&refused);
    assert_eq!(code(&refused), 2, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("uncommitted changes"), "{err}");
    assert!(err.contains("--allow-dirty"), "{err}");
    assert!(err.contains("src/lib.rs (dirty)"), "{err}");
    assert_eq!(std::fs::read_to_string(&lib).expect("lib.rs"), edited);

    let allowed = cachelint_in(dir.path(), &["annotate", "--fix", "--allow-dirty"]);
    assert_eq!(code(&allowed), 0, "{}", stderr(&allowed));
    let text = std::fs::read_to_string(&lib).expect("lib.rs");
    assert_eq!(text, annotated_service() + "\n// work in progress\n");
}

#[test]
fn annotate_allow_dirty_goes_with_fix() {
    let output = cachelint(&["annotate", "--allow-dirty", ANNOTATE_SERVICE]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(stderr(&output).contains("--fix"), "{}", stderr(&output));
}

#[test]
fn annotate_leaves_the_ci_formats_to_findings() {
    let output = cachelint(&["annotate", ANNOTATE_SERVICE, "--message-format", "sarif"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_one_line_error(&output, "human, short or json");
}

/// `json`: one rustc diagnostic per function, whose `help` child carries the attribute lines
/// (and the file's `use`) as machine-applicable suggestions; applied as rustfix applies them
/// (identical edits once), they give exactly what `--fix` writes.
#[test]
fn annotate_json_carries_machine_applicable_suggestions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(ANNOTATE_SERVICE);
    let output = cachelint_in(&dir, &["annotate", "--message-format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let (last, messages) = lines.split_last().expect("lines");
    assert_eq!(last["reason"], "build-finished");
    assert_eq!(last["success"], true);
    assert_eq!(messages.len(), ANNOTATED.len());
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for message in messages {
        assert_eq!(message["reason"], "compiler-message");
        assert!(
            message["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("annotate_service")),
            "{message}"
        );
        let diagnostic = &message["message"];
        assert_eq!(diagnostic["level"], "help", "{diagnostic}");
        assert_eq!(diagnostic["code"]["code"], "cachelint::annotate");
        assert_eq!(diagnostic["spans"][0]["is_primary"], true);
        assert!(
            diagnostic["rendered"]
                .as_str()
                .is_some_and(|r| r.contains(" +     #[") || r.contains(" + #[")),
            "{diagnostic}"
        );
        let children = diagnostic["children"].as_array().expect("children");
        let fix = children
            .iter()
            .find(|child| !child["spans"].as_array().expect("spans").is_empty())
            .expect("a help child with the suggestion");
        assert_eq!(fix["level"], "help");
        for span in fix["spans"].as_array().expect("spans") {
            assert_eq!(span["file_name"], "src/lib.rs");
            assert_eq!(span["suggestion_applicability"], "MachineApplicable");
            let edit = (
                span["byte_start"].as_u64().expect("byte_start") as usize,
                span["byte_end"].as_u64().expect("byte_end") as usize,
                span["suggested_replacement"]
                    .as_str()
                    .expect("a replacement")
                    .to_owned(),
            );
            if !edits.contains(&edit) {
                edits.push(edit);
            }
        }
    }
    let mut text = std::fs::read_to_string(dir.join("src/lib.rs")).expect("lib.rs");
    edits.sort();
    for (start, end, replacement) in edits.into_iter().rev() {
        text.replace_range(start..end, &replacement);
    }
    assert_eq!(text, annotated_service());
}

#[test]
fn verbose_lists_sql_it_reads_only_in_part_or_not_at_all() {
    let output = cachelint(&["cachelint", "-v", "fixtures/infer/sqlx_service"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let notes = stderr(&output);
    // A QueryBuilder's prefix: the statement and table from its leading keywords.
    assert!(
        notes.contains(
            "repo.rs:87:64: note: in `disable_endpoints`, `sqlx::QueryBuilder::<sqlx::Postgres>::new(..)` \
             gives partial table facts: its SQL is read from its leading keywords only (an update of `endpoint`)"
        ),
        "{notes}"
    );
    // SQL built by `format!`: nothing to read, and said.
    assert!(
        notes.contains(
            "repo.rs:98:17: note: in `clear_column`, `sqlx::query(..)` gives no table facts: its SQL \
             is built at run time"
        ),
        "{notes}"
    );
    // The methods called on a query macro's value are no unresolved calls of ours.
    assert!(!notes.contains("`()` has no method"), "{notes}");
}
