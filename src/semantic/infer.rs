//! Cache operations inferred from calls into Redis clients (SPEC §11), found while a body is
//! walked: a call the model resolves to the `redis` crate (`Commands`/`AsyncCommands`,
//! `Pipeline`, `cmd("…").arg(..)`, whatever connection type dereferences to them) or to
//! `fred`'s interfaces is looked up in the command table ([`crate::commands`]), and its key
//! expression becomes a key template: literals, consts, `format!`/`concat!`, `+`,
//! key-builder functions and methods (their returned expression), `let` bindings. A key
//! handed in as a parameter stays a parameter here; the walker resolves it at each call site
//! ([`LocalSite`]).

use super::body::BodyWalker;
use crate::commands::{self, Effect, KeyArgs, Ttl};
use crate::facts::SrcSpan;
use ra_ap_hir::{self as hir, AsAssocItem, HasCrate, ModuleDef, PathResolution};
use ra_ap_syntax::ast::{HasArgList, HasName};
use ra_ap_syntax::{AstNode, AstToken, SyntaxKind, SyntaxNode, TextRange, ast};
use std::time::Duration;

/// How deep key builders, bindings and macro expansions are followed for one key.
pub(super) const KEY_DEPTH: u32 = 10;

/// One piece of a key template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    /// Text written in the code.
    Lit(String),
    /// A value: a placeholder named after its expression (`{user.id}` → `id`).
    Hole(String),
    /// The function's parameter `n` (self excluded) holds (part of) the key: resolved at each
    /// call site.
    Param(usize, String),
}

/// A key as the code builds it, and where its text is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Template {
    pub pieces: Vec<Piece>,
    /// A glob (a SCAN/KEYS pattern): `*` stands for any text.
    pub glob: bool,
    /// The whole key is one string literal, at `span`: a fix can replace it.
    pub whole: bool,
    /// A literal value written in the code (a string or number literal), not a key's text
    /// from a constant or a builder: as part of a larger key it is a value, not tracked.
    pub value: bool,
    /// The expression the key's literal text is written in (the argument, or the literal in a
    /// key builder): where a finding about the key points.
    pub span: Option<SrcSpan>,
}

impl Template {
    fn lit(text: String, span: Option<SrcSpan>) -> Template {
        Template {
            pieces: vec![Piece::Lit(text)],
            glob: false,
            whole: false,
            value: false,
            span,
        }
    }

    fn hole(name: String) -> Template {
        Template {
            pieces: vec![Piece::Hole(name)],
            glob: false,
            whole: false,
            value: false,
            span: None,
        }
    }

    fn concat(parts: Vec<Template>) -> Template {
        if let [only] = parts.as_slice() {
            return only.clone();
        }
        let span = parts
            .iter()
            .find_map(|p| p.has_literal().then_some(p.span)?);
        let glob = parts.iter().any(|p| p.glob);
        let mut pieces: Vec<Piece> = Vec::new();
        for part in parts {
            for piece in part.pieces {
                match (pieces.last_mut(), piece) {
                    (Some(Piece::Lit(a)), Piece::Lit(b)) => a.push_str(&b),
                    (_, piece) => pieces.push(piece),
                }
            }
        }
        Template {
            pieces,
            glob,
            whole: false,
            value: false,
            span,
        }
    }

    /// Whether some literal text is part of the key.
    pub fn has_literal(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Lit(t) if !t.is_empty()))
    }

    /// Whether the literal text is more than separators (`<a>:<b>` would match every key of
    /// two segments: never a key cachelint guesses).
    pub fn has_text_besides(&self, sep: char) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Lit(t) if t.chars().any(|c| c != sep)))
    }

    /// Whether a parameter of the function holds part of the key.
    pub fn has_param(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Param(..)))
    }

    /// The template with each parameter replaced by the call site's argument (`None`: the
    /// argument's key could not be derived, and why).
    pub fn substitute(&self, args: &[Option<Template>]) -> Result<Template, usize> {
        let mut parts = Vec::new();
        let whole_key = self.pieces.len() == 1;
        for piece in &self.pieces {
            match piece {
                // A literal value given for a part of the key stays a placeholder named after
                // the parameter: values are not tracked (`list_key(room, 2)` is
                // `list:<room>:<mode>`); a literal given for the whole key is the key.
                Piece::Param(_, name)
                    if !whole_key
                        && args
                            .get(piece_index(piece))
                            .and_then(Option::as_ref)
                            .is_some_and(|a| a.value) =>
                {
                    parts.push(Template::hole(name.clone()));
                }
                Piece::Param(n, _) => match args.get(*n).cloned().flatten() {
                    Some(arg) => parts.push(arg),
                    None => return Err(*n),
                },
                other => parts.push(Template {
                    pieces: vec![other.clone()],
                    glob: self.glob,
                    whole: false,
                    value: false,
                    span: None,
                }),
            }
        }
        let mut out = Template::concat(parts);
        out.glob |= self.glob;
        if !self.has_param() {
            out.span = self.span.or(out.span);
        }
        Ok(out)
    }

    /// Parameters become placeholders named after them: the key is complete here.
    pub fn close(&self) -> Template {
        Template {
            pieces: self
                .pieces
                .iter()
                .map(|p| match p {
                    Piece::Param(_, name) => Piece::Hole(name.clone()),
                    other => other.clone(),
                })
                .collect(),
            glob: self.glob,
            whole: self.whole,
            value: false,
            span: self.span,
        }
    }

    /// The key pattern's text (`user:<id>:profile`); a glob (SCAN, KEYS) has its `*` made a
    /// placeholder, or the wildcard segment when it is the last whole segment.
    pub fn text(&self, sep: char) -> String {
        let glob = self.glob;
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Lit(t) if glob => out.push_str(&glob_to_pattern(t, sep)),
                Piece::Lit(t) => out.push_str(t),
                Piece::Hole(name) | Piece::Param(_, name) => {
                    out.push('<');
                    out.push_str(name);
                    out.push('>');
                }
            }
        }
        if glob && out.ends_with("<any>") {
            let cut = out.len() - "<any>".len();
            if cut == 0 || out[..cut].ends_with(sep) {
                out.truncate(cut);
                out.push('*');
            }
        }
        out
    }
}

/// The parameter index of a `Piece::Param` (0 for anything else).
fn piece_index(piece: &Piece) -> usize {
    match piece {
        Piece::Param(n, _) => *n,
        _ => 0,
    }
}

/// `*`, `?` and `[…]` of a glob as placeholders `<any>`.
fn glob_to_pattern(text: &str, _sep: char) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => {
                if !out.ends_with("<any>") {
                    out.push_str("<any>");
                }
            }
            '[' => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
                if !out.ends_with("<any>") {
                    out.push_str("<any>");
                }
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// What an inferred operation does to its key, before fills are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RawKind {
    Read,
    /// A change of the key's data (SET, HSET, INCR, pops): a fill or an invalidation.
    Change,
    Invalidate,
    /// SCAN/KEYS MATCH: the keys a DEL of what it returns invalidates.
    Match,
    /// A change that runs only on a miss of a read of the same key: a fill.
    Fill,
    /// A ttl set on the key (EXPIRE k n, n > 0): the data stays; a fill's ttl when it follows
    /// one.
    Expire,
}

/// Where a call is in its body, to tell fills apart: its range and the ranges of the
/// expressions whose miss leads to it (the scrutinee of a `None` arm, an `if let Some` before
/// an early return, the receiver of `unwrap_or_else`), bindings followed to their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    pub range: TextRange,
    pub guards: Vec<TextRange>,
}

/// A cache operation found in a body.
#[derive(Debug, Clone)]
pub(crate) struct RawOp {
    pub caller: usize,
    pub kind: RawKind,
    /// The key, or why it cannot be derived.
    pub key: Result<Template, String>,
    /// The call as written, shortened: `conn.del(..)`.
    pub call: String,
    /// The method name (or the `cmd("…")` call) of the client call.
    pub call_span: SrcSpan,
    /// Where in `caller` the operation happens: the client call, or the call of the helper
    /// the key is handed to.
    pub at: SrcSpan,
    pub place: Place,
    /// The whole call (see [`super::InferredOp::extent`]).
    pub extent: SrcSpan,
    pub ttl: Option<Duration>,
    /// A membership probe (SISMEMBER, HEXISTS, ZSCORE, ZRANK): it reads whether a member is
    /// in the key, not the key's data, so a change after a miss of it is no fill (a set
    /// checked before it is added to).
    pub probe: bool,
    /// A copy of a callee's operation (callee id, index in its list) placed at a call site,
    /// only to tell whether that call runs on a miss (a fill helper: `cache.put_row(..)` after
    /// a miss of `cache.get_row(..)`); never an operation of this function.
    pub shadow: Option<(usize, usize)>,
}

/// A call to a workspace function with the keys its arguments build, so that a key the
/// callee takes as a parameter is resolved here.
#[derive(Debug, Clone)]
pub(crate) struct LocalSite {
    pub caller: usize,
    pub callee: hir::Function,
    pub span: SrcSpan,
    pub place: Place,
    /// The whole call, arguments included.
    pub extent: SrcSpan,
    /// Per parameter (self excluded), the argument's key.
    pub args: Vec<Option<Template>>,
}

use commands::CLIENT_CRATES;

use commands::SENDERS;

pub(crate) use commands::client_name;

fn crate_name(db: &ra_ap_ide_db::RootDatabase, f: hir::Function) -> Option<String> {
    let krate = f.module(db).krate(db);
    krate
        .display_name(db)
        .map(|n| n.crate_name().as_str().to_owned())
}

