//! The semantic engine: the one door to rust-analyzer's crates (`ra_ap_*`). Nothing else in
//! cachelint imports them, so a version bump touches this folder only.
//!
//! It loads the cargo workspace (build scripts, proc macros and anything the analyzed
//! repository configures for cargo never run: see [`load`]), then answers what the model
//! needs of the functions the token-level extraction found: which functions each one calls
//! (path and method calls resolved by name resolution and type inference, trait calls fanned
//! out to every implementation, `macro_rules!` bodies expanded), which are test code or dead,
//! and the value of every key constant an annotation names.

mod body;
mod consts;
mod data;
mod infer;
mod load;
mod walk;

use crate::facts::{FnFact, SrcSpan};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub(crate) use data::{DATA_CRATE_NAMES, data_name};
pub use load::{Toolchain, Unavailable};

/// How a function takes part in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Production code: its calls are edges, and it is an entry when nothing calls it.
    Production,
    /// Test code (`#[test]`, the `tests/`, `benches/`, `examples/` targets): it calls nothing
    /// and publishes nothing as far as the model goes.
    Test,
    /// A private function that nothing references: it never runs, so it is no entry.
    Dead,
    /// Not in any crate the model loaded (`#[cfg(test)]` or another disabled `cfg`, a file no
    /// module declares): it never runs.
    Unloaded,
}

/// A call edge: `caller` calls `callee` at `span` (the method name, or the callee path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub caller: usize,
    pub callee: usize,
    pub span: SrcSpan,
}

/// A call the engine could not resolve, with why; `--verbose` lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unresolved {
    pub span: SrcSpan,
    pub caller: usize,
    /// The call as written, shortened: `conn.evict(..)`, `Builder::build(..)`.
    pub call: String,
    pub reason: String,
}

/// What an inferred cache operation does to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// Returns the key's data (GET, HGETALL, SMEMBERS, …).
    Read,
    /// Changes or removes the key's data outside a miss path (DEL, SET after an update,
    /// HSET, INCR, FLUSHDB as `*`): an invalidation when the key is a cache.
    Write,
    /// Stores the key's data on a miss of a read of the same key (get-or-load): makes the
    /// key a cache, invalidates nothing.
    Fill,
}

/// A cache operation inferred from a call into a Redis client (SPEC §11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredOp {
    /// The function the operation belongs to: the one holding the client call, or the caller
    /// that hands the key down to a helper (where the key is built).
    pub function: usize,
    pub kind: OpKind,
    /// The key pattern's text (`user:<id>:profile`), in the workspace's separator.
    pub key: String,
    /// Where the operation is in `function`: the string literal holding the whole key when
    /// there is one (where a fix goes), else the client call, or the call of the helper the
    /// key is handed to.
    pub span: SrcSpan,
    /// Whether `span` is a string literal holding the whole key.
    pub literal: bool,
    /// Whether the key is a SCAN/KEYS glob.
    pub glob: bool,
    /// The client call as written, shortened (`conn.del(..)`, `cmd("DEL")`).
    pub call: String,
    /// The client call's method name (or `cmd` argument).
    pub call_span: SrcSpan,
    /// The time to live the call sets (SETEX, SET … EX), constant expressions evaluated.
    pub ttl: Option<std::time::Duration>,
    /// The whole expression the operation happens in: the client call with its receiver and
    /// arguments, or the call of the helper the key is handed to (with a loader closure
    /// passed to it). A key's miss path lies between its read's and its fill's extents.
    pub extent: SrcSpan,
}

/// What a database statement or ORM call does to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataKind {
    /// SELECT, `find*`, diesel `load`/`first`: the table's rows are read.
    Read,
    /// INSERT of new rows (`ON CONFLICT DO NOTHING` included).
    Insert,
    /// INSERT … ON CONFLICT DO UPDATE, ON DUPLICATE KEY UPDATE, REPLACE, `save`: may change a
    /// row that exists.
    Upsert,
    Update,
    Delete,
}

impl DataKind {
    /// Whether the statement changes rows that may be cached.
    pub fn mutates(self) -> bool {
        self != DataKind::Read
    }

    /// The verb a message uses: `updates`, `inserts into`, `deletes from`, `reads`.
    pub fn verb(self) -> &'static str {
        match self {
            DataKind::Read => "reads",
            DataKind::Insert => "inserts into",
            DataKind::Upsert => "upserts into",
            DataKind::Update => "updates",
            DataKind::Delete => "deletes from",
        }
    }
}

