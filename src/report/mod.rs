//! One module per output format, all rendering the same [`Analysis`].
//!
//! Every renderer is deterministic: findings come out in the order [`Analysis::findings`]
//! holds them, paths exactly as [`Location::file`] spells them, and nothing depends on the
//! clock except the `human` summary when [`RenderOptions::show_elapsed`] is set.

mod github;
mod gitlab;
mod human;
mod json;
mod rdjsonl;
mod sarif;
mod short;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::PathBuf;

use crate::Analysis;
use crate::finding::{Advice, Finding, Location, Suggestion};
pub use crate::package::PackageInfo;
use crate::rules::AllowAt;

/// An output format, as `--message-format` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics as rustc prints them (source snippets, notes, help), then a summary line.
    Human,
    /// `path:line:col: level[rule]: message; help: …`, one line per finding.
    Short,
    /// cargo's `--message-format=json` stream of rustc diagnostics.
    Json,
    /// `json` whose `rendered` fields carry ANSI colors, as cargo's
    /// `--message-format=json-diagnostic-rendered-ansi` (what VS Code asks rust-analyzer for).
    /// Like the next one, named only by cargo's `json-…` spellings, which `--message-format`
    /// parses itself.
    #[value(skip)]
    JsonDiagnosticRenderedAnsi,
    /// `json` whose `rendered` fields are rustc's short form, as cargo's
    /// `--message-format=json-diagnostic-short`.
    #[value(skip)]
    JsonDiagnosticShort,
    /// One SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
    /// reviewdog diagnostics, one JSON object per line.
    Rdjsonl,
}

impl Format {
    /// Whether this is one of the `json` message streams.
    pub fn is_json(self) -> bool {
        matches!(
            self,
            Format::Json | Format::JsonDiagnosticRenderedAnsi | Format::JsonDiagnosticShort
        )
    }
}

/// How to render, beyond the findings themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Use ANSI colors (`human` only; the `json` formats say in the format itself).
    pub color: bool,
    /// The terminal width `human` lays snippets out in; `None` for rustc's default (140), so
    /// output that goes to a file or a pipe does not depend on the terminal.
    pub width: Option<usize>,
    /// Print the analysis time in the `human` summary line (off in tests).
    pub show_elapsed: bool,
    /// The cargo packages `json` messages are attributed to: each finding to the package whose
    /// directory holds its file. A finding in no package's directory (a run on PATHs outside
    /// any package) is written as rustc's own JSON diagnostic, attributed to no package.
    pub packages: Vec<PackageInfo>,
    /// Absolute path of the directory `Location::file` is relative to; SARIF records it as
    /// `%SRCROOT%`.
    pub workspace_root: Option<PathBuf>,
}

/// Writes `analysis` to `out` in `format`.
pub fn render(
    format: Format,
    analysis: &Analysis,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::render(analysis, options, out),
        Format::Short => short::render(analysis, out),
        Format::Json => json::render(analysis, options, json::Rendered::Plain, out),
        Format::JsonDiagnosticRenderedAnsi => {
            json::render(analysis, options, json::Rendered::Ansi, out)
        }
        Format::JsonDiagnosticShort => json::render(analysis, options, json::Rendered::Short, out),
        Format::Sarif => sarif::render(analysis, options, out),
        Format::Github => github::render(analysis, out),
        Format::Gitlab => gitlab::render(analysis, out),
        Format::Rdjsonl => rdjsonl::render(analysis, out),
    }
}

/// Whether [`render_advice`] writes `format`: advice is a suggestion to a person or a fixing
/// tool, so `human`, `short` and the `json` streams; the CI formats are for findings.
pub fn renders_advice(format: Format) -> bool {
    matches!(format, Format::Human | Format::Short) || format.is_json()
}

/// Writes `advice` to `out` in `format` (one of those [`renders_advice`] accepts; any other
/// writes nothing). `sources` holds the text of the advised files, by relative path.
pub fn render_advice(
    format: Format,
    advice: &[Advice],
    sources: std::collections::BTreeMap<String, String>,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let analysis = Analysis {
        sources,
        ..Analysis::default()
    };
    match format {
        Format::Human => {
            let renderer =
                human::renderer(options.color, options.width.unwrap_or(human::DEFAULT_WIDTH));
            for item in advice {
                out.write_all(human::advice(&renderer, &analysis, item).as_bytes())?;
                out.write_all(b"\n\n")?;
            }
            Ok(())
        }
        Format::Short => short::render_advice(advice, out),
        Format::Json => json::render_advice(&analysis, advice, options, json::Rendered::Plain, out),
        Format::JsonDiagnosticRenderedAnsi => {
            json::render_advice(&analysis, advice, options, json::Rendered::Ansi, out)
        }
        Format::JsonDiagnosticShort => {
            json::render_advice(&analysis, advice, options, json::Rendered::Short, out)
        }
        Format::Sarif | Format::Github | Format::Gitlab | Format::Rdjsonl => Ok(()),
    }
}

