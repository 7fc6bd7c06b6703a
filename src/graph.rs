//! The petgraph model: functions joined by calls and events, the keys they read and write,
//! and the queries rules need (entries, what runs, write paths, dependencies between keys).

use crate::facts::*;
use crate::keyindex::KeyIndex;
use crate::semantic::{self, Role};
use crate::syntactic::{self, Resolver};
use cachelint_core::{AnnotationKind, KeyPattern};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::Duration;

/// Why one function reaches another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A call in the caller's body.
    Call(SrcSpan),
    /// The caller publishes this event (at this span); the callee subscribes to it.
    Event {
        name: String,
        publish: SrcSpan,
        subscribe: SrcSpan,
    },
}

/// A key in a `#[reads]` or `#[writes]`, resolved and parsed.
#[derive(Debug, Clone)]
pub struct KeySite {
    pub function: FnId,
    pub key: KeyPattern,
    pub span: SrcSpan,
    /// `allow(...)` of the attribute it is written in.
    pub allow: Vec<String>,
    /// `ttl` (reads only).
    pub ttl: Option<Duration>,
    /// The key constant the key is named by (`keys::PROFILE`), `None` for a string literal:
    /// a fix then belongs in the constant, not at `span`.
    pub constant: Option<String>,
    /// Where the fact comes from when no annotation states it: the client call inference
    /// read it from (SPEC §11).
    pub inferred: Option<Inferred>,
}

/// A key site inferred from a client call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    /// The call as written, shortened: `conn.del(..)`, `cmd("DEL")`.
    pub call: String,
    /// The call's method name (or `cmd` argument), possibly in a helper the key is handed to.
    pub call_span: SrcSpan,
    /// Whether the site's span is a string literal holding the whole key (a fix can replace
    /// it); otherwise it is the call, and the key is built around it.
    pub literal: bool,
    /// Whether the key is a SCAN/KEYS glob (its placeholders are `*` in the code).
    pub glob: bool,
}

/// An explicit `depends_on` entry of a read key.
#[derive(Debug, Clone)]
pub struct DeclaredDependency {
    pub key: KeyPattern,
    pub span: SrcSpan,
}

/// An event in a `#[publishes]` or `#[subscribes]`.
#[derive(Debug, Clone)]
pub struct EventSite {
    pub function: FnId,
    pub name: String,
    pub span: SrcSpan,
    pub allow: Vec<String>,
}

/// Why read key `from` depends on read key `to`.
#[derive(Debug, Clone)]
pub enum DependencyReason {
    /// `depends_on` lists it, at this span.
    Declared { read: usize, span: SrcSpan },
    /// The function reading `from` (read site `read`) reaches, through these calls, one that
    /// reads `to` (read site `target`).
    Inferred {
        read: usize,
        target: usize,
        calls: Vec<(FnId, SrcSpan)>,
    },
}

/// A method call left unresolved: its receiver's type is unknown and analyzed methods share
/// its name. It is no edge; `--verbose` lists it.
#[derive(Debug, Clone)]
pub struct Ambiguity {
    pub caller: FnId,
    pub span: SrcSpan,
    pub method: String,
    /// The first few analyzed methods of that name (a common name can have thousands).
    pub candidates: Vec<FnId>,
    /// How many analyzed methods have that name.
    pub total: usize,
}

/// How many candidates of an ambiguous call the model keeps.
const SHOWN_CANDIDATES: usize = 5;

/// The whole model.
pub struct Model {
    pub functions: Vec<FnFact>,
    pub graph: DiGraph<FnId, Step>,
    pub reads: Vec<KeySite>,
    pub writes: Vec<KeySite>,
    pub publishes: Vec<EventSite>,
    pub subscribes: Vec<EventSite>,
    /// Per read site, its explicit `depends_on`, if it declares one.
    pub declared: Vec<Option<Vec<DeclaredDependency>>>,
    /// Functions that can run: reachable from an entry.
    pub live: Vec<bool>,
    /// Functions nothing calls or reaches by event (and that can run), sorted.
    pub entries: Vec<FnId>,
    /// Calls left unresolved because the receiver's type is unknown.
    pub ambiguous: Vec<Ambiguity>,
    /// Keys and events that could not be used, for `invalid_key`.
    pub problems: Vec<Problem>,
    /// `reads` by first key segment, to find overlapping keys without a full scan.
    pub read_index: KeyIndex,
    /// `writes` by first key segment.
    pub write_index: KeyIndex,
    /// Per function, the indices of its `writes`.
    pub writes_by_function: Vec<Vec<usize>>,
    /// How each function takes part (all `Production` under syntactic resolution).
    pub roles: Vec<Role>,
    /// Calls the semantic engine could not resolve, with why.
    pub unresolved: Vec<semantic::Unresolved>,
    /// Every cache operation inference found (SPEC §11), including those the contract of an
    /// annotated function overrides (`annotation_drift` compares them).
    pub inferred: Vec<semantic::InferredOp>,
    /// Per function: inference speaks for it (no annotated function's contract covers it).
    pub inference_speaks: Vec<bool>,
    /// The keys that are caches (declared by a `#[reads]` or filled on their own miss path),
    /// by canonical text, with the ttl an inferred read of each gets: the longest a fill sets,
    /// `None` when some fill sets none or no fill states one (a key only declared).
    pub caches: BTreeMap<String, Option<Duration>>,
    /// Client calls whose key cannot be derived, with why.
    pub underived: Vec<semantic::Unresolved>,
    /// Tables read and mutated by database calls (SPEC §12).
    pub data: Vec<semantic::DataOp>,
    /// The tables each cached key is built from, by the key's canonical text, and the
    /// mutations on its miss path.
    pub sources: crate::sources::Sources,
    /// The semantic engine's bodies walked and (call sites, resolved); zero without it.
    pub resolution_stats: (usize, usize, usize),
    /// Per function, its display name (see [`Model::display_name`]).
    names: Vec<String>,
}

