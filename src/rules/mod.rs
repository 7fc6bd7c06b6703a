//! The rule registry: one file per rule, each with its descriptor and its check.

use crate::config::LintLevel;
use crate::facts::SrcSpan;
use crate::finding::{Finding, Label, Level, Suggestion, fingerprint};
use crate::graph::{DependencyReason, Model};
use crate::locate::Locator;
use std::collections::BTreeMap;
use std::time::Duration;

/// A rule's descriptor: its name is the file name, the diagnostic code suffix and the
/// `explain` argument.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub name: &'static str,
    /// Level when no configuration says otherwise; `None` means allow.
    pub default_level: Level,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// Markdown: `## What it does`, `## Why it matters`, `## Example`, `## Fix`.
    pub docs: &'static str,
    /// Which annotation takes `allow(RULE)` to silence a finding at its site.
    pub allow_at: AllowAt,
}

/// Where a rule's findings are silenced with the annotation option `allow(RULE)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowAt {
    /// The `#[reads]` the finding points at.
    Read,
    /// The `#[writes]` the finding points at.
    Write,
    /// The `#[publishes]` or `#[subscribes]` of the event.
    Event,
    /// Any cachelint annotation of the entry function.
    Entry,
    /// The annotation the finding points at (a key, a duration, an option).
    Annotation,
    /// No annotation can carry it (a file that cannot be parsed): only `-A` or `[lints]`.
    Nowhere,
}

pub mod annotation_drift;
pub mod broad_invalidation;
pub mod dead_invalidation;
pub mod invalid_key;
pub mod mistyped_invalidation;
pub mod orphan_event;
pub mod parse_error;
pub mod partial_invalidation;
mod problems;
mod read_keys;
pub mod stale_after_mutation;
pub mod stale_dependent;
pub mod ttl_only_read;
pub mod uncovered_read;
pub mod version_skew;

/// What every rule reads: the model, positions, and the settings rules depend on.
pub struct Context<'a> {
    pub model: &'a Model,
    pub locator: &'a Locator<'a>,
    /// `ttl_only_read` is silent for a ttl at or below this.
    pub max_staleness: Duration,
    /// Read key → the read keys it depends on directly (canonical texts), with why.
    pub dependencies: BTreeMap<String, BTreeMap<String, DependencyReason>>,
}

impl Context<'_> {
    /// A label at `span` saying `message`.
    pub fn label(&self, span: SrcSpan, message: impl Into<String>) -> Label {
        Label {
            location: self.locator.location(span),
            message: message.into(),
        }
    }
}

/// A finding before its level is known.
pub struct Draft {
    pub message: String,
    pub primary: Label,
    pub related: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub suggestion: Option<Suggestion>,
    /// What identifies the finding across edits: key, function path, file (never lines).
    pub identity: Vec<String>,
}

/// Collects findings, applying rule levels and inline `allow(...)`.
pub struct Sink {
    levels: BTreeMap<&'static str, LintLevel>,
    pub findings: Vec<Finding>,
}

impl Sink {
    /// A sink that reports each rule at `levels` (rules missing from it use their default).
    pub fn new(levels: BTreeMap<&'static str, LintLevel>) -> Self {
        Sink {
            levels,
            findings: Vec::new(),
        }
    }

    /// Reports `draft` under `rule` unless the rule is allowed here or everywhere.
    pub fn report(&mut self, rule: &RuleInfo, allowed: &[String], draft: Draft) {
        if allowed.iter().any(|a| a == rule.name) {
            return;
        }
        let level = match self.levels.get(rule.name) {
            Some(LintLevel::Allow) => return,
            Some(LintLevel::Warn) => Level::Warning,
            Some(LintLevel::Deny) => Level::Error,
            None => rule.default_level,
        };
        let mut identity: Vec<&str> = vec![rule.name, &draft.primary.location.file];
        identity.extend(draft.identity.iter().map(String::as_str));
        self.findings.push(Finding {
            rule: rule.name,
            level,
            fingerprint: fingerprint(&identity),
            message: draft.message,
            primary: draft.primary,
            related: draft.related,
            notes: draft.notes,
            help: draft.help,
            suggestion: draft.suggestion,
        });
    }
}

/// Runs every rule over the model.
pub fn check_all(cx: &Context, sink: &mut Sink) {
    problems::check(cx, sink);
    // Write keys nothing reads, with their near misses: both sides of a typo report them.
    let unread = mistyped_invalidation::unread_writes(cx.model);
    read_keys::check(cx, sink, &unread);
    stale_dependent::check(cx, sink);
    stale_after_mutation::check(cx, sink);
    dead_invalidation::check(cx, sink, &unread);
    broad_invalidation::check(cx, sink);
    orphan_event::check(cx, sink);
    annotation_drift::check(cx, sink);
    explain_inferred(cx, &mut sink.findings);
}

/// A finding that rests on an inferred fact says where it comes from: a note per inferred
/// key site its labels point at ("`K` is inferred from `conn.del(..)` at src/cache.rs:41:14").
fn explain_inferred(cx: &Context, findings: &mut [Finding]) {
    let model = cx.model;
    let mut by_location: BTreeMap<(String, u32, u32), Vec<String>> = BTreeMap::new();
    for site in model.reads.iter().chain(&model.writes) {
        let Some(inferred) = &site.inferred else {
            continue;
        };
        let at = cx.locator.location(site.span);
        let call = cx.locator.location(inferred.call_span);
        let note = format!(
            "`{}` is inferred from `{}` at {}:{}:{}",
            site.key, inferred.call, call.file, call.line_start, call.column_start
        );
        let notes = by_location
            .entry((at.file, at.line_start, at.column_start))
            .or_default();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    if by_location.is_empty() {
        return;
    }
    for finding in findings {
        let mut added = Vec::new();
        for label in std::iter::once(&finding.primary).chain(&finding.related) {
            let l = &label.location;
            let key = (l.file.clone(), l.line_start, l.column_start);
            for note in by_location.get(&key).into_iter().flatten() {
                if !added.contains(note) && !finding.notes.contains(note) {
                    added.push(note.clone());
                }
            }
        }
        finding.notes.extend(added);
    }
}

/// Every rule, sorted by name.
pub const REGISTRY: &[RuleInfo] = &[
    annotation_drift::RULE,
    broad_invalidation::RULE,
    dead_invalidation::RULE,
    invalid_key::RULE,
    mistyped_invalidation::RULE,
    orphan_event::RULE,
    parse_error::RULE,
    partial_invalidation::RULE,
    stale_after_mutation::RULE,
    stale_dependent::RULE,
    ttl_only_read::RULE,
    uncovered_read::RULE,
    version_skew::RULE,
];

/// The rule named `name`.
pub fn lookup(name: &str) -> Option<&'static RuleInfo> {
    REGISTRY.iter().find(|rule| rule.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_matches_the_shared_rule_names() {
        let names: Vec<&str> = REGISTRY.iter().map(|rule| rule.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(names, cachelint_core::rules::RULE_NAMES);
    }

    #[test]
    fn every_rule_documents_what_why_example_and_fix() {
        for rule in REGISTRY {
            for heading in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(rule.docs.contains(heading), "{} lacks {heading}", rule.name);
            }
        }
    }
}
