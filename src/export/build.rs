//! Model → [`Graph`]: stable ids, deduplicated edges, sorted output.

use super::{Detail, Edge, EdgeKind, Graph, Node, NodeKind};
use crate::graph::{DependencyReason, Model, Step};
use cachelint_core::KeyPattern;
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A key node's pattern and roles.
struct KeyInfo {
    pattern: KeyPattern,
    read: bool,
    written: bool,
    node: usize,
}

/// Extra facts of an edge while the graph is built.
#[derive(Default)]
struct EdgeInfo {
    declared: Option<bool>,
    ttl: Option<Duration>,
}

/// The graph under construction: nodes in id order, and where each model item landed.
struct Builder<'m> {
    model: &'m Model,
    nodes: Vec<Node>,
    /// Node index of each function, by `FnId`.
    fn_node: Vec<usize>,
    /// Key nodes by key text.
    keys: BTreeMap<String, KeyInfo>,
    /// Event nodes by name.
    events: BTreeMap<&'m str, usize>,
    /// Table nodes by name.
    tables: BTreeMap<&'m str, usize>,
    /// Edges by (kind, source node, target node): deduplicated and in output order.
    edges: BTreeMap<(EdgeKind, usize, usize), EdgeInfo>,
}

impl Graph {
    /// Flattens the model: functions `f0..` in the order of their qualified names, keys `k0..`
    /// in the order of their text (one node per distinct text, read, written or listed in a
    /// `depends_on`), events `e0..` by name; edges by kind, then source, then target.
    pub fn from_model(model: &Model) -> Graph {
        let mut builder = Builder {
            model,
            nodes: Vec::new(),
            fn_node: vec![0; model.functions.len()],
            keys: BTreeMap::new(),
            events: BTreeMap::new(),
            tables: BTreeMap::new(),
            edges: BTreeMap::new(),
        };
        builder.function_nodes();
        builder.key_nodes();
        builder.event_nodes();
        builder.table_nodes();
        builder.site_edges();
        builder.table_edges();
        builder.dependency_edges();
        builder.coverage_edges();
        builder.finish()
    }
}

impl<'m> Builder<'m> {
    fn function_nodes(&mut self) {
        let model = self.model;
        let mut functions: Vec<(String, usize)> = (0..model.functions.len())
            .map(|id| (model.qualified_name(id), id))
            .collect();
        functions.sort();
        let entries: BTreeSet<usize> = model.entries.iter().copied().collect();
        for (n, (qualified_name, id)) in functions.into_iter().enumerate() {
            self.fn_node[id] = self.nodes.len();
            self.nodes.push(Node {
                id: format!("f{n}"),
                kind: NodeKind::Function,
                label: model.display_name(id),
                detail: Detail::Function {
                    qualified_name,
                    module: model.functions[id].module.join("::"),
                    entry: entries.contains(&id),
                    runs: model.live.get(id).copied().unwrap_or(false),
                },
            });
        }
    }

    fn key_nodes(&mut self) {
        let model = self.model;
        let reads = model.reads.iter().map(|s| (&s.key, true, false));
        let writes = model.writes.iter().map(|s| (&s.key, false, true));
        let listed = model.declared.iter().flatten().flatten();
        let listed = listed.map(|d| (&d.key, false, false));
        for (pattern, read, written) in reads.chain(writes).chain(listed) {
            let info = self
                .keys
                .entry(pattern.to_string())
                .or_insert_with(|| KeyInfo {
                    pattern: pattern.clone(),
                    read: false,
                    written: false,
                    node: 0,
                });
            info.read |= read;
            info.written |= written;
        }
        for (n, (text, info)) in self.keys.iter_mut().enumerate() {
            info.node = self.nodes.len();
            self.nodes.push(Node {
                id: format!("k{n}"),
                kind: NodeKind::Key,
                label: text.clone(),
                detail: Detail::Key {
                    read: info.read,
                    written: info.written,
                },
            });
        }
    }

    fn event_nodes(&mut self) {
        let mut events: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for site in &self.model.publishes {
            events.entry(&site.name).or_default().0 = true;
        }
        for site in &self.model.subscribes {
            events.entry(&site.name).or_default().1 = true;
        }
        for (n, (name, (published, subscribed))) in events.into_iter().enumerate() {
            self.events.insert(name, self.nodes.len());
            self.nodes.push(Node {
                id: format!("e{n}"),
                kind: NodeKind::Event,
                label: name.to_string(),
                detail: Detail::Event {
                    published,
                    subscribed,
                },
            });
        }
    }

    /// Tables that some cached key is built from or some function mutates, `t0..` by name.
    fn table_nodes(&mut self) {
        let model = self.model;
        let mut tables: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for source in model.sources.by_key.values().flatten() {
            tables.entry(&source.table).or_default().0 = true;
        }
        for op in model.data.iter().filter(|op| op.kind.mutates()) {
            tables.entry(&op.table).or_default().1 = true;
        }
        for (n, (name, (source, mutated))) in tables.into_iter().enumerate() {
            self.tables.insert(name, self.nodes.len());
            self.nodes.push(Node {
                id: format!("t{n}"),
                kind: NodeKind::Table,
                label: name.to_string(),
                detail: Detail::Table { source, mutated },
            });
        }
    }

