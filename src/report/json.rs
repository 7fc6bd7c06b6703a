//! `json`: cargo's `--message-format=json` stream, as rust-analyzer and other cargo tooling
//! read it: one `compiler-message` per finding whose `message` is a rustc JSON diagnostic,
//! then `build-finished`. Structs rather than `json!` keep cargo's field order.
//!
//! A finding in a file that no cargo package holds (a run on PATHs outside any package) is not
//! attributed to a made-up package: its line is the rustc JSON diagnostic alone, exactly what
//! `rustc --error-format=json` prints for a file compiled outside cargo. rust-analyzer's check
//! reads such a line as a diagnostic of no package (its flycheck parses each line as a cargo
//! message or, failing that, as a rustc diagnostic); `cargo_metadata::Message::parse_stream`
//! reads it without error, as a `TextLine`, the way it reads any non-cargo output.
//!
//! `rendered` is the diagnostic as `human` prints it (snippets, notes, help, suggestion), with
//! ANSI colors for `json-diagnostic-rendered-ansi` and in rustc's one-line form for
//! `json-diagnostic-short`, as cargo asks rustc for them.

use std::io::Write;

use serde::Serialize;

use super::{RenderOptions, help_suffix, human, source_lines};
use crate::Analysis;
use crate::finding::{Advice, Finding, Location};

/// How the `rendered` field of each diagnostic is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rendered {
    /// As `human` prints the finding, without colors (`json`).
    Plain,
    /// As `human` prints the finding, with ANSI colors (`json-diagnostic-rendered-ansi`).
    Ansi,
    /// `path:line:col: level[code]: message`, then the help, on one line
    /// (`json-diagnostic-short`).
    Short,
}

/// A `compiler-message` line of cargo's stream.
#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: &'a str,
    target: &'a Target<'a>,
    message: Diagnostic<'a>,
}

/// The `build-finished` line that ends cargo's stream.
#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

/// cargo's description of the target a message belongs to.
#[derive(Serialize)]
struct Target<'a> {
    kind: [&'a str; 1],
    crate_types: [&'a str; 1],
    name: &'a str,
    src_path: &'a str,
    edition: &'a str,
    doc: bool,
    doctest: bool,
    test: bool,
}

/// A rustc JSON diagnostic (the top level or a child).
#[derive(Serialize)]
struct Diagnostic<'a> {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: &'a str,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span<'a>>,
    children: Vec<Diagnostic<'a>>,
    rendered: Option<String>,
}

/// A diagnostic's code: `cachelint::RULE`.
#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

/// A rustc span, with every field rustc writes.
#[derive(Serialize)]
struct Span<'a> {
    file_name: &'a str,
    byte_start: u32,
    byte_end: u32,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    text: Vec<SpanLine<'a>>,
    label: Option<&'a str>,
    suggested_replacement: Option<&'a str>,
    suggestion_applicability: Option<&'static str>,
    expansion: Option<()>,
}

/// A source line of a span, with the highlighted columns.
#[derive(Serialize)]
struct SpanLine<'a> {
    text: &'a str,
    highlight_start: u32,
    highlight_end: u32,
}

/// Writes the message stream: one line per finding, then `build-finished`.
pub(super) fn render(
    analysis: &Analysis,
    options: &RenderOptions,
    style: Rendered,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let renderer = human::renderer(style == Rendered::Ansi, human::DEFAULT_WIDTH);
    for finding in &analysis.findings {
        let file = &finding.primary.location.file;
        let rendered = match style {
            Rendered::Plain | Rendered::Ansi => {
                human::diagnostic(&renderer, analysis, finding) + "\n\n"
            }
            Rendered::Short => short(finding),
        };
        let message = diagnostic(analysis, finding, rendered);
        write_message(out, options, file, message)?;
    }
    let success = analysis.errors() == 0;
    write_line(
        out,
        &BuildFinished {
            reason: "build-finished",
            success,
        },
    )
}

/// Writes `advice` as the message stream: one `help` diagnostic per advice, whose `help` child
/// carries the edits as one machine-applicable suggestion (rustfix applies every span of a
/// child together), then `build-finished` (a success: advice fails nothing). `analysis` holds
/// the files' texts.
pub(super) fn render_advice(
    analysis: &Analysis,
    advice: &[Advice],
    options: &RenderOptions,
    style: Rendered,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let renderer = human::renderer(style == Rendered::Ansi, human::DEFAULT_WIDTH);
    for item in advice {
        let rendered = match style {
            Rendered::Plain | Rendered::Ansi => human::advice(&renderer, analysis, item) + "\n\n",
            Rendered::Short => super::short::advice_line(item) + "\n",
        };
        let mut children: Vec<Diagnostic<'_>> = item
            .notes
            .iter()
            .map(|note| child("note", note, Vec::new()))
            .collect();
        let spans = item
            .edits
            .iter()
            .map(|edit| {
                let mut span = span(analysis, &edit.location, true, None);
                span.suggested_replacement = Some(&edit.replacement);
                span.suggestion_applicability = Some("MachineApplicable");
                span
            })
            .collect();
        children.push(child("help", &item.help, spans));
        let message = Diagnostic {
            message_type: "diagnostic",
            message: &item.message,
            code: Some(Code {
                code: format!("cachelint::{}", item.code),
                explanation: None,
            }),
            level: "help",
            spans: vec![span(analysis, &item.primary, true, None)],
            children,
            rendered: Some(rendered),
        };
        write_message(out, options, &item.primary.file, message)?;
    }
    write_line(
        out,
        &BuildFinished {
            reason: "build-finished",
            success: true,
        },
    )
}

