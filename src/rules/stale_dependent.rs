//! `stale_dependent`: an entry whose write path invalidates a key but not a key that depends on it.

use super::{Context, Draft, RuleInfo, Sink};
use crate::facts::SrcSpan;
use crate::finding::{Label, Level};
use crate::graph::{DependencyReason, KeySite, Model, Step};
use crate::resolve::FnId;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "stale_dependent",
    default_level: Level::Error,
    summary: "an entry whose write path invalidates a key but not a key that depends on it",
    docs: include_str!("docs/stale_dependent.md"),
};

/// Reports, for every entry, each key that depends on a key its write path invalidates but
/// that the path leaves alone.
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    let canonical: Vec<String> = model.reads.iter().map(|r| r.key.canonical()).collect();
    let mut read_keys: BTreeMap<&str, &KeySite> = BTreeMap::new();
    for (read, key) in model.reads.iter().zip(&canonical) {
        read_keys.entry(key.as_str()).or_insert(read);
    }
    let dependents = dependents(&cx.dependencies);
    for &entry in &model.entries {
        let reach = model.reach(entry, false);
        let writes: Vec<&KeySite> =
            model.writes_of(&reach).into_iter().map(|w| &model.writes[w]).collect();
        // Each read key this path invalidates, with the first write (in path order) that does.
        let mut invalidated: BTreeMap<&str, &KeySite> = BTreeMap::new();
        for write in &writes {
            for read in model.read_index.candidates(&write.key) {
                if model.reads[read].key.overlaps(&write.key) {
                    invalidated.entry(canonical[read].as_str()).or_insert(write);
                }
            }
        }
        let mut reported = BTreeSet::new();
        for (key, write) in invalidated {
            if !dependents.contains_key(key) {
                continue;
            }
            let site = read_keys[key];
            for (dependent, chain) in closure(key, &dependents) {
                let dependent_site = read_keys[dependent.as_str()];
                if reported.contains(&dependent)
                    || writes.iter().any(|w| w.key.overlaps(&dependent_site.key))
                {
                    continue;
                }
                reported.insert(dependent.clone());
                let draft = explain(cx, entry, &reach, write, site, dependent_site, &chain);
                sink.report(&RULE, &allowed(model, entry), draft);
            }
        }
    }
}

/// Key → the keys that depend on it directly, with the reason (reversed dependencies).
fn dependents(
    deps: &BTreeMap<String, BTreeMap<String, DependencyReason>>,
) -> BTreeMap<&str, Vec<(&str, &DependencyReason)>> {
    let mut out: BTreeMap<&str, Vec<(&str, &DependencyReason)>> = BTreeMap::new();
    for (dependent, on) in deps {
        for (key, reason) in on {
            out.entry(key.as_str())
                .or_default()
                .push((dependent.as_str(), reason));
        }
    }
    out
}

/// Every key that depends on `key`, directly or transitively, with the chain of reasons
/// from the dependent back to `key`, nearest first.
fn closure<'a>(
    key: &str,
    dependents: &BTreeMap<&'a str, Vec<(&'a str, &'a DependencyReason)>>,
) -> Vec<(String, Vec<&'a DependencyReason>)> {
    let mut seen = BTreeSet::from([key.to_string()]);
    let mut out = Vec::new();
    let mut queue = VecDeque::from([(key.to_string(), Vec::new())]);
    while let Some((at, chain)) = queue.pop_front() {
        for &(dependent, reason) in dependents.get(at.as_str()).into_iter().flatten() {
            if seen.insert(dependent.to_string()) {
                let mut chain: Vec<&DependencyReason> = chain.clone();
                chain.insert(0, reason);
                out.push((dependent.to_string(), chain.clone()));
                queue.push_back((dependent.to_string(), chain));
            }
        }
    }
    out
}

/// `allow(stale_dependent)` on any cachelint attribute of the entry silences it there.
fn allowed(model: &Model, entry: FnId) -> Vec<String> {
    model.functions[entry]
        .annotations
        .iter()
        .flat_map(|a| a.allow.iter().cloned())
        .collect()
}

fn explain(
    cx: &Context,
    entry: FnId,
    reach: &[(FnId, Option<(FnId, Step)>)],
    write: &KeySite,
    key: &KeySite,
    dependent: &KeySite,
    chain: &[&DependencyReason],
) -> Draft {
    let model = cx.model;
    let name = model.display_name(entry);
    let mut related = vec![cx.label(write.span, format!("invalidates `{}` here", write.key))];
    let path = Model::path_to(reach, write.function);
    let mut notes = Vec::new();
    if !path.is_empty() {
        notes.push(format!(
            "`{name}` reaches this write through {}",
            describe_path(model, &path, write.function)
        ));
    }
    related.push(cx.label(dependent.span, format!("`{}` is read here", dependent.key)));
    for reason in chain {
        related.push(reason_label(cx, reason));
    }
    if chain.len() > 1 {
        notes.push(format!(
            "`{}` depends on `{}` through {} steps",
            dependent.key,
            key.key,
            chain.len()
        ));
    }
    Draft {
        message: format!(
            "`{name}` invalidates `{}` but leaves `{}`, which depends on it, stale",
            key.key, dependent.key
        ),
        primary: cx.label(
            model.functions[entry].name_span,
            "this write path misses a dependent key",
        ),
        related,
        notes,
        help: Some(format!(
            "invalidate `{}` on this path too, e.g. `#[writes(\"{}\")]` on a function `{name}` reaches",
            dependent.key, dependent.key
        )),
        suggestion: None,
        identity: vec![dependent.key.canonical(), model.qualified_name(entry)],
    }
}

fn reason_label(cx: &Context, reason: &DependencyReason) -> Label {
    let model = cx.model;
    match reason {
        DependencyReason::Declared { read, span } => {
            let read = &model.reads[*read];
            cx.label(
                *span,
                format!("`{}` is declared to depend on this key", read.key),
            )
        }
        DependencyReason::Inferred {
            read,
            target,
            calls,
        } => {
            let (read, target) = (&model.reads[*read], &model.reads[*target]);
            let span: SrcSpan = calls.first().map_or(target.span, |(_, span)| *span);
            cx.label(
                span,
                format!(
                    "`{}` reads `{}` and calls into `{}`, which reads `{}`",
                    model.display_name(read.function),
                    read.key,
                    model.display_name(target.function),
                    target.key
                ),
            )
        }
    }
}

fn describe_path(model: &Model, path: &[(FnId, Step)], last: FnId) -> String {
    let hops: Vec<String> = path
        .iter()
        .skip(1)
        .map(|(f, _)| *f)
        .chain(std::iter::once(last))
        .map(|f| format!("`{}`", model.display_name(f)))
        .collect();
    let events: Vec<String> = path
        .iter()
        .filter_map(|(_, step)| match step {
            Step::Event { name, .. } => Some(format!("event `{name}`")),
            Step::Call(_) => None,
        })
        .collect();
    let mut text = hops.join(" → ");
    if !events.is_empty() {
        text.push_str(&format!(" (via {})", events.join(", ")));
    }
    text
}
