//! `json`: cargo's `--message-format=json` stream, as rust-analyzer and other cargo tooling
//! read it: one `compiler-message` per finding whose `message` is a rustc JSON diagnostic,
//! then `build-finished`. Structs rather than `json!` keep cargo's field order.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::{PackageInfo, RenderOptions, source_lines, suggestion_text};
use crate::Analysis;
use crate::finding::{Finding, Location};

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

/// Writes the message stream.
pub(super) fn render(
    analysis: &Analysis,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let synthetic = synthetic_package(options.workspace_root.as_deref());
    for finding in &analysis.findings {
        let file = &finding.primary.location.file;
        let package = options
            .packages
            .iter()
            .filter(|package| package.contains(file))
            .max_by_key(|package| package.dir.len())
            .unwrap_or(&synthetic);
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
            message: diagnostic(analysis, finding),
        };
        write_line(out, &message)?;
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

/// Writes one message as a line of compact JSON.
fn write_line(out: &mut dyn Write, message: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, message)?;
    out.write_all(b"\n")
}

/// A stand-in package for runs that do not name one: a library target at the workspace root.
fn synthetic_package(root: Option<&Path>) -> PackageInfo {
    let root = root.map(|root| root.display().to_string().replace('\\', "/"));
    let dir = root.as_deref().map_or(String::new(), |root| {
        format!("{}/", root.trim_end_matches('/'))
    });
    let url_dir = format!("/{}", dir.trim_matches('/'));
    PackageInfo {
        id: format!("path+file://{url_dir}#cachelint@0.0.0"),
        manifest_path: format!("{dir}Cargo.toml"),
        dir: String::new(),
        target_name: "cachelint".to_owned(),
        target_kind: "lib".to_owned(),
        src_path: format!("{dir}src/lib.rs"),
        edition: "2024".to_owned(),
    }
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
fn diagnostic<'a>(analysis: &'a Analysis, finding: &'a Finding) -> Diagnostic<'a> {
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
        rendered: Some(rendered(finding)),
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

/// The diagnostic as rustc prints it, without the snippet: header, arrow line, notes, help.
fn rendered(finding: &Finding) -> String {
    let location = &finding.primary.location;
    let pad = " ".repeat(location.line_start.to_string().len());
    let mut text = format!(
        "{}[cachelint::{}]: {}\n{pad}--> {}:{}:{}\n",
        finding.level.as_str(),
        finding.rule,
        finding.message,
        location.file,
        location.line_start,
        location.column_start,
    );
    let mut footer: Vec<String> = finding
        .notes
        .iter()
        .map(|note| format!("note: {note}"))
        .collect();
    footer.extend(finding.help.iter().map(|help| format!("help: {help}")));
    footer.extend(
        finding
            .suggestion
            .iter()
            .map(|fix| format!("help: {}", suggestion_text(fix))),
    );
    if !footer.is_empty() {
        text.push_str(&format!("{pad} |\n"));
        for line in footer {
            text.push_str(&format!("{pad} = {line}\n"));
        }
    }
    text.push('\n');
    text
}
