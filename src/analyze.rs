//! The pipeline: discover files, extract facts in parallel, build the model, run the rules.

use crate::config::{self, LintLevel};
use crate::discover::{Discovery, SourceFile};
use crate::facts::{FileFacts, FnFact, Pos, Problem, SrcSpan};
use crate::graph::Model;
use crate::locate::{FileText, Locator};
use crate::rules::{self, Context, Sink};
use crate::semantic;
use crate::{Analysis, Engine, Stats, extract, prefilter};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// A stage of the pipeline, as a progress display shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading these many files and extracting the facts of those that can matter.
    Reading { files: usize },
    /// Loading the cargo workspace into the semantic engine and resolving the calls of these
    /// many functions (the bodies that can matter).
    Loading { functions: usize },
    /// Building the model of these many functions and running the rules.
    Checking { functions: usize },
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match *self {
            Stage::Reading { files } => write!(f, "Reading {files} file{}", plural(files)),
            Stage::Loading { functions } => write!(
                f,
                "Loading workspace, analyzing {functions} function{}",
                plural(functions)
            ),
            Stage::Checking { functions } => {
                write!(f, "Checking {functions} function{}", plural(functions))
            }
        }
    }
}

/// Receives each [`Stage`] of every later [`analyze`] run as it starts (the binary's progress
/// display implements it). Called from the thread that runs `analyze`.
pub trait Progress: Send + Sync {
    /// `stage` starts now.
    fn stage(&self, stage: Stage);
}

static PROGRESS: OnceLock<Box<dyn Progress>> = OnceLock::new();

/// Installs the process's progress reporter; `false` (and `progress` dropped) when one is
/// installed already. Without one, stages are reported to no one.
pub fn set_progress(progress: Box<dyn Progress>) -> bool {
    PROGRESS.set(progress).is_ok()
}

/// Tells the installed reporter, if any, that `stage` starts.
fn progress(stage: Stage) {
    if let Some(progress) = PROGRESS.get() {
        progress.stage(stage);
    }
}

/// Settings of one run beyond what to analyze.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-A/-W/-D RULE` in command-line order.
    pub levels: Vec<(LintLevel, String)>,
    /// Parse every file, not only those that can matter (for checking the pre-filter).
    pub all_files: bool,
    /// `--no-infer`: no inference of cache facts from code in this run, whatever `[infer]
    /// enabled` says. Kept apart from the configuration; [`Options::infer_enabled`] and
    /// [`Options::inference`] combine the two.
    pub no_infer: bool,
}

impl Options {
    /// Whether this run infers cache facts from code, given the workspace's configuration
    /// (`Workspace::config`, the root's, whose `[infer]` every member shares): `[infer]
    /// enabled` (default `true`) and no `--no-infer`.
    pub fn infer_enabled(&self, config: &config::Config) -> bool {
        !self.no_infer && config.infer.enabled
    }

    /// The `[infer]` settings inference runs with in this run (dialect and wrappers, from
    /// the workspace's `config`), or `None` when it does not run (see
    /// [`Options::infer_enabled`]).
    pub fn inference<'c>(&self, config: &'c config::Config) -> Option<&'c config::Infer> {
        self.infer_enabled(config).then_some(&config.infer)
    }
}

pub use crate::workspace::{Error, Report, Target, Workspace, workspace};

