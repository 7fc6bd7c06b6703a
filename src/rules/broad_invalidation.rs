//! `broad_invalidation`: a write key that covers read keys of more than one entity, or is `*`.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use std::collections::BTreeMap;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "broad_invalidation",
    default_level: Level::Warning,
    summary: "a write key that covers read keys of more than one entity, or is `*`",
    docs: include_str!("docs/broad_invalidation.md"),
    allow_at: AllowAt::Write,
};

/// Reports every write key that is `*` or covers read keys of more than one entity.
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    // An inferred write is no contract that claims a key: a FLUSHDB or a pattern delete is
    // judged by the reads it leaves stale or covers, not for its breadth.
    for write in model.writes.iter().filter(|w| w.inferred.is_none()) {
        let mut entities = BTreeMap::new();
        let candidates = model.read_index.candidates(&write.key);
        for read in candidates
            .iter()
            .map(|&r| &model.reads[r])
            .filter(|r| write.key.covers(&r.key))
        {
            entities.entry(read.key.entity()).or_insert(read);
        }
        let everything = write.key.is_everything();
        if !everything && entities.len() < 2 {
            continue;
        }
        let names: Vec<String> = entities.keys().map(|e| format!("`{e}`")).collect();
        let related = entities
            .values()
            .map(|read| {
                cx.label(
                    read.span,
                    format!("`{}` (entity `{}`)", read.key, read.key.entity()),
                )
            })
            .collect();
        let function = model.display_name(write.function);
        let message = if everything {
            format!("`{function}` invalidates `*`: every key in the cache")
        } else {
            format!(
                "`{function}` invalidates `{}`, which spans {} entities: {}",
                write.key,
                entities.len(),
                names.join(", ")
            )
        };
        let draft = Draft {
            message,
            primary: cx.label(write.span, "this pattern reaches across entities"),
            related,
            notes: Vec::new(),
            help: Some("name the keys this write changes, one entity at a time".to_string()),
            suggestion: None,
            identity: vec![write.key.canonical(), model.qualified_name(write.function)],
        };
        sink.report(&RULE, &write.allow, draft);
    }
}
