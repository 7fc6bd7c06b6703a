//! `human`: a miette report per finding, then one summary line.
//!
//! miette shows one source per report, so the primary label and every related label in the
//! same file share the snippet; a related label in another file gets a report of its own
//! (severity advice) after the finding's notes and help, and a label whose text is unknown
//! becomes a `--> file:line:col message` line.

use std::fmt::{self, Display};
use std::io::Write;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, Severity, SourceCode, SourceSpan, SpanContents,
};

use super::{RenderOptions, byte_range, suggestion_text};
use crate::finding::{Finding, Label};
use crate::{Analysis, Level};

/// The terminal width reports are wrapped at; fixed so output does not depend on the terminal.
const WIDTH: usize = 100;

/// Writes every finding's report, then the summary line.
pub(super) fn render(
    analysis: &Analysis,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme.clone()).with_width(WIDTH);
    for finding in &analysis.findings {
        let text = report(&handler, &theme, analysis, finding).map_err(std::io::Error::other)?;
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
    }
    writeln!(out, "{}", summary(analysis, options))
}

/// One finding's reports: the finding with its snippet, notes and help (in rustc's order,
/// which miette's own help line would invert), then one report per related label that
/// points into another file.
fn report(
    handler: &GraphicalReportHandler,
    theme: &GraphicalTheme,
    analysis: &Analysis,
    finding: &Finding,
) -> Result<String, fmt::Error> {
    let file = &finding.primary.location.file;
    let source = FileSource::of(analysis, file);
    let mut labels = vec![(&finding.primary, true)];
    labels.extend(finding.related.iter().map(|label| (label, false)));
    let (here, elsewhere): (Vec<_>, Vec<_>) = labels.into_iter().partition(|(label, _)| {
        source.is_some()
            && label.location.file == *file
            && byte_range(analysis, &label.location).is_some()
    });
    let mut main = Report {
        code: Some(format!("cachelint::{}", finding.rule)),
        severity: match finding.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        },
        message: finding.message.clone(),
        source,
        labels: here
            .iter()
            .map(|(label, primary)| span(label, Some(&label.message), *primary))
            .collect(),
    };
    let (snippets, mut unseen): (Vec<_>, Vec<_>) = elsewhere
        .into_iter()
        .map(|(label, _)| label)
        .partition(|label| byte_range(analysis, &label.location).is_some());
    let mut text = String::new();
    if handler.render_report(&mut text, &main).is_err() {
        // miette could not lay out the snippet: report without it rather than not at all.
        text.clear();
        (main.source, main.labels) = (None, Vec::new());
        handler.render_report(&mut text, &main)?;
        unseen.splice(0..0, here.into_iter().map(|(label, _)| label));
    }
    for label in unseen {
        let at = &label.location;
        let (file, line, column) = (&at.file, at.line_start, at.column_start);
        text.push_str(&format!("  --> {file}:{line}:{column} {}\n", label.message));
    }
    for note in &finding.notes {
        let note_label = theme.styles.advice.style("note:");
        text.push_str(&format!("  {note_label} {note}\n"));
    }
    let fix = finding.suggestion.as_ref().map(suggestion_text);
    for help in finding.help.iter().chain(fix.as_ref()) {
        text.push_str(&format!("  {} {help}\n", theme.styles.help.style("help:")));
    }
    for label in snippets {
        // The message heads the report, so the underline needs no text of its own.
        let related = Report {
            code: None,
            severity: Severity::Advice,
            message: label.message.clone(),
            source: FileSource::of(analysis, &label.location.file),
            labels: vec![span(label, None, false)],
        };
        text.push('\n');
        handler.render_report(&mut text, &related)?;
    }
    Ok(text)
}

/// A miette label over the label's bytes, with `text` under it.
fn span(label: &Label, text: Option<&String>, primary: bool) -> LabeledSpan {
    let at = &label.location;
    let range = SourceSpan::from(at.byte_start as usize..at.byte_end as usize);
    let text = text.cloned();
    if primary {
        LabeledSpan::new_primary_with_span(text, range)
    } else {
        LabeledSpan::new_with_span(text, range)
    }
}

/// The summary line: counts, what a baseline hid and, when asked, the time taken.
fn summary(analysis: &Analysis, options: &RenderOptions) -> String {
    let stats = &analysis.stats;
    let mut line = format!(
        "cachelint: {}, {}",
        count(analysis.errors(), "error"),
        count(analysis.warnings(), "warning")
    );
    if stats.baselined > 0 {
        line.push_str(&format!(" ({} hidden by baseline)", stats.baselined));
    }
    let engine = match &stats.engine {
        crate::Engine::Syntactic => String::new(),
        engine => format!("; {} engine", engine.name()),
    };
    line.push_str(&format!(
        " in {} ({}, {}, {}{engine})",
        count(stats.files, "file"),
        count(stats.functions, "function"),
        count(stats.read_keys, "read key"),
        count(stats.write_keys, "write key"),
    ));
    if options.show_elapsed {
        line.push_str(&format!(" in {:.2}s", stats.elapsed.as_secs_f64()));
    }
    line
}

/// `1 error`, `2 errors`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The miette view of a finding or of one of its related labels.
#[derive(Debug)]
struct Report<'a> {
    code: Option<String>,
    severity: Severity,
    message: String,
    source: Option<FileSource<'a>>,
    labels: Vec<LabeledSpan>,
}

impl Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.code
            .as_ref()
            .map(|code| Box::new(code) as Box<dyn Display>)
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A file's text under its relative path, borrowed from [`Analysis::sources`].
#[derive(Debug, Clone, Copy)]
struct FileSource<'a> {
    name: &'a str,
    text: &'a str,
}

impl<'a> FileSource<'a> {
    /// The text of `file`, when the analysis kept it.
    fn of(analysis: &'a Analysis, file: &'a str) -> Option<Self> {
        analysis
            .sources
            .get(file)
            .map(|text| FileSource { name: file, text })
    }
}

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // miette counts the header's column in bytes; rustc and editors count characters.
        let offset = inner.span().offset();
        let line_start = self
            .text
            .get(..offset)
            .and_then(|before| before.rfind(['\n', '\r']));
        let line_start = line_start.map_or(0, |newline| newline + 1);
        let column = match self.text.get(line_start..offset) {
            Some(prefix) if context_lines_before == 0 => prefix.chars().count(),
            _ => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}
