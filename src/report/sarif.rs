//! `sarif`: one SARIF 2.1.0 log, as GitHub code scanning and other SARIF viewers read it.
//!
//! Every rule of the registry is listed, so a viewer can explain a rule that did not fire.
//! URIs are relative to `%SRCROOT%`; columns count Unicode code points as `Location` does.
//!
//! Checked field by field against GitHub's "SARIF support for code scanning"
//! (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>):
//! - `tool.driver`: `name`, `version`, `semanticVersion` (semantic versioning 2.0; GitHub uses it
//!   in place of `version`), `informationUri`, `rules`.
//! - each rule (`reportingDescriptor`): `id`, `name` (GitHub lets alerts be filtered by it),
//!   `shortDescription.text` and `fullDescription.text` (at most 1024 characters each, shown at
//!   the top of an alert), `defaultConfiguration.level`, `help.text` and `help.markdown` (GitHub
//!   shows the markdown when there is one), `helpUri`, `properties.tags`,
//!   `properties.precision`, `properties.problem.severity`.
//! - each `result`: `ruleId`, `ruleIndex`, `level`, `message.text` (the alert's title; its
//!   first sentence when space is short), `locations` (GitHub reads the first: ours holds one),
//!   `partialFingerprints`, `relatedLocations` (GitHub links a related location only where the
//!   message embeds it as `[text](id)`, SARIF §3.11.6; so the message lists each one that way).
//! - `partialFingerprints.primaryLocationLineHash`: the key GitHub matches alerts across runs
//!   by. When it is missing, `upload-sarif` computes one from the text around the primary line,
//!   so an edit near the line makes a new alert; cachelint fills it with the finding's own
//!   fingerprint (rule, key, function path, file; never lines), `HASH:OCCURRENCE` as GitHub
//!   writes it. `upload-sarif` keeps a supplied value (it logs that its own computation
//!   differs). `cachelint/v1` holds the same fingerprint for other consumers.
//! - `physicalLocation`: `artifactLocation.uri` (relative, with `uriBaseId`), `region` with
//!   `startLine`, `startColumn`, `endLine`, `endColumn`.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{RenderOptions, byte_range, suggestion_text};
use crate::finding::{Finding, Location};
use crate::rules::{REGISTRY, RuleInfo};
use crate::{Analysis, Level};

/// The key of the fingerprint in `partialFingerprints`; bump the version if it changes.
const FINGERPRINT_KEY: &str = "cachelint/v1";
/// The `partialFingerprints` key GitHub code scanning matches results by.
const GITHUB_FINGERPRINT_KEY: &str = "primaryLocationLineHash";
/// Where cachelint is documented: the repository (`package.repository` in Cargo.toml).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// GitHub's limit on `shortDescription.text` and `fullDescription.text`.
const DESCRIPTION_LIMIT: usize = 1024;
/// The base every artifact URI is relative to.
const SRCROOT: &str = "%SRCROOT%";

/// Writes the log as pretty-printed JSON followed by a newline.
pub(super) fn render(
    analysis: &Analysis,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let driver = json!({
        "name": "cachelint",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": INFORMATION_URI,
        "rules": REGISTRY.iter().map(rule).collect::<Vec<_>>(),
    });
    let mut seen: Vec<&str> = Vec::new();
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            // GitHub's `HASH:OCCURRENCE`: the how-manieth result with this fingerprint.
            let occurrence = 1 + seen.iter().filter(|f| **f == finding.fingerprint).count();
            seen.push(&finding.fingerprint);
            result(analysis, finding, occurrence)
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "originalUriBaseIds": { SRCROOT: root_location(options.workspace_root.as_deref()) },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

/// A `reportingDescriptor` for one rule.
fn rule(info: &RuleInfo) -> Value {
    let docs = if info.docs.trim().is_empty() {
        info.summary
    } else {
        info.docs
    };
    json!({
        "id": info.name,
        "name": pascal_case(info.name),
        "shortDescription": { "text": truncate(info.summary, DESCRIPTION_LIMIT) },
        "fullDescription": { "text": truncate(&what_it_does(info), DESCRIPTION_LIMIT) },
        "help": { "text": docs, "markdown": docs },
        "helpUri": help_uri(info.name),
        "defaultConfiguration": { "level": level(info.default_level) },
        "properties": {
            "tags": ["cachelint", "correctness"],
            "precision": "high",
            "problem.severity": level(info.default_level),
        },
    })
}

/// The paragraph under `## What it does`, or the summary when the docs have none.
fn what_it_does(info: &RuleInfo) -> String {
    let section = info
        .docs
        .split_once("## What it does")
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or_default());
    let text = section.map(str::trim).unwrap_or_default();
    let text = if text.is_empty() { info.summary } else { text };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A rule's `name`: its id in PascalCase (`uncovered_read` → `UncoveredRead`), as SARIF
/// suggests for a rule name made of words.
fn pascal_case(id: &str) -> String {
    id.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// Where a rule's documentation is published: its page in the repository.
fn help_uri(rule: &str) -> String {
    let base = INFORMATION_URI.trim_end_matches('/');
    format!("{base}/blob/main/src/rules/docs/{rule}.md")
}

/// `text` cut to at most `limit` characters, at a word boundary, with `…` when cut.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end())
}

/// SARIF's name for a level.
fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

/// The `result` for one finding, the `occurrence`-th with its fingerprint.
fn result(analysis: &Analysis, finding: &Finding, occurrence: usize) -> Value {
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.level),
        "message": { "text": message(finding) },
        "locations": [{ "physicalLocation": physical(analysis, &finding.primary.location) }],
        "partialFingerprints": {
            GITHUB_FINGERPRINT_KEY: format!("{}:{occurrence}", finding.fingerprint),
            FINGERPRINT_KEY: finding.fingerprint,
        },
    });
    if let Some(index) = REGISTRY.iter().position(|info| info.name == finding.rule) {
        result["ruleIndex"] = json!(index);
    }
    if !finding.related.is_empty() {
        let related: Vec<Value> = (1..)
            .zip(&finding.related)
            .map(|(id, label)| {
                json!({
                    "id": id,
                    "physicalLocation": physical(analysis, &label.location),
                    "message": { "text": label.message },
                })
            })
            .collect();
        result["relatedLocations"] = Value::Array(related);
    }
    if let Some(fix) = &finding.suggestion {
        result["fixes"] = json!([{
            "description": { "text": fix.message },
            "artifactChanges": [{
                "artifactLocation": artifact(&fix.location.file),
                "replacements": [{
                    "deletedRegion": region(analysis, &fix.location),
                    "insertedContent": { "text": fix.replacement },
                }],
            }],
        }]);
    }
    result
}