/// One source line a location covers, with the covered part as 1-based character columns
/// (`highlight_end` exclusive), as rustc's JSON `text` entries hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine<'a> {
    /// The line without its line ending.
    pub text: &'a str,
    /// First highlighted character, 1-based.
    pub highlight_start: u32,
    /// One past the last highlighted character, 1-based.
    pub highlight_end: u32,
}

/// The lines `location` spans in `analysis.sources`, or none when the file's text is not
/// there or the location lies outside it.
pub fn source_lines<'a>(analysis: &'a Analysis, location: &Location) -> Vec<SourceLine<'a>> {
    let Some(text) = analysis.sources.get(&location.file) else {
        return Vec::new();
    };
    let first = location.line_start.max(1);
    let last = location.line_end.max(first);
    let lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .skip(first as usize - 1)
        .take((last - first) as usize + 1);
    lines
        .map(|(index, line)| {
            let number = index as u32 + 1;
            let past_end = line.chars().count() as u32 + 1;
            let start = if number == first {
                location.column_start
            } else {
                1
            };
            let end = if number == last {
                location.column_end
            } else {
                past_end
            };
            SourceLine {
                text: line,
                highlight_start: start.clamp(1, past_end),
                highlight_end: end.clamp(1, past_end),
            }
        })
        .collect()
}

/// `location`'s byte range in its file's text, when the text is known and the range lies on
/// character boundaries inside it.
pub(crate) fn byte_range(analysis: &Analysis, location: &Location) -> Option<(usize, usize)> {
    let text = analysis.sources.get(&location.file)?;
    let (start, end) = (location.byte_start as usize, location.byte_end as usize);
    let valid = start <= end && text.is_char_boundary(start) && text.is_char_boundary(end);
    valid.then_some((start, end))
}

/// The finding's message followed by one line per related location (when `related`), note,
/// help and suggestion, for formats whose only text field is one message.
pub(crate) fn full_message(finding: &Finding, related: bool) -> String {
    let mut lines = vec![finding.message.clone()];
    if related {
        lines.extend(finding.related.iter().map(|label| {
            let at = &label.location;
            let (file, line, column) = (&at.file, at.line_start, at.column_start);
            format!("--> {file}:{line}:{column}: {}", label.message)
        }));
    }
    lines.extend(finding.notes.iter().map(|note| format!("note: {note}")));
    lines.extend(finding.help.iter().map(|help| format!("help: {help}")));
    lines.extend(
        finding
            .suggestion
            .iter()
            .map(|fix| format!("help: {}", suggestion_text(fix))),
    );
    lines.join("\n")
}

/// A suggestion as one help sentence: ``did you mean `a`? Replace with `"a"` ``, or rustc's
/// ``message: `replacement` `` when the message ends without punctuation.
pub(crate) fn suggestion_text(fix: &Suggestion) -> String {
    let message = fix.message.trim_end();
    if message.ends_with(['?', '.', '!']) {
        format!("{message} Replace with `{}`", fix.replacement)
    } else {
        format!("{}: `{}`", message.trim_end_matches(':'), fix.replacement)
    }
}

/// The help line that closes every finding: where to read about the rule.
pub(crate) fn explain_help(rule: &str) -> String {
    format!("for further information run `cargo cachelint explain {rule}`")
}

/// The help line that says how to allow a finding of `rule`: at the site, with the annotation
/// option `allow(RULE)` on the annotation the rule reads, and everywhere, with `-A RULE` or the
/// configuration's `[lints]` table.
pub(crate) fn allow_help(rule: &str) -> String {
    let option = format!("allow({rule})");
    let site = match crate::rules::lookup(rule).map(|info| info.allow_at) {
        Some(AllowAt::Read) => format!("add `{option}` to the read: `#[reads(\"…\", {option})]`"),
        Some(AllowAt::Write) => {
            format!("add `{option}` to the write: `#[writes(\"…\", {option})]`")
        }
        Some(AllowAt::Event) => format!(
            "add `{option}` to the event's annotation: `#[publishes(\"…\", {option})]` or \
             `#[subscribes(\"…\", {option})]`"
        ),
        Some(AllowAt::Entry) => format!(
            "add `{option}` to any cachelint annotation of the entry, e.g. \
             `#[writes(\"…\", {option})]`"
        ),
        Some(AllowAt::Nowhere) => String::new(),
        Some(AllowAt::Annotation) | None => {
            format!("add `{option}` to the annotation it points at")
        }
    };
    let everywhere =
        format!("`-A {rule}`, or `{rule} = \"allow\"` under `[lints]` in cachelint.toml");
    if site.is_empty() {
        format!("to allow it everywhere: {everywhere}")
    } else {
        format!("to allow it here, {site}; everywhere: {everywhere}")
    }
}

/// The finding's help and suggestion as one line: `; help: …` for each (empty when it has
/// neither), for formats that keep a finding on one line.
pub(crate) fn help_suffix(finding: &Finding) -> String {
    let fix = finding.suggestion.as_ref().map(suggestion_text);
    finding
        .help
        .iter()
        .chain(fix.as_ref())
        .map(|help| {
            format!(
                "; help: {}",
                help.replace("\r\n", " ").replace(['\n', '\r'], " ")
            )
        })
        .collect()
}
