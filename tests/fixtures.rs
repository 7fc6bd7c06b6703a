//! Each rule's fixtures (`fixtures/<rule>_fires`, `fixtures/<rule>_silent`) and the bundled
//! example service: exactly which rules fire where, then snapshots of the findings as JSON
//! and as rendered `human` text.
//!
//! The expected `file:line:col rule` lists come from each fixture's header comment, which
//! says what must fire where and why; the snapshots pin everything else (messages, labels,
//! notes, help, suggestions, fingerprints).

use cachelint_analyzer::Analysis;
use cachelint_analyzer::analyze::{Options, Target, analyze};
use cachelint_analyzer::report::{self, Format, RenderOptions};
use std::path::PathBuf;

/// Every fixture this file owns; `all_files_changes_nothing` runs them all.
const FIXTURES: &[&str] = &[
    "annotation_drift_fires",
    "annotation_drift_silent",
    "broad_invalidation_fires",
    "broad_invalidation_silent",
    "dead_invalidation_fires",
    "dead_invalidation_silent",
    "invalid_key_fires",
    "invalid_key_silent",
    "mistyped_invalidation_fires",
    "mistyped_invalidation_silent",
    "orphan_event_fires",
    "orphan_event_silent",
    "parse_error_fires",
    "parse_error_silent",
    "partial_invalidation_fires",
    "partial_invalidation_silent",
    "separator_underscore",
    "stale_after_mutation_fires",
    "stale_after_mutation_silent",
    "stale_dependent_fires",
    "stale_dependent_silent",
    "ttl_only_read_default_staleness",
    "ttl_only_read_fires",
    "ttl_only_read_silent",
    "uncovered_read_fires",
    "uncovered_read_silent",
    "version_skew_fires",
    "version_skew_silent",
];

const EXAMPLE: &str = "examples/service";

fn dir(name: &str) -> String {
    if name == EXAMPLE {
        EXAMPLE.to_string()
    } else {
        format!("fixtures/{name}")
    }
}

fn run(name: &str, all_files: bool) -> Analysis {
    let target = Target {
        paths: vec![PathBuf::from(dir(name))],
        ..Target::default()
    };
    let options = Options {
        all_files,
        ..Options::default()
    };
    match analyze(&target, &options) {
        Ok((analysis, _, _)) => analysis,
        Err(err) => panic!("cannot analyze {name}: {err}"),
    }
}

/// `src/lib.rs:12:9 uncovered_read` per finding, paths relative to the fixture.
fn compact(name: &str, analysis: &Analysis) -> Vec<String> {
    let prefix = format!("{}/", dir(name));
    analysis
        .findings
        .iter()
        .map(|f| {
            let at = &f.primary.location;
            let file = at.file.strip_prefix(&prefix).unwrap_or(&at.file);
            format!("{file}:{}:{} {}", at.line_start, at.column_start, f.rule)
        })
        .collect()
}

