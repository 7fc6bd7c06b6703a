//! The sources of cached keys (SPEC §12): the tables each cache is built from. Inferred as
//! the tables read on a key's miss path (between a read of the key that misses and the fill
//! that stores it, queries in the functions called there included), or, for a declared
//! `#[reads]` with no fill to follow, by everything its function reaches; declared with
//! `#[reads("…", tables = [..])]`, which replaces the inferred list.

use crate::facts::{FnFact, FnId, Pos, SrcSpan};
use crate::graph::{KeySite, Step};
use crate::semantic::{DataOp, InferredOp, OpKind};
use cachelint_core::KeyPattern;
use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// A table a cached key is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSource {
    pub table: String,
    /// The reads of it on the key's miss path (indices into [`crate::graph::Model::data`]),
    /// in source order.
    pub queries: Vec<usize>,
    /// Where `tables = [..]` names it, when declared.
    pub declared: Option<SrcSpan>,
    /// The columns the key's queries read of it, when every one of them says (`None`: `*`,
    /// an ORM model, a declared table).
    pub columns: Option<BTreeSet<String>>,
    /// Some query pins one row of it by primary key (`WHERE id = $1`, `find_by_id`): the
    /// table whose row the key's placeholder selects.
    pub by_key: bool,
}

/// What [`sources`] reads.
pub struct Inputs<'a> {
    pub functions: &'a [FnFact],
    pub graph: &'a DiGraph<FnId, Step>,
    pub reads: &'a [KeySite],
    pub inferred: &'a [InferredOp],
    pub data: &'a [DataOp],
    pub sep: char,
}

/// What [`sources`] finds.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Each cached key's sources, by the key's canonical text; keys with none are left out.
    pub by_key: BTreeMap<String, Vec<TableSource>>,
    /// The mutations that run on a key's miss path, before its fill (a get-or-create that
    /// inserts the row it then caches), with the function holding the fill: on a path that
    /// runs that function they cannot leave the key stale.
    pub before_fill: BTreeMap<String, BTreeSet<(usize, FnId)>>,
}

