//! `human`: each finding as rustc prints a diagnostic, then one summary line.
//!
//! Rendered by `annotate-snippets`, the renderer rustc's own diagnostics use: the header
//! `error[cachelint::RULE]: message`, the `-->` line, one snippet per file (the primary file
//! first, other files as `:::`), where lines between far-apart labels are elided with `...`;
//! then the finding's notes and help as `= note:`/`= help:` lines, ending with where to read
//! about the rule and how to allow it; then the "did you mean" as a `help:` diff. A label whose
//! file text is unknown is given by its position alone.

use std::io::Write;

use annotate_snippets::{
    AnnotationKind, Group, Level as Severity, Origin, Patch, Renderer, Snippet,
    normalize_untrusted_str,
};

use super::{RenderOptions, allow_help, byte_range, explain_help, suggestion_text};
use crate::finding::{Advice, Finding, Label};
use crate::{Analysis, Level};

/// The width snippets are laid out in when the caller does not say: rustc's when its output is
/// not a terminal. Fixed, so output does not depend on where it goes.
pub(crate) const DEFAULT_WIDTH: usize = annotate_snippets::renderer::DEFAULT_TERM_WIDTH;

/// Writes every finding's diagnostic followed by a blank line, then the summary line.
pub(super) fn render(
    analysis: &Analysis,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let renderer = renderer(options.color, options.width.unwrap_or(DEFAULT_WIDTH));
    for finding in &analysis.findings {
        out.write_all(diagnostic(&renderer, analysis, finding).as_bytes())?;
        out.write_all(b"\n\n")?;
    }
    writeln!(out, "{}", summary(analysis, options))
}

/// rustc's renderer: ANSI styles when `color`, snippets laid out within `width` columns.
pub(crate) fn renderer(color: bool, width: usize) -> Renderer {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.term_width(width)
}

/// One finding as rustc renders a diagnostic, without the final line break: header, snippets,
/// `= note:`/`= help:` lines, then the suggestion.
pub(crate) fn diagnostic(renderer: &Renderer, analysis: &Analysis, finding: &Finding) -> String {
    let severity = match finding.level {
        Level::Error => Severity::ERROR,
        Level::Warning => Severity::WARNING,
    };
    let mut primary = Group::with_title(
        severity
            .primary_title(finding.message.as_str())
            .id(format!("cachelint::{}", finding.rule)),
    );
    let mut unknown: Vec<String> = Vec::new();
    for (file, labels) in by_file(finding) {
        let text = analysis.sources.get(file);
        let (shown, mut hidden): (Vec<_>, Vec<_>) = labels.into_iter().partition(|(label, _)| {
            text.is_some() && byte_range(analysis, &label.location).is_some()
        });
        match (text, shown.is_empty()) {
            (Some(text), false) => {
                let annotations = shown.iter().map(|(label, is_primary)| {
                    let kind = if *is_primary {
                        AnnotationKind::Primary
                    } else {
                        AnnotationKind::Context
                    };
                    let at = &label.location;
                    kind.span(at.byte_start as usize..at.byte_end as usize)
                        .label(label.message.as_str())
                });
                let snippet = Snippet::source(text.as_str())
                    .path(file)
                    .fold(true)
                    .annotations(annotations);
                primary = primary.element(snippet);
            }
            _ => {
                // No text to show: the position of the file's first label, whose words
                // follow as a note (the others' with their positions).
                let at = &hidden[0].0.location;
                let origin = Origin::path(file)
                    .line(at.line_start.max(1) as usize)
                    .char_column(at.column_start.max(1) as usize);
                primary = primary.element(origin);
                unknown.push(hidden[0].0.message.clone());
                hidden.remove(0);
            }
        }
        unknown.extend(hidden.into_iter().map(|(label, _)| {
            let at = &label.location;
            let (file, line, column) = (&at.file, at.line_start, at.column_start);
            format!("{file}:{line}:{column}: {}", label.message)
        }));
    }
    let trusted = |text: &str| normalize_untrusted_str(text);
    for text in unknown {
        primary = primary.element(Severity::NOTE.message(trusted(&text)));
    }
    for note in &finding.notes {
        primary = primary.element(Severity::NOTE.message(trusted(note)));
    }
    if let Some(help) = &finding.help {
        primary = primary.element(Severity::HELP.message(trusted(help)));
    }
    let fix = finding.suggestion.as_ref();
    let patch = fix.and_then(|fix| {
        let text = analysis.sources.get(&fix.location.file)?;
        let (start, end) = byte_range(analysis, &fix.location)?;
        let snippet = Snippet::source(text.as_str())
            .path(fix.location.file.as_str())
            .patch(Patch::new(start..end, fix.replacement.as_str()));
        Some(
            Group::with_title(Severity::HELP.secondary_title(trusted(&fix.message)))
                .element(snippet),
        )
    });
    if let (Some(fix), None) = (fix, &patch) {
        primary = primary.element(Severity::HELP.message(trusted(&suggestion_text(fix))));
    }
    primary = primary.element(Severity::HELP.message(trusted(&explain_help(finding.rule))));
    primary = primary.element(Severity::HELP.message(trusted(&allow_help(finding.rule))));
    let mut report = vec![primary];
    report.extend(patch);
    renderer.render(&report)
}

