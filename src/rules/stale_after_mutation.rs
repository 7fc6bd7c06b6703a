//! `stale_after_mutation`: an entry whose path mutates a table a cached key is built from, and
//! whose writes do not cover the key (SPEC §12).

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::facts::FnId;
use crate::finding::Level;
use crate::graph::{KeySite, Step, steps_to};
use crate::semantic::{DataKind, DataOp};
use crate::sources::TableSource;
use cachelint_core::KeyPattern;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "stale_after_mutation",
    default_level: Level::Error,
    summary: "a write path that mutates a table a cached key is built from, and leaves the key stale",
    docs: include_str!("docs/stale_after_mutation.md"),
    allow_at: AllowAt::Entry,
};

/// A cached key and what it is built from.
struct Cached<'a> {
    /// A read of it: where the finding's related label points, and the key pattern.
    read: &'a KeySite,
    sources: &'a [TableSource],
    /// The longest time it lives, when every fill or read gives one.
    ttl: Option<Duration>,
}

/// The entries whose path through one mutating call leaves one key stale.
struct Stale<'a> {
    key: &'a str,
    mutation: usize,
    /// Each entry, with its path to the mutating function.
    entries: Vec<(FnId, Vec<(FnId, Step)>)>,
}

/// Reports each mutating call and cached key such that some entry's path runs the call and
/// does not invalidate the key: one finding per call and key, naming every such entry.
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    if model.data.is_empty() || model.sources.by_key.is_empty() {
        return;
    }
    let cached = cached_keys(cx);
    if cached.is_empty() {
        return;
    }
    // Table → the cached keys built from it.
    let mut by_table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (key, c) in &cached {
        for source in c.sources {
            by_table.entry(&source.table).or_default().push(key);
        }
    }
    let mut mutations: BTreeMap<FnId, Vec<usize>> = BTreeMap::new();
    for (index, op) in model.data.iter().enumerate() {
        if op.kind.mutates() && by_table.contains_key(op.table.as_str()) {
            mutations.entry(op.function).or_default().push(index);
        }
    }
    if mutations.is_empty() {
        return;
    }
    let mutators = mutations.keys().copied();
    let useful = model.reaching(mutators);
    // Each read key's patterns, by canonical text: what a key depends on is named so.
    let mut patterns: BTreeMap<String, Vec<&KeyPattern>> = BTreeMap::new();
    for read in &model.reads {
        patterns
            .entry(read.key.canonical())
            .or_default()
            .push(&read.key);
    }
    let mut found: BTreeMap<(usize, &str), Stale> = BTreeMap::new();
    let mut upstream: BTreeMap<&str, Vec<&KeyPattern>> = BTreeMap::new();
    for &entry in &model.entries {
        if !useful[entry] {
            continue;
        }
        let allowed = super::stale_dependent::allowed(model, entry);
        if allowed.iter().any(|a| a == RULE.name) {
            continue;
        }
        let reach = model.reach(entry, false);
        let writes: Vec<&KeySite> = model
            .writes_of(&reach)
            .into_iter()
            .map(|w| &model.writes[w])
            .collect();
        let parents: HashMap<FnId, &(FnId, Step)> = reach
            .iter()
            .filter_map(|(id, p)| p.as_ref().map(|p| (*id, p)))
            .collect();
        let reached: HashSet<FnId> = reach.iter().map(|(f, _)| *f).collect();
        for (function, _) in &reach {
            let Some(list) = mutations.get(function) else {
                continue;
            };
            for &index in list {
                let op = &model.data[index];
                for &key in by_table.get(op.table.as_str()).into_iter().flatten() {
                    let c = &cached[key];
                    if writes.iter().any(|w| w.key.covers(&c.read.key)) {
                        continue;
                    }
                    // The path invalidates a key this one is built from: `stale_dependent`
                    // reports the same gap at the entry, once is enough.
                    let upstream = upstream.entry(key).or_insert_with(|| {
                        depends_on(cx, key)
                            .iter()
                            .flat_map(|d| patterns.get(d).into_iter().flatten().copied())
                            .collect()
                    });
                    if writes
                        .iter()
                        .any(|w| upstream.iter().any(|d| w.key.overlaps(d)))
                    {
                        continue;
                    }
                    if cannot_leave_stale(op, c) {
                        continue;
                    }
                    // Run on the key's own miss path, before its fill, on a path that fills it:
                    // the fill stores what it changed.
                    let fills_after = model.sources.before_fill.get(key).is_some_and(|ops| {
                        ops.iter()
                            .any(|(i, fill)| *i == index && reached.contains(fill))
                    });
                    if fills_after {
                        continue;
                    }
                    let stale = found.entry((index, key)).or_insert_with(|| Stale {
                        key,
                        mutation: index,
                        entries: Vec::new(),
                    });
                    stale.entries.push((entry, steps_to(&parents, *function)));
                }
            }
        }
    }
    for stale in found.into_values() {
        let draft = explain(cx, &stale, &cached[stale.key]);
        sink.report(&RULE, &[], draft);
    }
}

