//! The call graph from the semantic model: every function body of the analyzed files, walked
//! with rust-analyzer's `Semantics`.

use super::load::Loaded;
use super::{Edge, Resolution, Role, Unresolved, consts, quiet_panics};
use crate::facts::{FnFact, Owner, Pos, SrcSpan, TypeRef};
use ra_ap_hir::{
    self as hir, AsAssocItem, AssocItem, AssocItemContainer, CallableKind, HasSource,
    HasVisibility, HirDisplay, ModuleDef, PathResolution, Semantics,
};
use ra_ap_ide_db::RootDatabase;
use ra_ap_ide_db::base_db::SourceDatabase;
use ra_ap_syntax::ast::HasName;
use ra_ap_syntax::{AstNode, SyntaxNode, TextRange, WalkEvent, ast};
use ra_ap_vfs::{FileId as VfsFileId, VfsPath};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

/// How deep `macro_rules!` expansions inside expansions are followed.
const MACRO_DEPTH: u32 = 16;

pub(super) fn resolve(
    loaded: &Loaded,
    db: &RootDatabase,
    files: &[PathBuf],
    functions: &[&FnFact],
) -> Resolution {
    hir::attach_db(db, || {
        let timer = super::load::Timer::start();
        let mut walker = Walker::new(loaded, db, files, functions);
        walker.collect();
        timer.lap("def maps");
        walker.walk_all();
        timer.lap("bodies");
        let resolution = walker.finish();
        timer.lap("consts");
        resolution
    })
}

/// Byte offset → line and column (in chars) of one file.
struct Lines {
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