    /// Function → table it mutates; read key → table it is built from.
    fn table_edges(&mut self) {
        let model = self.model;
        for op in model.data.iter().filter(|op| op.kind.mutates()) {
            let (from, to) = (self.fn_node[op.function], self.tables[op.table.as_str()]);
            self.add(EdgeKind::Mutates, from, to);
        }
        let keys: Vec<(usize, String)> = self
            .keys
            .values()
            .filter(|k| k.read)
            .map(|k| (k.node, k.pattern.canonical()))
            .collect();
        for (node, canonical) in keys {
            for source in model.sources.by_key.get(&canonical).into_iter().flatten() {
                let to = self.tables[source.table.as_str()];
                let info = self.add(EdgeKind::BuiltFrom, node, to);
                info.declared = Some(source.declared.is_some());
            }
        }
    }

    fn add(&mut self, kind: EdgeKind, from: usize, to: usize) -> &mut EdgeInfo {
        self.edges.entry((kind, from, to)).or_default()
    }

    fn key(&self, pattern: &KeyPattern) -> usize {
        self.keys[&pattern.to_string()].node
    }

    /// Calls, and the edges each annotation site gives: reads, writes, publishes, subscribes.
    fn site_edges(&mut self) {
        let model = self.model;
        for edge in model.graph.edge_references() {
            // Event steps are drawn through their event node instead.
            if matches!(edge.weight(), Step::Call(_)) {
                let from = self.fn_node[edge.source().index()];
                let to = self.fn_node[edge.target().index()];
                self.add(EdgeKind::Calls, from, to);
            }
        }
        for site in &model.reads {
            let (from, to) = (self.fn_node[site.function], self.key(&site.key));
            let info = self.add(EdgeKind::Reads, from, to);
            info.ttl = match (info.ttl, site.ttl) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        for site in &model.writes {
            let (from, to) = (self.fn_node[site.function], self.key(&site.key));
            self.add(EdgeKind::Writes, from, to);
        }
        for site in &model.publishes {
            let (from, to) = (self.fn_node[site.function], self.events[site.name.as_str()]);
            self.add(EdgeKind::Publishes, from, to);
        }
        for site in &model.subscribes {
            let (from, to) = (self.events[site.name.as_str()], self.fn_node[site.function]);
            self.add(EdgeKind::Subscribes, from, to);
        }
    }

    /// Read key → read key it depends on, declared or inferred ([`Model::dependencies`]).
    fn dependency_edges(&mut self) {
        let model = self.model;
        for (dependent, deps) in model.dependencies() {
            // Every spelling of the dependent key: `user:<id>` and `user:<uid>` are one key.
            let sources: Vec<usize> = self
                .keys
                .values()
                .filter(|k| k.read && k.pattern.canonical() == dependent)
                .map(|k| k.node)
                .collect();
            for reason in deps.values() {
                let (target, declared) = match reason {
                    DependencyReason::Declared { read, span } => {
                        let mut listed = model.declared[*read].iter().flatten();
                        let Some(dep) = listed.find(|d| d.span == *span) else {
                            continue;
                        };
                        (self.key(&dep.key), true)
                    }
                    DependencyReason::Inferred { target, .. } => {
                        (self.key(&model.reads[*target].key), false)
                    }
                };
                for &source in sources.iter().filter(|&&s| s != target) {
                    self.add(EdgeKind::DependsOn, source, target)
                        .declared
                        .get_or_insert(declared);
                }
            }
        }
    }

    /// Written key → read key it covers or only overlaps: which write invalidates which read.
    fn coverage_edges(&mut self) {
        let mut found = Vec::new();
        for write in self.keys.values().filter(|k| k.written) {
            for read in self
                .keys
                .values()
                .filter(|k| k.read && k.node != write.node)
            {
                if write.pattern.covers(&read.pattern) {
                    found.push((EdgeKind::Covers, write.node, read.node));
                } else if write.pattern.overlaps(&read.pattern) {
                    found.push((EdgeKind::Overlaps, write.node, read.node));
                }
            }
        }
        for (kind, from, to) in found {
            self.add(kind, from, to);
        }
    }

    fn finish(self) -> Graph {
        let nodes = self.nodes;
        let edges = self
            .edges
            .into_iter()
            .map(|((kind, from, to), info)| {
                let mut label = kind.label().to_string();
                if info.declared == Some(false) {
                    label.push_str(" (inferred)");
                }
                let ttl = info.ttl.map(cachelint_core::format_duration);
                if let Some(ttl) = &ttl {
                    label = format!("{label} (ttl {ttl})");
                }
                Edge {
                    from: nodes[from].id.clone(),
                    to: nodes[to].id.clone(),
                    kind,
                    label,
                    declared: info.declared,
                    ttl,
                }
            })
            .collect();
        Graph { nodes, edges }
    }
}
