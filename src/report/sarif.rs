//! `sarif`: one SARIF 2.1.0 log, as GitHub code scanning and other SARIF viewers read it.
//!
//! Every rule of the registry is listed, so a viewer can explain a rule that did not fire.
//! URIs are relative to `%SRCROOT%`; columns count Unicode code points as `Location` does.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{RenderOptions, byte_range, full_message};
use crate::finding::{Finding, Location};
use crate::rules::{REGISTRY, RuleInfo};
use crate::{Analysis, Level};

/// The key of the fingerprint in `partialFingerprints`; bump the version if it changes.
const FINGERPRINT_KEY: &str = "cachelint/v1";
/// The base every artifact URI is relative to.
const SRCROOT: &str = "%SRCROOT%";

/// Writes the log as pretty-printed JSON followed by a newline.
pub(super) fn render(
    analysis: &Analysis,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut driver = json!({
        "name": "cachelint",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": REGISTRY.iter().map(rule).collect::<Vec<_>>(),
    });
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver["informationUri"] = json!(repository);
    }
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|f| result(analysis, f))
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
        "shortDescription": { "text": info.summary },
        "fullDescription": { "text": what_it_does(info) },
        "help": { "text": docs, "markdown": docs },
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

/// SARIF's name for a level.
fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
    }
}

/// The `result` for one finding.
fn result(analysis: &Analysis, finding: &Finding) -> Value {
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.level),
        "message": { "text": full_message(finding, false) },
        "locations": [{ "physicalLocation": physical(analysis, &finding.primary.location) }],
        "partialFingerprints": { FINGERPRINT_KEY: finding.fingerprint },
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
