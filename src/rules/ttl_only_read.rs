//! `ttl_only_read`: a read key never invalidated, bounded only by its ttl.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::KeySite;
use cachelint_core::format_duration;
use std::time::Duration;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "ttl_only_read",
    default_level: Level::Warning,
    summary: "a read key never invalidated, bounded only by its ttl",
    docs: include_str!("docs/ttl_only_read.md"),
    allow_at: AllowAt::Read,
};

/// Reports `read`, which nothing invalidates but which expires after `ttl`.
pub fn report(cx: &Context, sink: &mut Sink, read: &KeySite, ttl: Duration) {
    let model = cx.model;
    let function = model.display_name(read.function);
    let ttl = format_duration(ttl);
    let draft = Draft {
        message: format!(
            "no write covers `{}` read by `{function}`; only its ttl bounds how long it \
             serves stale data ({ttl})",
            read.key
        ),
        primary: cx.label(read.span, format!("only the ttl of {ttl} bounds this key")),
        related: Vec::new(),
        notes: vec![format!(
            "`max_staleness` is {}; reads with a ttl at or below it are not reported",
            format_duration(cx.max_staleness)
        )],
        help: Some(if read.inferred.is_some() {
            format!(
                "delete `{}` (or overwrite it) where its data changes, or raise \
                 `max_staleness` if {ttl} of staleness is acceptable",
                read.key
            )
        } else {
            format!(
                "invalidate it where its data changes (`#[writes(\"{}\")]`), or raise \
                 `max_staleness` if {ttl} of staleness is acceptable",
                read.key
            )
        }),
        suggestion: None,
        identity: vec![read.key.canonical(), model.qualified_name(read.function)],
    };
    sink.report(&RULE, &read.allow, draft);
}
