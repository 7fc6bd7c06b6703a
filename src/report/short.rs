//! `short`: `path:line:col: level[rule]: message`, one line per finding and nothing else. The
//! finding's help and its "did you mean" follow the message on the same line, each as
//! `; help: …`, so a CI log shows how to fix it.

use std::io::Write;

use super::help_suffix;
use crate::{Advice, Analysis};

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

/// Writes one line per advice.
pub(super) fn render_advice(advice: &[Advice], out: &mut dyn Write) -> std::io::Result<()> {
    for item in advice {
        writeln!(out, "{}", advice_line(item))?;
    }
    Ok(())
}

/// `path:line:col: help[code]: message; help: summary`, without a line break.
pub(super) fn advice_line(advice: &Advice) -> String {
    let at = &advice.primary;
    format!(
        "{}:{}:{}: help[{}]: {}; help: {}",
        at.file,
        at.line_start,
        at.column_start,
        advice.code,
        one_line(&advice.message),
        one_line(&advice.summary),
    )
}

/// `message` with line breaks turned into spaces, so one finding stays one line.
fn one_line(message: &str) -> String {
    message.replace("\r\n", " ").replace(['\n', '\r'], " ")
}