/// The cached keys with sources that a mutation can leave stale: a ttl'd key nothing anywhere
/// invalidates is left to `ttl_only_read` (its ttl is the design), and one whose ttl is at or
/// below `max_staleness` is fresh enough.
fn cached_keys<'a>(cx: &Context<'a>) -> BTreeMap<&'a str, Cached<'a>> {
    let model = cx.model;
    let mut out = BTreeMap::new();
    for (key, sources) in &model.sources.by_key {
        let Some(read) = model.reads.iter().find(|r| r.key.canonical() == *key) else {
            continue;
        };
        let ttls: Vec<Option<Duration>> = model
            .reads
            .iter()
            .filter(|r| r.key.canonical() == *key)
            .map(|r| r.ttl.or_else(|| model.caches.get(key).copied().flatten()))
            .collect();
        let ttl = if ttls.iter().all(Option::is_some) {
            ttls.iter().flatten().max().copied()
        } else {
            None
        };
        if let Some(ttl) = ttl {
            if ttl <= cx.max_staleness {
                continue;
            }
            let invalidated = model
                .write_index
                .candidates(&read.key)
                .into_iter()
                .any(|w| model.writes[w].key.overlaps(&read.key));
            if !invalidated {
                continue;
            }
        }
        out.insert(key.as_str(), Cached { read, sources, ttl });
    }
    out
}

/// The read keys `key` is built from, directly or through others (canonical texts).
fn depends_on(cx: &Context, key: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut queue = vec![key.to_owned()];
    while let Some(at) = queue.pop() {
        for dep in cx.dependencies.get(&at).into_iter().flat_map(|d| d.keys()) {
            if out.insert(dep.clone()) {
                queue.push(dep.clone());
            }
        }
    }
    out.remove(key);
    out
}

/// Mutations that cannot change what the key holds: an INSERT of a fresh row into the table
/// whose row the key's placeholder selects by primary key (no such row was ever cached; an
/// upsert may change one), and an update of columns the key's queries never read.
fn cannot_leave_stale(op: &DataOp, cached: &Cached) -> bool {
    let Some(source) = cached.sources.iter().find(|s| s.table == op.table) else {
        return true;
    };
    if op.kind == DataKind::Insert && source.by_key && has_placeholder(&cached.read.key) {
        return true;
    }
    if op.kind == DataKind::Update
        && let (Some(written), Some(read)) = (&op.columns, &source.columns)
        && written.is_disjoint(read)
    {
        return true;
    }
    false
}

