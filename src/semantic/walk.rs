//! The call graph from the semantic model: every function body of the analyzed files, walked
//! with rust-analyzer's `Semantics`.

use super::body::{BodyOut, BodyWalker};
use super::load::Loaded;
use super::{Edge, Mentions, Resolution, Role, Unresolved, consts, quiet_panics};
use crate::facts::{FnFact, Owner, Pos, SrcSpan, TypeRef};
use ra_ap_hir::{
    self as hir, AsAssocItem, AssocItem, AssocItemContainer, HasVisibility, ModuleDef, Semantics,
};
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::base_db::SourceDatabase;
use ra_ap_syntax::ast::HasName;
use ra_ap_syntax::{AstNode, TextRange};
use ra_ap_vfs::{FileId as VfsFileId, VfsPath};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

pub(super) fn resolve(
    loaded: &Loaded,
    files: &[PathBuf],
    functions: &[&FnFact],
    walk: &[bool],
    mentions: Mentions<'_>,
    infer: (bool, char, &[super::Wrapper], crate::config::SqlDialect),
) -> Resolution {
    let db = &loaded.db;
    hir::attach_db(db, || {
        let timer = super::load::Timer::start();
        warm_def_maps(db, loaded);
        timer.lap("dependencies");
        let mut walker = Walker::new(loaded, db, files, functions, walk, mentions);
        walker.infer = (infer.0, infer.1);
        walker.wrappers = infer.2;
        if infer.0 {
            let mut texts: Vec<(u32, &str)> = walker
                .lines
                .values()
                .map(|l| (l.ours(), l.text()))
                .collect();
            texts.sort_by_key(|(id, _)| *id);
            let mut schema = super::data::Schema::scan(texts.into_iter());
            schema.read_migrations(files, infer.3);
            schema.name_entity_modules(files);
            walker.data = Some(super::data::DataCx {
                dialect: infer.3,
                schema,
                paths: files.to_vec(),
            });
        }
        walker.collect();
        timer.lap("def maps");
        walker.walk_all();
        timer.lap("bodies");
        let resolution = walker.finish();
        timer.lap("consts");
        resolution
    })
}

/// Walks the bodies of `chunk` on this thread; a body rust-analyzer fails on is reported, and
/// the others are still walked.
fn walk_chunk(
    db: &RootDatabase,
    lines: &HashMap<VfsFileId, Lines>,
    mentions: Mentions<'_>,
    (infer, wrappers, data): (bool, &[super::Wrapper], Option<&super::data::DataCx>),
    chunk: Vec<(usize, hir::Function)>,
) -> BodyOut {
    hir::attach_db(db, || {
        let mut walker = BodyWalker::new(db, lines, mentions, infer);
        walker.wrappers = wrappers;
        walker.data = data;
        for (id, f) in chunk {
            if let Err(why) = quiet_panics(|| walker.walk_function(id, f)) {
                walker.out.failed.push((id, why));
            }
        }
        walker.out
    })
}

/// Name resolution of the crates the analyzed members build on, dependencies first, on as
/// many threads as there are cores (most of a run is the dependencies' def maps, as the spike
/// measured): the walk then finds them computed. Crates only test targets use (dev-
/// dependencies) are left alone.
fn warm_def_maps(db: &RootDatabase, loaded: &Loaded) {
    let mut order: Vec<hir::Crate> = Vec::new();
    let mut seen = HashSet::new();
    let roots = hir::Crate::all(db).into_iter().filter(|k| {
        let root = loaded
            .vfs
            .file_path(k.root_file(db))
            .as_path()
            .map(|p| PathBuf::from(p.as_str()));
        root.is_some_and(|r| loaded.member_roots.contains(&r))
    });
    // Post-order: a crate after its dependencies.
    fn visit(
        db: &RootDatabase,
        krate: hir::Crate,
        seen: &mut HashSet<hir::Crate>,
        order: &mut Vec<hir::Crate>,
    ) {
        if !seen.insert(krate) {
            return;
        }
        for dep in krate.dependencies(db) {
            visit(db, dep.krate, seen, order);
        }
        order.push(krate);
    }
    for root in roots {
        visit(db, root, &mut seen, &mut order);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let db = db.clone();
            let (order, next) = (&order, &next);
            let _ = std::thread::Builder::new()
                .stack_size(super::STACK_SIZE)
                .spawn_scoped(scope, move || {
                    hir::attach_db(&db, || {
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(krate) = order.get(i) else { break };
                            let _ = quiet_panics(|| hir::crate_def_map(&db, krate.base()));
                        }
                    })
                });
        }
    });
}

