//! The README's set-up snippets (GitHub Actions, GitLab, reviewdog, rust-analyzer, baselines,
//! the map) run as written: every `cargo cachelint …` line in its `sh`/`yaml` blocks is run, in
//! order, on a copy of the example service, and must do its job rather than exit 2.

use serde_json::Value;

use super::{code, run_in, service_copy, stderr, stdout};

/// The fenced blocks of `markdown` whose language is one of `languages`, with their language.
fn blocks<'a>(markdown: &'a str, languages: &[&str]) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut found = Vec::new();
    let mut current: Option<(&str, Vec<&str>)> = None;
    for line in markdown.lines() {
        match (current.take(), line.strip_prefix("```")) {
            (None, Some(language)) => current = Some((language.trim(), Vec::new())),
            (Some(block), Some(_)) => {
                if languages.contains(&block.0) {
                    found.push(block);
                }
            }
            (Some((language, mut lines)), None) => {
                lines.push(line);
                current = Some((language, lines));
            }
            (None, None) => {}
        }
    }
    found
}

/// The arguments of the `cargo cachelint` command on `line`, up to a pipe, a redirection, a
/// comment or a line continuation.
fn cachelint_args(line: &str) -> Option<Vec<String>> {
    let start = line.find("cargo cachelint")?;
    let command = &line[start + "cargo ".len()..];
    let end = [" |", " >", " #", " \\", " &&", " ||"]
        .iter()
        .filter_map(|stop| command.find(stop))
        .min()
        .unwrap_or(command.len());
    Some(
        command[..end]
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn the_readme_setup_commands_run_as_written() {
    let readme = include_str!("../../README.md");
    let (_temp, dir) = service_copy();
    let commands: Vec<Vec<String>> = blocks(readme, &["sh", "yaml"])
        .into_iter()
        .flat_map(|(_, lines)| lines)
        .filter_map(cachelint_args)
        .collect();
    let formats: Vec<&str> = commands
        .iter()
        .filter_map(|args| {
            let at = args.iter().position(|a| a == "--message-format")?;
            args.get(at + 1).map(String::as_str)
        })
        .collect();
    assert_eq!(
        formats,
        ["github", "sarif", "gitlab", "rdjsonl"],
        "{commands:?}"
    );
    let mut seen_baseline = false;
    for args in &commands {
        let args: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
        let output = run_in(&dir, &args, &[]);
        let shown = format!("`cargo cachelint {}`: {}", args.join(" "), stderr(&output));
        // `annotate` suggests (nothing, on the annotated example service) and fails nothing.
        let succeeds = |a: &&str| a.contains("baseline") || *a == "map" || *a == "annotate";
        let expected = if args.iter().any(succeeds) {
            0
        } else {
            1 // the example service's planted bugs
        };
        assert_eq!(code(&output), expected, "{shown}");
        assert!(!stderr(&output).contains("error"), "{shown}");
        seen_baseline |= args.contains(&"--baseline");
        if args.contains(&"--baseline") {
            assert!(stdout(&output).contains("hidden by baseline"), "{shown}");
        }
    }
    assert!(seen_baseline);
    assert!(dir.join("cachelint-baseline.json").is_file());
    assert!(dir.join("cachelint-map.txt").is_file());

    let settings = blocks(readme, &["json"]);
    assert_eq!(settings.len(), 1);
    let settings: Value = serde_json::from_str(&settings[0].1.join("\n")).expect("valid JSON");
    assert_eq!(settings["rust-analyzer.check.command"], "cachelint");
}
