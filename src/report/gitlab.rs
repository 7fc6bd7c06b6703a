//! `gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues).
//!
//! Severity: deny-level findings are `major`, warnings `minor`. `blocker` and `critical` are
//! left for tools whose findings are security or outage risks on their own; a stale cache is
//! a correctness bug that fails the gate through the exit code, not through the severity.
//!
//! The `description` carries the whole diagnosis: the message, then the related locations,
//! notes, help and "did you mean", one per line.

use std::io::Write;

use serde_json::{Value, json};

use super::full_message;
use crate::{Analysis, Level};

/// Writes the report: one pretty-printed JSON array, then a newline.
pub(super) fn render(analysis: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    let issues: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            let location = &finding.primary.location;
            let severity = match finding.level {
                Level::Error => "major",
                Level::Warning => "minor",
            };
            json!({
                "type": "issue",
                "description": full_message(finding, true),
                "check_name": finding.rule,
                "categories": ["Bug Risk"],
                "fingerprint": finding.fingerprint,
                "severity": severity,
                "location": {
                    "path": location.file,
                    "lines": { "begin": location.line_start, "end": location.line_end },
                },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")
}
