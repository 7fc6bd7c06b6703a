//! cargo-cachelint: finds read keys that some write path leaves stale.
//!
//! Data flows one way: files → facts → calls (the semantic engine, or the syntactic fallback)
//! → model → findings → rendered output.

pub mod analyze;
pub mod annotate;
pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod discover;
pub mod export;
pub mod extract;
pub mod facts;
pub mod finding;
pub mod graph;
pub mod keyindex;
pub mod locate;
pub mod map;
pub mod package;
pub mod prefilter;
pub mod report;
pub mod rules;
pub mod semantic;
pub mod sources;
pub mod sql;
pub mod syntactic;
pub mod workspace;

use std::collections::BTreeMap;
use std::time::Duration;

pub use finding::{Advice, Edit, Finding, Label, Level, Location, Suggestion};

/// What one run found, ready to render.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Sorted by [`Finding::sort_key`]; levels applied, allowed and baselined findings removed.
    pub findings: Vec<Finding>,
    /// The text of every file a finding points into, by its relative path.
    pub sources: BTreeMap<String, String>,
    pub stats: Stats,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rust files read.
    pub files: usize,
    /// Functions read from the files that can matter (`--all-files` reads the others for
    /// syntax errors only).
    pub functions: usize,
    /// Distinct read key patterns.
    pub read_keys: usize,
    /// Distinct write key patterns.
    pub write_keys: usize,
    /// Findings a baseline hid.
    pub baselined: usize,
    /// Wall time of the analysis; rendered only by `human`.
    pub elapsed: Duration,
    /// How calls were resolved.
    pub engine: Engine,
}

/// How a run resolved calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// By rust-analyzer's semantic model of the cargo workspace.
    Semantic,
    /// From the syntax alone: the semantic model could not be loaded, for this reason (with
    /// the fix), or was not needed (no annotated code: `None`).
    #[default]
    Syntactic,
    /// The semantic model could not be loaded: resolution fell back to the syntax.
    Fallback(String),
}

impl Engine {
    /// `semantic` or `syntactic`, as the summary line says it.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Semantic => "semantic",
            Engine::Syntactic | Engine::Fallback(_) => "syntactic",
        }
    }
}

impl Analysis {
    /// Findings at error level.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Error)
            .count()
    }

    /// Findings at warning level.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == Level::Warning)
            .count()
    }
}
