//! `annotation_drift`: an annotated function whose own cache calls (or those of the
//! unannotated functions it calls) disagree with its annotations: they touch a cache key its
//! annotations do not declare, or it declares a write no call under it performs.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::facts::FnId;
use crate::finding::Level;
use crate::graph::{Step, declares_keys};
use crate::semantic::{InferredOp, OpKind};
use cachelint_core::{AnnotationKind, KeyPattern};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use std::collections::BTreeSet;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "annotation_drift",
    default_level: Level::Warning,
    summary: "an annotated function whose cache calls disagree with its annotations",
    docs: include_str!("docs/annotation_drift.md"),
    allow_at: AllowAt::Annotation,
};

/// Compares each function that declares keys with the operations inferred in it and in the
/// unannotated functions it calls (its contract covers them).
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    if model.inferred.is_empty() {
        return;
    }
    let sep = model
        .reads
        .first()
        .or(model.writes.first())
        .map_or(':', |s| s.key.separator());
    let mut by_function: Vec<Vec<&InferredOp>> = vec![Vec::new(); model.functions.len()];
    for op in &model.inferred {
        if let Some(list) = by_function.get_mut(op.function) {
            list.push(op);
        }
    }
    let cache_reads: Vec<&KeyPattern> = model.reads.iter().map(|r| &r.key).collect();
    for (id, function) in model.functions.iter().enumerate() {
        if !declares_keys(function) {
            continue;
        }
        let mut reads: Vec<(KeyPattern, crate::facts::SrcSpan, Vec<String>)> = Vec::new();
        let mut writes: Vec<(KeyPattern, crate::facts::SrcSpan, Vec<String>)> = Vec::new();
        for annotation in &function.annotations {
            let list = match annotation.kind {
                AnnotationKind::Reads => &mut reads,
                AnnotationKind::Writes => &mut writes,
                _ => continue,
            };
            for key in &annotation.keys {
                let site = model
                    .reads
                    .iter()
                    .chain(&model.writes)
                    .find(|s| s.function == id && s.span == key.span);
                if let Some(site) = site {
                    list.push((site.key.clone(), key.span, annotation.allow.clone()));
                }
            }
        }
        let allow: Vec<String> = function
            .annotations
            .iter()
            .flat_map(|a| a.allow.iter().cloned())
            .collect();
        let ops: Vec<(&InferredOp, FnId)> = covered(cx, id)
            .into_iter()
            .flat_map(|f| by_function[f].iter().map(move |op| (*op, f)))
            .collect();
        if ops.is_empty() {
            continue;
        }
        let name = model.display_name(id);
        let mut reported: BTreeSet<(String, &'static str)> = BTreeSet::new();
        for (op, holder) in &ops {
            let Ok(key) = KeyPattern::parse(&op.key, sep) else {
                continue;
            };
            let is_cache = model.caches.contains_key(&key.canonical());
            let (declared, what, attribute): (bool, &str, &str) = match op.kind {
                OpKind::Read | OpKind::Fill if is_cache => (
                    reads.iter().any(|(k, ..)| k.covers(&key)),
                    if op.kind == OpKind::Read {
                        "reads"
                    } else {
                        "fills"
                    },
                    "reads",
                ),
                OpKind::Write if cache_reads.iter().any(|r| r.overlaps(&key)) => (
                    writes.iter().any(|(k, ..)| k.covers(&key)),
                    "invalidates",
                    "writes",
                ),
                _ => continue,
            };
            if declared || !reported.insert((key.canonical(), attribute)) {
                continue;
            }
            let via = if *holder == id {
                String::new()
            } else {
                format!(
                    " (through `{}`, which it calls)",
                    model.display_name(*holder)
                )
            };
            let draft = Draft {
                message: format!(
                    "`{name}` {what} `{key}`{via}, which its annotations do not declare"
                ),
                // At the annotation (SPEC §5), where the fix usually goes; the call is related.
                primary: cx.label(
                    contract_span(function, attribute),
                    format!("`{key}` is not declared here"),
                ),
                related: vec![cx.label(
                    op.span,
                    if op.span == op.call_span {
                        format!("`{}` {what} `{key}` here", op.call)
                    } else {
                        format!("this call reaches `{}`, which {what} `{key}`", op.call)
                    },
                )],
                notes: vec![format!(
                    "where a function carries annotations they are its contract: the \
                     inferred `{}` is not checked",
                    op.call
                )],
                help: Some(format!(
                    "add `#[{attribute}(\"{key}\")]` to `{name}`, or remove the call if the \
                     annotation is right"
                )),
                suggestion: None,
                identity: vec![
                    key.canonical(),
                    attribute.to_owned(),
                    model.qualified_name(id),
                ],
            };
            sink.report(&RULE, &allow, draft);
        }
        // A declared write no call under it performs.
        for (key, span, allow) in &writes {
            let performed = ops.iter().any(|(op, _)| {
                op.kind == OpKind::Write
                    && KeyPattern::parse(&op.key, sep).is_ok_and(|k| k.overlaps(key))
            });
            if performed {
                continue;
            }
            let draft = Draft {
                message: format!(
                    "`{name}` declares that it invalidates `{key}`, but no cache call under it \
                     does"
                ),
                primary: cx.label(*span, "declared here"),
                related: Vec::new(),
                notes: vec![format!(
                    "the cache calls under `{name}` are: {}",
                    list_calls(&ops)
                )],
                help: Some(format!(
                    "invalidate `{key}` where `{name}` changes its data, or remove the \
                     annotation if it no longer does"
                )),
                suggestion: None,
                identity: vec![
                    key.canonical(),
                    "declared".to_owned(),
                    model.qualified_name(id),
                ],
            };
            sink.report(&RULE, allow, draft);
        }
    }
}

/// The attribute a missing key belongs in: the function's first `#[reads]` (for `reads`) or
/// `#[writes]`, else its first cache annotation.
fn contract_span(function: &crate::facts::FnFact, attribute: &str) -> crate::facts::SrcSpan {
    let kind = if attribute == "reads" {
        AnnotationKind::Reads
    } else {
        AnnotationKind::Writes
    };
    let cache = |a: &&crate::facts::AnnotationFact| {
        matches!(a.kind, AnnotationKind::Reads | AnnotationKind::Writes)
    };
    function
        .annotations
        .iter()
        .find(|a| a.kind == kind)
        .or_else(|| function.annotations.iter().find(cache))
        .map_or(function.name_span, |a| a.span)
}

/// `id` and the functions it calls that declare no keys themselves (transitively): what its
/// annotations are the contract for.
fn covered(cx: &Context, id: FnId) -> Vec<FnId> {
    let model = cx.model;
    let mut seen = BTreeSet::from([id]);
    let mut stack = vec![id];
    while let Some(at) = stack.pop() {
        for edge in model.graph.edges(NodeIndex::new(at)) {
            let to = edge.target().index();
            if !matches!(edge.weight(), Step::Call(_)) || declares_keys(&model.functions[to]) {
                continue;
            }
            if seen.insert(to) {
                stack.push(to);
            }
        }
    }
    seen.into_iter().collect()
}

fn list_calls(ops: &[(&InferredOp, FnId)]) -> String {
    let mut calls: Vec<String> = ops
        .iter()
        .map(|(op, _)| format!("`{}` on `{}`", op.call, op.key))
        .collect();
    calls.sort();
    calls.dedup();
    calls.join(", ")
}