/// Byte offset → line and column (in chars) of one file.
pub(super) struct Lines {
    ours: u32,
    text: std::sync::Arc<str>,
    starts: Vec<usize>,
}

impl Lines {
    fn new(ours: u32, text: std::sync::Arc<str>) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { ours, text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let end = offset.min(self.text.len()).max(start);
        let column = self.text.get(start..end).map_or(0, |s| s.chars().count());
        Pos {
            line: line as u32,
            column: column as u32,
        }
    }

    /// The file's text.
    pub(super) fn text(&self) -> &str {
        &self.text
    }

    /// The facts' id of the file.
    pub(super) fn ours(&self) -> u32 {
        self.ours
    }

    pub(super) fn span(&self, range: TextRange) -> SrcSpan {
        SrcSpan {
            file: self.ours,
            start: self.pos(range.start().into()),
            end: self.pos(range.end().into()),
        }
    }
}

struct Walker<'a> {
    loaded: &'a Loaded,
    db: &'a RootDatabase,
    sema: Semantics<'a, RootDatabase>,
    functions: &'a [&'a FnFact],
    /// Whether each given function's body can matter.
    walk: &'a [bool],
    mentions: Mentions<'a>,
    /// Analyzed files by rust-analyzer's id.
    lines: HashMap<VfsFileId, Lines>,
    /// Given functions by (file, name position).
    by_position: HashMap<(u32, Pos), usize>,
    /// Function id of every hir function met.
    ids: HashMap<hir::Function, Option<usize>>,
    extra: Vec<FnFact>,
    roles: Vec<Role>,
    /// Functions to walk, with the hir function whose body it is.
    queue: Vec<(usize, hir::Function)>,
    walked: HashSet<usize>,
    edges: BTreeSet<(usize, usize, SrcSpan)>,
    /// Functions named (called or passed) by production code.
    referenced: HashSet<usize>,
    unresolved: Vec<Unresolved>,
    /// Every hir function of each id, to find trait declarations and privacy.
    hir_of: HashMap<usize, hir::Function>,
    bodies: usize,
    /// (call sites, resolved)
    call_sites: (usize, usize),
    /// Whether to infer cache operations, and the key separator.
    infer: (bool, char),
    ops: Vec<super::infer::RawOp>,
    sites: Vec<super::infer::LocalSite>,
    wrappers: &'a [super::Wrapper],
    /// What database calls are read with (inference on).
    data: Option<super::data::DataCx>,
    data_ops: Vec<super::DataOp>,
    unparsed: Vec<Unresolved>,
}