/// Reads and extracts every file, builds the model and runs the rules.
pub fn analyze(target: &Target, options: &Options) -> Result<(Analysis, Model, Workspace), Error> {
    let started = Instant::now();
    let mut timer = Timer::from_env(started);
    let ws = workspace(target)?;
    progress(Stage::Reading {
        files: ws.discovery.files.len(),
    });
    let groups = setting_groups(&ws, options)?;
    timer.lap("discover");
    let inference = options.inference(&ws.config);
    let infer = inference.is_some();
    let wrappers: Vec<semantic::Wrapper> = inference
        .map(|i| {
            i.wrappers
                .iter()
                .map(|w| semantic::Wrapper {
                    type_path: w.path.clone(),
                    method: w.method.clone(),
                    op: match w.op {
                        config::WrapperOp::Read => semantic::WrapperOp::Read,
                        config::WrapperOp::Write => semantic::WrapperOp::Write,
                        config::WrapperOp::Invalidate => semantic::WrapperOp::Invalidate,
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    // A file naming a wrapper's type may hold its calls, as one naming a client crate does.
    let wrapper_types: Vec<String> = wrappers
        .iter()
        .filter_map(|w| w.type_path.last().cloned())
        .collect();
    let (texts, facts, relevant, client_files, any_cache) = read_all(
        &ws.discovery,
        ws.config.separator,
        options.all_files,
        infer.then_some((wrapper_types.as_slice(), wrappers.as_slice())),
    );
    timer.lap("read+extract");
    let (semantic, engine) = resolve_calls(
        &ws,
        &target.features,
        &facts,
        &texts,
        relevant.as_ref(),
        (
            infer && any_cache,
            ws.config.separator,
            &client_files,
            &wrappers,
        ),
        inference.map(|i| i.sql_dialect).unwrap_or_default(),
    );
    timer.lap("semantic");
    timer.note_sql();
    progress(Stage::Checking {
        functions: facts.iter().map(|f| f.functions.len()).sum(),
    });
    let model = Model::build(facts, ws.config.separator, semantic);
    timer.lap("model");
    let locator = Locator::new(&texts);
    let cx = Context {
        model: &model,
        locator: &locator,
        max_staleness: ws.config.max_staleness,
        dependencies: model.dependencies(),
    };
    timer.lap("dependencies");
    let mut cx = cx;
    let mut findings = Vec::new();
    let single = groups.len() == 1;
    for group in groups {
        // Each member's own settings for the findings in its files: the rules run once per
        // distinct settings (once, unless a member configures levels or `max_staleness`).
        cx.max_staleness = group.max_staleness;
        let mut sink = Sink::new(group.levels);
        rules::check_all(&cx, &mut sink);
        findings.extend(sink.findings.into_iter().filter(|f| {
            single || {
                let path = ws.root.join(&f.primary.location.file);
                group.layers.contains(&ws.layers.layer_of(&path))
            }
        }));
    }
    timer.lap("rules");
    findings.retain(|f| ws.report.shows(&f.primary.location.file));
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    let pointed: BTreeSet<&str> = findings
        .iter()
        .flat_map(|f| std::iter::once(&f.primary).chain(&f.related))
        .map(|l| l.location.file.as_str())
        .collect();
    let sources = texts
        .iter()
        .filter(|t| pointed.contains(t.rel.as_str()))
        .map(|t| (t.rel.clone(), t.text.to_string()))
        .collect();
    let stats = Stats {
        files: ws.discovery.files.len(),
        functions: model.functions.len(),
        read_keys: model
            .reads
            .iter()
            .map(|r| r.key.canonical())
            .collect::<BTreeSet<_>>()
            .len(),
        write_keys: model
            .writes
            .iter()
            .map(|w| w.key.canonical())
            .collect::<BTreeSet<_>>()
            .len(),
        baselined: 0,
        elapsed: started.elapsed(),
        engine,
    };
    Ok((
        Analysis {
            findings,
            sources,
            stats,
        },
        model,
        ws,
    ))
}

/// Rule levels and `max_staleness` that apply to the files of some configuration layers.
struct Settings {
    levels: std::collections::BTreeMap<&'static str, LintLevel>,
    max_staleness: std::time::Duration,
    /// Indices in `Workspace::layers`.
    layers: Vec<usize>,
}

/// The distinct settings of the run's configurations, with the command line's `-A/-W/-D` over
/// each.
fn setting_groups(ws: &Workspace, options: &Options) -> Result<Vec<Settings>, Error> {
    let mut groups: Vec<Settings> = Vec::new();
    for (index, layer) in ws.layers.layers().iter().enumerate() {
        let defaults = rules::REGISTRY.iter().map(|r| (r.name, r.default_level));
        let levels = config::resolve_levels(&layer.config, &options.levels, defaults)?;
        let max_staleness = layer.config.max_staleness;
        match groups
            .iter_mut()
            .find(|g| g.levels == levels && g.max_staleness == max_staleness)
        {
            Some(group) => group.layers.push(index),
            None => groups.push(Settings {
                levels,
                max_staleness,
                layers: vec![index],
            }),
        }
    }
    Ok(groups)
}

/// Resolves calls with the semantic engine when there is annotated code to check: `None`
/// (and why) when it cannot load, and resolution falls back to the syntax.
///
/// Only bodies that can matter are walked: those that name something leading to annotated code
/// (`relevant`), annotated or not; the rest can reach no annotation (an annotated function's
/// own annotations count whether its body is walked or not).
fn resolve_calls(
    ws: &Workspace,
    features: &semantic::Features,
    facts: &[FileFacts],
    texts: &[FileText],
    relevant: Option<&prefilter::Words>,
    (infer, sep, client_files, wrappers): (bool, char, &[bool], &[semantic::Wrapper]),
    dialect: config::SqlDialect,
) -> (Option<semantic::Resolution>, Engine) {
    let functions: Vec<&FnFact> = facts.iter().flat_map(|f| &f.functions).collect();
    let infer = infer && client_files.iter().any(|c| *c);
    if !infer && !functions.iter().any(|f| !f.annotations.is_empty()) {
        // Nothing annotated and no cache client called: no call can matter, and the model
        // is not worth loading.
        return (None, Engine::Syntactic);
    }
    let manifest = match &ws.manifest {
        Ok(manifest) => manifest,
        Err(why) => return (None, Engine::Fallback(why.message())),
    };
    let walk: Vec<bool> = functions
        .iter()
        .map(|f| {
            let (Some(body), Some(words)) = (&f.body, relevant) else {
                return false;
            };
            // A file naming a cache client: every body, for inference.
            (infer && client_files.get(f.file as usize).copied().unwrap_or(false))
                || texts
                    .get(f.file as usize)
                    .and_then(|t| t.text.as_bytes().get(body.clone()))
                    .is_none_or(|text| words.found_in(text))
        })
        .collect();
    progress(Stage::Loading {
        functions: walk.iter().filter(|walked| **walked).count(),
    });
    let files: Vec<PathBuf> = ws.discovery.files.iter().map(|f| f.path.clone()).collect();
    let mentions = |text: &str| relevant.is_none_or(|words| words.found_in(text.as_bytes()));
    let request = semantic::Request {
        manifest,
        state: tree_state(&ws.discovery),
        features,
        files: &files,
        functions: &functions,
        walk: &walk,
        mentions: Some(&mentions),
        infer,
        sep,
        wrappers,
        dialect,
    };
    match semantic::resolve(&request) {
        Ok(resolution) => (Some(resolution), Engine::Semantic),
        Err(why) => (None, Engine::Fallback(why.message())),
    }
}

/// A fingerprint of the analyzed files (paths, sizes, modification times).
fn tree_state(discovery: &Discovery) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in &discovery.files {
        file.path.hash(&mut hasher);
        if let Ok(meta) = std::fs::metadata(&file.path) {
            meta.len().hash(&mut hasher);
            meta.modified().ok().hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// Stage timings on stderr when `CACHELINT_TIMINGS` is set, for profiling.
struct Timer {
    last: Option<Instant>,
}

impl Timer {
    fn from_env(started: Instant) -> Self {
        Timer {
            last: std::env::var_os("CACHELINT_TIMINGS").map(|_| started),
        }
    }

    /// The SQL parsing the semantic stage did (part of its time, summed over threads).
    fn note_sql(&self) {
        let (spent, texts) = crate::sql::time_spent();
        if self.last.is_some() && texts > 0 {
            eprintln!(
                "cachelint timing:   of which SQL {:>8.3}s ({texts} texts parsed, summed over threads)",
                spent.as_secs_f64()
            );
        }
    }

    fn lap(&mut self, stage: &str) {
        if let Some(last) = self.last {
            eprintln!(
                "cachelint timing: {stage:<14} {:>8.3}s",
                last.elapsed().as_secs_f64()
            );
            self.last = Some(Instant::now());
        }
    }
}

/// Stack size for parsing threads: deeply nested code recurses deeply.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Reads every file, then extracts the ones that can matter (all of them with `all_files`),
/// in parallel. Returns the texts (indexed by file id; empty for files that contributed
/// nothing) and the facts in file order.
/// Also returns a matcher of every name that leads to annotated code, and per file whether it
/// names a cache client crate or one of `infer`'s wrapper types (with `infer`: those files are
/// read too, and what calls their functions).
fn read_all(
    discovery: &Discovery,
    sep: char,
    all_files: bool,
    infer: Option<(&[String], &[semantic::Wrapper])>,
) -> (
    Vec<FileText>,
    Vec<FileFacts>,
    Option<prefilter::Words>,
    Vec<bool>,
    bool,
) {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build()
        .ok();
    let files = &discovery.files;
    let loaded: Vec<Result<String, Unreadable>> = in_pool(&pool, || {
        files
            .par_iter()
            .enumerate()
            .map(|(id, f)| load(id as u32, f))
            .collect()
    });
    let client_names: Vec<String> = discovery
        .aliases
        .iter()
        .filter(|(krate, _)| crate::commands::CLIENT_CRATES.contains(&krate.as_str()))
        .map(|(_, alias)| alias.clone())
        .chain(
            infer
                .into_iter()
                .flat_map(|(types, _)| types.iter().cloned()),
        )
        .collect();
    let wrapper_methods: Vec<&str> = infer
        .into_iter()
        .flat_map(|(_, wrappers)| wrappers.iter().map(|w| w.method.as_str()))
        .collect();
    let infer = infer.is_some();
    let (is_candidate, clients): (Vec<bool>, Vec<(bool, bool)>) = in_pool(&pool, || {
        loaded
            .par_iter()
            .map(|l| {
                let Ok(t) = l.as_ref() else {
                    return (false, (false, false));
                };
                let cache = infer && prefilter::mentions_client(t.as_bytes(), &client_names);
                let client = cache || (infer && prefilter::mentions_data(t.as_bytes()));
                let annotated = prefilter::has_annotation(t.as_bytes());
                (client || annotated, (client, cache || annotated))
            })
            .unzip()
    });
    let client_files: Vec<bool> = clients.iter().map(|c| c.0).collect();
    // Database calls matter only where something is cached: a Redis client or an annotation.
    let any_cache = clients.iter().any(|c| c.1);
    let mut parsed: Vec<Option<FileFacts>> = vec![None; files.len()];
    let mut frontier: Vec<usize> = (0..files.len()).filter(|&i| is_candidate[i]).collect();
    let mut relevant = prefilter::Relevant::with_aliases(&discovery.aliases);
    for (i, client) in client_files.iter().enumerate() {
        if *client {
            relevant.mark_client_file(i as u32);
        }
    }
    for method in wrapper_methods {
        relevant.add_wrapper_method(method);
    }
    while !frontier.is_empty() {
        let results: Vec<(usize, FileFacts)> = in_pool(&pool, || {
            frontier
                .par_iter()
                .map(|&i| {
                    let text = loaded[i].as_ref().map(String::as_str).unwrap_or("");
                    let mut facts =
                        extract::extract_file(i as u32, text, files[i].module.clone(), sep);
                    // Extraction reads only item headers; `--all-files` also checks the
                    // syntax of everything else, bodies included.
                    if all_files && !facts.problems.iter().any(|p| p.rule == "parse_error") {
                        facts.problems.extend(extract::check_syntax(i as u32, text));
                    }
                    // Facts hold positions, not spans: the span table can go.
                    proc_macro2::extra::invalidate_current_thread_spans();
                    (i, facts)
                })
                .collect()
        });
        for (i, facts) in results {
            parsed[i] = Some(facts);
        }
        relevant.learn_all(
            parsed
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.as_ref().map(|f| (crate_of(&files[i]), f))),
        );
        let all_parsed = (0..files.len()).all(|i| parsed[i].is_some() || loaded[i].is_err());
        if all_parsed {
            break;
        }
        let Some(words) = relevant.take_fresh() else {
            break;
        };
        if std::env::var_os("CACHELINT_TIMINGS").is_some() {
            let parsed_count = parsed.iter().flatten().count();
            eprintln!("cachelint prefilter: {parsed_count} files parsed; then {words:?}");
        }
        frontier = in_pool(&pool, || {
            (0..files.len())
                .into_par_iter()
                .filter(|&i| {
                    parsed[i].is_none()
                        && loaded[i]
                            .as_ref()
                            .is_ok_and(|t| words.found_in(crate_of(&files[i]), t.as_bytes()))
                })
                .collect()
        });
    }
    // `--all-files` also reads every file the fixed point left out, for its syntax errors
    // only: its facts cannot change a finding, and holding them all (millions of generated
    // items in a vendored tree) would not fit in memory.
    if all_files {
        let rest: Vec<(usize, Vec<Problem>)> = in_pool(&pool, || {
            (0..files.len())
                .into_par_iter()
                .filter(|&i| parsed[i].is_none())
                .filter_map(|i| {
                    let text = loaded[i].as_ref().ok()?;
                    let facts = extract::extract_file(i as u32, text, files[i].module.clone(), sep);
                    let mut problems = facts.problems;
                    if !problems.iter().any(|p| p.rule == "parse_error") {
                        problems.extend(extract::check_syntax(i as u32, text));
                    }
                    proc_macro2::extra::invalidate_current_thread_spans();
                    Some((i, problems))
                })
                .collect()
        });
        for (i, problems) in rest {
            parsed[i] = Some(FileFacts {
                problems,
                ..FileFacts::default()
            });
        }
    }
    // A call whose name leads to no annotated code cannot matter to any finding: leaving it
    // out keeps resolution to the part of a large tree that touches the cache.
    for facts in parsed.iter_mut().flatten() {
        for function in &mut facts.functions {
            function
                .calls
                .retain(|c| prefilter::call_name(c).is_some_and(|n| relevant.contains(n)));
        }
    }
    let mut texts = Vec::with_capacity(files.len() + discovery.unreadable.len());
    let mut facts = Vec::with_capacity(files.len() + discovery.unreadable.len());
    for ((file, load), parsed) in files.iter().zip(loaded).zip(parsed) {
        let (text, file_facts) = match (load, parsed) {
            (Ok(text), Some(f)) => (text, f),
            (Ok(_), None) => (String::new(), FileFacts::default()),
            // The readable part of a file that is not UTF-8 locates the problem.
            (Err(unreadable), _) => {
                let (problem, readable) = *unreadable;
                (readable, problem)
            }
        };
        let keep = !file_facts.functions.is_empty() || !file_facts.problems.is_empty();
        let text = if keep { text } else { String::new() };
        texts.push(FileText {
            rel: file.rel.clone(),
            text: Arc::from(text),
        });
        facts.push(file_facts);
    }
    for unreadable in &discovery.unreadable {
        let id = texts.len() as u32;
        texts.push(FileText {
            rel: unreadable.rel.clone(),
            text: Arc::from(""),
        });
        let message = format!("cannot read `{}`: {}", unreadable.rel, unreadable.reason);
        facts.push(problem_facts(id, message, Pos { line: 1, column: 0 }));
    }
    (texts, facts, relevant.words(), client_files, any_cache)
}

/// The crate a file belongs to: the first segment of its module path.
fn crate_of(file: &SourceFile) -> &str {
    file.module.first().map_or("crate", String::as_str)
}

/// Runs `work` on the big-stack pool, or on the global one if it could not be built.
fn in_pool<R: Send>(pool: &Option<rayon::ThreadPool>, work: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

fn problem_facts(file: u32, message: String, at: Pos) -> FileFacts {
    FileFacts {
        problems: vec![Problem {
            rule: "parse_error",
            message,
            span: SrcSpan {
                file,
                start: at,
                end: at,
            },
            allow: Vec::new(),
        }],
        ..FileFacts::default()
    }
}

/// A file that cannot be analyzed: the `parse_error` that says why, and its readable part.
type Unreadable = Box<(FileFacts, String)>;

/// Reads one file as UTF-8, or says why it cannot be analyzed.
fn load(id: u32, file: &SourceFile) -> Result<String, Unreadable> {
    let bytes = std::fs::read(&file.path).map_err(|err| {
        let message = format!("cannot read `{}`: {err}", file.rel);
        Box::new((
            problem_facts(id, message, Pos { line: 1, column: 0 }),
            String::new(),
        ))
    })?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let bytes = err.into_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        let line = prefix.matches('\n').count() as u32 + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32;
        let message = format!(
            "`{}` is not valid UTF-8 (byte {valid}); it is skipped",
            file.rel
        );
        let readable = prefix.into_owned();
        Box::new((problem_facts(id, message, Pos { line, column }), readable))
    })
}
