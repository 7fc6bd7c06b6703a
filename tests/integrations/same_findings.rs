//! Every format carries the same findings in the same order, and every format's bytes are the
//! same from run to run and whatever the thread count.

use std::path::Path;

use serde_json::Value;

use super::formats::workflow_command;
use super::{
    At, SERVICE_MANIFEST, byte_column, fixtures_workspace, package_root, ran, run, run_in, stdout,
};

const FORMATS: &[&str] = &[
    "human", "short", "json", "sarif", "github", "gitlab", "rdjsonl",
];

/// Where each finding points, format by format. GitLab has no column: `column` is 0 there.
/// reviewdog's columns are bytes: they are converted back to characters through the source.
fn points(format: &str, target: &[&str]) -> Vec<At> {
    let mut args = vec!["--message-format", format];
    args.extend(target);
    let text = ran(&run(&args));
    let at = |rule: &str, file: &str, line: u64, column: u64| At {
        rule: rule.to_owned(),
        file: file.to_owned(),
        line,
        column,
    };
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"));
    match format {
        "short" => text
            .lines()
            .map(|line| {
                let (place, rest) = line.split_once(": ").expect("path:line:col: ");
                let mut parts = place.rsplitn(3, ':');
                let column = parts.next().and_then(|c| c.parse().ok()).expect("col");
                let number = parts.next().and_then(|l| l.parse().ok()).expect("line");
                let file = parts.next().expect("path");
                let rule = rest.split_once('[').and_then(|(_, r)| r.split_once(']'));
                at(rule.expect("level[rule]").0, file, number, column)
            })
            .collect(),
        "json" => text
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("JSON"))
            .filter(|m| m["reason"] == "compiler-message")
            .map(|m| {
                let span = &m["message"]["spans"][0];
                let code = m["message"]["code"]["code"].as_str().expect("code");
                let rule = code.strip_prefix("cachelint::").expect("cachelint::RULE");
                let file = span["file_name"].as_str().expect("file_name");
                at(rule, file, n(&span["line_start"]), n(&span["column_start"]))
            })
            .collect(),
        "sarif" => {
            let log: Value = serde_json::from_str(&text).expect("JSON");
            let results = log["runs"][0]["results"]
                .as_array()
                .cloned()
                .expect("results");
            results
                .iter()
                .map(|r| {
                    let location = &r["locations"][0]["physicalLocation"];
                    let region = &location["region"];
                    let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
                    let rule = r["ruleId"].as_str().expect("ruleId");
                    at(
                        rule,
                        uri,
                        n(&region["startLine"]),
                        n(&region["startColumn"]),
                    )
                })
                .collect()
        }
        "github" => text
            .lines()
            .map(workflow_command)
            .map(|c| {
                let rule = c.get("title").trim_start_matches("cachelint::");
                at(rule, c.get("file"), c.number("line"), c.number("col"))
            })
            .collect(),
        "gitlab" => {
            let issues: Vec<Value> = serde_json::from_str(&text).expect("JSON");
            issues
                .iter()
                .map(|i| {
                    let file = i["location"]["path"].as_str().expect("path");
                    let rule = i["check_name"].as_str().expect("check_name");
                    at(rule, file, n(&i["location"]["lines"]["begin"]), 0)
                })
                .collect()
        }
        "rdjsonl" => text
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("JSON"))
            .map(|d| {
                let start = &d["location"]["range"]["start"];
                let file = d["location"]["path"].as_str().expect("path");
                let rule = d["code"]["value"].as_str().expect("code.value");
                // Stored as bytes here; compared as bytes below.
                at(rule, file, n(&start["line"]), n(&start["column"]))
            })
            .collect(),
        other => panic!("no reader for {other}"),
    }
}

fn same_findings_in_every_format(target: &[&str], root: &Path, at_least: usize) {
    let reference = points("short", target);
    assert!(reference.len() >= at_least, "{reference:?}");
    for format in ["json", "sarif", "github"] {
        assert_eq!(
            points(format, target),
            reference,
            "{format} differs from short"
        );
    }
    let without_columns: Vec<At> = reference
        .iter()
        .map(|a| At {
            column: 0,
            ..a.clone()
        })
        .collect();
    assert_eq!(points("gitlab", target), without_columns, "gitlab differs");
    let in_bytes: Vec<At> = reference
        .iter()
        .map(|a| At {
            column: byte_column(root, a),
            ..a.clone()
        })
        .collect();
    assert_eq!(points("rdjsonl", target), in_bytes, "rdjsonl differs");
}

#[test]
fn every_format_carries_the_same_findings_in_the_same_order() {
    let service = package_root().join("examples/service");
    same_findings_in_every_format(&["--manifest-path", SERVICE_MANIFEST], &service, 4);
    // Non-ASCII text before keys: character columns and byte columns part ways.
    same_findings_in_every_format(&["fixtures/uncovered_read_fires"], package_root(), 8);
    // A whole workspace of many packages and every rule.
    let fixtures = fixtures_workspace();
    let manifest = fixtures.join("Cargo.toml");
    let manifest = [
        "--workspace",
        "--manifest-path",
        manifest.to_str().expect("UTF-8"),
    ];
    same_findings_in_every_format(&manifest, fixtures, 100);
}

#[test]
fn every_format_is_byte_identical_across_runs_and_thread_counts() {
    let workspace = fixtures_workspace().join("Cargo.toml");
    let workspace = workspace.to_str().expect("UTF-8");
    // Every format on the service; the two that carry everything on the many-package
    // workspace (each run loads it into the semantic engine anew).
    let targets: [(&[&str], &[&str]); 2] = [
        (&["--manifest-path", SERVICE_MANIFEST], FORMATS),
        (
            &["--workspace", "--manifest-path", workspace],
            &["json", "sarif"],
        ),
    ];
    for (target, formats) in targets {
        for format in formats {
            let mut args = vec!["--message-format", format, "--color", "never", "-q"];
            args.extend(target);
            let outputs: Vec<String> = ["1", "8", "8"]
                .iter()
                .map(|threads| {
                    let env = [("RAYON_NUM_THREADS", *threads)];
                    ran(&run_in(package_root(), &args, &env))
                })
                .collect();
            assert!(!outputs[0].is_empty());
            for (output, threads) in outputs.iter().zip(["1", "8", "8"]).skip(1) {
                assert!(
                    *output == outputs[0],
                    "{format} on {target:?} with {threads} threads differs from 1 thread"
                );
            }
        }
    }
}

#[test]
fn quiet_leaves_the_time_out_of_the_human_summary() {
    let summary = |quiet: bool| {
        let mut args = vec!["--color", "never", "--manifest-path", SERVICE_MANIFEST];
        if quiet {
            args.push("-q");
        }
        let output = run(&args);
        let text = stdout(&output);
        text.lines().last().expect("a summary line").to_owned()
    };
    let loud = summary(false);
    let quiet = summary(true);
    assert!(
        quiet.starts_with("cachelint: 4 errors, 0 warnings in 9 files ("),
        "{quiet}"
    );
    assert!(
        quiet.ends_with(" write keys; semantic engine)"),
        "no time under -q: {quiet}"
    );
    let time = loud
        .strip_prefix(&quiet)
        .expect("the same line, plus the time");
    let seconds = time.strip_prefix(" in ").and_then(|t| t.strip_suffix('s'));
    assert!(seconds.is_some_and(|s| s.parse::<f64>().is_ok()), "{loud}");
}
