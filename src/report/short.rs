//! `short`: `path:line:col: level[rule]: message`, one line per finding and nothing else. The
//! finding's help and its "did you mean" follow the message on the same line, each as
//! `; help: …`, so a CI log shows how to fix it.

use std::io::Write;

use super::help_suffix;
use crate::Analysis;

/// Writes one line per finding.
pub(super) fn render(analysis: &Analysis, out: &mut dyn Write) -> std::io::Result<()> {
    for finding in &analysis.findings {
        let location = &finding.primary.location;
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}{}",
            location.file,
            location.line_start,
            location.column_start,
            finding.level.as_str(),
            finding.rule,
            one_line(&finding.message),
            help_suffix(finding),
        )?;
    }
    Ok(())
}

/// `message` with line breaks turned into spaces, so one finding stays one line.
fn one_line(message: &str) -> String {
    message.replace("\r\n", " ").replace(['\n', '\r'], " ")
}