impl BodyWalker<'_> {
    /// Whether `f` is a client crate's function.
    pub(super) fn is_client(&self, f: hir::Function) -> bool {
        crate_name(self.db, f).is_some_and(|n| CLIENT_CRATES.contains(&n.as_str()))
    }

    /// A method call resolved to a client crate's `f`: a command method (`conn.del(k)`,
    /// `pipe.set(k, v)`), or the sender of a `cmd("…")` chain.
    pub(super) fn client_method(
        &mut self,
        caller: usize,
        call: &ast::MethodCallExpr,
        f: hir::Function,
    ) {
        let name = f.name(self.db).as_str().to_owned();
        // `pipe().cmd("DEL").arg(k)`: the command is read from its `cmd`, wherever it is sent
        // (a sender here, or a helper that runs a `Cmd` it is given).
        if name == "cmd" {
            self.command_from_cmd(caller, ast::Expr::MethodCallExpr(call.clone()));
            return;
        }
        if SENDERS.contains(&name.as_str()) {
            return;
        }
        let Some(command) = commands::by_method(&name) else {
            return;
        };
        let args: Vec<ast::Expr> = call
            .arg_list()
            .map(|l| l.args().collect())
            .unwrap_or_default();
        let at = call
            .name_ref()
            .map_or_else(|| call.syntax().clone(), |n| n.syntax().clone());
        let Some(call_span) = self.span(&at) else {
            return;
        };
        let text = format!(
            "{}.{name}(..)",
            call.receiver()
                .map(|r| short_receiver(&r.syntax().text().to_string()))
                .unwrap_or_default()
        );
        let ttl = match command.ttl {
            Ttl::Seconds(_) => args.last().and_then(|a| self.number(a, 0)).map(secs),
            Ttl::Millis(_) => args
                .last()
                .and_then(|a| self.number(a, 0))
                .map(Duration::from_millis),
            Ttl::Options => args.iter().skip(2).find_map(|a| self.expiry_option(a)),
            Ttl::None => None,
        };
        let keys: Vec<&ast::Expr> = match command.keys {
            KeyArgs::None => Vec::new(),
            KeyArgs::FirstTwo => args.iter().take(2).collect(),
            _ => args.iter().take(1).collect(),
        };
        self.emit(
            caller,
            command.effect,
            &keys,
            text,
            call_span,
            call.syntax(),
            ttl,
            is_probe(command.name),
        );
    }

    /// A call of a method `[infer.wrappers]` names, on a receiver of its type (or resolved to
    /// a method of that type or trait): the configured operation on the key the first
    /// argument builds. Returns whether it was one.
    pub(super) fn wrapper_call(&mut self, caller: usize, call: &ast::MethodCallExpr) -> bool {
        let Some(name) = call.name_ref().map(|n| n.text().to_string()) else {
            return false;
        };
        let candidates: Vec<&super::Wrapper> =
            self.wrappers.iter().filter(|w| w.method == name).collect();
        if candidates.is_empty() {
            return false;
        }
        let db = self.db;
        // The receiver's type, and the type or trait the method resolves into.
        let mut owners: Vec<(Vec<String>, bool)> = Vec::new();
        if let Some(ty) = call
            .receiver()
            .and_then(|r| self.sema.type_of_expr(&r))
            .map(|t| t.original)
            && let Some(adt) = ty.strip_references().as_adt()
        {
            owners.push((
                item_path(db, adt.module(db), adt.name(db).as_str()),
                adt.module(db).krate(db).origin(db).is_local(),
            ));
        }
        if let Some(f) = self.sema.resolve_method_call(call)
            && let Some(item) = f.as_assoc_item(db)
        {
            match item.container(db) {
                hir::AssocItemContainer::Impl(imp) => {
                    if let Some(adt) = imp.self_ty(db).as_adt() {
                        owners.push((
                            item_path(db, adt.module(db), adt.name(db).as_str()),
                            adt.module(db).krate(db).origin(db).is_local(),
                        ));
                    }
                }
                hir::AssocItemContainer::Trait(t) => owners.push((
                    item_path(db, t.module(db), t.name(db).as_str()),
                    t.module(db).krate(db).origin(db).is_local(),
                )),
            }
        }
        let Some(wrapper) = candidates.into_iter().find(|w| {
            owners
                .iter()
                .any(|(path, local)| type_path_matches(&w.type_path, path, *local))
        }) else {
            return false;
        };
        let Some(call_span) = call.name_ref().and_then(|n| self.span(n.syntax())) else {
            return false;
        };
        let kind = match wrapper.op {
            super::WrapperOp::Read => RawKind::Read,
            super::WrapperOp::Write => RawKind::Change,
            super::WrapperOp::Invalidate => RawKind::Invalidate,
        };
        let Some(key) = call.arg_list().and_then(|l| l.args().next()) else {
            return false;
        };
        let text = format!(
            "{}.{name}(..)",
            call.receiver()
                .map(|r| short_receiver(&r.syntax().text().to_string()))
                .unwrap_or_default()
        );
        let place = self.place(call.syntax());
        let extent = self.span(call.syntax()).unwrap_or(call_span);
        for derived in self.keys_of(&key) {
            self.out.ops.push(RawOp {
                caller,
                kind,
                key: derived,
                call: text.clone(),
                call_span,
                at: call_span,
                place: place.clone(),
                extent,
                ttl: None,
                shadow: None,
                probe: false,
            });
        }
        true
    }

    /// A `cmd("…")` call (`redis::cmd`, `Pipeline::cmd`) and the `.arg(..)` calls chained on
    /// it: the command, sent here or by whatever it is handed to.
    pub(super) fn command_from_cmd(&mut self, caller: usize, cmd: ast::Expr) {
        let mut top = cmd;
        while let Some(parent) = top.syntax().parent().and_then(ast::MethodCallExpr::cast) {
            let is_arg = parent.name_ref().is_some_and(|n| n.text() == "arg")
                && parent
                    .receiver()
                    .is_some_and(|r| r.syntax() == top.syntax());
            if !is_arg {
                break;
            }
            top = ast::Expr::MethodCallExpr(parent);
        }
        let node = top.syntax().clone();
        self.command_chain(caller, &top, &node);
    }

    /// `cmd("DEL").arg(k)…` ending in `node` (a sender): the command and its arguments.
    fn command_chain(&mut self, caller: usize, receiver: &ast::Expr, node: &SyntaxNode) {
        let mut args: Vec<ast::Expr> = Vec::new();
        let mut at = receiver.clone();
        let name_expr = loop {
            match &at {
                ast::Expr::MethodCallExpr(m) => {
                    let method = m.name_ref().map(|n| n.text().to_string());
                    let list: Vec<ast::Expr> =
                        m.arg_list().map(|l| l.args().collect()).unwrap_or_default();
                    match method.as_deref() {
                        Some("arg") => args.extend(list.into_iter().rev()),
                        Some("cmd") => break list.into_iter().next(),
                        _ => return,
                    }
                    match m.receiver() {
                        Some(r) => at = r,
                        None => return,
                    }
                }
                ast::Expr::CallExpr(c) => {
                    let is_cmd = c
                        .expr()
                        .and_then(|e| match e {
                            ast::Expr::PathExpr(p) => p.path(),
                            _ => None,
                        })
                        .and_then(|p| p.segment()?.name_ref())
                        .is_some_and(|n| n.text() == "cmd");
                    if !is_cmd {
                        return;
                    }
                    break c.arg_list().and_then(|l| l.args().next());
                }
                ast::Expr::ParenExpr(p) => match p.expr() {
                    Some(e) => at = e,
                    None => return,
                },
                _ => return,
            }
        };
        args.reverse();
        let Some(name_expr) = name_expr else { return };
        let Some(name) = self.string_value(&name_expr) else {
            return;
        };
        let Some(command) = commands::by_name(&name) else {
            return;
        };
        let Some(call_span) = self.span(name_expr.syntax()) else {
            return;
        };
        let text = format!("cmd(\"{}\")", name.to_ascii_uppercase());
        let upper: Vec<Option<String>> = args
            .iter()
            .map(|a| self.string_value(a).map(|s| s.to_ascii_uppercase()))
            .collect();
        let option = |word: &str| upper.iter().position(|u| u.as_deref() == Some(word));
        let ttl = match command.ttl {
            Ttl::Seconds(n) => args.get(n).and_then(|a| self.number(a, 0)).map(secs),
            Ttl::Millis(n) => args
                .get(n)
                .and_then(|a| self.number(a, 0))
                .map(Duration::from_millis),
            Ttl::Options => option("EX")
                .and_then(|i| args.get(i + 1))
                .and_then(|a| self.number(a, 0))
                .map(secs)
                .or_else(|| {
                    option("PX")
                        .and_then(|i| args.get(i + 1))
                        .and_then(|a| self.number(a, 0))
                        .map(Duration::from_millis)
                }),
            Ttl::None => None,
        };
        let keys: Vec<&ast::Expr> = match command.keys {
            KeyArgs::None => Vec::new(),
            KeyArgs::First => args.iter().take(1).collect(),
            KeyArgs::FirstTwo => args.iter().take(2).collect(),
            KeyArgs::All => args.iter().collect(),
            KeyArgs::EveryOther => args.iter().step_by(2).collect(),
            KeyArgs::Pattern => match option("MATCH") {
                Some(i) => args.get(i + 1).into_iter().collect(),
                None if command.name == "KEYS" => args.iter().take(1).collect(),
                None => Vec::new(),
            },
        };
        let effect = match (command.effect, command.ttl) {
            (Effect::Expire, Ttl::Seconds(n) | Ttl::Millis(n)) => {
                match args.get(n).and_then(|a| self.number(a, 0)) {
                    Some(0) => Effect::Invalidate,
                    _ => Effect::Expire,
                }
            }
            (effect, _) => effect,
        };
        self.emit(
            caller,
            effect,
            &keys,
            text,
            call_span,
            node,
            ttl,
            is_probe(command.name),
        );
    }

    /// Records the operation of a client call on each of its key arguments.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        caller: usize,
        effect: Effect,
        keys: &[&ast::Expr],
        call: String,
        call_span: SrcSpan,
        node: &SyntaxNode,
        ttl: Option<Duration>,
        probe: bool,
    ) {
        let kind = match effect {
            Effect::Read => RawKind::Read,
            Effect::Change | Effect::ReadChange => RawKind::Change,
            Effect::Invalidate | Effect::InvalidateAll => RawKind::Invalidate,
            Effect::Match => RawKind::Match,
            // EXPIRE k 0 removes the key (the command form says so as `Invalidate`, above).
            Effect::Expire if ttl == Some(Duration::ZERO) => RawKind::Invalidate,
            // Any other ttl leaves the data as it is.
            Effect::Expire => RawKind::Expire,
        };
        let place = self.place(node);
        let extent = self.span(node).unwrap_or(call_span);
        if effect == Effect::InvalidateAll {
            self.out.ops.push(RawOp {
                caller,
                kind,
                key: Ok(Template::lit("*".to_owned(), Some(call_span))),
                call,
                call_span,
                at: call_span,
                place,
                extent,
                ttl: None,
                shadow: None,
                probe: false,
            });
            return;
        }
        for key in keys {
            for derived in self.keys_of(key) {
                let derived = derived.map(|mut t| {
                    t.glob |= kind == RawKind::Match;
                    t
                });
                self.out.ops.push(RawOp {
                    caller,
                    kind,
                    key: derived,
                    call: call.clone(),
                    call_span,
                    at: call_span,
                    place: place.clone(),
                    extent,
                    ttl,
                    shadow: None,
                    probe,
                });
            }
        }
    }

    /// The keys an argument names: one, or each element of an array, `vec!`, slice or
    /// `iter().map(builder)` collection.
    fn keys_of(&self, expr: &ast::Expr) -> Vec<Result<Template, String>> {
        self.keys_of_depth(expr, 0)
    }

    fn keys_of_depth(&self, expr: &ast::Expr, depth: u32) -> Vec<Result<Template, String>> {
        if depth > 3 {
            return vec![self.key_of(expr, 0)];
        }
        let peeled = peel(expr);
        // A binding of a `for` loop over keys: each key it iterates.
        if let ast::Expr::PathExpr(p) = &peeled
            && let Some(PathResolution::Local(local)) =
                p.path().and_then(|path| self.sema.resolve_path(&path))
            && let Some(iterable) = local
                .primary_source(self.db)
                .as_ident_pat()
                .and_then(|pat| pat.syntax().parent())
                .and_then(ast::ForExpr::cast)
                .and_then(|f| f.iterable())
        {
            return self.keys_of_depth(&iterable, depth + 1);
        }
        // A binding of a collection of keys (`let keys: Vec<_> = ids.iter().map(key).collect()`):
        // the keys of its value.
        if let ast::Expr::PathExpr(p) = &peeled
            && let Some(PathResolution::Local(local)) =
                p.path().and_then(|path| self.sema.resolve_path(&path))
            && !local.is_param(self.db)
            && let Some(init) = self.let_value(local)
            && matches!(
                peel(&init),
                ast::Expr::ArrayExpr(_) | ast::Expr::MethodCallExpr(_) | ast::Expr::MacroExpr(_)
            )
        {
            let keys = self.keys_of_depth(&init, depth + 1);
            if keys.len() > 1
                || keys
                    .iter()
                    .any(|k| k.as_ref().is_ok_and(Template::has_literal))
            {
                return keys;
            }
        }
        // `keys.iter()`, `keys.into_iter()`: the collection.
        if let ast::Expr::MethodCallExpr(m) = &peeled
            && m.name_ref()
                .is_some_and(|n| matches!(n.text().to_string().as_str(), "iter" | "into_iter"))
            && let Some(receiver) = m.receiver()
        {
            return self.keys_of_depth(&receiver, depth + 1);
        }
        match peeled {
            ast::Expr::ArrayExpr(array) => {
                return array.exprs().map(|e| self.key_of(&e, 0)).collect();
            }
            ast::Expr::TupleExpr(tuple) => {
                return tuple.fields().take(1).map(|e| self.key_of(&e, 0)).collect();
            }
            ast::Expr::MethodCallExpr(m) => {
                // `ids.iter().map(key_of).collect()`: the builder's key.
                if let Some(builder) = mapped_builder(&m) {
                    return vec![self.builder_key(&builder, 0)];
                }
            }
            _ => {}
        }
        vec![self.key_of(expr, 0)]
    }

    /// The key an expression builds.
    pub(super) fn key_of(&self, expr: &ast::Expr, depth: u32) -> Result<Template, String> {
        if depth > KEY_DEPTH {
            return Err("the key is built too deep to follow".to_owned());
        }
        let span = self.span(expr.syntax());
        match expr {
            ast::Expr::Literal(lit) => match lit.kind() {
                ast::LiteralKind::String(s) => s
                    .value()
                    .map(|v| Template {
                        whole: true,
                        value: true,
                        ..Template::lit(v.into_owned(), span)
                    })
                    .map_err(|_| "the key literal does not unescape".to_owned()),
                ast::LiteralKind::Char(c) => c
                    .value()
                    .map(|c| Template::lit(c.to_string(), span))
                    .map_err(|_| "the key literal does not unescape".to_owned()),
                ast::LiteralKind::IntNumber(n) => Ok(Template {
                    value: true,
                    ..Template::lit(n.text().to_owned(), span)
                }),
                _ => Err(format!(
                    "`{}` is not a key",
                    short(&lit.syntax().text().to_string())
                )),
            },
            ast::Expr::ParenExpr(_) | ast::Expr::RefExpr(_) | ast::Expr::PrefixExpr(_) => {
                self.key_of(&peel(expr), depth + 1)
            }
            ast::Expr::BinExpr(bin) => {
                let (Some(lhs), Some(rhs)) = (bin.lhs(), bin.rhs()) else {
                    return Err("an incomplete expression".to_owned());
                };
                if bin.op_kind() != Some(ast::BinaryOp::ArithOp(ast::ArithOp::Add)) {
                    return Err("the key is computed, not built from text".to_owned());
                }
                Ok(Template::concat(vec![
                    self.key_of(&lhs, depth + 1)?,
                    self.part_of(&rhs, depth + 1),
                ]))
            }
            ast::Expr::MacroExpr(mac) => match mac.macro_call() {
                Some(call) => self.macro_key(&call, depth),
                None => Err("an incomplete macro call".to_owned()),
            },
            ast::Expr::MethodCallExpr(m) => self.method_key(m, depth),
            ast::Expr::CallExpr(c) => self.call_key(c, depth),
            ast::Expr::PathExpr(p) => self.path_key(p, depth),
            ast::Expr::FieldExpr(f) => Ok(self
                .field_key(f, depth)
                .unwrap_or_else(|| Template::hole(name_of(expr)))),
            ast::Expr::AwaitExpr(a) => match a.expr() {
                Some(inner) => self.key_of(&inner, depth + 1),
                None => Err("an incomplete expression".to_owned()),
            },
            ast::Expr::TryExpr(t) => match t.expr() {
                Some(inner) => self.key_of(&inner, depth + 1),
                None => Err("an incomplete expression".to_owned()),
            },
            other => Err(format!(
                "cannot derive a key from `{}`",
                short(&other.syntax().text().to_string())
            )),
        }
    }

    /// A piece of a key: its own key when it has one, else a placeholder named after it.
    fn part_of(&self, expr: &ast::Expr, depth: u32) -> Template {
        match self.key_of(expr, depth) {
            Ok(t) if t.has_literal() || t.has_param() => t,
            Ok(t) if t.pieces.len() == 1 => t,
            _ => Template::hole(name_of(expr)),
        }
    }

    fn method_key(&self, m: &ast::MethodCallExpr, depth: u32) -> Result<Template, String> {
        let name = m
            .name_ref()
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        let receiver = m.receiver();
        if matches!(
            name.as_str(),
            "as_str"
                | "as_ref"
                | "clone"
                | "to_owned"
                | "into"
                | "as_bytes"
                | "borrow"
                | "deref"
                | "to_vec"
        ) && let Some(r) = &receiver
        {
            return self.key_of(r, depth + 1);
        }
        let resolved = self.sema.resolve_method_call(m);
        if let Some(f) = resolved {
            if self.is_client(f) {
                let fname = f.name(self.db).as_str().to_owned();
                if matches!(fname.as_str(), "keys" | "scan_match")
                    && let Some(arg) = m.arg_list().and_then(|l| l.args().next())
                {
                    return self.key_of(&arg, depth + 1).map(|mut t| {
                        t.glob = true;
                        t
                    });
                }
                return Err("the key is the result of a Redis call".to_owned());
            }
            if is_local(self.db, f) {
                let mut args: Vec<ast::Expr> = Vec::new();
                if let Some(r) = &receiver {
                    args.push(r.clone());
                }
                args.extend(m.arg_list().into_iter().flat_map(|l| l.args()));
                return self.builder(f, &args, true, depth);
            }
        }
        if name == "to_string"
            && let Some(r) = &receiver
        {
            if let Some(t) = self.display_key(r, depth) {
                return Ok(t);
            }
            return self.key_of(r, depth + 1);
        }
        Err(format!(
            "`.{name}(..)` is not a key builder the model can see"
        ))
    }

    fn call_key(&self, c: &ast::CallExpr, depth: u32) -> Result<Template, String> {
        let Some(ast::Expr::PathExpr(p)) = c.expr() else {
            return Err("the key is the result of a call".to_owned());
        };
        let Some(path) = p.path() else {
            return Err("an incomplete call".to_owned());
        };
        let args: Vec<ast::Expr> = c.arg_list().into_iter().flat_map(|l| l.args()).collect();
        let f = match self.sema.resolve_path(&path) {
            Some(PathResolution::Def(ModuleDef::Function(f))) => f,
            // A closure bound to a name (`let key = |id| format!("cart:{id}")`): its body.
            Some(PathResolution::Local(local))
                if let Some(ast::Expr::ClosureExpr(closure)) = self.let_value(local) =>
            {
                let body = closure
                    .body()
                    .ok_or_else(|| "an incomplete closure".to_owned())?;
                return self.key_of(&body, depth + 1).map(|t| t.close());
            }
            _ => {
                let name = path
                    .segment()
                    .and_then(|s| s.name_ref())
                    .map(|n| n.text().to_string())
                    .unwrap_or_default();
                // A key type whose `Display` impl spells the key.
                if let Some(t) = self.display_key(&ast::Expr::CallExpr(c.clone()), depth) {
                    return Ok(t);
                }
                // A newtype or `String::from(..)` around a key.
                if let [arg] = args.as_slice() {
                    return self.key_of(arg, depth + 1).map_err(|_| {
                        format!("`{name}(..)` is not a key builder the model can see")
                    });
                }
                return Err(format!(
                    "`{name}(..)` is not a key builder the model can see"
                ));
            }
        };
        if !is_local(self.db, f) {
            if let [arg] = args.as_slice() {
                return self.key_of(arg, depth + 1);
            }
            return Err("the key is the result of a library call".to_owned());
        }
        let has_self = f.has_self_param(self.db);
        self.builder(f, &args, has_self, depth)
    }

    /// A workspace function `f` called with `args` (the receiver first when `with_self`):
    /// the key its returned expression builds, parameters replaced by the arguments' keys.
    fn builder(
        &self,
        f: hir::Function,
        args: &[ast::Expr],
        with_self: bool,
        depth: u32,
    ) -> Result<Template, String> {
        let name = f.name(self.db).as_str().to_owned();
        let template = self.returned_key(f, depth + 1)?;
        let given = if with_self {
            args.get(1..).unwrap_or(&[])
        } else {
            args
        };
        let arg_keys: Vec<Option<Template>> = given
            .iter()
            .map(|a| Some(self.part_of(a, depth + 1)))
            .collect();
        template
            .substitute(&arg_keys)
            .map_err(|_| format!("the key built by `{name}` takes an argument not given"))
    }

    /// The key a function or closure passed as a mapping (`ids.iter().map(keys::profile)`)
    /// builds from one element.
    fn builder_key(&self, builder: &ast::Expr, depth: u32) -> Result<Template, String> {
        match builder {
            ast::Expr::PathExpr(p) => match p.path().and_then(|p| self.sema.resolve_path(&p)) {
                Some(PathResolution::Def(ModuleDef::Function(f))) if is_local(self.db, f) => {
                    let t = self.returned_key(f, depth + 1)?;
                    Ok(t.close())
                }
                _ => Err("the mapping is not a key builder the model can see".to_owned()),
            },
            ast::Expr::ClosureExpr(c) => match c.body() {
                Some(body) => self.key_of(&body, depth + 1).map(|t| t.close()),
                None => Err("an incomplete closure".to_owned()),
            },
            _ => Err("the mapping is not a key builder the model can see".to_owned()),
        }
    }

    /// A key held in a struct field: the value the struct's constructors (its inherent
    /// functions building it with a struct literal) put there.
    fn field_key(&self, f: &ast::FieldExpr, depth: u32) -> Option<Template> {
        let db = self.db;
        let field = self.sema.resolve_field(f)?.left()?;
        let hir::Variant::Struct(owner) = field.parent_def(db) else {
            return None;
        };
        let field_name = field.name(db).as_str().to_owned();
        for imp in hir::Impl::all_for_type(db, owner.ty(db)) {
            if imp.trait_(db).is_some() {
                continue;
            }
            for item in imp.items(db) {
                let hir::AssocItem::Function(ctor) = item else {
                    continue;
                };
                let Some(body) = self.sema.source(ctor).and_then(|s| s.value.body()) else {
                    continue;
                };
                for record in body
                    .syntax()
                    .descendants()
                    .filter_map(ast::RecordExpr::cast)
                {
                    let Some(list) = record.record_expr_field_list() else {
                        continue;
                    };
                    for field_init in list.fields() {
                        let named = field_init
                            .field_name()
                            .is_some_and(|n| n.text() == field_name.as_str());
                        if !named {
                            continue;
                        }
                        let value = field_init.expr().map_or_else(
                            || Some(self.captured(field_init.syntax(), &field_name, depth)),
                            |e| self.key_of(&e, depth + 1).ok(),
                        );
                        if let Some(t) = value.filter(|t| t.has_literal()) {
                            return Some(t.close());
                        }
                    }
                }
            }
        }
        None
    }

    /// A value of a workspace type whose `Display` impl writes the key (`impl Display for
    /// ProfileKey { … write!(f, "user:{}:profile", self.0) }`, an enum's `match self` arm for
    /// the variant built here): that format, the fields it prints named after the values the
    /// constructor is given.
    fn display_key(&self, expr: &ast::Expr, depth: u32) -> Option<Template> {
        let db = self.db;
        let ty = self.sema.type_of_expr(expr)?.original;
        let adt = ty.strip_references().as_adt()?;
        if !adt.module(db).krate(db).origin(db).is_local() {
            return None;
        }
        let fmt = hir::Impl::all_for_type(db, adt.ty(db))
            .into_iter()
            .filter(|imp| {
                imp.trait_(db)
                    .is_some_and(|t| t.name(db).as_str() == "Display")
            })
            .flat_map(|imp| imp.items(db))
            .find_map(|item| match item {
                hir::AssocItem::Function(f) if f.name(db).as_str() == "fmt" => Some(f),
                _ => None,
            })?;
        let body = self.sema.source(fmt)?.value.body()?;
        // The constructor written here: its variant, and the values it is given by field.
        let (variant, args) = constructor_of(&peel(expr));
        let mut writes: Vec<ast::MacroCall> = Vec::new();
        for arm in body.syntax().descendants().filter_map(ast::MatchArm::cast) {
            let pat = arm
                .pat()
                .map(|p| p.syntax().text().to_string())
                .unwrap_or_default();
            let matches_variant = variant.as_deref().is_some_and(|v| {
                pat.split(['(', '{', ' '])
                    .next()
                    .is_some_and(|head| head == v || head.ends_with(&format!("::{v}")))
            });
            if matches_variant {
                writes.extend(arm.syntax().descendants().filter_map(ast::MacroCall::cast));
            }
        }
        if writes.is_empty() {
            writes = body
                .syntax()
                .descendants()
                .filter_map(ast::MacroCall::cast)
                .collect();
            if writes.len() != 1 {
                return None;
            }
        }
        let template = self.macro_key(writes.first()?, depth + 1).ok()?;
        // `self.0` / `self.id` / a bound field: named after the constructor's argument.
        let pieces = template
            .pieces
            .iter()
            .map(|piece| match piece {
                Piece::Hole(field) => args
                    .iter()
                    .find(|(name, _)| name == field)
                    .map_or_else(|| piece.clone(), |(_, e)| Piece::Hole(name_of(e))),
                other => other.clone(),
            })
            .collect();
        let t = Template {
            pieces,
            whole: false,
            value: false,
            ..template
        };
        t.has_literal().then(|| t.close())
    }

    /// The key `f`'s body returns, its own parameters left as parameters.
    fn returned_key(&self, f: hir::Function, depth: u32) -> Result<Template, String> {
        let name = f.name(self.db).as_str().to_owned();
        let body = self
            .sema
            .source(f)
            .and_then(|src| src.value.body())
            .ok_or_else(|| format!("`{name}` has no body the model can see"))?;
        let tail = tail_expr(&ast::Expr::BlockExpr(body))
            .ok_or_else(|| format!("`{name}` returns no expression"))?;
        self.key_of(&tail, depth + 1)
    }

    fn path_key(&self, p: &ast::PathExpr, depth: u32) -> Result<Template, String> {
        let Some(path) = p.path() else {
            return Err("an incomplete path".to_owned());
        };
        let text = path.syntax().text().to_string();
        match self.sema.resolve_path(&path) {
            Some(PathResolution::Local(local)) => self.local_key(local, depth),
            Some(resolution @ PathResolution::Def(ModuleDef::Const(_) | ModuleDef::Static(_))) => {
                let rendered = self
                    .rendered_constant(&resolution)
                    .ok_or_else(|| format!("cannot evaluate `{text}`"))?;
                const_text(&rendered)
                    .map(|v| Template::lit(v, self.span(p.syntax())))
                    .ok_or_else(|| format!("`{text}` is not a string constant"))
            }
            _ => Err(format!("`{text}` does not resolve to a key")),
        }
    }

    /// A `const` or `static` evaluated by the model and rendered as Rust would write it
    /// (`"user:"`, `60`); `None` for anything else or what does not evaluate.
    fn rendered_constant(&self, resolution: &PathResolution<'_>) -> Option<String> {
        let db = self.db;
        match resolution {
            PathResolution::Def(ModuleDef::Const(c)) => c
                .eval(db)
                .ok()
                .map(|v| v.render(db, c.krate(db).to_display_target(db))),
            PathResolution::Def(ModuleDef::Static(s)) => s
                .eval(db)
                .ok()
                .map(|v| v.render(db, s.krate(db).to_display_target(db))),
            _ => None,
        }
    }

    /// The value a `let` binds `local` to (`None` for a parameter, a pattern binding, a `let`
    /// with no value).
    fn let_value(&self, local: hir::Local<'_>) -> Option<ast::Expr> {
        local
            .primary_source(self.db)
            .as_ident_pat()?
            .syntax()
            .parent()
            .and_then(ast::LetStmt::cast)?
            .initializer()
    }

    /// A binding: a parameter (of a key-holding type: stays a parameter; a number: a
    /// placeholder) or a `let` followed to its value.
    fn local_key(&self, local: hir::Local<'_>, depth: u32) -> Result<Template, String> {
        let db = self.db;
        let name = local.name(db).as_str().to_owned();
        if local.is_param(db) {
            if local.is_self(db) {
                return Ok(Template::hole("self".to_owned()));
            }
            if let hir::ExpressionStoreOwner::Body(hir::DefWithBody::Function(f)) = local.parent(db)
                && let Some(index) = f
                    .params_without_self(db)
                    .iter()
                    .position(|p| p.as_local(db) == Some(local))
            {
                let ty = local.ty(db);
                let ty = ty.strip_references();
                if ty.is_scalar() {
                    return Ok(Template::hole(name));
                }
                return Ok(Template {
                    pieces: vec![Piece::Param(index, name)],
                    glob: false,
                    whole: false,
                    value: false,
                    span: None,
                });
            }
            return Ok(Template::hole(name));
        }
        let source = local.primary_source(db);
        let Some(pat) = source.as_ident_pat() else {
            return Ok(Template::hole(name));
        };
        let stmt = pat.syntax().parent().and_then(ast::LetStmt::cast);
        let init = stmt.as_ref().and_then(|l| l.initializer());
        let base = match &init {
            Some(init) => self.key_of(init, depth + 1).or_else(|why| {
                // `String::new()`: the key is what is appended to it.
                let text = init.syntax().text().to_string();
                if text.starts_with("String::new") || text.starts_with("String::with_capacity") {
                    Ok(Template::lit(String::new(), None))
                } else {
                    Err(why)
                }
            }),
            None => Err(String::new()),
        };
        // A `mut` binding built up later: `write!(k, …)`, `k.push_str(..)`, `k += ..`.
        let appended = match &stmt {
            Some(stmt) if local.is_mut(db) => self.appended(stmt, &name, depth),
            _ => Vec::new(),
        };
        match base {
            Ok(t) if appended.is_empty() => Ok(t),
            Ok(t) => Ok(Template::concat(
                std::iter::once(t).chain(appended).collect(),
            )),
            Err(_) => Ok(Template::hole(name)),
        }
    }

    /// What the statements after `stmt` (in its block) append to the binding `name`:
    /// `write!(name, …)`/`writeln!`, `name.push_str(..)`, `name.push('c')`, `name += ..`, in
    /// order.
    fn appended(&self, stmt: &ast::LetStmt, name: &str, depth: u32) -> Vec<Template> {
        let Some(list) = stmt.syntax().parent().and_then(ast::StmtList::cast) else {
            return Vec::new();
        };
        let names_binding = |e: Option<ast::Expr>| {
            e.is_some_and(|e| {
                let text: String = peel(&e).syntax().text().to_string();
                text == name
            })
        };
        let mut parts = Vec::new();
        let after = list
            .statements()
            .skip_while(|s| s.syntax() != stmt.syntax())
            .skip(1);
        for later in after {
            for node in later.syntax().descendants() {
                if let Some(mac) = ast::MacroCall::cast(node.clone()) {
                    let macro_name = mac
                        .path()
                        .and_then(|p| p.segment()?.name_ref())
                        .map(|n| n.text().to_string());
                    let first_arg = mac.token_tree().map(|tt| {
                        let text = tt.syntax().text().to_string();
                        text.trim_start_matches('(')
                            .split(',')
                            .next()
                            .unwrap_or("")
                            .trim()
                            .trim_start_matches("&mut ")
                            .trim()
                            .to_owned()
                    });
                    if matches!(macro_name.as_deref(), Some("write" | "writeln"))
                        && first_arg.as_deref() == Some(name)
                        && let Ok(t) = self.macro_key(&mac, depth + 1)
                    {
                        parts.push(t);
                    }
                } else if let Some(m) = ast::MethodCallExpr::cast(node.clone()) {
                    let method = m.name_ref().map(|n| n.text().to_string());
                    if matches!(method.as_deref(), Some("push_str" | "push"))
                        && names_binding(m.receiver())
                        && let Some(arg) = m.arg_list().and_then(|l| l.args().next())
                    {
                        parts.push(self.part_of(&arg, depth + 1));
                    }
                } else if let Some(bin) = ast::BinExpr::cast(node)
                    && bin.op_kind()
                        == Some(ast::BinaryOp::Assignment {
                            op: Some(ast::ArithOp::Add),
                        })
                    && names_binding(bin.lhs())
                    && let Some(rhs) = bin.rhs()
                {
                    parts.push(self.part_of(&rhs, depth + 1));
                }
            }
        }
        parts
    }

    /// `format!`, `format_args!`, `concat!`, `String::from`-like macros and `macro_rules!`
    /// key builders, through their expansion.
    fn macro_key(&self, call: &ast::MacroCall, depth: u32) -> Result<Template, String> {
        let name = call
            .path()
            .and_then(|p| p.segment()?.name_ref())
            .map(|n| n.text().to_string())
            .unwrap_or_default();
        let expansion = self
            .sema
            .expand_macro_call(call)
            .ok_or_else(|| format!("`{name}!` does not expand"))?
            .value;
        let span = self.span(call.syntax());
        let mut t = self.expansion_key(&expansion, depth + 1)?;
        if t.span.is_none() {
            t.span = span;
        }
        Ok(t)
    }

    fn expansion_key(&self, node: &SyntaxNode, depth: u32) -> Result<Template, String> {
        if depth > KEY_DEPTH {
            return Err("the key is built too deep to follow".to_owned());
        }
        for descendant in node.descendants() {
            if let Some(format) = ast::FormatArgsExpr::cast(descendant.clone()) {
                return self.format_key(&format, depth);
            }
            if let Some(inner) = ast::MacroCall::cast(descendant.clone()) {
                return self.macro_key(&inner, depth + 1);
            }
        }
        // A macro that expands to an expression (`concat!`, a `macro_rules!` builder).
        let expr = ast::Expr::cast(node.clone())
            .or_else(|| node.descendants().find_map(ast::Expr::cast))
            .ok_or_else(|| "the macro builds no expression".to_owned())?;
        self.key_of(&expr, depth + 1)
    }

    fn format_key(&self, format: &ast::FormatArgsExpr, depth: u32) -> Result<Template, String> {
        let Some(ast::Expr::Literal(template)) = format.template() else {
            return Err("the format string is not a literal".to_owned());
        };
        let ast::LiteralKind::String(s) = template.kind() else {
            return Err("the format string is not a literal".to_owned());
        };
        let text = s
            .value()
            .map_err(|_| "the format string does not unescape".to_owned())?
            .into_owned();
        let span = self.span(template.syntax());
        let args: Vec<ast::FormatArgsArg> = format.args().collect();
        let positional: Vec<&ast::FormatArgsArg> =
            args.iter().filter(|a| a.name().is_none()).collect();
        let named = |n: &str| {
            args.iter()
                .find(|a| a.name().is_some_and(|x| x.text() == n))
                .and_then(|a| a.expr())
        };
        let mut parts: Vec<Template> = Vec::new();
        let mut literal = String::new();
        let mut next = 0usize;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut spec = String::new();
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        spec.push(c);
                    }
                    let arg = spec.split(':').next().unwrap_or("").trim().to_owned();
                    if !literal.is_empty() {
                        parts.push(Template::lit(std::mem::take(&mut literal), span));
                    }
                    let expr = if arg.is_empty() {
                        next += 1;
                        positional.get(next - 1).and_then(|a| a.expr())
                    } else if let Ok(i) = arg.parse::<usize>() {
                        positional.get(i).and_then(|a| a.expr())
                    } else {
                        named(&arg)
                    };
                    let part = match expr {
                        Some(e) => self.part_of(&e, depth + 1),
                        // An inline `{id}`: the binding in scope at the macro call.
                        None => self.captured(template.syntax(), &arg, depth),
                    };
                    parts.push(part);
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Template::lit(literal, span));
        }
        let mut t = Template::concat(parts);
        t.span = span.or(t.span);
        Ok(t)
    }

    /// A name captured from the scope at `at`: an inline `{name}` of a format string, a
    /// shorthand field init `Key { key }`.
    fn captured(&self, at: &SyntaxNode, name: &str, depth: u32) -> Template {
        let resolved = self.sema.scope(at).and_then(|scope| {
            let path = ra_ap_syntax::ast::make::path_from_text(name);
            scope.speculative_resolve(&path)
        });
        match resolved {
            Some(PathResolution::Local(local)) => self
                .local_key(local, depth + 1)
                .ok()
                .filter(|t| t.has_literal() || t.has_param())
                .unwrap_or_else(|| Template::hole(name.to_owned())),
            Some(resolution @ PathResolution::Def(ModuleDef::Const(_))) => self
                .rendered_constant(&resolution)
                .and_then(|r| const_text(&r))
                .map_or_else(
                    || Template::hole(name.to_owned()),
                    |v| Template::lit(v, None),
                ),
            _ => Template::hole(name.to_owned()),
        }
    }

    /// A string literal's (or string constant's) value.
    fn string_value(&self, expr: &ast::Expr) -> Option<String> {
        let Template { pieces, .. } = self.key_of(expr, KEY_DEPTH - 2).ok()?;
        match pieces.as_slice() {
            [Piece::Lit(text)] => Some(text.clone()),
            _ => None,
        }
    }

    /// A constant integer expression: literals, consts, `+ - * /`, `Duration::from_secs(..)`
    /// (in seconds) and casts.
    fn number(&self, expr: &ast::Expr, depth: u32) -> Option<u64> {
        if depth > KEY_DEPTH {
            return None;
        }
        match expr {
            ast::Expr::Literal(lit) => match lit.kind() {
                ast::LiteralKind::IntNumber(n) => n.value().ok().map(|v| v as u64),
                _ => None,
            },
            ast::Expr::ParenExpr(p) => self.number(&p.expr()?, depth + 1),
            ast::Expr::CastExpr(c) => self.number(&c.expr()?, depth + 1),
            ast::Expr::RefExpr(r) => self.number(&r.expr()?, depth + 1),
            ast::Expr::BinExpr(b) => {
                let (l, r) = (
                    self.number(&b.lhs()?, depth + 1)?,
                    self.number(&b.rhs()?, depth + 1)?,
                );
                match b.op_kind()? {
                    ast::BinaryOp::ArithOp(ast::ArithOp::Add) => l.checked_add(r),
                    ast::BinaryOp::ArithOp(ast::ArithOp::Sub) => l.checked_sub(r),
                    ast::BinaryOp::ArithOp(ast::ArithOp::Mul) => l.checked_mul(r),
                    ast::BinaryOp::ArithOp(ast::ArithOp::Div) => l.checked_div(r),
                    _ => None,
                }
            }
            ast::Expr::PathExpr(p) => {
                let path = p.path()?;
                match self.sema.resolve_path(&path)? {
                    resolution @ PathResolution::Def(ModuleDef::Const(_)) => self
                        .rendered_constant(&resolution)?
                        .trim()
                        .replace('_', "")
                        .parse()
                        .ok(),
                    PathResolution::Local(local) if !local.is_param(self.db) => {
                        let init = self.let_value(local)?;
                        self.number(&init, depth + 1)
                    }
                    _ => None,
                }
            }
            ast::Expr::CallExpr(c) => {
                // `Duration::from_secs(n)`, `Some(n)`, `Expiration::EX(n)`.
                let args: Vec<ast::Expr> = c.arg_list()?.args().collect();
                let [arg] = args.as_slice() else { return None };
                self.number(arg, depth + 1)
            }
            ast::Expr::MethodCallExpr(m)
                if m.name_ref().is_some_and(|n| {
                    matches!(
                        n.text().to_string().as_str(),
                        "into" | "try_into" | "unwrap" | "as_secs"
                    )
                }) =>
            {
                self.number(&m.receiver()?, depth + 1)
            }
            _ => None,
        }
    }

    /// The ttl of SET's options argument: `SetOptions::default().with_expiration(
    /// SetExpiry::EX(60))`, fred's `Some(Expiration::EX(60))`.
    fn expiry_option(&self, expr: &ast::Expr) -> Option<Duration> {
        for node in expr.syntax().descendants() {
            let Some(call) = ast::CallExpr::cast(node) else {
                continue;
            };
            let Some(ast::Expr::PathExpr(p)) = call.expr() else {
                continue;
            };
            let name = p.path()?.segment()?.name_ref()?.text().to_string();
            let arg = call.arg_list()?.args().next()?;
            match name.as_str() {
                "EX" => return self.number(&arg, 0).map(secs),
                "PX" => return self.number(&arg, 0).map(Duration::from_millis),
                _ => {}
            }
        }
        None
    }

    /// The call's range and the ranges of the expressions whose miss leads to it.
    pub(super) fn place(&self, node: &SyntaxNode) -> Place {
        let range = self.sema.original_range(node).range;
        let mut guards: Vec<ast::Expr> = Vec::new();
        let mut child = node.clone();
        for ancestor in node.ancestors().skip(1) {
            if ast::Fn::can_cast(ancestor.kind()) {
                break;
            }
            if let Some(arm) = ast::MatchArm::cast(ancestor.clone()) {
                let miss = arm.pat().is_some_and(|p| is_miss_pattern(&p));
                if miss
                    && let Some(scrutinee) = arm
                        .syntax()
                        .ancestors()
                        .find_map(ast::MatchExpr::cast)
                        .and_then(|m| m.expr())
                {
                    guards.push(scrutinee);
                }
            }
            if let Some(if_expr) = ast::IfExpr::cast(ancestor.clone()) {
                let in_else = if_expr
                    .else_branch()
                    .is_some_and(|e| e.syntax().text_range().contains_range(child.text_range()));
                if let Some(cond) = if_expr.condition() {
                    let (lets, negated) = condition_scrutinees(&cond);
                    if in_else != negated {
                        guards.extend(lets);
                    }
                }
            }
            // `let Some(v) = cached else { …fill… }`: the else block runs on a miss.
            if let Some(let_else) = ast::LetElse::cast(ancestor.clone())
                && let Some(stmt) = let_else.syntax().parent().and_then(ast::LetStmt::cast)
                && stmt.pat().is_some_and(|p| !is_miss_pattern(&p))
                && let Some(init) = stmt.initializer()
            {
                guards.push(init);
            }
            if let Some(closure) = ast::ClosureExpr::cast(ancestor.clone())
                && let Some(m) = closure
                    .syntax()
                    .parent()
                    .and_then(|p| p.parent())
                    .and_then(ast::MethodCallExpr::cast)
                && m.name_ref().is_some_and(|n| {
                    matches!(
                        n.text().to_string().as_str(),
                        "unwrap_or_else"
                            | "or_else"
                            | "or_insert_with"
                            | "get_or_insert_with"
                            | "map_or_else"
                    )
                })
                && let Some(r) = m.receiver()
            {
                guards.push(r);
            }
            // An early return on a hit before this statement.
            if let Some(list) = ast::StmtList::cast(ancestor.clone()) {
                for stmt in list.statements() {
                    if stmt.syntax().text_range().start() >= child.text_range().start() {
                        break;
                    }
                    guards.extend(early_return_on_hit(stmt.syntax()));
                }
            }
            child = ancestor;
        }
        let mut ranges: Vec<TextRange> = Vec::new();
        for guard in guards {
            ranges.push(self.sema.original_range(guard.syntax()).range);
            // A binding in the guard: the value it was bound to.
            for path in guard.syntax().descendants().filter_map(ast::PathExpr::cast) {
                if let Some(PathResolution::Local(local)) =
                    path.path().and_then(|p| self.sema.resolve_path(&p))
                    && let Some(init) = self.let_value(local)
                {
                    ranges.push(self.sema.original_range(init.syntax()).range);
                }
            }
        }
        Place {
            range,
            guards: ranges,
        }
    }

    /// A call to workspace function `f`: the keys its arguments build, for the parameters of
    /// `f` that can hold a key.
    pub(super) fn local_site(
        &mut self,
        caller: usize,
        f: hir::Function,
        node: &SyntaxNode,
        span: SrcSpan,
    ) {
        let db = self.db;
        let (args, skip): (Vec<ast::Expr>, usize) =
            if let Some(m) = ast::MethodCallExpr::cast(node.clone()) {
                (m.arg_list().into_iter().flat_map(|l| l.args()).collect(), 0)
            } else if let Some(c) = ast::CallExpr::cast(node.clone()) {
                let skip = usize::from(f.has_self_param(db));
                (
                    c.arg_list().into_iter().flat_map(|l| l.args()).collect(),
                    skip,
                )
            } else {
                return;
            };
        let params = f.params_without_self(db);
        // Per parameter, the keys its argument builds: one, or each of a `for` loop's or an
        // array's keys (one site per key).
        let choices: Vec<Vec<Option<Template>>> = params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if p.ty().strip_references().is_scalar() {
                    return vec![None];
                }
                let Some(arg) = args.get(i + skip) else {
                    return vec![None];
                };
                let many: Vec<Template> = self.keys_of(arg).into_iter().flatten().collect();
                if many.len() > 1 && many.iter().all(Template::has_literal) {
                    many.into_iter().map(Some).collect()
                } else {
                    vec![Some(self.part_of(arg, 0))]
                }
            })
            .collect();
        let place = self.place(node);
        let extent = self.span(node).unwrap_or(span);
        let mut combos: Vec<Vec<Option<Template>>> = vec![Vec::new()];
        for choice in &choices {
            combos = combos
                .into_iter()
                .flat_map(|prefix| {
                    choice.iter().map(move |c| {
                        let mut next = prefix.clone();
                        next.push(c.clone());
                        next
                    })
                })
                .take(16)
                .collect();
        }
        for args in combos {
            self.out.sites.push(LocalSite {
                caller,
                callee: f,
                span,
                place: place.clone(),
                extent,
                args,
            });
        }
    }
}

