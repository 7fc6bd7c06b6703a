//! One function body, walked with rust-analyzer's `Semantics`: every call, function value and
//! macro call in it, resolved. Bodies are walked on several threads, each with its own
//! database handle; what a body yields is merged by the walker (`walk.rs`).

use super::walk::Lines;
use super::{Mentions, Unresolved};
use crate::facts::SrcSpan;
use ra_ap_hir::{
    self as hir, CallableKind, HasSource, HirDisplay, ModuleDef, PathResolution, Semantics,
};
use ra_ap_ide_db::RootDatabase;
use ra_ap_syntax::{AstNode, SyntaxNode, WalkEvent, ast};
use ra_ap_vfs::FileId as VfsFileId;
use std::collections::HashMap;

/// How deep `macro_rules!` expansions inside expansions are followed.
const MACRO_DEPTH: u32 = 16;

/// What the bodies of one batch yield.
#[derive(Default)]
pub(super) struct BodyOut {
    /// `caller` calls the function at `span`.
    pub calls: Vec<(usize, hir::Function, SrcSpan)>,
    /// Functions named but not called (kept for later: references).
    pub refs: Vec<hir::Function>,
    /// `fn` items declared inside bodies.
    pub nested: Vec<hir::Function>,
    pub unresolved: Vec<Unresolved>,
    pub bodies: usize,
    /// (call sites, resolved)
    pub call_sites: (usize, usize),
    /// Bodies rust-analyzer failed on (a panic), with its message.
    pub failed: Vec<(usize, String)>,
    /// Cache operations of client calls (inference on).
    pub ops: Vec<super::infer::RawOp>,
    /// Calls to workspace functions with the keys their arguments build (inference on).
    pub sites: Vec<super::infer::LocalSite>,
    /// Tables read and mutated by database calls (inference on).
    pub data: Vec<super::DataOp>,
    /// SQL that does not parse, with why.
    pub unparsed: Vec<Unresolved>,
}

pub(super) struct BodyWalker<'a> {
    pub(super) db: &'a RootDatabase,
    pub(super) sema: Semantics<'a, RootDatabase>,
    lines: &'a HashMap<VfsFileId, Lines>,
    mentions: Mentions<'a>,
    /// Whether cache operations are inferred from client calls.
    infer: bool,
    /// `[infer.wrappers]`.
    pub(super) wrappers: &'a [super::Wrapper],
    /// Database calls are inferred too (inference on).
    pub(super) data: Option<&'a super::data::DataCx>,
    pub(super) out: BodyOut,
}

impl<'a> BodyWalker<'a> {
    pub(super) fn new(
        db: &'a RootDatabase,
        lines: &'a HashMap<VfsFileId, Lines>,
        mentions: Mentions<'a>,
        infer: bool,
    ) -> Self {
        BodyWalker {
            db,
            sema: Semantics::new(db),
            lines,
            mentions,
            infer,
            wrappers: &[],
            data: None,
            out: BodyOut::default(),
        }
    }

    /// Whether a call or reference named `name` can lead to annotated code: only those are
    /// resolved (resolution is most of a body's cost).
    fn can_matter(&self, name: &str) -> bool {
        self.mentions.is_none_or(|m| m(name))
            || (self.infer
                && (super::infer::client_name(name)
                    || self.wrappers.iter().any(|w| w.method == name)
                    || (self.data.is_some() && super::data::data_name(name))))
    }

    fn edge_to(&mut self, caller: usize, f: hir::Function, span: SrcSpan) {
        self.out.calls.push((caller, f, span));
    }