impl Model {
    /// Builds the model from every file's facts, with the calls the semantic engine resolved
    /// (`semantic`), or resolved syntactically from the facts when it is `None`.
    pub fn build(
        files: Vec<FileFacts>,
        sep: char,
        semantic: Option<semantic::Resolution>,
    ) -> Model {
        let mut functions = Vec::new();
        let (mut types, mut aliases, mut consts, mut uses, mut problems) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for file in files {
            functions.extend(file.functions);
            types.extend(file.types);
            aliases.extend(file.aliases);
            consts.extend(file.consts);
            uses.extend(file.uses);
            problems.extend(file.problems);
        }
        let mut inferred_ops = Vec::new();
        let mut underived = Vec::new();
        let mut data = Vec::new();
        let semantic = semantic.map(|mut resolution| {
            functions.append(&mut resolution.extra);
            inferred_ops = std::mem::take(&mut resolution.ops);
            data = std::mem::take(&mut resolution.data);
            underived = std::mem::take(&mut resolution.underived);
            resolution
        });
        // The syntactic resolver is built only when something asks it: resolution without the
        // engine, or a key constant the engine left unresolved. (Its glob-import lookups grow
        // fast on very large files; the engine answers the rest.)
        let resolver = std::cell::OnceCell::new();
        let resolver = || -> &Resolver<'_> {
            resolver.get_or_init(|| Resolver::new(&functions, &types, &aliases, &consts, &uses))
        };
        let mut ambiguous = Vec::new();
        let mut edges: Vec<(FnId, FnId, SrcSpan)> = Vec::new();
        let mut resolution_stats = (0, 0, 0);
        let (mut roles, unresolved, const_values) = match semantic {
            Some(resolution) => {
                resolution_stats = (
                    resolution.bodies,
                    resolution.call_sites.0,
                    resolution.call_sites.1,
                );
                edges.extend(
                    resolution
                        .edges
                        .into_iter()
                        .map(|e| (e.caller, e.callee, e.span)),
                );
                let values: HashMap<SrcSpan, Result<String, String>> =
                    resolution.consts.into_iter().collect();
                (resolution.roles, resolution.unresolved, values)
            }
            None => {
                for (id, function) in functions.iter().enumerate() {
                    for call in &function.calls {
                        match resolver().call(id, call) {
                            syntactic::Resolution::Fns(targets) => {
                                edges.extend(targets.into_iter().map(|t| (id, t, call.span)));
                            }
                            syntactic::Resolution::Ambiguous(candidates) => {
                                if let CallTarget::Method { name, .. } = &call.target {
                                    ambiguous.push(Ambiguity {
                                        caller: id,
                                        span: call.span,
                                        method: name.clone(),
                                        candidates: candidates
                                            .iter()
                                            .take(SHOWN_CANDIDATES)
                                            .copied()
                                            .collect(),
                                        total: candidates.len(),
                                    });
                                }
                            }
                            syntactic::Resolution::Outside => {}
                        }
                    }
                }
                (
                    vec![Role::Production; functions.len()],
                    Vec::new(),
                    HashMap::new(),
                )
            }
        };
        roles.resize(functions.len(), Role::Unloaded);
        let mut graph = DiGraph::with_capacity(functions.len(), edges.len());
        for id in 0..functions.len() {
            graph.add_node(id);
        }
        for (from, to, span) in edges {
            graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), Step::Call(span));
        }
        let mut sites = Sites::default();
        let constants = Constants {
            values: &const_values,
            resolver: &resolver,
        };
        for (id, function) in functions.iter().enumerate() {
            for annotation in &function.annotations {
                sites.add(id, function, annotation, &constants, sep, &mut problems);
            }
        }
        let inference_speaks = inference_speaks(&graph, &functions);
        sites.add_inferred(&inferred_ops, &inference_speaks, sep, &mut underived);
        let mut subscribers: HashMap<&str, Vec<&EventSite>> = HashMap::new();
        for subscribe in &sites.subscribes {
            subscribers
                .entry(subscribe.name.as_str())
                .or_default()
                .push(subscribe);
        }
        for publish in &sites.publishes {
            // Test code publishes nothing the model follows.
            if roles[publish.function] != Role::Production {
                continue;
            }
            for subscribe in subscribers.get(publish.name.as_str()).into_iter().flatten() {
                let step = Step::Event {
                    name: publish.name.clone(),
                    publish: publish.span,
                    subscribe: subscribe.span,
                };
                let (from, to) = (
                    NodeIndex::new(publish.function),
                    NodeIndex::new(subscribe.function),
                );
                graph.add_edge(from, to, step);
            }
        }
        let (entries, live) = entries_and_live(&graph, &sites, &roles);
        let mut writes_by_function = vec![Vec::new(); functions.len()];
        for (index, write) in sites.writes.iter().enumerate() {
            writes_by_function[write.function].push(index);
        }
        // Functions that hold cache facts, declared or inferred (a display name is the same
        // in both modes), and database calls.
        let annotated = (functions.iter().enumerate())
            .filter(|(_, f)| !f.annotations.is_empty())
            .map(|(id, _)| id)
            .chain(sites.reads.iter().chain(&sites.writes).map(|s| s.function))
            .chain(data.iter().map(|op| op.function));
        let leads_to_annotated = reaching(&graph, annotated);
        let names = display_names(&functions, &leads_to_annotated);
        let sources = crate::sources::sources(&crate::sources::Inputs {
            functions: &functions,
            graph: &graph,
            reads: &sites.reads,
            inferred: &inferred_ops,
            data: &data,
            sep,
        });
        Model {
            names,
            read_index: KeyIndex::new(sites.reads.iter().map(|r| &r.key)),
            write_index: KeyIndex::new(sites.writes.iter().map(|w| &w.key)),
            writes_by_function,
            functions,
            graph,
            reads: sites.reads,
            writes: sites.writes,
            publishes: sites.publishes,
            subscribes: sites.subscribes,
            declared: sites.declared,
            live,
            entries,
            ambiguous,
            problems,
            roles,
            unresolved,
            inferred: inferred_ops,
            inference_speaks,
            caches: sites.caches,
            underived,
            data,
            sources,
            resolution_stats,
        }
    }

    /// Every function reachable from `from` (itself included), with the step that first
    /// reached it, in breadth-first order.
    pub fn reach(&self, from: FnId, calls_only: bool) -> Vec<(FnId, Option<(FnId, Step)>)> {
        self.reach_where(from, calls_only, |_| true)
    }

    /// [`Model::reach`] through the functions marked in `keep` only: with `keep` from
    /// [`Model::reaching`], the walk skips every branch that leads to none of its targets.
    pub fn reach_within(
        &self,
        from: FnId,
        calls_only: bool,
        keep: &[bool],
    ) -> Vec<(FnId, Option<(FnId, Step)>)> {
        self.reach_where(from, calls_only, |f| keep.get(f).copied().unwrap_or(false))
    }

    /// The functions from which one of `targets` can be reached (targets included), through
    /// calls and events.
    pub fn reaching(&self, targets: impl IntoIterator<Item = FnId>) -> Vec<bool> {
        reaching(&self.graph, targets)
    }

    fn reach_where(
        &self,
        from: FnId,
        calls_only: bool,
        keep: impl Fn(FnId) -> bool,
    ) -> Vec<(FnId, Option<(FnId, Step)>)> {
        // Reaches are usually small while the graph is not: a set, not a bitmap per call.
        let mut seen = std::collections::HashSet::from([from]);
        let mut order = vec![(from, None)];
        let mut queue = VecDeque::from([from]);
        while let Some(at) = queue.pop_front() {
            for edge in self.graph.edges(NodeIndex::new(at)) {
                if calls_only && !matches!(edge.weight(), Step::Call(_)) {
                    continue;
                }
                let to = edge.target().index();
                if keep(to) && seen.insert(to) {
                    order.push((to, Some((at, edge.weight().clone()))));
                    queue.push_back(to);
                }
            }
        }
        order
    }

    /// The indices of the writes in functions of a reach list.
    pub fn writes_of(&self, reach: &[(FnId, Option<(FnId, Step)>)]) -> Vec<usize> {
        reach
            .iter()
            .flat_map(|(f, _)| self.writes_by_function[*f].iter().copied())
            .collect()
    }

    /// The steps from `from` to `to` along a breadth-first reach list.
    pub fn path_to(reach: &[(FnId, Option<(FnId, Step)>)], to: FnId) -> Vec<(FnId, Step)> {
        let parents: HashMap<FnId, &(FnId, Step)> = reach
            .iter()
            .filter_map(|(id, p)| p.as_ref().map(|p| (*id, p)))
            .collect();
        steps_to(&parents, to)
    }

    /// The function's full path, for fingerprints and `graph`'s `qualified_name`:
    /// `crate::module::name`, `crate::module::Type::name`, `<crate::module::Type as Trait>::name`
    /// for a trait impl's method (two impls' methods of one name on one type differ), and
    /// `crate::module::Trait::name` for a trait's own. The same whatever else is analyzed.
    pub fn qualified_name(&self, id: FnId) -> String {
        let function = &self.functions[id];
        let module = function.module.join("::");
        spell(&module, owner_of(function), &function.name)
    }

    /// The function's name as findings, `map` and `graph` print it: `name`, `Type::name` or
    /// `Trait::name`, qualified only where two functions would read the same (two trait
    /// impls' methods on one type: `<Db as Store>::update`; two modules' functions:
    /// `by_path::update_profile`), by as many module segments as it takes.
    ///
    /// Functions that lead to annotated code are named among themselves first, so their
    /// names (the ones findings use) do not depend on which other files were parsed
    /// (`--all-files`); the others are then named around them.
    pub fn display_name(&self, id: FnId) -> String {
        self.names[id].clone()
    }
    /// Read key → the read keys it depends on, directly, with why; transitive closure is the
    /// caller's business. Keys are grouped by canonical text.
    pub fn dependencies(&self) -> BTreeMap<String, BTreeMap<String, DependencyReason>> {
        let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut by_function: HashMap<FnId, Vec<usize>> = HashMap::new();
        for (index, read) in self.reads.iter().enumerate() {
            by_key.entry(read.key.canonical()).or_default().push(index);
            by_function.entry(read.function).or_default().push(index);
        }
        // Walks from a reader go only where another reader can be reached.
        let leads_to_read = self.reaching(by_function.keys().copied());
        let mut deps: BTreeMap<String, BTreeMap<String, DependencyReason>> = BTreeMap::new();
        for (key, sites) in &by_key {
            let declared: Vec<(usize, &Vec<DeclaredDependency>)> = sites
                .iter()
                .filter_map(|&s| self.declared[s].as_ref().map(|d| (s, d)))
                .collect();
            let entry = deps.entry(key.clone()).or_default();
            if !declared.is_empty() {
                for (read, list) in declared {
                    for dep in list {
                        let reason = DependencyReason::Declared {
                            read,
                            span: dep.span,
                        };
                        entry.entry(dep.key.canonical()).or_insert(reason);
                    }
                }
                continue;
            }
            for &read in sites {
                let from = self.reads[read].function;
                let reach = self.reach_within(from, true, &leads_to_read);
                let parents: HashMap<FnId, (FnId, SrcSpan)> = reach
                    .iter()
                    .filter_map(|(id, p)| match p {
                        Some((prev, Step::Call(span))) => Some((*id, (*prev, *span))),
                        _ => None,
                    })
                    .collect();
                for (to, _) in reach.iter().skip(1) {
                    for &target in by_function.get(to).into_iter().flatten() {
                        let dep_key = self.reads[target].key.canonical();
                        if dep_key == *key || entry.contains_key(&dep_key) {
                            continue;
                        }
                        let mut calls = Vec::new();
                        let mut at = *to;
                        while let Some(&(prev, span)) = parents.get(&at) {
                            calls.push((prev, span));
                            at = prev;
                            if calls.len() > parents.len() {
                                break;
                            }
                        }
                        calls.reverse();
                        entry.insert(
                            dep_key,
                            DependencyReason::Inferred {
                                read,
                                target,
                                calls,
                            },
                        );
                    }
                }
            }
        }
        deps
    }
}