/// A table read or mutated by a database call, inferred from its SQL text or ORM/DSL call
/// (SPEC §12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOp {
    /// The function holding the call (a closure given to a connection runner belongs to the
    /// function it is written in).
    pub function: usize,
    pub kind: DataKind,
    /// The table's name, unquoted, lowercased unless quoted in SQL.
    pub table: String,
    /// The columns read or written, when known (`None`: `*`, an INSERT without a column list,
    /// a DELETE, a changeset struct).
    pub columns: Option<std::collections::BTreeSet<String>>,
    /// A read that pins one row by its primary key (`WHERE id = $1`, `.find(id)`,
    /// `find_by_id`).
    pub by_key: bool,
    /// Where a finding points: the SQL string literal (or the argument holding the SQL), or
    /// the ORM/DSL function's name.
    pub span: SrcSpan,
    /// The whole call, to place it on a key's miss path.
    pub extent: SrcSpan,
    /// The call as written, shortened: `sqlx::query!(..)`, `am.update(..)`,
    /// `diesel::update(..)`.
    pub call: String,
    /// The SQL statement on one line, shortened (`None` for an ORM/DSL call).
    pub statement: Option<String>,
    /// Whether `span` is the string literal holding the statement (else a constant's name, a
    /// binding, a `query_file!` path, an ORM call): a finding then quotes the statement.
    pub literal: bool,
}

/// What the engine tells the model about the functions it was given.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Functions the model has no facts for but which lie on call paths: bodies generated by
    /// `macro_rules!`. Their ids follow the given functions' ids.
    pub extra: Vec<FnFact>,
    pub edges: Vec<Edge>,
    /// Per function (given, then extra).
    pub roles: Vec<Role>,
    pub unresolved: Vec<Unresolved>,
    /// The value of each key constant an annotation names, by the span of the path in the
    /// annotation; `Err` says why it has none.
    pub consts: Vec<(SrcSpan, Result<String, String>)>,
    /// Cache operations inferred from client calls (empty with inference off).
    pub ops: Vec<InferredOp>,
    /// Client calls whose key cannot be derived, and SQL that does not parse, with why;
    /// `--verbose` lists them.
    pub underived: Vec<Unresolved>,
    /// Tables read and mutated by database calls (inference on).
    pub data: Vec<DataOp>,
    /// Function bodies walked.
    pub bodies: usize,
    /// Call sites met in those bodies, and how many resolved to a function (or a closure, a
    /// function pointer, a constructor: what runs is known).
    pub call_sites: (usize, usize),
}

/// A loaded workspace.
struct Engine {
    loaded: load::Loaded,
}

/// The cargo features the engine analyzes the workspace with (`cfg(feature = ..)`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Features {
    /// Features to activate (`--features`; comma- or space-separated lists are split).
    pub list: Vec<String>,
    /// `--all-features`.
    pub all: bool,
    /// `--no-default-features`.
    pub no_default: bool,
}

/// What to resolve.
pub struct Request<'a> {
    /// A `Cargo.toml` of the workspace to load.
    pub manifest: &'a Path,
    /// A fingerprint of the analyzed files (sizes, modification times): a changed tree is
    /// loaded anew.
    pub state: u64,
    pub features: &'a Features,
    /// Absolute paths, indexed by the facts' file ids.
    pub files: &'a [PathBuf],
    pub functions: &'a [&'a FnFact],
    /// Whether each function's body can matter (walked) or not.
    pub walk: &'a [bool],
    /// Whether a text names something that leads to annotated code (a whole word); `None`
    /// when every name may. Calls, references and foreign macros that name nothing of the
    /// kind are not resolved.
    pub mentions: Mentions<'a>,
    /// Whether to infer cache operations from client calls (SPEC §11).
    pub infer: bool,
    /// The key separator, for inferred keys.
    pub sep: char,
    /// In-house cache methods inference cannot see through (`[infer.wrappers]`).
    pub wrappers: &'a [Wrapper],
    /// The dialect SQL text is parsed in (`[infer] sql_dialect`).
    pub dialect: crate::config::SqlDialect,
}

/// A method of an in-house cache layer named in `[infer.wrappers]`: calls of `method` on a
/// receiver of type `type_path` (or resolved to a method of that type or trait) are cache
/// operations on the key their first argument builds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wrapper {
    /// The type's path as configured, `crate` (the member holding the file) or a crate name
    /// first: `["crate", "cache", "Cache"]`.
    pub type_path: Vec<String>,
    pub method: String,
    pub op: WrapperOp,
}

/// What a wrapper method does to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WrapperOp {
    Read,
    Write,
    Invalidate,
}