/// Resolves keys handed down as parameters at each call site (bottom-up, through any depth of
/// helpers), tells fills from invalidations, and turns SCAN/KEYS + DEL into an invalidation
/// of the pattern. `sites` come with the ids of the functions each can run (a trait method's
/// implementations). Returns the operations and the client calls whose key cannot be derived.
pub(crate) fn settle(
    ops: Vec<RawOp>,
    sites: Vec<(LocalSite, Vec<usize>)>,
    functions: usize,
    sep: char,
) -> (Vec<super::InferredOp>, Vec<super::Unresolved>) {
    let mut own: Vec<Vec<RawOp>> = vec![Vec::new(); functions];
    for op in ops {
        if let Some(list) = own.get_mut(op.caller) {
            list.push(op);
        }
    }
    let mut sites_of: Vec<Vec<(LocalSite, Vec<usize>)>> = vec![Vec::new(); functions];
    let mut called = vec![false; functions];
    for (site, targets) in sites {
        for &t in &targets {
            if let Some(c) = called.get_mut(t) {
                *c = true;
            }
        }
        if let Some(list) = sites_of.get_mut(site.caller) {
            list.push((site, targets));
        }
    }
    let mut settled: Vec<Option<Vec<RawOp>>> = vec![None; functions];
    let mut visiting = vec![false; functions];
    let mut verdicts = Vec::new();
    let mut reads_served = Vec::new();
    for id in 0..functions {
        settle_one(
            id,
            &mut own,
            &sites_of,
            &mut settled,
            &mut visiting,
            &mut verdicts,
            &mut reads_served,
        );
    }
    // A helper's read that every caller serves (fills on its miss) is theirs alone.
    reads_served.sort();
    let mut dropped: Vec<(usize, usize)> = Vec::new();
    for group in reads_served.chunk_by(|a, b| a.0 == b.0) {
        if group.iter().all(|(_, served)| *served) {
            dropped.push(group[0].0);
        }
    }
    // A change in a helper that every call of runs on a miss of the same key is a fill.
    verdicts.sort();
    for group in verdicts.chunk_by(|a, b| a.0 == b.0) {
        let (callee, index) = group[0].0;
        if group.iter().all(|(_, fill)| *fill)
            && let Some(Some(list)) = settled.get_mut(callee)
            && let Some(op) = list.get_mut(index)
            && op.kind == RawKind::Change
        {
            op.kind = RawKind::Fill;
        }
    }
    // Dropped last: indices above refer to the lists as settled.
    dropped.sort_unstable_by(|a, b| b.cmp(a));
    for (callee, index) in dropped {
        if let Some(Some(list)) = settled.get_mut(callee)
            && index < list.len()
        {
            list.remove(index);
        }
    }
    let mut out = Vec::new();
    let mut underived = Vec::new();
    for (id, list) in settled.into_iter().enumerate() {
        for op in list.unwrap_or_default() {
            let key = match op.key {
                // Handed down by callers, which have it.
                Ok(t) if t.has_param() && called[id] => continue,
                Ok(t) => Ok(t.close()),
                Err(why) => Err(why),
            };
            let kind = match op.kind {
                RawKind::Read => super::OpKind::Read,
                RawKind::Fill => super::OpKind::Fill,
                RawKind::Change | RawKind::Invalidate => super::OpKind::Write,
                RawKind::Match | RawKind::Expire => continue,
            };
            let key = key.and_then(|t| {
                if t.has_text_besides(sep) {
                    Ok(t)
                } else {
                    Err(format!(
                        "its key `{}` has no literal text besides separators: it would match \
                         any key of its shape",
                        t.text(sep)
                    ))
                }
            });
            match key {
                Ok(t) => {
                    let literal = t.whole && t.span.is_some();
                    out.push(super::InferredOp {
                        function: id,
                        kind,
                        key: t.text(sep),
                        span: match (t.whole, t.span) {
                            (true, Some(span)) => span,
                            _ => op.at,
                        },
                        literal,
                        glob: t.glob,
                        call: op.call,
                        call_span: op.call_span,
                        ttl: op.ttl,
                        extent: op.extent,
                    })
                }
                Err(why) => underived.push(super::Unresolved {
                    span: op.at,
                    caller: id,
                    call: op.call,
                    reason: format!("its key cannot be derived: {why}"),
                }),
            }
        }
    }
    out.sort_by(|a, b| {
        (a.function, a.span, &a.key, a.kind).cmp(&(b.function, b.span, &b.key, b.kind))
    });
    out.dedup_by(|a, b| {
        a.function == b.function && a.span == b.span && a.key == b.key && a.kind == b.kind
    });
    (out, underived)
}