/// The functions of `graph` from which one of `targets` can be reached (targets included).
fn reaching(graph: &DiGraph<FnId, Step>, targets: impl IntoIterator<Item = FnId>) -> Vec<bool> {
    let mut marked = vec![false; graph.node_count()];
    let mut queue = VecDeque::new();
    for target in targets {
        if target < marked.len() && !marked[target] {
            marked[target] = true;
            queue.push_back(target);
        }
    }
    while let Some(at) = queue.pop_front() {
        for from in graph.neighbors_directed(NodeIndex::new(at), petgraph::Direction::Incoming) {
            if !marked[from.index()] {
                marked[from.index()] = true;
                queue.push_back(from.index());
            }
        }
    }
    marked
}

/// What a function's owner is called: the `impl`'s type (`Db`), or the trait a declaration
/// belongs to; and the trait an `impl Trait for Type` implements.
struct OwnerName<'a> {
    ty: Option<&'a str>,
    implemented: Option<&'a str>,
}

fn owner_of(function: &FnFact) -> OwnerName<'_> {
    let Some(owner) = &function.owner else {
        return OwnerName {
            ty: None,
            implemented: None,
        };
    };
    fn last(path: &Option<PathSegs>) -> Option<&str> {
        path.as_ref().and_then(|p| p.last()).map(String::as_str)
    }
    match &owner.self_ty {
        Some(TypeRef::Path(path)) => OwnerName {
            ty: path.last().map(String::as_str),
            implemented: last(&owner.trait_path),
        },
        None => OwnerName {
            ty: last(&owner.trait_path),
            implemented: None,
        },
        Some(_) => OwnerName {
            ty: None,
            implemented: None,
        },
    }
}