/// The sources of every cached key.
pub fn sources(inputs: &Inputs) -> Sources {
    let Inputs {
        functions,
        graph,
        reads,
        inferred,
        data,
        sep,
    } = *inputs;
    let mut ops_of: HashMap<FnId, Vec<usize>> = HashMap::new();
    for (index, op) in data.iter().enumerate() {
        ops_of.entry(op.function).or_default().push(index);
    }
    let mut calls_of: HashMap<FnId, Vec<(FnId, SrcSpan)>> = HashMap::new();
    for edge in graph.edge_references() {
        if let Step::Call(span) = edge.weight() {
            calls_of
                .entry(edge.source().index())
                .or_default()
                .push((edge.target().index(), *span));
        }
    }
    // Every database call a function reaches through calls, itself included.
    let reached = |from: FnId| -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(f) = queue.pop_front() {
            out.extend(ops_of.get(&f).into_iter().flatten().copied());
            for (callee, _) in calls_of.get(&f).into_iter().flatten() {
                if seen.insert(*callee) {
                    queue.push_back(*callee);
                }
            }
        }
        out
    };
    let canonical = |text: &str| KeyPattern::parse(text, sep).ok().map(|k| k.canonical());
    let mut inferred_sources: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut before_fill: BTreeMap<String, BTreeSet<(usize, FnId)>> = BTreeMap::new();
    let mut filled: BTreeSet<String> = BTreeSet::new();
    for fill in inferred.iter().filter(|op| op.kind == OpKind::Fill) {
        let Some(key) = canonical(&fill.key) else {
            continue;
        };
        filled.insert(key.clone());
        let f = fill.function;
        // The last read of the key in `function` that starts before `before`, in `file`.
        let read_before = |function: FnId, file: u32, before: Pos| {
            inferred
                .iter()
                .filter(|op| {
                    op.kind == OpKind::Read
                        && op.function == function
                        && op.extent.file == file
                        && op.extent.start <= before
                        && canonical(&op.key).as_deref() == Some(key.as_str())
                })
                .map(|op| op.extent.start)
                .max()
        };
        // The miss path: from the last read of the key before the fill to the fill's end, in
        // the fill's function; for a fill helper that reads nothing (`cache.put_row(..)`
        // after a miss of `cache.get_row(..)`), in each caller that reads the key before
        // calling it; else the fill's function up to the fill.
        let mut ranges: Vec<(FnId, u32, Pos, Pos)> = Vec::new();
        if let Some(start) = read_before(f, fill.extent.file, fill.extent.start) {
            ranges.push((f, fill.extent.file, start, fill.extent.end));
        } else {
            for edge in graph.edges_directed(petgraph::graph::NodeIndex::new(f), petgraph::Incoming)
            {
                if let Step::Call(span) = edge.weight() {
                    let caller = edge.source().index();
                    if let Some(start) = read_before(caller, span.file, span.start) {
                        ranges.push((caller, span.file, start, span.end));
                    }
                }
            }
            if ranges.is_empty() {
                let start = functions
                    .get(f)
                    .map_or(Pos::default(), |x| x.name_span.start);
                ranges.push((f, fill.extent.file, start, fill.extent.end));
            }
        }
        let mut found: BTreeSet<usize> = BTreeSet::new();
        for &(function, file, start, end) in &ranges {
            let within =
                |span: &SrcSpan| span.file == file && span.start >= start && span.end <= end;
            for &index in ops_of.get(&function).into_iter().flatten() {
                if within(&data[index].extent) {
                    found.insert(index);
                }
            }
            for (callee, span) in calls_of.get(&function).into_iter().flatten() {
                if within(span) && *callee != f {
                    found.extend(reached(*callee));
                }
            }
        }
        let (writes, reads): (BTreeSet<usize>, BTreeSet<usize>) =
            found.into_iter().partition(|&i| data[i].kind.mutates());
        before_fill
            .entry(key.clone())
            .or_default()
            .extend(writes.into_iter().map(|i| (i, f)));
        inferred_sources.entry(key).or_default().extend(reads);
    }
    // Declared reads: `tables = [..]`, else what the reading function reaches when no fill
    // says more.
    let mut declared: BTreeMap<String, Vec<(String, SrcSpan)>> = BTreeMap::new();
    for read in reads.iter().filter(|r| r.inferred.is_none()) {
        let key = read.key.canonical();
        let tables: Vec<(String, SrcSpan)> = functions
            .get(read.function)
            .into_iter()
            .flat_map(|f| &f.annotations)
            .filter(|a| a.keys.iter().any(|k| k.span == read.span))
            .flat_map(|a| a.tables.iter().cloned())
            .collect();
        if !tables.is_empty() {
            declared.entry(key).or_default().extend(tables);
        } else if !filled.contains(&key) {
            inferred_sources.entry(key).or_default().extend(
                reached(read.function)
                    .into_iter()
                    .filter(|&i| !data[i].kind.mutates()),
            );
        }
    }
    let mut out: BTreeMap<String, Vec<TableSource>> = BTreeMap::new();
    for (key, queries) in &inferred_sources {
        let mut by_table: BTreeMap<&str, TableSource> = BTreeMap::new();
        for &index in queries {
            let op = &data[index];
            let source = by_table.entry(&op.table).or_insert_with(|| TableSource {
                table: op.table.clone(),
                queries: Vec::new(),
                declared: None,
                columns: Some(BTreeSet::new()),
                by_key: false,
            });
            source.queries.push(index);
            source.by_key |= op.by_key;
            source.columns = match (source.columns.take(), &op.columns) {
                (Some(mut all), Some(these)) => {
                    all.extend(these.iter().cloned());
                    Some(all)
                }
                _ => None,
            };
        }
        if !by_table.is_empty() {
            out.insert(key.clone(), by_table.into_values().collect());
        }
    }
    for (key, tables) in declared {
        let inferred = out.remove(&key).unwrap_or_default();
        let mut list: Vec<TableSource> = Vec::new();
        for (table, span) in tables {
            if list.iter().any(|s| s.table == table) {
                continue;
            }
            let found = inferred.iter().find(|s| s.table == table);
            list.push(TableSource {
                table: table.clone(),
                queries: found.map(|s| s.queries.clone()).unwrap_or_default(),
                declared: Some(span),
                columns: found.and_then(|s| s.columns.clone()),
                by_key: found.is_some_and(|s| s.by_key),
            });
        }
        list.sort_by(|a, b| a.table.cmp(&b.table));
        out.insert(key, list);
    }
    Sources {
        by_key: out,
        before_fill,
    }
}

/// The functions that mutate some table (indices into `data` per function).
pub fn mutations_by_function(data: &[DataOp]) -> BTreeMap<FnId, Vec<usize>> {
    let mut out: BTreeMap<FnId, Vec<usize>> = BTreeMap::new();
    for (index, op) in data.iter().enumerate() {
        if op.kind.mutates() {
            out.entry(op.function).or_default().push(index);
        }
    }
    out
}