/// One advice as rustc renders a `help` diagnostic with a suggestion, without the final line
/// break: `help[cachelint::CODE]: message`, the `-->` line, the notes, then the edits as a
/// `help:` diff (`N + line` for each line added).
pub(crate) fn advice(renderer: &Renderer, analysis: &Analysis, advice: &Advice) -> String {
    let trusted = |text: &str| normalize_untrusted_str(text);
    let at = &advice.primary;
    let text = analysis.sources.get(&at.file);
    let title = Severity::HELP
        .primary_title(advice.message.as_str())
        .id(format!("cachelint::{}", advice.code));
    let mut primary = match (text, byte_range(analysis, at)) {
        (Some(text), Some((start, end))) => Group::with_title(title).element(
            Snippet::source(text.as_str())
                .path(at.file.as_str())
                .annotation(AnnotationKind::Primary.span(start..end)),
        ),
        _ => Group::with_title(title).element(
            Origin::path(at.file.as_str())
                .line(at.line_start.max(1) as usize)
                .char_column(at.column_start.max(1) as usize),
        ),
    };
    for note in &advice.notes {
        primary = primary.element(Severity::NOTE.message(trusted(note)));
    }
    let patches: Option<Vec<Patch<'_>>> = advice
        .edits
        .iter()
        .map(|edit| {
            let (start, end) = byte_range(analysis, &edit.location)?;
            Some(Patch::new(start..end, edit.replacement.as_str()))
        })
        .collect();
    let report = match (text, patches) {
        (Some(text), Some(patches)) if !patches.is_empty() => {
            let snippet = Snippet::source(text.as_str())
                .path(at.file.as_str())
                .patches(patches);
            let fix = Group::with_title(Severity::HELP.secondary_title(trusted(&advice.help)))
                .element(snippet);
            vec![primary, fix]
        }
        // No text to show the edits in: what they add, in words.
        _ => vec![primary.element(Severity::HELP.message(trusted(&advice.summary)))],
    };
    renderer.render(&report)
}

/// The finding's labels grouped by file, the primary label's file first, the others in the
/// order their first label comes; each label with whether it is the primary one.
fn by_file(finding: &Finding) -> Vec<(&str, Vec<(&Label, bool)>)> {
    let mut files: Vec<(&str, Vec<(&Label, bool)>)> = Vec::new();
    let labels = std::iter::once((&finding.primary, true))
        .chain(finding.related.iter().map(|label| (label, false)));
    for (label, is_primary) in labels {
        let file = label.location.file.as_str();
        match files.iter_mut().find(|(f, _)| *f == file) {
            Some((_, group)) => group.push((label, is_primary)),
            None => files.push((file, vec![(label, is_primary)])),
        }
    }
    files
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