/// `prefix::name`, `prefix::Type::name` or `<prefix::Type as Trait>::name` (`prefix` may be
/// empty).
fn spell(prefix: &str, owner: OwnerName<'_>, name: &str) -> String {
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_owned()
        } else {
            format!("{a}::{b}")
        }
    };
    match owner {
        OwnerName {
            ty: Some(ty),
            implemented: Some(tr),
        } => format!("<{} as {tr}>::{name}", join(prefix, ty)),
        OwnerName { ty: Some(ty), .. } => join(&join(prefix, ty), name),
        OwnerName { ty: None, .. } => join(prefix, name),
    }
}

/// A function's possible display names, shortest first: `Type::name`, then `<Type as
/// Trait>::name` (a trait impl's method), then with one more module segment at a time up to
/// the full path.
fn name_candidates(function: &FnFact) -> Vec<String> {
    let mut names = Vec::with_capacity(function.module.len() + 2);
    let short = OwnerName {
        implemented: None,
        ..owner_of(function)
    };
    names.push(spell("", short, &function.name));
    let with_trait = spell("", owner_of(function), &function.name);
    if !names.contains(&with_trait) {
        names.push(with_trait);
    }
    for take in 1..=function.module.len() {
        let prefix = function.module[function.module.len() - take..].join("::");
        names.push(spell(&prefix, owner_of(function), &function.name));
    }
    names
}

