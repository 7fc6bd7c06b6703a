//! Baselines (SPEC §9) on a copy of the example service, the way a team adopts cachelint on a
//! legacy codebase: record today's findings, pass, keep passing while lines move, fail on a
//! new bug alone, hear about entries that went stale, and never half-write the file.

use std::path::Path;

use serde_json::Value;

use super::{code, run_in, service_copy, stderr, stdout};

fn short(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--message-format", "short"];
    args.extend(extra);
    run_in(dir, &args, &[])
}

fn edit(path: &Path, change: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).expect("readable");
    std::fs::write(path, change(text)).expect("writable");
}

/// Blank lines and a new function right after the `use` lines, above every finding.
fn push_down(text: String) -> String {
    let at = text
        .find("\nimpl ")
        .or_else(|| text.find("\n///"))
        .expect("an item");
    let added = "\n\n\n\n/// Added after the baseline.\npub fn added_later(n: u64) -> u64 {\n    n + 1\n}\n";
    format!("{}{added}{}", &text[..at], &text[at..])
}

#[test]
fn a_baseline_hides_what_it_records_and_only_what_it_records() {
    let (_temp, dir) = service_copy();
    let before = short(&dir, &[]);
    assert_eq!(code(&before), 1);
    let before = stdout(&before);
    assert_eq!(before.lines().count(), 4, "{before}");

    // Writing the baseline adopts it: exit 0, the findings recorded and hidden.
    let written = run_in(
        &dir,
        &["--write-baseline", "b.json", "--color", "never"],
        &[],
    );
    assert_eq!(code(&written), 0, "{}", stderr(&written));
    assert!(
        stdout(&written).contains("cachelint: 0 errors, 0 warnings (4 hidden by baseline) in "),
        "{}",
        stdout(&written)
    );
    assert!(stderr(&written).contains("recorded 4 findings in baseline `b.json`"));
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("b.json")).expect("written"))
            .expect("the baseline is JSON");
    assert_eq!(file["version"], 1);
    let rules: Vec<&str> = file["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules.len(), 4);
    assert!(rules.contains(&"mistyped_invalidation") && rules.contains(&"stale_dependent"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("a directory")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Using it: nothing to report at any level, and it says how many it hid.
    let human = run_in(
        &dir,
        &["--baseline", "b.json", "--color", "never", "-D", "warnings"],
        &[],
    );
    assert_eq!(code(&human), 0, "{}", stderr(&human));
    let text = stdout(&human);
    assert!(!text.contains("cachelint::"), "{text}");
    assert!(
        text.contains("0 errors, 0 warnings (4 hidden by baseline)"),
        "{text}"
    );
    let quiet = short(&dir, &["--baseline", "b.json"]);
    assert_eq!(code(&quiet), 0);
    assert_eq!(stdout(&quiet), "", "machine formats stay clean");
    assert_eq!(stderr(&quiet), "note: baseline `b.json` hid 4 findings\n");
    let json = run_in(
        &dir,
        &["--baseline", "b.json", "--message-format", "json"],
        &[],
    );
    assert_eq!(
        stdout(&json),
        "{\"reason\":\"build-finished\",\"success\":true}\n"
    );

    // Lines move: blank lines and a new function above every finding. Still hidden.
    for file in ["orders.rs", "teams.rs", "users.rs", "cache.rs"] {
        edit(&dir.join("src").join(file), push_down);
    }
    let moved = stdout(&short(&dir, &[]));
    assert_eq!(moved.lines().count(), 4);
    assert!(
        before.lines().zip(moved.lines()).all(|(a, b)| a != b),
        "every finding moved:\n{before}\n{moved}"
    );
    let after_move = short(&dir, &["--baseline", "b.json"]);
    assert_eq!(code(&after_move), 0, "{}", stdout(&after_move));
    assert_eq!(stdout(&after_move), "");

    // A new bug: exit 1, and only it is reported.
    let orders = dir.join("src/orders.rs");
    let clean = std::fs::read_to_string(&orders).expect("readable");
    edit(&orders, |text| {
        format!(
            "{text}\n#[cachelint::reads(\"x:<id>\")]\npub fn new_read(id: u64) -> u64 {{\n    id\n}}\n"
        )
    });
    let regression = short(&dir, &["--baseline", "b.json"]);
    assert_eq!(code(&regression), 1);
    let lines: Vec<String> = stdout(&regression).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("src/orders.rs:")
            && lines[0].contains("error[uncovered_read]: `x:<id>`"),
        "{}",
        lines[0]
    );
    std::fs::write(&orders, clean).expect("writable");

    // A planted bug fixed: its entry is stale, and the run says so on stderr.
    edit(&dir.join("src/teams.rs"), |text| {
        text.replace("team:<tid>:membrs", "team:<tid>:members")
    });
    let fixed = short(&dir, &["--baseline", "b.json"]);
    assert_eq!(code(&fixed), 0);
    assert_eq!(stdout(&fixed), "");
    let err = stderr(&fixed);
    assert!(err.contains("hid 3 findings"), "{err}");
    assert!(
        err.contains("1 baseline entry in `b.json` no longer matches any finding"),
        "{err}"
    );
    assert!(err.contains("src/teams.rs[mistyped_invalidation]"), "{err}");
    assert!(err.contains("team:<tid>:membrs"), "{err}");

    // Refreshing drops the stale entry.
    let refreshed = short(&dir, &["--write-baseline", "b.json"]);
    assert_eq!(code(&refreshed), 0);
    assert!(stderr(&refreshed).contains("recorded 3 findings"));
    let clean_run = short(&dir, &["--baseline", "b.json"]);
    assert_eq!(
        stderr(&clean_run),
        "note: baseline `b.json` hid 3 findings\n"
    );
}

/// A one-line `error: …` on stderr, nothing on stdout, exit 2.
fn assert_fails(output: &std::process::Output, needle: &str) {
    assert_eq!(code(output), 2, "{}", stderr(output));
    assert_eq!(stdout(output), "");
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
}

#[test]
fn a_missing_or_malformed_baseline_exits_2_with_one_line() {
    let (_temp, dir) = service_copy();
    assert_fails(
        &short(&dir, &["--baseline", "missing.json"]),
        "missing.json",
    );
    for (name, text) in [
        ("garbage.json", "not json\n"),
        ("empty.json", ""),
        ("shape.json", "{\"findings\": {}}\n"),
        ("future.json", "{\"version\": 2, \"findings\": []}\n"),
    ] {
        std::fs::write(dir.join(name), text).expect("writable");
        let output = short(&dir, &["--baseline", name]);
        assert_fails(&output, "is not a cachelint baseline");
        assert!(stderr(&output).contains(name));
    }
    assert_fails(&short(&dir, &["--baseline", "src"]), "`src`");
}

#[test]
fn writing_a_baseline_is_atomic() {
    let (_temp, dir) = service_copy();
    let names = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("a directory")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let listing = names(&dir);
    // The directory does not exist: exit 2, nothing written anywhere.
    let output = short(&dir, &["--write-baseline", "missing/b.json"]);
    assert_fails(&output, "missing/b.json");
    assert!(!dir.join("missing").exists());
    assert_eq!(names(&dir), listing);
    // The path is a directory: the rename fails and the temporary file goes too.
    std::fs::create_dir(dir.join("taken")).expect("a directory");
    let listing = names(&dir);
    assert_fails(&short(&dir, &["--write-baseline", "taken"]), "taken");
    assert_eq!(names(&dir), listing);
    assert!(names(&dir.join("taken")).is_empty());
    // An existing baseline is replaced whole.
    std::fs::write(dir.join("b.json"), "old").expect("writable");
    assert_eq!(code(&short(&dir, &["--write-baseline", "b.json"])), 0);
    let text = std::fs::read_to_string(dir.join("b.json")).expect("readable");
    assert!(serde_json::from_str::<Value>(&text).is_ok() && text.ends_with("}\n"));
    let mut expected = listing;
    expected.push("b.json".to_owned());
    expected.sort();
    assert_eq!(names(&dir), expected, "no temporary file left behind");
}