    fn span(&self, range: TextRange) -> SrcSpan {
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
}

impl<'a> Walker<'a> {
    fn new(
        loaded: &'a Loaded,
        db: &'a RootDatabase,
        files: &[PathBuf],
        functions: &'a [&'a FnFact],
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
            if self.walked.insert(id) {
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
        });
        self.roles.push(Role::Unloaded);
        id
    }

    fn walk_all(&mut self) {
        while let Some((id, f)) = self.queue.pop() {
            let result = quiet_panics(|| self.walk_function(id, f));
            if let Err(why) = result {
                let span = self.span_of_fn(id);
                self.unresolved.push(Unresolved {
                    span,
                    caller: id,
                    call: String::new(),
                    reason: format!("rust-analyzer failed on this function's body: {why}"),
                });
            }
        }
        self.link_trait_declarations();
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

    fn walk_function(&mut self, id: usize, f: hir::Function) {
        let Some(src) = self.sema.source(f) else {
            return;
        };
        let Some(body) = src.value.body() else {
            return;
        };
        self.bodies += 1;
        self.walk(id, body.syntax(), 0);
    }

    fn walk(&mut self, caller: usize, node: &SyntaxNode, depth: u32) {
        let mut preorder = node.preorder();
        while let Some(event) = preorder.next() {
            let WalkEvent::Enter(node) = event else {
                continue;
            };
            if let Some(inner) = ast::Fn::cast(node.clone()) {
                // A fn item inside a body is a function of its own.
                if let Some(def) = self.sema.to_def(&inner) {
                    self.enlist(def, false);
                }
                preorder.skip_subtree();
            } else if let Some(call) = ast::CallExpr::cast(node.clone()) {
                self.call(caller, &call);
            } else if let Some(call) = ast::MethodCallExpr::cast(node.clone()) {
                self.method_call(caller, &call);
            } else if let Some(path) = ast::PathExpr::cast(node.clone()) {
                self.function_value(caller, &path);
            } else if let Some(mac) = ast::MacroCall::cast(node.clone()) {
                self.macro_call(caller, &mac, depth);
                preorder.skip_subtree();
            }
        }
    }

    fn span(&self, node: &SyntaxNode) -> Option<SrcSpan> {
        let range = self.sema.original_range(node);
        let file = range.file_id.file_id(self.db);
        Some(self.lines.get(&file)?.span(range.range))
    }

    fn call(&mut self, caller: usize, call: &ast::CallExpr) {
        let Some(callee) = call.expr() else {
            return;
        };
        let mut target = None;
        if let ast::Expr::PathExpr(path) = &callee
            && let Some(path) = path.path()
        {
            match self.sema.resolve_path(&path) {
                Some(PathResolution::Def(ModuleDef::Function(f))) => target = Some(Some(f)),
                Some(PathResolution::Def(_)) => target = Some(None),
                _ => {}
            }
        }
        if target.is_none() {
            target = self
                .sema
                .resolve_expr_as_callable(&callee)
                .map(|c| match c.kind() {
                    CallableKind::Function(f) => Some(f),
                    _ => None,
                });
        }
        let Some(span) = self.span(callee.syntax()) else {
            return;
        };
        match target {
            Some(Some(f)) => self.edge_to(caller, f, span),
            // A closure, a function pointer, a constructor: no function of ours runs.
            Some(None) => {}
            None => {
                let reason = self.unresolved_path_reason(&callee);
                self.unresolved.push(Unresolved {
                    span,
                    caller,
                    call: format!("{}(..)", short(&callee.syntax().text().to_string())),
                    reason,
                });
            }
        }
    }

    fn method_call(&mut self, caller: usize, call: &ast::MethodCallExpr) {
        let at = call
            .name_ref()
            .map_or_else(|| call.syntax().clone(), |n| n.syntax().clone());
        let Some(span) = self.span(&at) else {
            return;
        };
        match self.sema.resolve_method_call(call) {
            Some(f) => self.edge_to(caller, f, span),
            None => {
                let name = call
                    .name_ref()
                    .map(|n| n.text().to_string())
                    .unwrap_or_default();
                let reason = self.unresolved_method_reason(call, &name);
                self.unresolved.push(Unresolved {
                    span,
                    caller,
                    call: format!(".{name}(..)"),
                    reason,
                });
            }
        }
    }

    /// Why a method call did not resolve: the receiver's type, and a proc macro that may
    /// generate the method.
    fn unresolved_method_reason(&self, call: &ast::MethodCallExpr, name: &str) -> String {
        let db = self.db;
        let Some(ty) = call
            .receiver()
            .and_then(|r| self.sema.type_of_expr(&r))
            .map(|t| t.original)
        else {
            return "the receiver's type is unknown".to_owned();
        };
        if ty.contains_unknown() {
            return "the receiver's type is unknown".to_owned();
        }
        let shown = display_type(db, &ty);
        let adt = ty
            .strip_references()
            .as_adt()
            .or_else(|| ty.autoderef(db).filter_map(|t| t.as_adt()).next());
        if let Some(adt) = adt
            && let Some(derives) = proc_derives(db, adt)
        {
            return format!(
                "`{shown}` has no method `{name}` the model can see; it may be generated by \
                 {derives}, a proc macro, which is never expanded"
            );
        }
        format!("`{shown}` has no method `{name}` the model can see")
    }

    fn unresolved_path_reason(&self, callee: &ast::Expr) -> String {
        let ast::Expr::PathExpr(path) = callee else {
            return "the callee's type is unknown".to_owned();
        };
        let Some(path) = path.path() else {
            return "the callee's type is unknown".to_owned();
        };
        // Find the longest prefix that resolves, to say where resolution stopped.
        let mut qualifier = path.qualifier();
        while let Some(q) = qualifier {
            match self.sema.resolve_path(&q) {
                Some(PathResolution::Def(ModuleDef::Adt(adt))) => {
                    let db = self.db;
                    let name = path
                        .segment()
                        .and_then(|s| s.name_ref())
                        .map(|n| n.text().to_string())
                        .unwrap_or_default();
                    let ty = adt.name(db).as_str().to_owned();
                    return match proc_derives(db, adt) {
                        Some(derives) => format!(
                            "`{ty}` has no associated function `{name}` the model can see; it \
                             may be generated by {derives}, a proc macro, which is never expanded"
                        ),
                        None => {
                            format!("`{ty}` has no associated function `{name}` the model can see")
                        }
                    };
                }
                Some(_) => {
                    return format!(
                        "`{}` resolves, but `{}` in it does not",
                        q.syntax().text(),
                        path.syntax().text()
                    );
                }
                None => qualifier = q.qualifier(),
            }
        }
        let first = path
            .first_segment()
            .map(|s| s.syntax().text().to_string())
            .unwrap_or_default();
        format!(
            "`{first}` does not resolve (an item generated by a proc macro, or a dependency whose \
             source is missing: `cargo fetch`)"
        )
    }

    /// A function named but not called: a call edge when it is handed to something that calls
    /// it while the caller runs, a reference otherwise.
    fn function_value(&mut self, caller: usize, path_expr: &ast::PathExpr) {
        let parent = path_expr.syntax().parent();
        if let Some(call) = parent.clone().and_then(ast::CallExpr::cast)
            && call
                .expr()
                .is_some_and(|e| e.syntax() == path_expr.syntax())
        {
            return; // the callee of a call: handled there
        }
        let Some(path) = path_expr.path() else {
            return;
        };
        let Some(PathResolution::Def(ModuleDef::Function(f))) = self.sema.resolve_path(&path)
        else {
            return;
        };
        let Some(span) = self.span(path_expr.syntax()) else {
            return;
        };
        let runs_now = parent
            .and_then(ast::ArgList::cast)
            .is_some_and(|args| self.argument_runs_now(&args, path_expr));
        if runs_now {
            self.edge_to(caller, f, span);
        } else if let Some(id) = self.enlist(f, false) {
            self.referenced.insert(id);
        }
    }

    /// Whether the function receiving `arg` calls it while the caller runs, from that
    /// function's signature: a parameter whose type is generic and bounded by `Fn`, `FnMut` or
    /// `FnOnce` (iterator adapters, `Option` and `Result` combinators, `thread::spawn`, a local
    /// `fn each(ids, f: impl Fn(u64))`) runs it. A parameter bounded by another trait (axum's
    /// `Handler`, actix's `Handler`) or typed as a `fn` pointer (a callback registry) keeps it
    /// for later: a reference, not a call.
    fn argument_runs_now(&self, args: &ast::ArgList, arg: &ast::PathExpr) -> bool {
        let db = self.db;
        let Some(index) = args.args().position(|a| a.syntax() == arg.syntax()) else {
            return false;
        };
        let Some(owner) = args.syntax().parent() else {
            return false;
        };
        let (receiver_fn, index) = if let Some(m) = ast::MethodCallExpr::cast(owner.clone()) {
            (self.sema.resolve_method_call(&m), index)
        } else if let Some(c) = ast::CallExpr::cast(owner) {
            let f = c.expr().and_then(|e| match e {
                ast::Expr::PathExpr(p) => match self.sema.resolve_path(&p.path()?) {
                    Some(PathResolution::Def(ModuleDef::Function(f))) => Some(f),
                    _ => None,
                },
                _ => None,
            });
            // `Type::method(receiver, f)`: the receiver is argument 0.
            let shift = f.map_or(0, |f| usize::from(f.self_param(db).is_some()));
            match index.checked_sub(shift) {
                Some(i) => (f, i),
                None => return false,
            }
        } else {
            return false;
        };
        let Some(receiver_fn) = receiver_fn else {
            return false;
        };
        let params = receiver_fn.params_without_self(db);
        let Some(param) = params.get(index) else {
            return false;
        };
        param
            .ty()
            .as_type_param(db)
            .is_some_and(|tp| tp.trait_bounds(db).iter().any(|t| is_fn_trait(db, *t)))
    }

    fn macro_call(&mut self, caller: usize, mac: &ast::MacroCall, depth: u32) {
        let db = self.db;
        let resolved = self.sema.resolve_macro_call(mac);
        let expandable = resolved.is_some_and(|m| !m.is_proc_macro());
        if expandable && depth < MACRO_DEPTH {
            if let Some(expansion) = self.sema.expand_macro_call(mac) {
                let node = expansion.value;
                self.walk(caller, &node, depth + 1);
                return;
            }
        }
        // A proc macro (or one that does not expand): the calls written in its arguments are
        // still found, and path calls resolved in the scope of the call site.
        let name = resolved.map_or_else(
            || {
                mac.path()
                    .map(|p| p.syntax().text().to_string())
                    .unwrap_or_default()
            },
            |m| m.name(db).as_str().to_owned(),
        );
        let Some(tt) = mac.token_tree() else {
            return;
        };
        let text = tt.syntax().text().to_string();
        let inner = text
            .get(1..text.len().saturating_sub(1))
            .unwrap_or_default();
        let parsed = ra_ap_syntax::SourceFile::parse(
            &format!("fn __cachelint() {{ __f({inner}); }}"),
            ra_ap_syntax::Edition::CURRENT,
        )
        .tree();
        let Some(scope) = self.sema.scope(mac.syntax()) else {
            return;
        };
        let Some(span) = self.span(mac.syntax()) else {
            return;
        };
        for node in parsed.syntax().descendants() {
            if let Some(call) = ast::CallExpr::cast(node.clone()) {
                let Some(ast::Expr::PathExpr(p)) = call.expr() else {
                    continue;
                };
                let Some(path) = p.path() else { continue };
                let text = path.syntax().text().to_string();
                if text == "__f" {
                    continue;
                }
                match scope.speculative_resolve(&path) {
                    Some(PathResolution::Def(ModuleDef::Function(f))) => {
                        self.edge_to(caller, f, span)
                    }
                    Some(_) => {}
                    None => self.unresolved.push(Unresolved {
                        span,
                        caller,
                        call: format!("{}(..)", short(&text)),
                        reason: format!(
                            "written inside `{name}!`, a proc macro that is never expanded; \
                             the path does not resolve at its call site"
                        ),
                    }),
                }
            } else if let Some(call) = ast::MethodCallExpr::cast(node) {
                let method = call
                    .name_ref()
                    .map(|n| n.text().to_string())
                    .unwrap_or_default();
                self.unresolved.push(Unresolved {
                    span,
                    caller,
                    call: format!(".{method}(..)"),
                    reason: format!(
                        "written inside `{name}!`, a proc macro that is never expanded: the \
                         receiver's type is unknown"
                    ),
                });
            }
        }
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
            bodies: self.bodies,
        }
    }
}