/// `id`'s operations: its own, and those of the functions it calls whose keys it hands down,
/// with fills told apart.
fn settle_one(
    id: usize,
    own: &mut [Vec<RawOp>],
    sites_of: &[Vec<(LocalSite, Vec<usize>)>],
    settled: &mut [Option<Vec<RawOp>>],
    visiting: &mut [bool],
    verdicts: &mut Vec<((usize, usize), bool)>,
    reads_served: &mut Vec<((usize, usize), bool)>,
) {
    if settled[id].is_some() || visiting[id] {
        return;
    }
    visiting[id] = true;
    let mut ops = std::mem::take(&mut own[id]);
    for (site, targets) in &sites_of[id] {
        for &t in targets {
            if t >= settled.len() {
                continue;
            }
            settle_one(t, own, sites_of, settled, visiting, verdicts, reads_served);
            let Some(callee_ops) = &settled[t] else {
                continue;
            };
            for (index, op) in callee_ops.iter().enumerate() {
                let Ok(template) = &op.key else { continue };
                if !template.has_param() {
                    // The callee's own operation: seen here only to tell a fill helper.
                    // (A callee's own fill is settled there: not a fill of this function.)
                    if matches!(op.kind, RawKind::Read | RawKind::Change) && !op.probe {
                        ops.push(RawOp {
                            caller: id,
                            at: site.span,
                            place: site.place.clone(),
                            extent: site.extent,
                            shadow: Some((t, index)),
                            ..op.clone()
                        });
                    }
                    continue;
                }
                let key = template.substitute(&site.args).map_err(|n| {
                    format!(
                        "the key is argument {} of a call at line {}, which cannot be derived",
                        n + 1,
                        site.span.start.line
                    )
                });
                ops.push(RawOp {
                    caller: id,
                    kind: op.kind,
                    key,
                    call: op.call.clone(),
                    call_span: op.call_span,
                    at: site.span,
                    place: site.place.clone(),
                    extent: site.extent,
                    ttl: op.ttl,
                    shadow: None,
                    probe: op.probe,
                });
            }
        }
    }
    classify_fills(&mut ops);
    // A helper's read whose miss this function fills: this function serves the key
    // (cache-aside), so the read is its own; the helper's copy goes when every caller does so.
    let filled: Vec<String> = ops
        .iter()
        .filter(|op| op.kind == RawKind::Fill)
        .filter_map(|op| Some(shape(op.key.as_ref().ok()?)))
        .collect();
    for op in &mut ops {
        let Some(origin) = op.shadow else { continue };
        match op.kind {
            RawKind::Change | RawKind::Fill => {
                verdicts.push((origin, op.kind == RawKind::Fill));
            }
            RawKind::Read => {
                let serves = op.key.as_ref().is_ok_and(|k| filled.contains(&shape(k)));
                reads_served.push((origin, serves));
                if serves {
                    op.shadow = None;
                }
            }
            _ => {}
        }
    }
    ops.retain(|op| op.shadow.is_none());
    scan_then_delete(&mut ops);
    visiting[id] = false;
    settled[id] = Some(ops);
}

