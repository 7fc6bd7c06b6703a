//! `github`: GitHub Actions workflow commands, which the runner turns into annotations.
//!
//! `::error file=src/a.rs,line=3,col=9,endLine=3,endColumn=28,title=cachelint::rule::message`
//! (the title's colons escaped); warnings use `::warning`. The message carries the notes,
//! help and related locations on further lines, escaped as `%0A`.

use std::io::Write;

use super::full_message;
use crate::finding::Finding;
use crate::{Analysis, Level};

/// Writes one workflow command per finding.
pub(super) fn render(analysis: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    for finding in &analysis.findings {
        writeln!(out, "{}", command(finding))?;
    }
    Ok(())
}

/// The workflow command that annotates `finding`.
fn command(finding: &Finding) -> String {
    let name = match finding.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let location = &finding.primary.location;
    let properties = [
        ("file", location.file.clone()),
        ("line", location.line_start.to_string()),
        ("col", location.column_start.to_string()),
        ("endLine", location.line_end.to_string()),
        ("endColumn", location.column_end.to_string()),
        ("title", format!("cachelint::{}", finding.rule)),
    ];
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    format!(
        "::{name} {}::{}",
        properties.join(","),
        escape_data(&full_message(finding, true))
    )
}

/// Escapes a command's message, as `@actions/core` does.
pub(super) fn escape_data(data: &str) -> String {
    data.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, as `@actions/core` does.
pub(super) fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}