impl<'a> Walker<'a> {
    fn new(
        loaded: &'a Loaded,
        db: &'a RootDatabase,
        files: &[PathBuf],
        functions: &'a [&'a FnFact],
        walk: &'a [bool],
        mentions: Mentions<'a>,
    ) -> Walker<'a> {
        let mut lines = HashMap::new();
        for (ours, path) in files.iter().enumerate() {
            let Some(abs) = std::fs::canonicalize(path)
                .ok()
                .and_then(|p| super::load::abs_path(&p))
            else {
                continue;
            };
            let Some((id, _)) = loaded.vfs.file_id(&VfsPath::from(abs)) else {
                continue;
            };
            let text = db.file_text(id).text(db);
            lines.insert(
                id,
                Lines::new(ours as u32, std::sync::Arc::<str>::from(&**text)),
            );
        }
        let by_position = functions
            .iter()
            .enumerate()
            .map(|(id, f)| ((f.file, f.name_span.start), id))
            .collect();
        Walker {
            loaded,
            db,
            sema: Semantics::new(db),
            functions,
            walk,
            mentions,
            lines,
            by_position,
            ids: HashMap::new(),
            extra: Vec::new(),
            roles: vec![Role::Unloaded; functions.len()],
            queue: Vec::new(),
            walked: HashSet::new(),
            edges: BTreeSet::new(),
            referenced: HashSet::new(),
            unresolved: Vec::new(),
            hir_of: HashMap::new(),
            bodies: 0,
            call_sites: (0, 0),
            infer: (false, ':'),
            ops: Vec::new(),
            sites: Vec::new(),
            wrappers: &[],
            data: None,
            data_ops: Vec::new(),
            unparsed: Vec::new(),
        }
    }

    /// Every function of the workspace members' crates that lies in an analyzed file.
    fn collect(&mut self) {
        let db = self.db;
        for krate in hir::Crate::all(db) {
            if !krate.origin(db).is_local() {
                continue;
            }
            let root = self.path_of(krate.root_file(db));
            let is_test = self.loaded.test_roots.contains(&root);
            if !is_test && !self.loaded.member_roots.contains(&root) {
                continue;
            }
            let _ = quiet_panics(|| {
                for module in krate.modules(db) {
                    let mut found = Vec::new();
                    for decl in module.declarations(db) {
                        match decl {
                            ModuleDef::Function(f) => found.push(f),
                            ModuleDef::Trait(t) => found.extend(assoc_fns(t.items(db))),
                            _ => {}
                        }
                    }
                    for imp in module.impl_defs(db) {
                        found.extend(assoc_fns(imp.items(db)));
                    }
                    for f in found {
                        self.enlist(f, is_test);
                    }
                }
            });
        }
    }

    fn path_of(&self, file: VfsFileId) -> PathBuf {
        self.loaded
            .vfs
            .file_path(file)
            .as_path()
            .map(|p| PathBuf::from(p.as_str()))
            .unwrap_or_default()
    }

    /// The function's id, adding it (and queueing its body) the first time it is met.
    fn enlist(&mut self, f: hir::Function, is_test: bool) -> Option<usize> {
        if let Some(&id) = self.ids.get(&f) {
            return id;
        }
        let id = self.identify(f);
        self.ids.insert(f, id);
        let id = id?;
        let test = is_test || f.is_test(self.db) || f.is_bench(self.db);
        let role = if test { Role::Test } else { Role::Production };
        // A file in both a test target and a production crate is production code.
        if self.roles[id] != Role::Production {
            self.roles[id] = role;
        }
        if role == Role::Production {
            self.hir_of.insert(id, f);
            // Bodies generated by macros (extra functions) are always walked.
            let matters = self.walk.get(id).copied().unwrap_or(true);
            if matters && self.walked.insert(id) {
                self.queue.push((id, f));
            }
        } else {
            self.hir_of.entry(id).or_insert(f);
        }
        Some(id)
    }

    /// Matches a hir function to a given function by where its name is, or makes an extra
    /// function for one generated by a `macro_rules!` in an analyzed file.
    fn identify(&mut self, f: hir::Function) -> Option<usize> {
        let src = self.sema.source(f)?;
        if src.file_id.is_macro() {
            let range = self.sema.original_range(src.value.syntax());
            let file = range.file_id.file_id(self.db);
            let span = self.lines.get(&file)?.span(range.range);
            return Some(self.add_extra(f, span));
        }
        let file = src.file_id.original_file(self.db).file_id(self.db);
        let name = src.value.name()?;
        let lines = self.lines.get(&file)?;
        let span = lines.span(name.syntax().text_range());
        self.by_position.get(&(span.file, span.start)).copied()
    }

    fn add_extra(&mut self, f: hir::Function, span: SrcSpan) -> usize {
        let db = self.db;
        let id = self.functions.len() + self.extra.len();
        let module = module_path(db, f.module(db));
        let owner = match f.as_assoc_item(db).map(|a| a.container(db)) {
            Some(AssocItemContainer::Impl(imp)) => Some(Owner {
                self_ty: imp
                    .self_ty(db)
                    .as_adt()
                    .map(|adt| TypeRef::Path(vec![adt.name(db).as_str().to_owned()])),
                trait_path: imp.trait_(db).map(|t| vec![t.name(db).as_str().to_owned()]),
            }),
            Some(AssocItemContainer::Trait(t)) => Some(Owner {
                self_ty: None,
                trait_path: Some(vec![t.name(db).as_str().to_owned()]),
            }),
            None => None,
        };
        self.extra.push(FnFact {
            file: span.file,
            module,
            owner,
            name: f.name(db).as_str().to_owned(),
            name_span: span,
            annotations: Vec::new(),
            calls: Vec::new(),
            locals: Vec::new(),
            params: Vec::new(),
            generics: Vec::new(),
            ret: None,
            body: None,
        });
        self.roles.push(Role::Unloaded);
        id
    }

    /// Walks every queued body, in batches spread over the cores (each thread with its own
    /// database handle), then merges what they found; functions first met while merging
    /// (nested `fn` items, bodies generated by macros) make the next batch.
    fn walk_all(&mut self) {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        while !self.queue.is_empty() {
            let batch = std::mem::take(&mut self.queue);
            let chunks: Vec<Vec<(usize, hir::Function)>> = (0..threads)
                .map(|t| batch.iter().copied().skip(t).step_by(threads).collect())
                .collect();
            let lines = &self.lines;
            let mentions = self.mentions;
            let infer = self.infer.0;
            let wrappers = self.wrappers;
            let data = self.data.as_ref();
            let outs: Vec<BodyOut> = std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .into_iter()
                    .filter(|chunk| !chunk.is_empty())
                    .map(|chunk| {
                        let db = self.db.clone();
                        std::thread::Builder::new()
                            .stack_size(super::STACK_SIZE)
                            .spawn_scoped(scope, move || {
                                walk_chunk(&db, lines, mentions, (infer, wrappers, data), chunk)
                            })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|h| h.ok()?.join().ok())
                    .collect()
            });
            for out in outs {
                self.merge(out);
            }
        }
        self.link_trait_declarations();
    }

    fn merge(&mut self, out: BodyOut) {
        for (caller, f, span) in out.calls {
            self.edge_to(caller, f, span);
        }
        for f in out.refs {
            if let Some(id) = self.enlist(f, false) {
                self.referenced.insert(id);
            }
        }
        for f in out.nested {
            self.enlist(f, false);
        }
        self.unresolved.extend(out.unresolved);
        for (id, why) in out.failed {
            let span = self.span_of_fn(id);
            self.unresolved.push(Unresolved {
                span,
                caller: id,
                call: String::new(),
                reason: format!("rust-analyzer failed on this function's body: {why}"),
            });
        }
        self.ops.extend(out.ops);
        self.sites.extend(out.sites);
        self.data_ops.extend(out.data);
        self.unparsed.extend(out.unparsed);
        self.bodies += out.bodies;
        self.call_sites.0 += out.call_sites.0;
        self.call_sites.1 += out.call_sites.1;
    }

    fn span_of_fn(&self, id: usize) -> SrcSpan {
        self.functions
            .get(id)
            .copied()
            .or_else(|| self.extra.get(id - self.functions.len()))
            .map_or(
                SrcSpan {
                    file: 0,
                    start: Pos::default(),
                    end: Pos::default(),
                },
                |f| f.name_span,
            )
    }

    /// An edge from `caller` to `f`; a trait method's declaration fans out to every
    /// implementation in the analyzed crates.
    fn edge_to(&mut self, caller: usize, f: hir::Function, span: SrcSpan) {
        let mut targets = vec![f];
        if let Some(AssocItemContainer::Trait(t)) =
            f.as_assoc_item(self.db).map(|a| a.container(self.db))
        {
            targets.extend(self.implementations(t, f));
        }
        for target in targets {
            if let Some(id) = self.enlist(target, false) {
                self.referenced.insert(id);
                if id != caller || target == f {
                    self.edges.insert((caller, id, span));
                }
            }
        }
    }

    /// The implementations of trait method `f` in the analyzed crates, blanket impls and
    /// impls on foreign types included.
    fn implementations(&self, t: hir::Trait, f: hir::Function) -> Vec<hir::Function> {
        let db = self.db;
        let name = f.name(db);
        hir::Impl::all_for_trait(db, t)
            .into_iter()
            .filter(|imp| imp.module(db).krate(db).origin(db).is_local())
            .flat_map(|imp| assoc_fns(imp.items(db)))
            .filter(|g| g.name(db) == name)
            .collect()
    }

    /// The inferred operations, keys handed down resolved at each call site.
    fn settle_inference(&mut self) -> (Vec<super::InferredOp>, Vec<Unresolved>) {
        if !self.infer.0 {
            return (Vec::new(), Vec::new());
        }
        let sites = std::mem::take(&mut self.sites);
        let with_targets: Vec<(super::infer::LocalSite, Vec<usize>)> = sites
            .into_iter()
            .map(|site| {
                let mut targets = vec![site.callee];
                if let Some(AssocItemContainer::Trait(t)) = site
                    .callee
                    .as_assoc_item(self.db)
                    .map(|a| a.container(self.db))
                {
                    targets.extend(self.implementations(t, site.callee));
                }
                let ids = targets
                    .into_iter()
                    .filter_map(|f| self.ids.get(&f).copied().flatten())
                    .collect();
                (site, ids)
            })
            .collect();
        let functions = self.functions.len() + self.extra.len();
        let ops = std::mem::take(&mut self.ops);
        super::infer::settle(ops, with_targets, functions, self.infer.1)
    }

    /// An implementation of a trait method runs what its declaration's annotations say: an
    /// edge from each implementation we know to the declaration.
    fn link_trait_declarations(&mut self) {
        let db = self.db;
        let known: Vec<(usize, hir::Function)> =
            self.hir_of.iter().map(|(&id, &f)| (id, f)).collect();
        for (id, f) in known {
            let Some(AssocItemContainer::Impl(imp)) = f.as_assoc_item(db).map(|a| a.container(db))
            else {
                continue;
            };
            let Some(t) = imp.trait_(db) else { continue };
            let name = f.name(db);
            let decl = assoc_fns(t.items(db)).find(|g| g.name(db) == name);
            let Some(decl) = decl else { continue };
            let Some(decl_id) = self.enlist(decl, false) else {
                continue;
            };
            if self.roles.get(id) == Some(&Role::Production) {
                let span = self.span_of_fn(id);
                self.edges.insert((id, decl_id, span));
                self.referenced.insert(decl_id);
            }
        }
    }

    fn finish(mut self) -> Resolution {
        let db = self.db;
        // Walking may have queued functions met as callees after the main loop: none remain.
        debug_assert!(self.queue.is_empty());
        // A private function nothing references never runs.
        let ids: Vec<(usize, hir::Function)> = self.hir_of.iter().map(|(&i, &f)| (i, f)).collect();
        for (id, f) in ids {
            if self.roles[id] != Role::Production || self.referenced.contains(&id) {
                continue;
            }
            let private = !matches!(f.visibility(db), hir::Visibility::Public);
            let in_trait = f.as_assoc_item(db).is_some_and(|a| match a.container(db) {
                AssocItemContainer::Trait(_) => true,
                AssocItemContainer::Impl(imp) => imp.trait_(db).is_some(),
            });
            let is_main = f.name(db).as_str() == "main" && f.module(db).is_crate_root(db);
            if private && !in_trait && !is_main {
                self.roles[id] = Role::Dead;
            }
        }
        let consts = consts::key_constants(&self.sema, db, self.functions, &self.hir_of);
        let (ops, mut underived) = self.settle_inference();
        underived.append(&mut self.unparsed);
        underived.sort();
        underived.dedup();
        let mut data = std::mem::take(&mut self.data_ops);
        data.sort_by(|a, b| {
            (a.function, a.span, &a.table, a.kind).cmp(&(b.function, b.span, &b.table, b.kind))
        });
        data.dedup();
        let mut unresolved = self.unresolved;
        unresolved.sort();
        unresolved.dedup();
        Resolution {
            extra: self.extra,
            edges: self
                .edges
                .into_iter()
                .map(|(caller, callee, span)| Edge {
                    caller,
                    callee,
                    span,
                })
                .collect(),
            roles: self.roles,
            unresolved,
            consts,
            ops,
            underived,
            data,
            bodies: self.bodies,
            call_sites: self.call_sites,
        }
    }
}

fn assoc_fns(items: Vec<AssocItem>) -> impl Iterator<Item = hir::Function> {
    items.into_iter().filter_map(|item| match item {
        AssocItem::Function(f) => Some(f),
        _ => None,
    })
}

/// The module path of a module, crate name first.
fn module_path(db: &RootDatabase, module: hir::Module) -> Vec<String> {
    let krate = module
        .krate(db)
        .display_name(db)
        .map_or_else(|| "crate".to_owned(), |n| n.to_string().replace('-', "_"));
    let mut path = vec![krate];
    path.extend(
        module
            .path_to_root(db)
            .into_iter()
            .rev()
            .filter_map(|m| m.name(db).map(|n| n.as_str().to_owned())),
    );
    path
}