/// Writes one diagnostic about `file` as a `compiler-message` of the package that holds the
/// file, or, in no package, as rustc's own JSON line, claiming none.
fn write_message(
    out: &mut dyn Write,
    options: &RenderOptions,
    file: &str,
    message: Diagnostic<'_>,
) -> std::io::Result<()> {
    let package = options
        .packages
        .iter()
        .filter(|package| package.contains(file))
        .max_by_key(|package| package.dir.len());
    let Some(package) = package else {
        return write_line(out, &message);
    };
    let target = Target {
        kind: [&package.target_kind],
        crate_types: [crate_type(&package.target_kind)],
        name: &package.target_name,
        src_path: &package.src_path,
        edition: &package.edition,
        doc: false,
        doctest: false,
        test: false,
    };
    let message = CompilerMessage {
        reason: "compiler-message",
        package_id: &package.id,
        manifest_path: &package.manifest_path,
        target: &target,
        message,
    };
    write_line(out, &message)
}

/// Writes one message as a line of compact JSON.
fn write_line(out: &mut dyn Write, message: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, message)?;
    out.write_all(b"\n")
}

/// rustc's short rendering: `path:line:col: level[code]: message`, then the help on the same
/// line, and a line break.
fn short(finding: &Finding) -> String {
    let at = &finding.primary.location;
    format!(
        "{}:{}:{}: {}[cachelint::{}]: {}{}\n",
        at.file,
        at.line_start,
        at.column_start,
        finding.level.as_str(),
        finding.rule,
        finding.message,
        help_suffix(finding)
    )
}

/// cargo's `crate_types` for a target kind: libraries keep theirs, everything else is `bin`.
fn crate_type(kind: &str) -> &str {
    match kind {
        "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro" => kind,
        _ => "bin",
    }
}

/// The rustc JSON diagnostic for `finding`: notes and help as children, the suggestion as a
/// `help` child whose span carries the replacement.
fn diagnostic<'a>(
    analysis: &'a Analysis,
    finding: &'a Finding,
    rendered: String,
) -> Diagnostic<'a> {
    let primary = &finding.primary;
    let mut spans = vec![span(
        analysis,
        &primary.location,
        true,
        Some(&primary.message),
    )];
    spans.extend(
        finding
            .related
            .iter()
            .map(|label| span(analysis, &label.location, false, Some(&label.message))),
    );
    let mut children: Vec<Diagnostic<'a>> = finding
        .notes
        .iter()
        .map(|note| child("note", note, Vec::new()))
        .collect();
    children.extend(
        finding
            .help
            .iter()
            .map(|help| child("help", help, Vec::new())),
    );
    if let Some(fix) = &finding.suggestion {
        let mut fix_span = span(analysis, &fix.location, true, None);
        fix_span.suggested_replacement = Some(&fix.replacement);
        fix_span.suggestion_applicability = Some("MaybeIncorrect");
        children.push(child("help", &fix.message, vec![fix_span]));
    }
    Diagnostic {
        message_type: "diagnostic",
        message: &finding.message,
        code: Some(Code {
            code: format!("cachelint::{}", finding.rule),
            explanation: None,
        }),
        level: finding.level.as_str(),
        spans,
        children,
        rendered: Some(rendered),
    }
}

/// A child diagnostic (`note`, `help`) with the given spans.
fn child<'a>(level: &'static str, message: &'a str, spans: Vec<Span<'a>>) -> Diagnostic<'a> {
    Diagnostic {
        message_type: "diagnostic",
        message,
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

/// A rustc span over `location`, with its source lines when the file's text is known.
fn span<'a>(
    analysis: &'a Analysis,
    location: &'a Location,
    is_primary: bool,
    label: Option<&'a str>,
) -> Span<'a> {
    let text = source_lines(analysis, location)
        .into_iter()
        .map(|line| SpanLine {
            text: line.text,
            highlight_start: line.highlight_start,
            highlight_end: line.highlight_end,
        })
        .collect();
    Span {
        file_name: &location.file,
        byte_start: location.byte_start,
        byte_end: location.byte_end,
        line_start: location.line_start,
        line_end: location.line_end,
        column_start: location.column_start,
        column_end: location.column_end,
        is_primary,
        text,
        label,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}
