//! `dead_invalidation`: a write key that overlaps no read key and is no near miss of one
//! (those are `mistyped_invalidation`).

use super::mistyped_invalidation::{self, UnreadWrite};
use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "dead_invalidation",
    default_level: Level::Warning,
    summary: "a write key that overlaps no read key and is no near miss of one",
    docs: include_str!("docs/dead_invalidation.md"),
    allow_at: AllowAt::Write,
};

/// Reports every write key that overlaps no read key (nor any `depends_on` key): a near miss
/// of a read key as `mistyped_invalidation`, any other as `dead_invalidation`.
/// `unread` is [`mistyped_invalidation::unread_writes`].
pub fn check(cx: &Context, sink: &mut Sink, unread: &[UnreadWrite]) {
    let model = cx.model;
    for (write, near) in unread {
        if let Some(near) = near {
            mistyped_invalidation::report(cx, sink, write, near);
            continue;
        }
        // An inferred write of a key no cache holds is Redis used as primary data (a counter,
        // a lock, a session): nothing to invalidate, nothing to report.
        if write.inferred.is_some() {
            continue;
        }
        let function = model.display_name(write.function);
        let written = write.key.to_string();
        let draft = Draft {
            message: format!("`{function}` invalidates `{written}`, which no function reads"),
            primary: cx.label(write.span, "no read key matches this"),
            related: Vec::new(),
            notes: Vec::new(),
            help: Some(
                "remove the write, or fix the key to match the read it should invalidate"
                    .to_string(),
            ),
            suggestion: None,
            identity: vec![write.key.canonical(), model.qualified_name(write.function)],
        };
        sink.report(&RULE, &write.allow, draft);
    }
}