/// A result's `message.text`: the finding's message, then each related location as an
/// embedded link `[its label](id)` (its `relatedLocations` id), then the notes, help and
/// suggestion, one per line. Brackets that are not links are escaped with `\\` (SARIF §3.11.6).
fn message(finding: &Finding) -> String {
    let escape = |text: &str| text.replace('[', "\\[").replace(']', "\\]");
    let mut lines = vec![escape(&finding.message)];
    lines.extend(
        (1..)
            .zip(&finding.related)
            .map(|(id, label)| format!("- [{}]({id})", escape(&label.message))),
    );
    lines.extend(
        finding
            .notes
            .iter()
            .map(|note| format!("note: {}", escape(note))),
    );
    lines.extend(
        finding
            .help
            .iter()
            .map(|help| format!("help: {}", escape(help))),
    );
    lines.extend(
        finding
            .suggestion
            .iter()
            .map(|fix| format!("help: {}", escape(&suggestion_text(fix)))),
    );
    lines.join("\n")
}

/// A `physicalLocation`: the file and the region in it.
fn physical(analysis: &Analysis, location: &Location) -> Value {
    json!({ "artifactLocation": artifact(&location.file), "region": region(analysis, location) })
}

/// An `artifactLocation` relative to `%SRCROOT%`.
fn artifact(file: &str) -> Value {
    json!({ "uri": encode_uri_path(file), "uriBaseId": SRCROOT })
}

/// A `region` with lines, code-point columns and byte offsets, plus code-point offsets and
/// the covered text when the file's text is known.
fn region(analysis: &Analysis, location: &Location) -> Value {
    let mut region = Map::new();
    region.insert("startLine".into(), json!(location.line_start.max(1)));
    region.insert("startColumn".into(), json!(location.column_start.max(1)));
    region.insert(
        "endLine".into(),
        json!(location.line_end.max(location.line_start).max(1)),
    );
    region.insert("endColumn".into(), json!(location.column_end.max(1)));
    region.insert("byteOffset".into(), json!(location.byte_start));
    region.insert(
        "byteLength".into(),
        json!(location.byte_end.saturating_sub(location.byte_start)),
    );
    let text = analysis.sources.get(&location.file);
    if let (Some(text), Some((start, end))) = (text, byte_range(analysis, location)) {
        let covered = &text[start..end];
        region.insert("charOffset".into(), json!(text[..start].chars().count()));
        region.insert("charLength".into(), json!(covered.chars().count()));
        region.insert("snippet".into(), json!({ "text": covered }));
    }
    Value::Object(region)
}

/// Where `%SRCROOT%` is: the workspace root as a `file:` URI ending in `/`, or a description
/// when the caller did not say.
fn root_location(root: Option<&Path>) -> Value {
    let Some(root) = root else {
        return json!({ "description": { "text": "The directory cachelint analyzed." } });
    };
    let path = root.display().to_string().replace('\\', "/");
    let path = path.trim_end_matches('/');
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    json!({ "uri": format!("file://{}/", encode_uri_path(&path)) })
}

/// `path` with every byte other than unreserved characters, `/` and a drive's `:`
/// percent-encoded, so it is a valid URI reference.
pub(super) fn encode_uri_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for (index, byte) in path.bytes().enumerate() {
        let drive_colon = byte == b':' && index == 2 && path.starts_with('/');
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) || drive_colon {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
