//! `version_skew`: a read key whose only invalidation targets another version.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::KeySite;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "version_skew",
    default_level: Level::Error,
    summary: "a read key whose only invalidation targets another version",
    docs: include_str!("docs/version_skew.md"),
    allow_at: AllowAt::Read,
};

/// Reports `read`, whose only invalidation (`write`) names another version.
pub fn report(cx: &Context, sink: &mut Sink, read: &KeySite, write: &KeySite) {
    let model = cx.model;
    let function = model.display_name(read.function);
    let read_version = read
        .key
        .version_segment()
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let write_version = write
        .key
        .version_segment()
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let draft = Draft {
        message: format!(
            "`{}` read by `{function}` is invalidated only as version `{write_version}`; \
             reads use `{read_version}`",
            read.key
        ),
        primary: cx.label(read.span, format!("reads version `{read_version}`")),
        related: vec![cx.label(
            write.span,
            format!(
                "`{}` invalidates version `{write_version}` only",
                model.display_name(write.function)
            ),
        )],
        notes: Vec::new(),
        help: Some(format!(
            "invalidate `{}` too where `{}` is invalidated",
            read.key, write.key
        )),
        suggestion: None,
        identity: vec![read.key.canonical(), model.qualified_name(read.function)],
    };
    sink.report(&RULE, &read.allow, draft);
}