/// Every function's display name: the shortest candidate no other function shares, chosen
/// first among the functions marked in `first` (those that lead to annotated code), then
/// among the rest, around the names already given.
fn display_names(functions: &[FnFact], first: &[bool]) -> Vec<String> {
    let candidates: Vec<Vec<String>> = functions.iter().map(name_candidates).collect();
    let mut level = vec![0usize; functions.len()];
    let mut names = vec![String::new(); functions.len()];
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for pass in [true, false] {
        let members: Vec<FnId> = (0..functions.len())
            .filter(|&id| first.get(id).copied().unwrap_or(false) == pass)
            .collect();
        loop {
            let mut by_name: HashMap<&str, usize> = HashMap::new();
            for &id in &members {
                *by_name
                    .entry(candidates[id][level[id]].as_str())
                    .or_default() += 1;
            }
            let mut advanced = false;
            for &id in &members {
                let name = candidates[id][level[id]].as_str();
                let clash = by_name[name] > 1 || taken.contains(name);
                if clash && level[id] + 1 < candidates[id].len() {
                    level[id] += 1;
                    advanced = true;
                }
            }
            if !advanced {
                break;
            }
        }
        for &id in &members {
            names[id] = candidates[id][level[id]].clone();
        }
        taken.extend(members.iter().map(|&id| names[id].clone()));
    }
    names
}

/// Where key constants get their values: the semantic engine's evaluation when it has one
/// for the path's span, else the syntactic resolver.
struct Constants<'a, 'r> {
    values: &'a HashMap<SrcSpan, Result<String, String>>,
    resolver: &'a dyn Fn() -> &'r Resolver<'r>,
}

impl Constants<'_, '_> {
    /// `Some(Ok(Some(text)))` for a string constant, `Some(Ok(None))` for a constant that is
    /// not a string literal, `Some(Err(why))` when the engine says why it has no value, `None`
    /// when nothing resolves the path.
    fn value(
        &self,
        span: SrcSpan,
        function: &FnFact,
        path: &PathSegs,
    ) -> Option<Result<Option<String>, String>> {
        if let Some(value) = self.values.get(&span) {
            return Some(value.clone().map(Some));
        }
        (self.resolver)()
            .constant(&function.module, path)
            .map(|c| Ok(c.value.clone()))
    }
}