/// A change of K guarded by a miss of a read of K in the same function is a fill.
fn classify_fills(ops: &mut [RawOp]) {
    let reads: Vec<(String, TextRange)> = ops
        .iter()
        .filter(|op| op.kind == RawKind::Read && !op.probe)
        .filter_map(|op| Some((shape(op.key.as_ref().ok()?), op.place.range)))
        .collect();
    for op in ops.iter_mut() {
        if op.kind != RawKind::Change {
            continue;
        }
        let Ok(key) = &op.key else { continue };
        let key = shape(key);
        let guarded = reads.iter().any(|(read, range)| {
            *read == key && op.place.guards.iter().any(|g| g.contains_range(*range))
        });
        if guarded {
            op.kind = RawKind::Fill;
        }
    }
    // A fill followed by an EXPIRE of the same key (a pipeline's RPUSH + EXPIRE) has that ttl.
    let expiries: Vec<(String, Option<Duration>)> = ops
        .iter()
        .filter(|op| op.kind == RawKind::Expire)
        .filter_map(|op| Some((shape(op.key.as_ref().ok()?), op.ttl)))
        .collect();
    for op in ops.iter_mut() {
        if op.kind != RawKind::Fill || op.ttl.is_some() {
            continue;
        }
        let Ok(key) = &op.key else { continue };
        let key = shape(key);
        if let Some((_, ttl)) = expiries.iter().find(|(k, _)| *k == key) {
            op.ttl = *ttl;
        }
    }
}