fn explain(cx: &Context, stale: &Stale, cached: &Cached) -> Draft {
    let model = cx.model;
    let op = &model.data[stale.mutation];
    let site = model.display_name(op.function);
    let key = cached.read.key.to_string();
    let table = &op.table;
    let columns = match &op.columns {
        Some(c) if !c.is_empty() && op.kind == DataKind::Update => format!(
            " ({})",
            c.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => String::new(),
    };
    let bound = cached.ttl.map_or_else(String::new, |ttl| {
        format!(" for up to {}", cachelint_core::format_duration(ttl))
    });
    let message = format!(
        "`{site}` {} `{table}`, which `{key}` is cached from, and leaves `{key}` stale{bound}",
        op.kind.verb()
    );
    let primary = cx.label(
        op.span,
        format!(
            "{} `{table}`{columns}; nothing on this path invalidates `{key}`",
            op.kind.verb()
        ),
    );
    let mut related = vec![cx.label(cached.read.span, format!("`{key}` is read here"))];
    let source = cached.sources.iter().find(|s| s.table == *table);
    if let Some(source) = source {
        if let Some(&query) = source.queries.first() {
            let q = &model.data[query];
            related.push(cx.label(
                q.span,
                format!("`{key}` is filled from `{table}` here, on its miss path"),
            ));
        } else if let Some(span) = source.declared {
            related.push(cx.label(
                span,
                format!("`{key}` is declared built from `{table}` here"),
            ));
        }
    }
    let mut notes = Vec::new();
    if let Some(statement) = op.statement.as_ref().filter(|_| !op.literal) {
        notes.push(format!("the statement: {statement}"));
    }
    if let Some(q) = source
        .and_then(|s| s.queries.first())
        .map(|&i| &model.data[i])
        && let Some(statement) = &q.statement
    {
        notes.push(format!("`{key}` is filled by: {statement}"));
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (entry, path) in &stale.entries {
        let name = model.display_name(*entry);
        if !names.insert(name.clone()) {
            continue;
        }
        if path.is_empty() {
            notes.push(format!(
                "`{name}` runs it and invalidates no key that covers `{key}`"
            ));
        } else {
            notes.push(format!(
                "`{name}` reaches it through {}, and invalidates no key that covers `{key}`",
                super::stale_dependent::describe_path(model, path, op.function)
            ));
        }
        for (from, step) in path {
            if let Step::Event {
                name: event,
                publish,
                ..
            } = step
            {
                related.push(cx.label(
                    *publish,
                    format!("`{}` publishes `{event}`; its subscribers invalidate no key covering `{key}`", model.display_name(*from)),
                ));
            }
        }
    }
    if let Some(ttl) = cached.ttl {
        notes.push(format!(
            "`{key}` expires after {}, but other write paths invalidate it: readers are meant to see changes at once",
            cachelint_core::format_duration(ttl)
        ));
    }
    // Every entry that leaves it stale: the fix goes on each one's path.
    let entries: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let entry = match entries.as_slice() {
        [] => format!("`{site}`"),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let how = if cached.read.inferred.is_some() {
        format!(
            "delete `{key}` (or overwrite it) after the {} in {entry}",
            statement_noun(op.kind)
        )
    } else {
        format!(
            "invalidate `{key}` after the {} in {entry} (and say so: `#[writes(\"{key}\")]`)",
            statement_noun(op.kind)
        )
    };
    let help = if source.is_some_and(|s| s.declared.is_some()) {
        format!(
            "{how}; if `{key}` does not show `{table}`'s data, drop it from its `tables = [..]`"
        )
    } else {
        format!(
            "{how}; if `{key}` does not show the changed data, list the tables it is built from: `#[reads(\"{key}\", tables = [..])]`"
        )
    };
    Draft {
        message,
        primary,
        related,
        notes,
        help: Some(help),
        suggestion: None,
        identity: vec![
            cached.read.key.canonical(),
            model.qualified_name(op.function),
            table.clone(),
        ],
    }
}

fn statement_noun(kind: DataKind) -> &'static str {
    match kind {
        DataKind::Insert => "insert",
        DataKind::Upsert => "upsert",
        DataKind::Delete => "delete",
        _ => "update",
    }
}

fn has_placeholder(key: &cachelint_core::KeyPattern) -> bool {
    key.segments().iter().any(|s| match s {
        cachelint_core::Segment::Parts(parts) => parts
            .iter()
            .any(|p| matches!(p, cachelint_core::Part::Placeholder(_))),
        cachelint_core::Segment::Wildcard => false,
    })
}
