//! `stale_dependent`: an entry whose write path invalidates a key but not a key that depends on it.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::facts::FnId;
use crate::finding::{Label, Level};
use crate::graph::{DependencyReason, KeySite, Model, Step, steps_to};
use cachelint_core::KeyPattern;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "stale_dependent",
    default_level: Level::Error,
    summary: "an entry whose write path invalidates a key but not a key that depends on it",
    docs: include_str!("docs/stale_dependent.md"),
    allow_at: AllowAt::Entry,
};

/// One link of a dependency chain: `dependent` depends on `on` because of `reason`.
struct Link<'a> {
    dependent: &'a str,
    on: &'a str,
    reason: &'a DependencyReason,
}

/// Reports, for every entry, each key that depends on a key its write path invalidates but
/// that the path leaves alone. When several invalidated keys explain it, the nearest one does.
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    let canonical: Vec<String> = model.reads.iter().map(|r| r.key.canonical()).collect();
    let mut read_keys: BTreeMap<&str, &KeySite> = BTreeMap::new();
    for (read, key) in model.reads.iter().zip(&canonical) {
        read_keys.entry(key.as_str()).or_insert(read);
    }
    let dependents = dependents(&cx.dependencies);
    // Keys a `depends_on` lists that no function reads (a table, a upstream key): writes
    // invalidate them too.
    let mut unread: BTreeMap<String, &KeyPattern> = BTreeMap::new();
    for dep in model.declared.iter().flatten().flatten() {
        let key = dep.key.canonical();
        if !read_keys.contains_key(key.as_str()) {
            unread.entry(key).or_insert(&dep.key);
        }
    }
    let pattern = |canonical: &str| -> Option<&KeyPattern> {
        match read_keys.get(canonical) {
            Some(site) => Some(&site.key),
            None => unread.get(canonical).copied(),
        }
    };
    // A key as written (the first `#[reads]` or `depends_on` that names it).
    let display_key = |canonical: &str| -> String {
        pattern(canonical).map_or_else(|| canonical.to_string(), ToString::to_string)
    };
    // Only functions that lead to a write matter: the walks below skip the rest.
    let writers = model.writes.iter().map(|w| w.function);
    let useful = model.reaching(writers);
    for &entry in &model.entries {
        if !useful[entry] {
            continue;
        }
        let reach = model.reach_within(entry, false, &useful);
        let writes: Vec<&KeySite> = model
            .writes_of(&reach)
            .into_iter()
            .map(|w| &model.writes[w])
            .collect();
        // Each read key this path invalidates (at least in part), with the first write (in path
        // order) that does; and the keys it invalidates whole: a key only overlapped (the
        // default team's dashboard for every team's) is still left stale.
        let mut invalidated: BTreeMap<&str, &KeySite> = BTreeMap::new();
        let mut covered: BTreeSet<&str> = BTreeSet::new();
        for write in &writes {
            for read in model.read_index.candidates(&write.key) {
                if model.reads[read].key.overlaps(&write.key) {
                    invalidated.entry(canonical[read].as_str()).or_insert(write);
                    if write.key.covers(&model.reads[read].key) {
                        covered.insert(canonical[read].as_str());
                    }
                }
            }
            for (key, pattern) in &unread {
                if write.key.overlaps(pattern) {
                    invalidated.entry(key.as_str()).or_insert(write);
                    if write.key.covers(pattern) {
                        covered.insert(key.as_str());
                    }
                }
            }
        }
        let found = stale(&invalidated, &covered, &dependents);
        if found.is_empty() {
            continue;
        }
        let parents: HashMap<FnId, &(FnId, Step)> = reach
            .iter()
            .filter_map(|(id, p)| p.as_ref().map(|p| (*id, p)))
            .collect();
        let allowed = allowed(model, entry);
        for (dependent, chain) in found {
            let source = chain.last().map_or(dependent, |link| link.on);
            let write = invalidated[source];
            let (Some(key), Some(dependent)) = (pattern(source), read_keys.get(dependent)) else {
                continue;
            };
            // A write on this path that overlaps the dependent key without covering it.
            let partial = writes
                .iter()
                .copied()
                .find(|w| w.key.overlaps(&dependent.key));
            let sites = Sites {
                write,
                key,
                dependent,
                partial,
            };
            let path = steps_to(&parents, write.function);
            let draft = explain(cx, entry, &path, &sites, &chain, &display_key);
            sink.report(&RULE, &allowed, draft);
        }
    }
}

/// Key → the keys that depend on it directly, with the reason (reversed dependencies).
fn dependents(
    deps: &BTreeMap<String, BTreeMap<String, DependencyReason>>,
) -> BTreeMap<&str, Vec<Link<'_>>> {
    let mut out: BTreeMap<&str, Vec<Link>> = BTreeMap::new();
    for (dependent, on) in deps {
        for (key, reason) in on {
            out.entry(key.as_str()).or_default().push(Link {
                dependent,
                on: key,
                reason,
            });
        }
    }
    out
}