/// A key template's text with placeholder names erased: equal for the same key.
fn shape(t: &Template) -> String {
    let mut out = String::new();
    for piece in &t.pieces {
        match piece {
            Piece::Lit(s) => out.push_str(s),
            Piece::Hole(_) => out.push_str("<_>"),
            Piece::Param(n, _) => out.push_str(&format!("<#{n}>")),
        }
    }
    out
}

/// SCAN/KEYS MATCH then DEL of what it returned: the DEL (whose key is the scan's output,
/// not derivable) invalidates the pattern.
fn scan_then_delete(ops: &mut Vec<RawOp>) {
    let patterns: Vec<RawOp> = ops
        .iter()
        .filter(|op| op.kind == RawKind::Match && op.key.is_ok())
        .cloned()
        .collect();
    if patterns.is_empty() {
        return;
    }
    let scanned = |op: &RawOp| {
        let underived = match &op.key {
            Ok(t) => !t.has_literal() && !t.has_param(),
            Err(_) => true,
        };
        op.kind == RawKind::Invalidate && underived
    };
    if !ops.iter().any(scanned) {
        return;
    }
    ops.retain(|op| !scanned(op));
    for mut pattern in patterns {
        pattern.kind = RawKind::Invalidate;
        if let Ok(t) = &mut pattern.key {
            t.glob = true;
        }
        ops.push(pattern);
    }
}