#[derive(Default)]
struct Sites {
    reads: Vec<KeySite>,
    writes: Vec<KeySite>,
    publishes: Vec<EventSite>,
    subscribes: Vec<EventSite>,
    declared: Vec<Option<Vec<DeclaredDependency>>>,
    /// See [`Model::caches`].
    caches: BTreeMap<String, Option<Duration>>,
}

impl Sites {
    fn add(
        &mut self,
        id: FnId,
        function: &FnFact,
        annotation: &AnnotationFact,
        constants: &Constants<'_, '_>,
        sep: char,
        problems: &mut Vec<Problem>,
    ) {
        let allow = annotation.allow.clone();
        let resolve =
            |fact: &KeyFact, problems: &mut Vec<Problem>| -> Option<(String, KeyPattern)> {
                let text = match &fact.source {
                    KeySource::Literal(text) => text.clone(),
                    KeySource::Const(path) => match constants.value(fact.span, function, path) {
                        Some(Err(message)) => {
                            problems.push(Problem {
                                rule: "invalid_key",
                                message,
                                span: fact.span,
                                allow: allow.clone(),
                            });
                            return None;
                        }
                        Some(Ok(c)) => match &c {
                            Some(value) => value.clone(),
                            None => {
                                problems.push(Problem {
                                    rule: "invalid_key",
                                    message: format!(
                                        "key constant `{}` is not a string literal",
                                        path.join("::")
                                    ),
                                    span: fact.span,
                                    allow: allow.clone(),
                                });
                                return None;
                            }
                        },
                        None => {
                            problems.push(Problem {
                                rule: "invalid_key",
                                message: format!(
                                    "cannot resolve key constant `{}` in the analyzed code",
                                    path.join("::")
                                ),
                                span: fact.span,
                                allow: allow.clone(),
                            });
                            return None;
                        }
                    },
                };
                if annotation.kind.takes_events() {
                    return Some((text, KeyPattern::parse("*", sep).ok()?));
                }
                match KeyPattern::parse(&text, sep) {
                    Ok(key) => Some((text, key)),
                    Err(err) => {
                        // Literal keys were already checked while reading the attribute.
                        if matches!(fact.source, KeySource::Const(_)) {
                            problems.push(Problem {
                                rule: "invalid_key",
                                message: format!("invalid key `{text}`: {}", err.message),
                                span: fact.span,
                                allow: allow.clone(),
                            });
                        }
                        None
                    }
                }
            };
        let ttl = annotation.ttl.map(|(d, _)| d);
        for fact in &annotation.keys {
            let Some((text, key)) = resolve(fact, problems) else {
                continue;
            };
            match annotation.kind {
                AnnotationKind::Reads => {
                    let declared = if annotation.depends_on.is_empty() {
                        None
                    } else {
                        let deps = annotation
                            .depends_on
                            .iter()
                            .filter_map(|d| {
                                resolve(d, problems)
                                    .map(|(_, key)| DeclaredDependency { key, span: d.span })
                            })
                            .collect();
                        Some(deps)
                    };
                    self.declared.push(declared);
                    self.reads.push(KeySite {
                        function: id,
                        key,
                        span: fact.span,
                        allow: allow.clone(),
                        ttl,
                        constant: constant_of(fact),
                        inferred: None,
                    });
                }
                AnnotationKind::Writes => {
                    self.writes.push(KeySite {
                        function: id,
                        key,
                        span: fact.span,
                        allow: allow.clone(),
                        ttl: None,
                        constant: constant_of(fact),
                        inferred: None,
                    });
                }
                AnnotationKind::Publishes | AnnotationKind::Subscribes => {
                    let site = EventSite {
                        function: id,
                        name: text,
                        span: fact.span,
                        allow: allow.clone(),
                    };
                    if annotation.kind == AnnotationKind::Publishes {
                        self.publishes.push(site);
                    } else {
                        self.subscribes.push(site);
                    }
                }
            }
        }
    }
}

/// Whether a function declares cache keys (`#[reads]`, `#[writes]`): its annotations are the
/// contract for it and what it calls.
pub fn declares_keys(function: &FnFact) -> bool {
    function
        .annotations
        .iter()
        .any(|a| matches!(a.kind, AnnotationKind::Reads | AnnotationKind::Writes))
}