/// Every read key left stale: it depends, directly or transitively, on an invalidated key
/// and is not invalidated whole (`covered`) itself. Each comes with its shortest chain of
/// links, from the dependent back to the invalidated key.
fn stale<'a>(
    invalidated: &BTreeMap<&'a str, &KeySite>,
    covered: &BTreeSet<&'a str>,
    dependents: &'a BTreeMap<&'a str, Vec<Link<'a>>>,
) -> Vec<(&'a str, Vec<&'a Link<'a>>)> {
    // Breadth-first from every invalidated key at once: the first visit is the nearest.
    let mut seen: BTreeSet<&str> = covered.iter().copied().collect();
    let mut queue: VecDeque<(&str, Vec<&Link>)> =
        invalidated.keys().map(|&k| (k, Vec::new())).collect();
    let mut out = Vec::new();
    while let Some((at, chain)) = queue.pop_front() {
        for link in dependents.get(at).into_iter().flatten() {
            if seen.insert(link.dependent) {
                let mut longer = vec![link];
                longer.extend(chain.iter().copied());
                out.push((link.dependent, longer.clone()));
                queue.push_back((link.dependent, longer));
            }
        }
    }
    out
}

/// The rules an entry's cachelint attributes allow (`allow(stale_dependent)` on any of them
/// silences that rule's entry findings there).
pub(super) fn allowed(model: &Model, entry: FnId) -> Vec<String> {
    model.functions[entry]
        .annotations
        .iter()
        .flat_map(|a| a.allow.iter().cloned())
        .collect()
}

/// What a finding is about: the write of the invalidated key, that key, and the dependent
/// key's read.
struct Sites<'a> {
    write: &'a KeySite,
    key: &'a KeyPattern,
    dependent: &'a KeySite,
    /// A write on the path that only overlaps the dependent key.
    partial: Option<&'a KeySite>,
}

fn explain(
    cx: &Context,
    entry: FnId,
    path: &[(FnId, Step)],
    sites: &Sites,
    chain: &[&Link],
    display_key: &dyn Fn(&str) -> String,
) -> Draft {
    let model = cx.model;
    let Sites {
        write,
        key,
        dependent,
        partial,
    } = *sites;
    let name = model.display_name(entry);
    let (key_text, dependent_text) = (key.to_string(), dependent.key.to_string());
    let write_message = if write.key.canonical() == key.canonical() {
        format!("`{key_text}` is invalidated here")
    } else {
        format!("`{}` invalidates `{key_text}` here", write.key)
    };
    let mut related = vec![cx.label(write.span, write_message)];
    let mut notes = Vec::new();
    for (from, step) in path {
        if let Step::Event {
            name: event,
            publish,
            subscribe,
        } = step
        {
            let subscriber = model
                .subscribes
                .iter()
                .find(|s| s.span == *subscribe)
                .map_or_else(String::new, |s| model.display_name(s.function));
            related.push(cx.label(
                *publish,
                format!(
                    "`{}` publishes `{event}`, which runs `{subscriber}`",
                    model.display_name(*from)
                ),
            ));
        }
    }
    if !path.is_empty() {
        notes.push(format!(
            "`{name}` reaches the write through {}",
            describe_path(model, path, write.function)
        ));
    }
    related.push(cx.label(dependent.span, format!("`{dependent_text}` is read here")));
    for link in chain {
        let (label, note) = reason(cx, link, display_key);
        related.push(label);
        notes.extend(note);
    }
    let inferred = chain
        .iter()
        .find(|link| matches!(link.reason, DependencyReason::Inferred { .. }));
    if chain.len() > 1 {
        let through: Vec<String> = chain[..chain.len() - 1]
            .iter()
            .map(|link| format!("`{}`", display_key(link.on)))
            .collect();
        notes.push(format!(
            "`{dependent_text}` depends on `{key_text}` through {}",
            through.join(" and ")
        ));
    }
    if let Some(partial) = partial {
        related.push(cx.label(
            partial.span,
            format!(
                "`{}` only overlaps `{dependent_text}`: it is only partly invalidated",
                partial.key
            ),
        ));
    }
    let mut help = fix(model, entry, write, &dependent.key);
    if let Some(link) = inferred {
        let (from, on) = (display_key(link.dependent), display_key(link.on));
        help.push_str(&format!(
            "; if `{from}` is not built from `{on}`, list what it is built from with \
             `depends_on = [..]` on its `#[reads]`"
        ));
    }
    Draft {
        message: format!(
            "`{name}` invalidates `{key_text}` but leaves `{dependent_text}`, which depends on it, stale"
        ),
        primary: cx.label(
            model.functions[entry].name_span,
            format!("this write path leaves `{dependent_text}` stale"),
        ),
        related,
        notes,
        help: Some(help),
        suggestion: None,
        identity: vec![dependent.key.canonical(), model.qualified_name(entry)],
    }
}