/// See [`Request::mentions`].
pub type Mentions<'a> = Option<&'a (dyn Fn(&str) -> bool + Sync)>;

/// One slot per workspace (manifest and state of its files): loaded once per process, shared
/// by every run on it (the test suites analyze the same fixture workspace many times).
type Slot = Arc<Mutex<Option<Result<Engine, Unavailable>>>>;

static ENGINES: Mutex<BTreeMap<(PathBuf, u64, Features), Slot>> = Mutex::new(BTreeMap::new());

/// Resolves the calls of the request's functions with the semantic model of the cargo
/// workspace its manifest belongs to, loaded with the toolchain cachelint runs under and the
/// request's features.
///
/// # Errors
/// [`Unavailable`] when the toolchain has no `rust-src`, `cargo metadata` fails, or the
/// dependencies' sources are missing: the caller falls back to syntactic resolution.
pub fn resolve(request: &Request<'_>) -> Result<Resolution, Unavailable> {
    let Request {
        manifest,
        state,
        features,
        files,
        functions,
        walk,
        mentions,
        infer,
        sep,
        wrappers,
        dialect,
    } = *request;
    let toolchain = current_toolchain()?;
    let manifest = toolchain.workspace_manifest(manifest);
    let key = (
        std::fs::canonicalize(&manifest).unwrap_or_else(|_| manifest.clone()),
        state,
        features.clone(),
    );
    let slot: Slot = {
        let mut engines = ENGINES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        engines.entry(key).or_default().clone()
    };
    on_big_stack(|| {
        let mut slot = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let engine = slot.get_or_insert_with(|| {
            let loaded = quiet_panics(|| load::load(&manifest, &toolchain, features))
                .unwrap_or_else(|why| Err(Unavailable::Load(why)))?;
            Ok(Engine { loaded })
        });
        match engine {
            Ok(engine) => Ok(quiet_panics(|| {
                walk::resolve(
                    &engine.loaded,
                    files,
                    functions,
                    walk,
                    mentions,
                    (infer, sep, wrappers, dialect),
                )
            })
            .unwrap_or_else(|why| failed(functions.len(), why))),
            Err(why) => Err(why.clone()),
        }
    })
    .unwrap_or_else(|why| Err(Unavailable::Load(why)))
}

/// The environment for any cargo invocation on the analyzed repository: the toolchain
/// cachelint runs under, and no `rustc-wrapper` from the repository's config or the
/// environment (just the latter when no toolchain can be queried).
pub fn cargo_env() -> Vec<(String, String)> {
    match current_toolchain() {
        Ok(toolchain) => toolchain.cargo_env(),
        Err(_) => load::no_wrappers().collect(),
    }
}

/// The toolchain cachelint runs under, found once per process.
fn current_toolchain() -> Result<Toolchain, Unavailable> {
    static TOOLCHAIN: std::sync::OnceLock<Result<Toolchain, Unavailable>> =
        std::sync::OnceLock::new();
    TOOLCHAIN.get_or_init(Toolchain::current).clone()
}

/// The resolution when the walk itself failed: every function production code with no edges,
/// and the reason for `--verbose`.
fn failed(functions: usize, why: String) -> Resolution {
    Resolution {
        roles: vec![Role::Production; functions],
        unresolved: vec![Unresolved {
            span: SrcSpan {
                file: 0,
                start: Default::default(),
                end: Default::default(),
            },
            caller: 0,
            call: String::new(),
            reason: format!("the semantic engine failed: {why}"),
        }],
        ..Resolution::default()
    }
}

/// Stack size for the engine's threads: macro expansion and inference recurse deeply, as in
/// rust-analyzer's own command line.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Runs `work` on a thread with a big stack; a panic comes back as its message.
fn on_big_stack<R: Send>(work: impl FnOnce() -> R + Send) -> Result<R, String> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || quiet_panics(work));
        match handle {
            Ok(handle) => handle.join().unwrap_or_else(|e| Err(panic_message(&e))),
            Err(e) => Err(format!("cannot start a thread: {e}")),
        }
    })
}

/// Runs `work`, catching a panic (rust-analyzer's crates may panic on odd code, as the IDE
/// expects) without printing it: it is reported as data.
pub(crate) fn quiet_panics<R>(work: impl FnOnce() -> R) -> Result<R, String> {
    let before = QUIET.with(|q| q.replace(true));
    install_quiet_hook();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    QUIET.with(|q| q.set(before));
    result.map_err(|e| panic_message(&e))
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
