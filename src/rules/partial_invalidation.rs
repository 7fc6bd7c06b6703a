//! `partial_invalidation`: a read key that writes only overlap, never cover.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::KeySite;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "partial_invalidation",
    default_level: Level::Error,
    summary: "a read key that writes only overlap, never cover",
    docs: include_str!("docs/partial_invalidation.md"),
    allow_at: AllowAt::Read,
};

/// Reports `read`, which `writes` overlap but none covers.
pub fn report(cx: &Context, sink: &mut Sink, read: &KeySite, writes: &[&KeySite]) {
    let model = cx.model;
    let function = model.display_name(read.function);
    let related = writes
        .iter()
        .map(|w| {
            let writer = model.display_name(w.function);
            cx.label(w.span, format!("`{writer}` invalidates only `{}`", w.key))
        })
        .collect();
    let draft = Draft {
        message: format!(
            "`{}` read by `{function}` is only partly invalidated: no write covers every key it reads",
            read.key
        ),
        primary: cx.label(read.span, "only some of these keys are ever invalidated"),
        related,
        notes: Vec::new(),
        help: Some(format!(
            "invalidate the whole pattern: `#[writes(\"{}\")]` where the data changes",
            read.key
        )),
        suggestion: None,
        identity: vec![read.key.canonical(), model.qualified_name(read.function)],
    };
    sink.report(&RULE, &read.allow, draft);
}