fn assoc_fns(items: Vec<AssocItem>) -> impl Iterator<Item = hir::Function> {
    items.into_iter().filter_map(|item| match item {
        AssocItem::Function(f) => Some(f),
        _ => None,
    })
}

/// `Fn`, `FnMut`, `FnOnce` and their async forms, from the standard library.
fn is_fn_trait(db: &RootDatabase, t: hir::Trait) -> bool {
    let name = t.name(db);
    matches!(
        name.as_str(),
        "Fn" | "FnMut" | "FnOnce" | "AsyncFn" | "AsyncFnMut" | "AsyncFnOnce"
    ) && t.module(db).krate(db).origin(db).is_lang()
}

/// The derive proc macros on a type (`#[derive(Builder)]`), standard ones left out: they may
/// generate methods the model cannot see.
fn proc_derives(db: &RootDatabase, adt: hir::Adt) -> Option<String> {
    const STANDARD: &[&str] = &[
        "Debug",
        "Clone",
        "Copy",
        "PartialEq",
        "Eq",
        "PartialOrd",
        "Ord",
        "Hash",
        "Default",
    ];
    let source = match adt {
        hir::Adt::Struct(s) => s.source(db).map(|s| s.value.syntax().clone()),
        hir::Adt::Enum(e) => e.source(db).map(|s| s.value.syntax().clone()),
        hir::Adt::Union(u) => u.source(db).map(|s| s.value.syntax().clone()),
    }?;
    let mut names = Vec::new();
    for attr in source.children().filter_map(ast::Attr::cast) {
        let Some(ast::Meta::TokenTreeMeta(meta)) = attr.meta() else {
            continue;
        };
        if meta.path().is_none_or(|p| p.syntax().text() != "derive") {
            continue;
        }
        let Some(tt) = meta.token_tree() else {
            continue;
        };
        let text = tt.syntax().text().to_string();
        for item in text.trim_matches(|c| c == '(' || c == ')').split(',') {
            let item = item.trim();
            let last = item.rsplit("::").next().unwrap_or(item);
            if !item.is_empty() && !STANDARD.contains(&last) {
                names.push(format!("`#[derive({item})]`"));
            }
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

fn display_type(db: &RootDatabase, ty: &hir::Type<'_>) -> String {
    let Some(krate) = hir::Crate::all(db).first().copied() else {
        return "?".to_owned();
    };
    ty.display(db, krate.to_display_target(db)).to_string()
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

/// A call's text on one line, at most 60 chars.
fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(60).collect::<String>())
    } else {
        one
    }
}
