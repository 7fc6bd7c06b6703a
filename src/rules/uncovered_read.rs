//! `uncovered_read`: a read key that no write covers.

use super::{Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::KeySite;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "uncovered_read",
    default_level: Level::Error,
    summary: "a read key that no write covers",
    docs: include_str!("docs/uncovered_read.md"),
};

/// Reports `read`, which no write covers or overlaps; `never_run` are writes that would,
/// in functions that can never run.
pub fn report(cx: &Context, sink: &mut Sink, read: &KeySite, never_run: &[&KeySite]) {
    let model = cx.model;
    let function = model.display_name(read.function);
    let mut related = Vec::new();
    let mut notes = Vec::new();
    for write in never_run {
        let writer = model.display_name(write.function);
        related.push(cx.label(
            write.span,
            format!("`{writer}` would invalidate it, but `{writer}` never runs"),
        ));
        if let Some(sub) = model
            .subscribes
            .iter()
            .find(|s| s.function == write.function)
        {
            notes.push(format!(
                "`{writer}` subscribes to `{}`, which nothing publishes",
                sub.name
            ));
        }
    }
    let draft = Draft {
        message: format!("`{}` read by `{function}` is never invalidated", read.key),
        primary: cx.label(read.span, "no write covers this key"),
        related,
        notes,
        help: Some(format!(
            "invalidate it where its data changes: `#[writes(\"{}\")]` on that function; \
             or give the read a `ttl`",
            read.key
        )),
        suggestion: None,
        identity: vec![read.key.canonical(), model.qualified_name(read.function)],
    };
    sink.report(&RULE, &read.allow, draft);
}