/// How to fix it: invalidate the dependent key on this entry's own path. Never "add it to the
/// `#[writes]` of a shared helper": that silences the check for every caller while the
/// helper's body still deletes only what it did.
fn fix(model: &Model, entry: FnId, write: &KeySite, dependent: &KeyPattern) -> String {
    let name = model.display_name(entry);
    let dependent_text = dependent.to_string();
    // The keys a function invalidates: its write sites, declared or inferred.
    let declared_writes = |f: FnId| -> usize {
        let mut keys: Vec<String> = model.writes_by_function[f]
            .iter()
            .map(|&w| model.writes[w].key.canonical())
            .collect();
        keys.sort();
        keys.dedup();
        keys.len()
    };
    // A function that invalidates exactly the dependent key (not a wildcard purge), to call
    // from here: the one declaring the fewest other writes.
    let canonical = dependent.canonical();
    let helper = model
        .writes
        .iter()
        .filter(|w| w.function != entry && w.key.canonical() == canonical)
        .map(|w| w.function)
        .min_by_key(|&f| (declared_writes(f), f));
    match helper {
        // A helper for exactly this key: call it.
        Some(helper) if declared_writes(helper) == 1 => format!(
            "invalidate `{dependent_text}` on this path too: call `{}` from `{name}`",
            model.display_name(helper)
        ),
        // A function that invalidates it among other keys: say so, do not prescribe it.
        Some(helper) => format!(
            "invalidate `{dependent_text}` on this path too, in `{name}` (`{}` invalidates it, \
             among other keys)",
            model.display_name(helper)
        ),
        None if write.inferred.is_some() => {
            format!("invalidate `{dependent_text}` in `{name}` too")
        }
        None if write.function == entry => format!(
            "invalidate `{dependent_text}` in `{name}` too, and add it to `{name}`'s `#[writes]`"
        ),
        None => format!(
            "invalidate `{dependent_text}` in `{name}` too (and declare it in a `#[writes]` on \
             `{name}`); adding it to the `#[writes]` of `{}` would only be right if its body \
             deletes it for every caller",
            model.display_name(write.function)
        ),
    }
}

/// The label (and, for a long call chain, a note) saying why `link.dependent` depends on
/// `link.on`.
fn reason(
    cx: &Context,
    link: &Link,
    display_key: &dyn Fn(&str) -> String,
) -> (Label, Option<String>) {
    let model = cx.model;
    match link.reason {
        DependencyReason::Declared { read, span } => {
            let read = &model.reads[*read];
            let label = cx.label(
                *span,
                format!(
                    "`{}` declares that `{}` depends on `{}`",
                    model.display_name(read.function),
                    read.key,
                    display_key(link.on)
                ),
            );
            (label, None)
        }
        DependencyReason::Inferred {
            read,
            target,
            calls,
        } => {
            let (read, target) = (&model.reads[*read], &model.reads[*target]);
            let (reader, callee) = (
                model.display_name(read.function),
                model.display_name(target.function),
            );
            let Some((_, first_call)) = calls.first() else {
                let text = format!("`{reader}` reads `{}` and `{}`", read.key, target.key);
                return (cx.label(target.span, text), None);
            };
            let text = match calls.get(1) {
                None => format!(
                    "`{reader}` reads `{}` and calls `{callee}`, which reads `{}`",
                    read.key, target.key
                ),
                Some((next, _)) => format!(
                    "`{reader}` reads `{}` and calls `{}`, which reaches `{callee}`, which reads `{}`",
                    read.key,
                    model.display_name(*next),
                    target.key
                ),
            };
            let note = (calls.len() > 1).then(|| {
                let hops: Vec<String> = calls
                    .iter()
                    .map(|(f, _)| format!("`{}`", model.display_name(*f)))
                    .chain(std::iter::once(format!("`{callee}`")))
                    .collect();
                format!("`{reader}` reaches `{callee}` through {}", hops.join(" → "))
            });
            (cx.label(*first_call, text), note)
        }
    }
}

/// `entry` → `helper` → event `e` → `subscriber` → .. → `last`.
pub(super) fn describe_path(model: &Model, path: &[(FnId, Step)], last: FnId) -> String {
    let mut hops = Vec::new();
    for (index, (from, step)) in path.iter().enumerate() {
        if index == 0 {
            hops.push(format!("`{}`", model.display_name(*from)));
        }
        if let Step::Event { name, .. } = step {
            hops.push(format!("event `{name}`"));
        }
        let to = path.get(index + 1).map_or(last, |(next, _)| *next);
        hops.push(format!("`{}`", model.display_name(to)));
    }
    hops.join(" → ")
}
