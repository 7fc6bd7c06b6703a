//! The review-gate formats through the binary, field by field against what their consumers
//! publish: GitHub Actions workflow commands, GitLab Code Quality, reviewdog's rdjsonl.

use std::collections::BTreeSet;
use std::path::Path;

use cachelint_analyzer::rules::REGISTRY;
use serde_json::Value;

use super::{SERVICE_MANIFEST, package_root, ran, run, slice};

/// One `::error …::message` workflow command, unescaped.
#[derive(Debug)]
pub(super) struct WorkflowCommand {
    pub level: String,
    /// The properties in the order written.
    pub properties: Vec<(String, String)>,
    pub message: String,
}

impl WorkflowCommand {
    pub fn get(&self, key: &str) -> &str {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| panic!("no `{key}` in {self:?}"), |(_, v)| v.as_str())
    }

    pub fn number(&self, key: &str) -> u64 {
        self.get(key).parse().expect("a number")
    }
}

/// Parses `::NAME key=value,…::message` as the Actions runner does: the command name, then
/// comma-separated properties up to the next `::` (so neither may hold a raw `,` or `:`), then
/// the message, which may hold neither a raw line break.
pub(super) fn workflow_command(line: &str) -> WorkflowCommand {
    let rest = line.strip_prefix("::").expect("a command starts with ::");
    let (level, rest) = rest.split_once(' ').expect("name, space, properties");
    let (properties, message) = rest.split_once("::").expect("properties :: message");
    assert!(!message.contains(['\n', '\r']), "{line}");
    let properties = properties
        .split(',')
        .map(|property| {
            let (key, value) = property.split_once('=').expect("key=value");
            (key.to_owned(), unescape(value))
        })
        .collect();
    WorkflowCommand {
        level: level.to_owned(),
        properties,
        message: unescape(message),
    }
}

fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_workflow_commands_have_the_published_syntax() {
    let text = ran(&run(&[
        "--message-format",
        "github",
        "--manifest-path",
        SERVICE_MANIFEST,
    ]));
    let root = package_root().join("examples/service");
    let commands: Vec<WorkflowCommand> = text.lines().map(workflow_command).collect();
    assert_eq!(commands.len(), 4);
    for command in &commands {
        assert!(
            matches!(command.level.as_str(), "error" | "warning"),
            "{command:?}"
        );
        let keys: Vec<&str> = command.properties.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["file", "line", "col", "endLine", "endColumn", "title"]
        );
        assert!(root.join(command.get("file")).is_file());
        let (line, col) = (command.number("line"), command.number("col"));
        assert!(line >= 1 && col >= 1);
        assert_eq!(command.number("endLine"), line);
        assert!(command.number("endColumn") > col);
        let rule = command
            .get("title")
            .strip_prefix("cachelint::")
            .expect("title is cachelint::RULE");
        assert!(REGISTRY.iter().any(|r| r.name == rule), "{rule}");
        assert!(!command.message.trim().is_empty());
    }
    // Related locations, notes and help travel in the message, one per line.
    let stale = &commands[3];
    assert_eq!(stale.get("title"), "cachelint::stale_dependent");
    assert_eq!(
        stale
            .message
            .lines()
            .filter(|l| l.starts_with("--> "))
            .count(),
        3
    );
    assert!(stale.message.contains("\nnote: ") && stale.message.contains("\nhelp: "));
    assert!(
        commands[2]
            .message
            .contains("did you mean `team:<tid>:members`?")
    );
}

#[test]
fn gitlab_code_quality_has_the_published_fields() {
    let text = ran(&run(&[
        "--message-format",
        "gitlab",
        // The typo is deny by default; as a warning it shows the other severity.
        "-W",
        "mistyped_invalidation",
        "--manifest-path",
        SERVICE_MANIFEST,
    ]));
    let root = package_root().join("examples/service");
    let issues: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
    assert_eq!(issues.len(), 4);
    let mut fingerprints = BTreeSet::new();
    for issue in &issues {
        assert_eq!(issue["type"], "issue");
        assert!(
            !issue["description"]
                .as_str()
                .expect("description")
                .is_empty()
        );
        let rule = issue["check_name"].as_str().expect("check_name");
        assert!(REGISTRY.iter().any(|r| r.name == rule), "{rule}");
        let fingerprint = issue["fingerprint"].as_str().expect("fingerprint");
        assert!(
            fingerprints.insert(fingerprint),
            "GitLab needs unique fingerprints"
        );
        let severity = issue["severity"].as_str().expect("severity");
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&severity));
        let path = issue["location"]["path"].as_str().expect("location.path");
        assert!(
            !path.starts_with('/') && root.join(path).is_file(),
            "{path}"
        );
        let begin = issue["location"]["lines"]["begin"]
            .as_u64()
            .expect("lines.begin");
        assert!(begin >= 1);
        let categories = issue["categories"].as_array().expect("categories");
        assert!(!categories.is_empty());
    }
    let severities: Vec<&str> = issues
        .iter()
        .filter_map(|i| i["severity"].as_str())
        .collect();
    assert_eq!(
        severities,
        ["major", "major", "minor", "major"],
        "deny → major, warn → minor"
    );
}

