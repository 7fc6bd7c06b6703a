//! `uncovered_read`: a read key that no write covers.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::KeySite;
use crate::semantic::Role;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "uncovered_read",
    default_level: Level::Error,
    summary: "a read key that no write covers",
    docs: include_str!("docs/uncovered_read.md"),
    allow_at: AllowAt::Read,
};

/// Reports `read`, which no write covers or overlaps; `never_run` are writes that would,
/// in functions that can never run.
pub fn report(cx: &Context, sink: &mut Sink, read: &KeySite, never_run: &[&KeySite]) {
    let model = cx.model;
    let function = model.display_name(read.function);
    let mut related = Vec::new();
    let mut notes = Vec::new();
    // Events the never-running writers wait for.
    let mut events: Vec<&str> = Vec::new();
    for write in never_run {
        let writer = model.display_name(write.function);
        let why = match model.roles.get(write.function) {
            Some(Role::Unloaded) => format!(
                "`{writer}` would invalidate it, but it is not compiled in the analyzed \
                 configuration (a `#[cfg]`: a disabled feature, or test-only code)"
            ),
            Some(Role::Test) => {
                format!(
                    "`{writer}` would invalidate it, but it is test code, which never runs in production"
                )
            }
            Some(Role::Dead) => format!(
                "`{writer}` would invalidate it, but `{writer}` is private and nothing calls it"
            ),
            _ => format!("`{writer}` would invalidate it, but `{writer}` never runs"),
        };
        related.push(cx.label(write.span, why));
        if let Some(sub) = model
            .subscribes
            .iter()
            .find(|s| s.function == write.function)
        {
            notes.push(format!(
                "`{writer}` subscribes to `{}`, which nothing publishes",
                sub.name
            ));
            if !events.contains(&sub.name.as_str()) {
                events.push(&sub.name);
            }
        }
    }
    if let Some(ttl) = read.ttl {
        notes.push(format!(
            "its ttl of {} bounds how long it serves stale data, but the invalidation meant \
             for it never runs",
            cachelint_core::format_duration(ttl)
        ));
    }
    let draft = Draft {
        message: format!("`{}` read by `{function}` is never invalidated", read.key),
        primary: cx.label(read.span, "no write covers this key"),
        related,
        notes,
        help: Some(help(cx, read, never_run, &events)),
        suggestion: None,
        identity: vec![read.key.canonical(), model.qualified_name(read.function)],
    };
    sink.report(&RULE, &read.allow, draft);
}

/// How to fix it: make the invalidation that never runs run, or add one; a `ttl` only when the
/// read has none.
fn help(cx: &Context, read: &KeySite, never_run: &[&KeySite], events: &[&str]) -> String {
    let key = &read.key;
    let add = if read.inferred.is_some() {
        format!("delete `{key}` (or overwrite it) where its data changes")
    } else {
        format!("invalidate it where its data changes: `#[writes(\"{key}\")]` on that function")
    };
    let ttl = match (read.ttl, &read.inferred) {
        (Some(_), _) => "",
        (None, Some(_)) => "; or give the fill a ttl",
        (None, None) => "; or give the read a `ttl`",
    };
    if let [event, ..] = events {
        return format!(
            "publish `{event}` where its data changes (its publisher may have renamed it), or \
             invalidate it there: `#[writes(\"{key}\")]`{ttl}"
        );
    }
    if never_run
        .iter()
        .any(|w| cx.model.roles.get(w.function) == Some(&Role::Unloaded))
    {
        return format!(
            "if the invalidation is compiled only with some feature, analyze with it \
             (`--features …` or `--all-features`); else {add}{ttl}"
        );
    }
    format!("{add}{ttl}")
}
