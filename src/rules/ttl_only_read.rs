//! `ttl_only_read`: a read key never invalidated, bounded only by its ttl.

use super::{Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::KeySite;
use std::time::Duration;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "ttl_only_read",
    default_level: Level::Warning,
    summary: "a read key never invalidated, bounded only by its ttl",
    docs: include_str!("docs/ttl_only_read.md"),
};

/// Reports `read`, which nothing invalidates but which expires after `ttl`.
pub fn report(cx: &Context, sink: &mut Sink, read: &KeySite, ttl: Duration) {
    let model = cx.model;
    let function = model.display_name(read.function);
    let ttl = humanize(ttl);
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
            humanize(cx.max_staleness)
        )],
        help: Some(format!(
            "invalidate it where its data changes (`#[writes(\"{}\")]`), or raise `max_staleness` \
             if {ttl} of staleness is acceptable",
            read.key
        )),
        suggestion: None,
        identity: vec![read.key.canonical(), model.qualified_name(read.function)],
    };
    sink.report(&RULE, &read.allow, draft);
}

/// `90s`, `10m`, `2h`, `1d`, `500ms`: the largest unit that divides the duration.
pub fn humanize(duration: Duration) -> String {
    let ms = duration.as_millis();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    if ms == 0 {
        "0s".to_string()
    } else {
        format!("{ms}ms")
    }
}
