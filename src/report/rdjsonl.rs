//! `rdjsonl`: reviewdog's JSON Lines diagnostics, one finding per line.
//!
//! reviewdog counts columns in UTF-8 bytes, so ranges use `byte_column_*`; `end` is exclusive.

use std::io::Write;

use serde_json::{Value, json};

use super::full_message;
use crate::finding::Location;
use crate::{Analysis, Level};

/// Writes one reviewdog `Diagnostic` per finding.
pub(super) fn render(analysis: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    for finding in &analysis.findings {
        let severity = match finding.level {
            Level::Error => "ERROR",
            Level::Warning => "WARNING",
        };
        let mut diagnostic = json!({
            "message": full_message(finding, false),
            "location": location(&finding.primary.location),
            "severity": severity,
            "source": { "name": "cachelint" },
            "code": { "value": finding.rule },
        });
        if let Some(suggestion) = &finding.suggestion {
            diagnostic["suggestions"] = json!([{
                "range": range(&suggestion.location),
                "text": suggestion.replacement,
            }]);
        }
        if !finding.related.is_empty() {
            let related: Vec<Value> = finding
                .related
                .iter()
                .map(|label| json!({ "message": label.message, "location": location(&label.location) }))
                .collect();
            diagnostic["related_locations"] = Value::Array(related);
        }
        serde_json::to_writer(&mut *out, &diagnostic)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A reviewdog `Location`: the path and its byte-column range.
fn location(location: &Location) -> Value {
    json!({ "path": location.file, "range": range(location) })
}

/// A reviewdog `Range` in 1-based lines and 1-based UTF-8 byte columns.
fn range(location: &Location) -> Value {
    json!({
        "start": { "line": location.line_start, "column": location.byte_column_start },
        "end": { "line": location.line_end, "column": location.byte_column_end },
    })
}