#[test]
fn rdjsonl_has_reviewdogs_fields_and_counts_utf8_bytes() {
    let root = package_root().join("examples/service");
    let text = ran(&run(&[
        "--message-format",
        "rdjsonl",
        "--manifest-path",
        SERVICE_MANIFEST,
    ]));
    let diagnostics: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(diagnostics.len(), 4);
    for diagnostic in &diagnostics {
        check_rdjson(&root, diagnostic);
    }
    let suggestions = diagnostics[2]["suggestions"]
        .as_array()
        .expect("suggestions");
    assert_eq!(diagnostics[2]["code"]["value"], "mistyped_invalidation");
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0]["text"], "\"team:<tid>:members\"");
    let range = &suggestions[0]["range"];
    assert_eq!(
        covered(&root, "src/teams.rs", range),
        "\"team:<tid>:membrs\""
    );

    // A non-ASCII comment before the key: `/* menü */ #[reads("menu:<id>")]`.
    let root = package_root();
    let fixture = "fixtures/uncovered_read_fires";
    let text = ran(&run(&["--message-format", "rdjsonl", fixture]));
    let menu: Value = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("JSON"))
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap_or_default()
                .contains("`menu:<id>`")
        })
        .expect("the menu finding");
    check_rdjson(root, &menu);
    assert_eq!(
        covered(
            root,
            "fixtures/uncovered_read_fires/src/lib.rs",
            &menu["location"]["range"]
        ),
        "\"menu:<id>\""
    );
    let start = &menu["location"]["range"]["start"];
    assert_eq!(
        (start["line"].as_u64(), start["column"].as_u64()),
        (Some(80), Some(21))
    );
    let short = ran(&run(&["--message-format", "short", fixture]));
    assert!(
        short.contains("src/lib.rs:80:20: error[uncovered_read]: `menu:<id>`"),
        "{short}"
    );
}

/// The fields of reviewdog's `Diagnostic`, and a range whose byte columns cover the key.
fn check_rdjson(root: &Path, diagnostic: &Value) {
    assert!(!diagnostic["message"].as_str().expect("message").is_empty());
    let severity = diagnostic["severity"].as_str().expect("severity");
    assert!(["ERROR", "WARNING", "INFO"].contains(&severity));
    assert_eq!(diagnostic["source"]["name"], "cachelint");
    let rule = diagnostic["code"]["value"].as_str().expect("code.value");
    assert!(REGISTRY.iter().any(|r| r.name == rule), "{rule}");
    let path = diagnostic["location"]["path"]
        .as_str()
        .expect("location.path");
    let range = &diagnostic["location"]["range"];
    let text = covered(root, path, range);
    assert!(
        !text.is_empty() && text.trim() == text,
        "{path}: the range covers `{text}`"
    );
    for related in diagnostic["related_locations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let path = related["location"]["path"].as_str().expect("path");
        covered(root, path, &related["location"]["range"]);
    }
}

/// The text a reviewdog range covers: 1-based lines, 1-based byte columns, end exclusive.
fn covered(root: &Path, path: &str, range: &Value) -> String {
    let number = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("{range}"));
    let line = number(&range["start"]["line"]);
    assert_eq!(number(&range["end"]["line"]), line);
    let (start, end) = (
        number(&range["start"]["column"]),
        number(&range["end"]["column"]),
    );
    let source = std::fs::read_to_string(root.join(path)).expect("readable");
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    slice(
        root,
        path,
        line_start as u64 + start - 1,
        line_start as u64 + end - 1,
    )
}
