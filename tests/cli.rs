//! The binary as users and CI run it: exit codes, the cargo-style first argument, the `check`
//! subcommand, `short` output, level flags, `explain` and `rules`.

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
            format!("{head}:27:10 warning[dead_invalidation]"),
            format!("{head}:45:14 warning[dead_invalidation]"),
            format!("{head}:56:32 warning[dead_invalidation]"),
            format!("{head}:61:10 warning[dead_invalidation]"),
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
            "{head}:27:10: warning[dead_invalidation]: `rename_user` invalidates \
             `user:<id>:profle`, which no function reads; help: did you mean \
             `user:<id>:profile`? Replace with `\"user:<id>:profile\"`"
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
    assert_eq!(short_heads(&direct).len(), 7);
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
fn rules_lists_all_ten() {
    let output = cachelint(&["rules"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let listed: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert_eq!(listed, cachelint_core::rules::RULE_NAMES);
    assert_eq!(listed.len(), 10);
    for (rule, level) in [
        ("uncovered_read", "deny"),
        ("partial_invalidation", "deny"),
        ("version_skew", "deny"),
        ("ttl_only_read", "warn"),
        ("stale_dependent", "deny"),
        ("dead_invalidation", "warn"),
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
            "examples/service/src/teams.rs:58:14 warning[dead_invalidation]",
            "examples/service/src/users.rs:60:12 error[stale_dependent]",
        ]
    );
}