/// Per function, whether inference speaks for it: it declares no keys, and some path of calls
/// reaches it without passing through a function that does (or none reaches it at all).
fn inference_speaks(graph: &DiGraph<FnId, Step>, functions: &[FnFact]) -> Vec<bool> {
    let declares: Vec<bool> = functions.iter().map(declares_keys).collect();
    let covered_from = (0..functions.len()).filter(|&f| declares[f]);
    // Reached by calls from a function that declares keys.
    let mut under = vec![false; functions.len()];
    let mut queue: VecDeque<FnId> = covered_from.collect();
    while let Some(at) = queue.pop_front() {
        for edge in graph.edges(NodeIndex::new(at)) {
            let to = edge.target().index();
            if matches!(edge.weight(), Step::Call(_)) && !under[to] && !declares[to] {
                under[to] = true;
                queue.push_back(to);
            }
        }
    }
    // Reached by calls from a function nothing calls, never entering one that declares keys.
    let mut open = vec![false; functions.len()];
    let mut queue: VecDeque<FnId> = (0..functions.len())
        .filter(|&f| {
            !declares[f]
                && graph
                    .neighbors_directed(NodeIndex::new(f), petgraph::Direction::Incoming)
                    .next()
                    .is_none()
        })
        .collect();
    for &f in &queue {
        open[f] = true;
    }
    while let Some(at) = queue.pop_front() {
        for edge in graph.edges(NodeIndex::new(at)) {
            let to = edge.target().index();
            if !open[to] && !declares[to] {
                open[to] = true;
                queue.push_back(to);
            }
        }
    }
    (0..functions.len())
        .map(|f| !declares[f] && (open[f] || !under[f]))
        .collect()
}