fn human(analysis: &Analysis) -> String {
    let options = RenderOptions {
        color: false,
        show_elapsed: false,
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    report::render(Format::Human, analysis, &options, &mut out).expect("rendering to memory");
    String::from_utf8(out).expect("human output is UTF-8")
}

/// Asserts the fixture's findings, then snapshots them.
fn check(name: &str, expected: &[&str]) {
    let analysis = run(name, false);
    assert_eq!(compact(name, &analysis), expected, "findings of {name}");
    let snapshot = name.replace('/', "_");
    insta::assert_json_snapshot!(format!("{snapshot}.findings"), analysis.findings);
    insta::assert_snapshot!(format!("{snapshot}.human"), human(&analysis));
}

#[test]
fn annotation_drift_fires() {
    check(
        "annotation_drift_fires",
        &[
            "src/lib.rs:36:2 annotation_drift",
            "src/lib.rs:62:2 annotation_drift",
            "src/lib.rs:62:10 annotation_drift",
            "src/lib.rs:67:2 annotation_drift",
        ],
    );
}

#[test]
fn annotation_drift_silent() {
    check("annotation_drift_silent", &[]);
}

#[test]
fn stale_after_mutation_fires() {
    check(
        "stale_after_mutation_fires",
        &[
            "src/lib.rs:63:9 stale_after_mutation",
            "src/lib.rs:71:9 stale_after_mutation",
            "src/lib.rs:91:9 stale_after_mutation",
            "src/lib.rs:98:9 stale_after_mutation",
            "src/lib.rs:106:9 stale_after_mutation",
            "src/lib.rs:151:16 stale_after_mutation",
            "src/lib.rs:188:8 stale_dependent",
        ],
    );
}

#[test]
fn stale_after_mutation_silent() {
    check("stale_after_mutation_silent", &[]);
}

#[test]
fn uncovered_read_fires() {
    check(
        "uncovered_read_fires",
        &[
            "src/lib.rs:26:9 uncovered_read",
            "src/lib.rs:40:9 uncovered_read",
            "src/lib.rs:48:43 uncovered_read",
            "src/lib.rs:57:9 uncovered_read",
            "src/lib.rs:69:13 uncovered_read",
            "src/lib.rs:75:9 uncovered_read",
            "src/lib.rs:80:20 uncovered_read",
            "src/lib.rs:85:9 uncovered_read",
        ],
    );
}

#[test]
fn uncovered_read_silent() {
    check("uncovered_read_silent", &[]);
}

#[test]
fn partial_invalidation_fires() {
    check(
        "partial_invalidation_fires",
        &[
            "src/lib.rs:19:9 partial_invalidation",
            "src/lib.rs:27:9 partial_invalidation",
            "src/lib.rs:37:9 partial_invalidation",
            "src/lib.rs:50:13 partial_invalidation",
            "src/lib.rs:61:9 partial_invalidation",
            "src/lib.rs:72:9 partial_invalidation",
        ],
    );
}

#[test]
fn partial_invalidation_silent() {
    check("partial_invalidation_silent", &[]);
}

#[test]
fn version_skew_fires() {
    check(
        "version_skew_fires",
        &[
            "src/lib.rs:18:9 version_skew",
            "src/lib.rs:33:9 version_skew",
            "src/lib.rs:38:10 mistyped_invalidation",
            "src/lib.rs:43:9 version_skew",
        ],
    );
}

#[test]
fn version_skew_silent() {
    check("version_skew_silent", &[]);
}

#[test]
fn ttl_only_read_fires() {
    check(
        "ttl_only_read_fires",
        &[
            "src/lib.rs:21:9 ttl_only_read",
            "src/lib.rs:26:9 ttl_only_read",
            "src/lib.rs:34:24 ttl_only_read",
            "src/lib.rs:40:9 ttl_only_read",
            "src/lib.rs:48:9 ttl_only_read",
            "src/lib.rs:63:9 ttl_only_read",
            "src/lib.rs:63:28 ttl_only_read",
            "src/lib.rs:68:9 ttl_only_read",
        ],
    );
}

#[test]
fn ttl_only_read_default_staleness() {
    check(
        "ttl_only_read_default_staleness",
        &[
            "src/lib.rs:13:9 ttl_only_read",
            "src/lib.rs:18:9 ttl_only_read",
        ],
    );
}

#[test]
fn ttl_only_read_silent() {
    check("ttl_only_read_silent", &[]);
}

#[test]
fn stale_dependent_fires() {
    check(
        "stale_dependent_fires",
        &[
            "src/lib.rs:30:8 stale_dependent",
            "src/lib.rs:57:12 stale_dependent",
        ],
    );
}

#[test]
fn stale_dependent_silent() {
    check("stale_dependent_silent", &[]);
}

#[test]
fn dead_invalidation_fires() {
    check(
        "dead_invalidation_fires",
        &[
            "src/lib.rs:28:10 dead_invalidation",
            "src/lib.rs:43:10 dead_invalidation",
            "src/lib.rs:61:14 dead_invalidation",
            "src/lib.rs:72:31 dead_invalidation",
            "src/lib.rs:77:10 dead_invalidation",
        ],
    );
}

#[test]
fn dead_invalidation_silent() {
    check("dead_invalidation_silent", &[]);
}

#[test]
fn broad_invalidation_fires() {
    check(
        "broad_invalidation_fires",
        &[
            "src/lib.rs:20:10 broad_invalidation",
            "src/lib.rs:33:10 broad_invalidation",
            "src/lib.rs:49:14 broad_invalidation",
        ],
    );
}

#[test]
fn broad_invalidation_silent() {
    check("broad_invalidation_silent", &[]);
}

#[test]
fn mistyped_invalidation_fires() {
    check(
        "mistyped_invalidation_fires",
        &[
            "src/lib.rs:27:9 ttl_only_read",
            "src/lib.rs:32:10 mistyped_invalidation",
            "src/lib.rs:50:14 mistyped_invalidation",
            "src/lib.rs:61:10 mistyped_invalidation",
            "src/lib.rs:76:10 mistyped_invalidation",
            "src/lib.rs:91:10 mistyped_invalidation",
            "src/lib.rs:96:10 mistyped_invalidation",
            "src/lib.rs:111:30 mistyped_invalidation",
            "src/lib.rs:126:10 mistyped_invalidation",
        ],
    );
}

#[test]
fn mistyped_invalidation_silent() {
    check("mistyped_invalidation_silent", &[]);
}

/// With `separator = "_"`, `<idempotency_hash>` is one placeholder (SPEC §3).
#[test]
fn separator_underscore() {
    check("separator_underscore", &["src/lib.rs:24:9 uncovered_read"]);
}

#[test]
fn orphan_event_fires() {
    check(
        "orphan_event_fires",
        &[
            "src/billing.rs:5:14 orphan_event",
            "src/lib.rs:32:13 orphan_event",
            "src/lib.rs:37:14 orphan_event",
            "src/lib.rs:46:33 orphan_event",
            "src/lib.rs:57:13 orphan_event",
        ],
    );
}

#[test]
fn orphan_event_silent() {
    check("orphan_event_silent", &[]);
}

#[test]
fn invalid_key_fires() {
    check(
        "invalid_key_fires",
        &[
            "src/lib.rs:25:30 invalid_key",
            "src/lib.rs:35:10 invalid_key",
            "src/lib.rs:38:27 invalid_key",
            "src/lib.rs:43:22 invalid_key",
            "src/lib.rs:48:30 invalid_key",
            "src/lib.rs:53:10 invalid_key",
            "src/lib.rs:56:13 invalid_key",
            "src/lib.rs:61:9 invalid_key",
            "src/lib.rs:64:9 invalid_key",
            "src/lib.rs:67:10 invalid_key",
            "src/lib.rs:70:2 invalid_key",
        ],
    );
}

#[test]
fn invalid_key_silent() {
    check("invalid_key_silent", &[]);
}

#[test]
fn parse_error_fires() {
    check(
        "parse_error_fires",
        &[
            "src/bad_signature.rs:6:27 parse_error",
            "src/latin1.rs:1:8 parse_error",
            "src/lib.rs:31:9 uncovered_read",
            "src/mismatched.rs:7:25 parse_error",
        ],
    );
}

#[test]
fn parse_error_silent() {
    check("parse_error_silent", &[]);
}

/// The bundled example: exactly the four planted bugs (each marked `// BUG:` in its source).
#[test]
fn example_service() {
    check(
        EXAMPLE,
        &[
            "src/orders.rs:19:13 uncovered_read",
            "src/teams.rs:22:13 version_skew",
            "src/teams.rs:58:14 mistyped_invalidation",
            "src/users.rs:60:12 stale_dependent",
        ],
    );
}

/// Every fixture directory (the `calls_*` ones included), sorted.
fn fixture_dirs() -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir("fixtures")
        .expect("fixtures directory")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

/// `--all-files` parses every file instead of the pre-filtered ones: it must find the same,
/// in every fixture and in the example service.
#[test]
fn all_files_changes_nothing() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= FIXTURES.len());
    for name in dirs.iter().map(String::as_str).chain([EXAMPLE]) {
        let fast = run(name, false);
        let all = run(name, true);
        assert_eq!(fast.findings, all.findings, "--all-files changes {name}");
    }
}

/// Every fixture directory of a rule (not the `calls_*` ones) is listed above, and every rule
/// has both of its fixtures.
#[test]
fn every_rule_fixture_is_checked() {
    let found: Vec<String> = fixture_dirs()
        .into_iter()
        .filter(|name| !name.starts_with("calls_"))
        .collect();
    assert_eq!(found, FIXTURES);
    for rule in cachelint_core::rules::RULE_NAMES {
        for suffix in ["fires", "silent"] {
            let name = format!("{rule}_{suffix}");
            assert!(FIXTURES.contains(&name.as_str()), "no fixture {name}");
        }
    }
}
