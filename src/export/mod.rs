//! `cargo cachelint graph`: the whole model as DOT, Mermaid or JSON.
//!
//! The model is first flattened into a [`Graph`] of nodes (functions, keys, events) and edges
//! with stable ids and a fixed order; each format is a rendering of that graph.

mod build;
mod dot;
mod mermaid;

use crate::analyze::{self, Options, Target};
use crate::cli::GraphFormat;
use crate::graph::Model;
use serde::Serialize;
use std::io::Write as _;

/// The model as nodes and edges, sorted: functions `f0..`, keys `k0..`, events `e0..`, each
/// numbered in the sorted order of their names; edges by kind, then source, then target.
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// A function, a key pattern, an event or a database table.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    /// A function's display name (`Type::name`), a key's text, an event's name.
    pub label: String,
    #[serde(flatten)]
    pub detail: Detail,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Function,
    Key,
    Event,
    Table,
}

/// Per-kind facts about a node.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Detail {
    Function {
        /// `crate::module::Type::name`.
        qualified_name: String,
        /// `crate::module`.
        module: String,
        /// Nothing calls it or reaches it by event.
        entry: bool,
        /// Some entry reaches it (false: a subscriber of an event nothing publishes).
        runs: bool,
    },
    Key {
        /// Some `#[reads]` names it.
        read: bool,
        /// Some `#[writes]` names it.
        written: bool,
    },
    Event {
        published: bool,
        subscribed: bool,
    },
    Table {
        /// Some cached key is built from it.
        source: bool,
        /// Some function mutates it.
        mutated: bool,
    },
}

/// A relation between two nodes.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub label: String,
    /// `depends_on` edges: listed in `depends_on` (true) or inferred from calls (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<bool>,
    /// `reads` edges: the read's ttl, when it has one (`"120s"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

/// Edge kinds, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// function → function it calls.
    Calls,
    /// function → key it reads.
    Reads,
    /// function → key it invalidates.
    Writes,
    /// function → event it publishes.
    Publishes,
    /// event → function that subscribes to it.
    Subscribes,
    /// read key → read key it is built from.
    DependsOn,
    /// write key → read key whose every concrete key it matches.
    Covers,
    /// write key → read key it matches only in part.
    Overlaps,
    /// function → table it mutates (INSERT, UPDATE, DELETE, an ORM save).
    Mutates,
    /// read key → table it is built from (read on its miss path, or `tables = [..]`).
    BuiltFrom,
}

impl EdgeKind {
    fn label(self) -> &'static str {
        match self {
            EdgeKind::Calls => "calls",
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "invalidates",
            EdgeKind::Publishes => "publishes",
            EdgeKind::Subscribes => "subscribes",
            EdgeKind::DependsOn => "depends on",
            EdgeKind::Covers => "covers",
            EdgeKind::Overlaps => "overlaps",
            EdgeKind::Mutates => "mutates",
            EdgeKind::BuiltFrom => "built from",
        }
    }
}

/// Renders the whole model in `format`; the text ends with a newline.
pub fn render(model: &Model, format: GraphFormat) -> String {
    let graph = Graph::from_model(model);
    match format {
        GraphFormat::Dot => dot::render(&graph),
        GraphFormat::Mermaid => mermaid::render(&graph),
        GraphFormat::Json => {
            // Serializing plain strings, bools and enums cannot fail.
            let mut text = serde_json::to_string_pretty(&graph).unwrap_or_default();
            text.push('\n');
            text
        }
    }
}

/// `graph`: prints the model of `target`, analyzed with `options`, in `format`.
pub fn run(target: &Target, options: &Options, format: GraphFormat) -> Result<u8, String> {
    let (_, model, _) = analyze::analyze(target, options).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(render(&model, format).as_bytes())
        .and_then(|()| out.flush())
    {
        Ok(()) => Ok(0),
        // `graph | head`: the reader has seen enough.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(err) => Err(format!("cannot write the graph: {err}")),
    }
}