impl Sites {
    /// Adds the inferred operations of the functions inference speaks for: reads of keys that
    /// are caches (declared by `#[reads]` or filled on their own miss path) and every write
    /// (rules judge writes of keys that are no cache only as near misses of one). Fills
    /// invalidate nothing. A key that does not parse is listed with the underived ones. The
    /// caches, with their ttl, go to `self.caches`.
    fn add_inferred(
        &mut self,
        ops: &[semantic::InferredOp],
        speaks: &[bool],
        sep: char,
        underived: &mut Vec<semantic::Unresolved>,
    ) {
        let mut parsed: Vec<Option<KeyPattern>> = Vec::with_capacity(ops.len());
        for op in ops {
            match KeyPattern::parse(&op.key, sep) {
                Ok(key) => parsed.push(Some(key)),
                Err(e) => {
                    parsed.push(None);
                    underived.push(semantic::Unresolved {
                        span: op.call_span,
                        caller: op.function,
                        call: op.call.clone(),
                        reason: format!("its key `{}` is no key pattern: {e}", op.key),
                    });
                }
            }
        }
        // Caches, by canonical text, with the longest ttl a fill gives them (a fill with no ttl:
        // the cache never expires); a key only declared has no fill ttl.
        let mut fills: BTreeMap<String, Option<Duration>> = BTreeMap::new();
        for (op, key) in ops.iter().zip(&parsed) {
            if let (semantic::OpKind::Fill, Some(key)) = (op.kind, key) {
                let ttl = fills.entry(key.canonical()).or_insert(op.ttl);
                *ttl = match (*ttl, op.ttl) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
        }
        let mut caches: BTreeMap<String, Option<Duration>> = self
            .reads
            .iter()
            .map(|r| (r.key.canonical(), None))
            .collect();
        caches.extend(fills);
        for (op, key) in ops.iter().zip(parsed) {
            let Some(key) = key else { continue };
            if !speaks.get(op.function).copied().unwrap_or(false) {
                continue;
            }
            let literal = op.literal;
            let site = |ttl| KeySite {
                function: op.function,
                span: op.span,
                allow: Vec::new(),
                ttl,
                constant: None,
                inferred: Some(Inferred {
                    call: op.call.clone(),
                    call_span: op.call_span,
                    literal,
                    glob: op.glob,
                }),
                key: key.clone(),
            };
            match op.kind {
                semantic::OpKind::Read => {
                    if let Some(ttl) = caches.get(&key.canonical()) {
                        self.declared.push(None);
                        self.reads.push(site(*ttl));
                    }
                }
                semantic::OpKind::Write => self.writes.push(site(None)),
                semantic::OpKind::Fill => {}
            }
        }
        self.caches = caches;
    }
}

/// The constant's path as written, when `fact` names its key by a constant.
fn constant_of(fact: &KeyFact) -> Option<String> {
    match &fact.source {
        KeySource::Literal(_) => None,
        KeySource::Const(path) => Some(path.join("::")),
    }
}

/// Entries: functions in a source component of the condensed graph (nothing outside calls
/// them), except subscribers, which run only when their event is published. Live: whatever
/// an entry reaches.
fn entries_and_live(
    graph: &DiGraph<FnId, Step>,
    sites: &Sites,
    roles: &[Role],
) -> (Vec<FnId>, Vec<bool>) {
    let subscribers: BTreeSet<FnId> = sites.subscribes.iter().map(|s| s.function).collect();
    let components = petgraph::algo::tarjan_scc(graph);
    let mut component_of = vec![0usize; graph.node_count()];
    for (index, component) in components.iter().enumerate() {
        for node in component {
            component_of[node.index()] = index;
        }
    }
    let mut entries = Vec::new();
    for (index, component) in components.iter().enumerate() {
        let called_from_outside = component.iter().any(|node| {
            graph
                .neighbors_directed(*node, petgraph::Direction::Incoming)
                .any(|from| component_of[from.index()] != index)
        });
        if called_from_outside {
            continue;
        }
        for node in component {
            // Test code, dead code and code outside the loaded crates never run.
            if roles[node.index()] == Role::Production && !subscribers.contains(&node.index()) {
                entries.push(node.index());
            }
        }
    }
    entries.sort_unstable();
    let mut live = vec![false; graph.node_count()];
    let mut queue: VecDeque<NodeIndex> = entries.iter().map(|&e| NodeIndex::new(e)).collect();
    for &e in &entries {
        live[e] = true;
    }
    while let Some(at) = queue.pop_front() {
        for next in graph.neighbors(at) {
            if !live[next.index()] {
                live[next.index()] = true;
                queue.push_back(next);
            }
        }
    }
    (entries, live)
}

impl Model {
    /// Lines describing every method call left unresolved because its receiver's type is
    /// unknown while analyzed methods share its name (for `--verbose`).
    ///
    /// `files` gives each file id's path as findings show it.
    pub fn ambiguity_report(&self, files: &[&str]) -> Vec<String> {
        let mut lines: Vec<String> = self
            .ambiguous
            .iter()
            .map(|a| {
                let file = files.get(a.span.file as usize).copied().unwrap_or("?");
                let mut names: Vec<String> = a
                    .candidates
                    .iter()
                    .map(|&c| self.qualified_name(c))
                    .collect();
                if a.total > a.candidates.len() {
                    names.push(format!("{} more", a.total - a.candidates.len()));
                }
                format!(
                    "{file}:{}:{}: note: in `{}`, the receiver type of `.{}()` is unknown; \
                     not following it (could be {})",
                    a.span.start.line,
                    a.span.start.column + 1,
                    self.display_name(a.caller),
                    a.method,
                    names.join(", ")
                )
            })
            .collect();
        lines.sort();
        lines.dedup();
        lines
    }
}

impl Model {
    /// Lines describing every call the semantic engine left unresolved, with why (for
    /// `--verbose`). `files` gives each file id's path as findings show it.
    pub fn unresolved_report(&self, files: &[&str]) -> Vec<String> {
        let (bodies, sites, resolved) = self.resolution_stats;
        let summary = (sites > 0).then(|| {
            format!(
                "note: the semantic engine resolved {resolved} of {sites} call sites ({:.1}%) in \
                 {bodies} function bodies",
                100.0 * resolved as f64 / sites as f64
            )
        });
        // `file:line:col: note: in `caller`` and the rest of the line.
        let note = |u: &semantic::Unresolved, rest: String| {
            let file = files.get(u.span.file as usize).copied().unwrap_or("?");
            let caller = if u.caller < self.functions.len() {
                self.display_name(u.caller)
            } else {
                "?".to_owned()
            };
            let (line, column) = (u.span.start.line, u.span.start.column + 1);
            format!("{file}:{line}:{column}: note: in `{caller}`{rest}")
        };
        self.unresolved
            .iter()
            .map(|u| {
                if u.call.is_empty() {
                    note(u, format!(": {}", u.reason))
                } else {
                    note(u, format!(", `{}` is not resolved: {}", u.call, u.reason))
                }
            })
            .chain(self.underived.iter().map(|u| {
                // Database calls whose SQL gives nothing (SPEC §12), else cache calls.
                let what = if u.reason.starts_with("its SQL is read from its leading") {
                    "gives partial table facts"
                } else if u.reason.starts_with("its SQL") || u.reason.starts_with("the SQL ") {
                    "gives no table facts"
                } else {
                    "is no inferred cache operation"
                };
                note(u, format!(", `{}` {what}: {}", u.call, u.reason))
            }))
            .chain(summary)
            .collect()
    }
}

/// The steps from a walk's start to `to`, given each reached function's first step.
pub fn steps_to(parents: &HashMap<FnId, &(FnId, Step)>, to: FnId) -> Vec<(FnId, Step)> {
    let mut steps = Vec::new();
    let mut at = to;
    while let Some((prev, step)) = parents.get(&at) {
        steps.push((*prev, step.clone()));
        at = *prev;
        if steps.len() > parents.len() {
            break;
        }
    }
    steps.reverse();
    steps
}