/// An item's path, its crate's name first: `["svc", "cache", "Cache"]`.
fn item_path(db: &ra_ap_ide_db::RootDatabase, module: hir::Module, name: &str) -> Vec<String> {
    let mut path: Vec<String> = module
        .path_to_root(db)
        .into_iter()
        .rev()
        .filter_map(|m| m.name(db).map(|n| n.as_str().to_owned()))
        .collect();
    let krate = module
        .krate(db)
        .display_name(db)
        .map(|n| n.crate_name().as_str().replace('-', "_"))
        .unwrap_or_default();
    path.insert(0, krate);
    path.push(name.to_owned());
    path
}

/// Whether a configured type path names the item at `actual` (crate name first): `crate::`
/// stands for any workspace member's crate; a path without `crate::` is matched by its
/// segments from the crate name, or by its tail when it has a single segment.
fn type_path_matches(configured: &[String], actual: &[String], local: bool) -> bool {
    match configured.split_first() {
        Some((first, rest)) if first == "crate" => local && actual.get(1..) == Some(rest),
        _ if configured.len() == 1 => actual.last() == configured.last(),
        _ => actual == configured,
    }
}

/// Whether a command reads a member's presence or rank, not the key's data.
fn is_probe(command: &str) -> bool {
    matches!(command, "SISMEMBER" | "HEXISTS" | "ZSCORE" | "ZRANK")
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn is_local(db: &ra_ap_ide_db::RootDatabase, f: hir::Function) -> bool {
    f.module(db).krate(db).origin(db).is_local()
}

/// A constructor expression: the variant or struct name, and its arguments by field (`0`,
/// `1`, … for tuple fields).
fn constructor_of(expr: &ast::Expr) -> (Option<String>, Vec<(String, ast::Expr)>) {
    match expr {
        ast::Expr::CallExpr(c) => {
            let name = match c.expr() {
                Some(ast::Expr::PathExpr(p)) => p
                    .path()
                    .and_then(|p| p.segment()?.name_ref())
                    .map(|n| n.text().to_string()),
                _ => None,
            };
            let args = c
                .arg_list()
                .into_iter()
                .flat_map(|l| l.args())
                .enumerate()
                .map(|(i, e)| (i.to_string(), e))
                .collect();
            (name, args)
        }
        ast::Expr::RecordExpr(r) => {
            let name = r
                .path()
                .and_then(|p| p.segment()?.name_ref())
                .map(|n| n.text().to_string());
            let args = r
                .record_expr_field_list()
                .into_iter()
                .flat_map(|l| l.fields())
                .filter_map(|f| Some((f.field_name()?.text().to_string(), f.expr()?)))
                .collect();
            (name, args)
        }
        ast::Expr::PathExpr(p) => (
            p.path()
                .and_then(|p| p.segment()?.name_ref())
                .map(|n| n.text().to_string()),
            Vec::new(),
        ),
        _ => (None, Vec::new()),
    }
}

/// `&x`, `*x`, `(x)` → `x`.
pub(super) fn peel(expr: &ast::Expr) -> ast::Expr {
    let mut at = expr.clone();
    loop {
        let next = match &at {
            ast::Expr::ParenExpr(p) => p.expr(),
            ast::Expr::RefExpr(r) => r.expr(),
            ast::Expr::PrefixExpr(p) if p.op_kind() == Some(ast::UnaryOp::Deref) => p.expr(),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return at,
        }
    }
}

/// `xs.iter().map(f)…collect()`: the `f`.
fn mapped_builder(m: &ast::MethodCallExpr) -> Option<ast::Expr> {
    let mut at = ast::Expr::MethodCallExpr(m.clone());
    while let ast::Expr::MethodCallExpr(call) = at {
        if call.name_ref().is_some_and(|n| n.text() == "map") {
            return call.arg_list()?.args().next();
        }
        at = call.receiver()?;
    }
    None
}

/// The expression a block evaluates to: its tail, through nested blocks; else a `return`.
fn tail_expr(expr: &ast::Expr) -> Option<ast::Expr> {
    match expr {
        ast::Expr::BlockExpr(block) => {
            let list = block.stmt_list()?;
            if let Some(tail) = list.tail_expr() {
                return tail_expr(&tail);
            }
            list.syntax()
                .descendants()
                .find_map(ast::ReturnExpr::cast)
                .and_then(|r| r.expr())
        }
        ast::Expr::ReturnExpr(r) => r.expr(),
        other => Some(other.clone()),
    }
}

/// The placeholder name of a value: `user.id` → `id`, `id` → `id`, `u.id()` → `id`.
fn name_of(expr: &ast::Expr) -> String {
    match peel(expr) {
        ast::Expr::PathExpr(p) => p
            .path()
            .and_then(|p| p.segment()?.name_ref())
            .map(|n| n.text().to_string()),
        // A tuple field (`r.0`) is named after what holds it.
        ast::Expr::FieldExpr(f) => match f.name_ref().map(|n| n.text().to_string()) {
            Some(n) if n.chars().all(|c| c.is_ascii_digit()) => f.expr().map(|base| name_of(&base)),
            other => other,
        },
        ast::Expr::MethodCallExpr(m) => {
            let name = m.name_ref().map(|n| n.text().to_string());
            match name.as_deref() {
                Some("to_string" | "clone" | "as_str" | "to_owned" | "as_ref") => {
                    m.receiver().map(|r| name_of(&r))
                }
                _ => name,
            }
        }
        ast::Expr::CallExpr(c) => match c.expr() {
            Some(ast::Expr::PathExpr(p)) => p
                .path()
                .and_then(|p| p.segment()?.name_ref())
                .map(|n| n.text().to_string()),
            _ => None,
        },
        _ => None,
    }
    .filter(|n| !n.is_empty())
    .unwrap_or_else(|| "value".to_owned())
}

/// `None`, `Err(_)`, `Ok(None)`, `_`: a pattern that matches a miss.
fn is_miss_pattern(pat: &ast::Pat) -> bool {
    let text = pat.syntax().text().to_string();
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    text == "None"
        || text == "_"
        || text == "Ok(None)"
        || text.starts_with("Err(")
        || text.ends_with("::None")
}

/// The scrutinees of `let Some(..) = e` in a condition (or `e.is_some()` / `e.is_none()`),
/// and whether the condition holds on a miss (`let None = e`, `e.is_none()`).
fn condition_scrutinees(cond: &ast::Expr) -> (Vec<ast::Expr>, bool) {
    let mut found = Vec::new();
    let mut on_miss = false;
    // A boolean read (`let hit: bool = conn.exists(&k)?`): `hit` holds on a hit, `!hit` on
    // a miss.
    match cond {
        ast::Expr::PathExpr(_) => return (vec![cond.clone()], false),
        ast::Expr::PrefixExpr(p)
            if p.op_kind() == Some(ast::UnaryOp::Not)
                && matches!(p.expr(), Some(ast::Expr::PathExpr(_))) =>
        {
            return (p.expr().into_iter().collect(), true);
        }
        _ => {}
    }
    for node in cond.syntax().descendants_with_tokens() {
        let Some(node) = node.into_node() else {
            continue;
        };
        if let Some(let_expr) = ast::LetExpr::cast(node.clone()) {
            if let Some(e) = let_expr.expr() {
                on_miss |= let_expr.pat().is_some_and(|p| is_miss_pattern(&p));
                found.push(e);
            }
        } else if let Some(m) = ast::MethodCallExpr::cast(node)
            && let Some(name) = m.name_ref()
            && let name = name.text().to_string()
            && matches!(
                name.as_str(),
                "is_some" | "is_none" | "is_ok" | "is_err" | "is_empty"
            )
            && let Some(r) = m.receiver()
        {
            let negated = m
                .syntax()
                .parent()
                .and_then(ast::PrefixExpr::cast)
                .is_some_and(|p| p.op_kind() == Some(ast::UnaryOp::Not));
            let miss = matches!(name.as_str(), "is_none" | "is_err" | "is_empty");
            on_miss |= miss != negated;
            found.push(r);
        }
    }
    (found, on_miss)
}

/// A statement `if let Some(v) = e { return …; }` or `match e { Some(v) => return …, … }`:
/// the `e` whose hit returns early.
fn early_return_on_hit(stmt: &SyntaxNode) -> Vec<ast::Expr> {
    // `if …`/`match …` as a statement, or as a `let`'s value (`let v = match cached {
    // Some(v) => return v, None => load() };`).
    let expr = if let Some(s) = ast::ExprStmt::cast(stmt.clone()) {
        s.expr()
    } else if let Some(l) = ast::LetStmt::cast(stmt.clone()) {
        l.initializer()
    } else {
        None
    };
    let Some(expr) = expr else { return Vec::new() };
    let returns = |node: &SyntaxNode| {
        node.descendants()
            .any(|d| d.kind() == SyntaxKind::RETURN_EXPR)
    };
    match expr {
        ast::Expr::IfExpr(if_expr) => {
            let Some(cond) = if_expr.condition() else {
                return Vec::new();
            };
            let (lets, on_miss) = condition_scrutinees(&cond);
            let then_returns = if_expr.then_branch().is_some_and(|b| returns(b.syntax()));
            if then_returns && !on_miss {
                lets
            } else {
                Vec::new()
            }
        }
        ast::Expr::MatchExpr(m) => {
            let hit_returns = m.match_arm_list().is_some_and(|list| {
                list.arms().any(|arm| {
                    !arm.pat().is_some_and(|p| is_miss_pattern(&p))
                        && arm.expr().is_some_and(|e| returns(e.syntax()))
                })
            });
            if hit_returns {
                m.expr().into_iter().collect()
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// A rendered string constant (`"user:"`) as its text.
fn const_text(rendered: &str) -> Option<String> {
    let inner = rendered.strip_prefix('"')?.strip_suffix('"')?;
    let literal = ra_ap_syntax::ast::make::tokens::literal(&format!("\"{inner}\""));
    let string = ast::String::cast(literal)?;
    string.value().ok().map(|v| v.into_owned())
}

fn short(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 40 {
        let cut: String = one_line.chars().take(37).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// The receiver of a client call as written, shortened: `state.redis.get().await?` → `conn`
/// style text kept short.
fn short_receiver(text: &str) -> String {
    let text: String = text.split_whitespace().collect::<Vec<_>>().join("");
    if text.chars().count() > 24 {
        let tail: String = text
            .chars()
            .rev()
            .take(21)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("...{tail}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pieces: Vec<Piece>) -> Template {
        Template {
            pieces,
            glob: false,
            whole: false,
            value: false,
            span: None,
        }
    }

    fn glob(text: &str) -> Template {
        Template {
            glob: true,
            ..t(vec![Piece::Lit(text.into())])
        }
    }

    #[test]
    fn templates_spell_keys_and_globs() {
        let key = t(vec![
            Piece::Lit("user:".into()),
            Piece::Hole("id".into()),
            Piece::Lit(":profile".into()),
        ]);
        assert_eq!(key.text(':'), "user:<id>:profile");
        assert_eq!(glob("orders:*:summry").text(':'), "orders:<any>:summry");
        assert_eq!(glob("session:*").text(':'), "session:*");
        assert_eq!(glob("user:1*").text(':'), "user:1<any>");
        // Not a glob: a `*` stays what it is.
        assert_eq!(t(vec![Piece::Lit("a:*".into())]).text(':'), "a:*");
    }

    #[test]
    fn wrapper_type_paths_match_like_use_paths() {
        let v = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
        let actual = v("svc::cache::Cache");
        assert!(type_path_matches(&v("crate::cache::Cache"), &actual, true));
        assert!(!type_path_matches(
            &v("crate::cache::Cache"),
            &actual,
            false
        ));
        assert!(!type_path_matches(&v("crate::Cache"), &actual, true));
        assert!(type_path_matches(&v("svc::cache::Cache"), &actual, false));
        assert!(type_path_matches(&v("Cache"), &actual, true));
        assert!(!type_path_matches(&v("crate::store::Cache"), &actual, true));
    }

    #[test]
    fn parameters_are_substituted_or_closed() {
        let helper = t(vec![Piece::Param(0, "key".into())]);
        assert!(helper.has_param() && !helper.has_literal());
        let arg = t(vec![Piece::Lit("team:".into()), Piece::Hole("tid".into())]);
        let at_call = helper.substitute(&[Some(arg)]).expect("argument given");
        assert_eq!(at_call.text(':'), "team:<tid>");
        assert_eq!(helper.substitute(&[None]), Err(0));
        assert_eq!(helper.close().text(':'), "<key>");
    }
}