    pub(super) fn walk_function(&mut self, id: usize, f: hir::Function) {
        let Some(src) = self.sema.source(f) else {
            return;
        };
        let Some(body) = src.value.body() else {
            return;
        };
        self.out.bodies += 1;
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
                    self.out.nested.push(def);
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

    /// The facts' id of a file the model loaded.
    pub(super) fn file_id_of(&self, file: VfsFileId) -> Option<u32> {
        self.lines.get(&file).map(Lines::ours)
    }

    /// Where a token written in `parent` (a macro call's literal) is; the parent's span when
    /// the token lies in a macro expansion.
    pub(super) fn token_span(
        &self,
        token: &ra_ap_syntax::SyntaxToken,
        parent: &SyntaxNode,
    ) -> Option<SrcSpan> {
        let range = self.sema.original_range(parent);
        if range.range != parent.text_range() {
            return self.span(parent);
        }
        let file = range.file_id.file_id(self.db);
        Some(self.lines.get(&file)?.span(token.text_range()))
    }

    pub(super) fn span(&self, node: &SyntaxNode) -> Option<SrcSpan> {
        let range = self.sema.original_range(node);
        let file = range.file_id.file_id(self.db);
        Some(self.lines.get(&file)?.span(range.range))
    }

    fn call(&mut self, caller: usize, call: &ast::CallExpr) {
        let Some(callee) = call.expr() else {
            return;
        };
        if let ast::Expr::PathExpr(path) = &callee
            && let Some(name) = path
                .path()
                .and_then(|p| p.segment())
                .and_then(|s| s.name_ref())
            && !self.can_matter(name.text())
            && !(self.data.is_some()
                && name.text() == "new"
                && path.syntax().text().to_string().contains("QueryBuilder"))
        {
            return;
        }
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
        self.out.call_sites.0 += 1;
        self.out.call_sites.1 += usize::from(target.is_some());
        match target {
            Some(Some(f)) if self.infer && self.is_data(f) => self.data_call(caller, call, f),
            Some(Some(f)) => {
                if self.infer {
                    if !self.is_client(f) {
                        self.local_site(caller, f, call.syntax(), span);
                    } else if f.name(self.db).as_str() == "cmd" {
                        self.command_from_cmd(caller, ast::Expr::CallExpr(call.clone()));
                    }
                }
                self.edge_to(caller, f, span)
            }
            // A closure, a function pointer, a constructor: no function of ours runs.
            Some(None) => {}
            None if self.infer && self.unresolved_data_call(caller, call) => {
                self.out.call_sites.1 += 1;
            }
            None => {
                let reason = cfg_reason(call.syntax())
                    .unwrap_or_else(|| self.unresolved_path_reason(&callee));
                self.out.unresolved.push(Unresolved {
                    span,
                    caller,
                    call: format!("{}(..)", short(&callee.syntax().text().to_string())),
                    reason,
                });
            }
        }
    }

    fn method_call(&mut self, caller: usize, call: &ast::MethodCallExpr) {
        if let Some(name) = call.name_ref()
            && !self.can_matter(name.text())
        {
            return;
        }
        let at = call
            .name_ref()
            .map_or_else(|| call.syntax().clone(), |n| n.syntax().clone());
        let Some(span) = self.span(&at) else {
            return;
        };
        if self.infer && self.wrapper_call(caller, call) {
            self.out.call_sites.0 += 1;
            self.out.call_sites.1 += 1;
            return;
        }
        let resolved = self
            .sema
            .resolve_method_call(call)
            .or_else(|| self.enum_dispatch(call));
        self.out.call_sites.0 += 1;
        self.out.call_sites.1 += usize::from(resolved.is_some());
        match resolved {
            Some(f) if self.infer && self.is_client(f) => self.client_method(caller, call, f),
            Some(f) if self.infer && self.is_data(f) => self.data_method(caller, call, f),
            Some(f) => {
                if self.infer {
                    self.local_site(caller, f, call.syntax(), span);
                }
                self.edge_to(caller, f, span)
            }
            None if self.infer && self.unresolved_data_method(caller, call) => {
                self.out.call_sites.1 += 1;
            }
            // `sqlx::query!(..).execute(..)`: a query macro's type is proc macro output; its
            // statement was read from the macro itself, and the methods run no code of ours.
            None if self.infer && self.on_data_macro(call) => {}
            None => {
                let name = call
                    .name_ref()
                    .map(|n| n.text().to_string())
                    .unwrap_or_default();
                let reason = cfg_reason(call.syntax())
                    .unwrap_or_else(|| self.unresolved_method_reason(call, &name));
                self.out.unresolved.push(Unresolved {
                    span,
                    caller,
                    call: format!(".{name}(..)"),
                    reason,
                });
            }
        }
    }

    /// A method the well-known `#[enum_dispatch(Trait)]` gives an enum: the enum implements
    /// `Trait` by dispatching to each variant's type, through an impl the proc macro writes and
    /// the model never sees. The call is to the trait's method, which fans out to every
    /// implementation (the variants' types among them).
    fn enum_dispatch(&self, call: &ast::MethodCallExpr) -> Option<hir::Function> {
        let db = self.db;
        let name = call.name_ref()?.text().to_string();
        let ty = self.sema.type_of_expr(&call.receiver()?)?.original;
        let hir::Adt::Enum(e) = ty.strip_references().as_adt()? else {
            return None;
        };
        let src = self.sema.source(e)?;
        use ra_ap_syntax::ast::HasAttrs;
        for attr in src.value.attrs() {
            let is_dispatch = attr
                .path()
                .and_then(|p| p.segment()?.name_ref())
                .is_some_and(|n| n.text() == "enum_dispatch");
            if !is_dispatch {
                continue;
            }
            let text = attr.syntax().text().to_string();
            let Some(inner) = text
                .split_once('(')
                .and_then(|(_, rest)| rest.rsplit_once(')'))
                .map(|(inner, _)| inner)
            else {
                continue;
            };
            let scope = self.sema.scope(src.value.syntax())?;
            for trait_path in inner.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let path = ra_ap_syntax::ast::make::path_from_text(trait_path);
                if let Some(PathResolution::Def(ModuleDef::Trait(t))) =
                    scope.speculative_resolve(&path)
                {
                    let found = t.items(db).into_iter().find_map(|item| match item {
                        hir::AssocItem::Function(f) if f.name(db).as_str() == name => Some(f),
                        _ => None,
                    });
                    if found.is_some() {
                        return found;
                    }
                }
            }
        }
        None
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
        if let Some(name) = path.segment().and_then(|s| s.name_ref())
            && !self.can_matter(name.text())
        {
            return;
        }
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
        } else {
            self.out.refs.push(f);
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
        // A macro of another crate (`format!`, `vec!`, `sqlx::query!`) runs only what its
        // arguments say: nothing that matters unless they name something that does. One of
        // the workspace may call annotated code from its own body.
        let local = resolved.is_some_and(|m| m.module(db).krate(db).origin(db).is_local());
        if self.infer
            && let Some(m) = resolved
            && m.module(db)
                .krate(db)
                .display_name(db)
                .is_some_and(|n| n.crate_name().as_str().starts_with("sqlx"))
        {
            let name = m.name(db).as_str().to_owned();
            self.sqlx_macro(caller, mac, &name);
        }
        let arguments = mac
            .token_tree()
            .map(|tt| tt.syntax().text().to_string())
            .unwrap_or_default();
        if !local && !self.mentions.is_none_or(|m| m(&arguments)) {
            return;
        }
        let expandable = resolved.is_some_and(|m| !m.is_proc_macro());
        if expandable
            && depth < MACRO_DEPTH
            && let Some(expansion) = self.sema.expand_macro_call(mac)
        {
            let node = expansion.value;
            self.walk(caller, &node, depth + 1);
            return;
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
                    None => self.out.unresolved.push(Unresolved {
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
                self.out.unresolved.push(Unresolved {
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

/// When `node` lies under a `#[cfg(..)]` (a match arm, a statement, an item), the model most
/// likely left it out as not compiled in the analyzed configuration: say that, not "type
/// unknown".
fn cfg_reason(node: &SyntaxNode) -> Option<String> {
    node.ancestors().find_map(|ancestor| {
        ancestor
            .children()
            .filter_map(ast::Attr::cast)
            .find_map(|attr| match attr.meta()? {
                ast::Meta::CfgMeta(meta) => Some(meta.syntax().text().to_string()),
                ast::Meta::TokenTreeMeta(meta)
                    if meta.path().is_some_and(|p| p.syntax().text() == "cfg") =>
                {
                    Some(meta.syntax().text().to_string())
                }
                _ => None,
            })
            .map(|cfg| {
                format!(
                    "it is under `#[{cfg}]`, not compiled in the analyzed configuration (try \
                     `--features` or `--all-features`)"
                )
            })
    })
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
