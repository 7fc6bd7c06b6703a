//! `dead_invalidation`: a write key that overlaps no read key.

use super::{Context, Draft, RuleInfo, Sink};
use crate::finding::{Level, Suggestion};

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "dead_invalidation",
    default_level: Level::Warning,
    summary: "a write key that overlaps no read key",
    docs: include_str!("docs/dead_invalidation.md"),
};

/// How alike (normalized Damerau-Levenshtein) a read key must be to be suggested.
const SIMILAR: f64 = 0.7;

/// Reports every write key that overlaps no read key (nor any `depends_on` key).
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    // A key some read declares it `depends_on` is cached data too, even if no function reads
    // it by name: invalidating it is not dead.
    let declared: Vec<&cachelint_core::KeyPattern> = model
        .declared
        .iter()
        .flatten()
        .flatten()
        .map(|d| &d.key)
        .collect();
    for write in &model.writes {
        let candidates = model.read_index.candidates(&write.key);
        let read = candidates
            .iter()
            .any(|&r| model.reads[r].key.overlaps(&write.key));
        if read || declared.iter().any(|k| k.overlaps(&write.key)) {
            continue;
        }
        let written = write.key.to_string();
        let nearest = model
            .reads
            .iter()
            .map(|r| {
                (
                    strsim::normalized_damerau_levenshtein(&written, &r.key.to_string()),
                    r,
                )
            })
            .filter(|(score, _)| *score >= SIMILAR)
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.span.cmp(&a.1.span)));
        let function = model.display_name(write.function);
        let mut related = Vec::new();
        let mut suggestion = None;
        let help = match nearest {
            // The suggestion says "did you mean"; a help line would repeat it.
            Some((_, read)) => {
                related.push(cx.label(read.span, format!("`{}` is read here", read.key)));
                let location = cx.locator.location(write.span);
                suggestion = Some(Suggestion {
                    location,
                    replacement: format!("\"{}\"", read.key),
                    message: format!("did you mean `{}`?", read.key),
                });
                None
            }
            None => Some(
                "remove the write, or fix the key to match the read it should invalidate"
                    .to_string(),
            ),
        };
        let draft = Draft {
            message: format!("`{function}` invalidates `{written}`, which no function reads"),
            primary: cx.label(write.span, "no read key matches this"),
            related,
            notes: Vec::new(),
            help,
            suggestion,
            identity: vec![write.key.canonical(), model.qualified_name(write.function)],
        };
        sink.report(&RULE, &write.allow, draft);
    }
}
