//! Function bodies, read off the tokens: calls (in closures, async blocks and macro arguments
//! too), `let` bindings for receiver types, and items declared inside the body.

use super::{Scope, ident_str, is_punct, item, joined, nesting, span_of, types};
use crate::facts::*;
use proc_macro2::{Delimiter, Group, TokenTree};

/// Keywords that never start a path expression.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "union", "unsafe", "use",
    "where", "while", "yield",
];

/// Keywords that start an item when they begin a statement.
const ITEM_KEYWORDS: &[&str] = &[
    "fn", "struct", "enum", "impl", "trait", "mod", "use", "static",
];

/// Types whose `new`/`clone`/`from` wrap a value that method calls reach through.
const WRAPPERS: &[&str] = &[
    "Arc", "Box", "Cell", "Mutex", "Pin", "Rc", "RefCell", "RwLock",
];

/// Longest receiver chain recorded (`a.b().c?.d()`); resolution stops well before.
const MAX_RECEIVER_LINKS: usize = 32;

/// Longest `<..>` (in token trees) read as generic arguments.
const MAX_GENERICS_TOKENS: usize = 64;

/// Methods that take the value out of an `Option` or `Result`.
const UNWRAPPERS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "unwrap_unchecked",
];

struct Walker<'a> {
    scope: &'a Scope,
    function: &'a mut FnFact,
    facts: &'a mut FileFacts,
    order: u32,
    /// Inside a macro's arguments: calls count, but what looks like an item is the macro's
    /// own syntax (`quote! { impl #generics Trait for #name { .. } }`), not an item.
    in_macro: u32,
}

/// Records every call and `let` in `body` into `function`.
pub(super) fn walk_body(body: &Group, scope: &Scope, function: &mut FnFact, facts: &mut FileFacts) {
    let mut walker = Walker {
        scope,
        function,
        facts,
        order: 0,
        in_macro: 0,
    };
    walker.sequence(body);
}

impl Walker<'_> {
    fn next_order(&mut self) -> u32 {
        self.order += 1;
        self.order
    }

    fn sequence(&mut self, group: &Group) {
        let Some(_level) = nesting::Level::enter(self.scope.file, group.span(), self.facts) else {
            return;
        };
        let trees: Vec<TokenTree> = group.stream().into_iter().collect();
        self.statements(&trees, 0, group.delimiter() == Delimiter::Brace);
    }

    /// Walks `trees` from `i`: statements, items, `let`s, and expressions.
    fn statements(&mut self, trees: &[TokenTree], mut i: usize, mut statement_start: bool) {
        while i < trees.len() {
            let starts = statement_start;
            statement_start = false;
            match &trees[i] {
                TokenTree::Punct(p) if p.as_char() == ';' => {
                    statement_start = true;
                    i += 1;
                }
                TokenTree::Punct(p) if p.as_char() == '#' && starts => {
                    // An attribute on a statement or item: skip `#[..]`, still at its start.
                    i += if is_punct(trees.get(i + 1), '!') {
                        3
                    } else {
                        2
                    };
                    statement_start = true;
                }
                TokenTree::Ident(ident)
                    if starts && self.in_macro == 0 && self.starts_item(trees, i, ident) =>
                {
                    i = item(trees, i, self.scope, self.facts);
                    statement_start = true;
                }
                TokenTree::Ident(ident) if *ident == "let" => i = self.let_binding(trees, i + 1),
                TokenTree::Group(g) => {
                    self.sequence(g);
                    statement_start = g.delimiter() == Delimiter::Brace;
                    i += 1;
                }
                _ => match self.chain(trees, i) {
                    Some((_, next)) => i = next,
                    None => i += 1,
                },
            }
        }
    }

    fn starts_item(&self, trees: &[TokenTree], i: usize, ident: &proc_macro2::Ident) -> bool {
        let word = ident.to_string();
        if word == "const" {
            // `const fn` or `const NAME: T = ..;`, not a `const { .. }` block.
            return matches!(trees.get(i + 1), Some(TokenTree::Ident(_)));
        }
        if word == "pub" || word == "macro_rules" {
            return true;
        }
        ITEM_KEYWORDS.contains(&word.as_str())
            && (word != "fn" || matches!(trees.get(i + 1), Some(TokenTree::Ident(_))))
            && (word != "static" || !is_punct(trees.get(i + 1), '|'))
    }

    /// `let PAT (: TYPE)? = EXPR` (also `if let`, `while let`, `let .. else`): records
    /// bindings of a plain name, and of `Some(name)` / `Ok(name)` (the unwrapped value);
    /// returns where the walk goes on.
    fn let_binding(&mut self, trees: &[TokenTree], mut i: usize) -> usize {
        if ident_str(trees.get(i)).as_deref() == Some("mut") {
            i += 1;
        }
        let mut unwrapped = false;
        let name = match (trees.get(i), trees.get(i + 1)) {
            (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(p)))
                if matches!(p.as_char(), ':' | '=' | ';') =>
            {
                Some(name.to_string())
            }
            (Some(TokenTree::Ident(variant)), Some(TokenTree::Group(g)))
                if (*variant == "Some" || *variant == "Ok")
                    && g.delimiter() == Delimiter::Parenthesis
                    && is_punct(trees.get(i + 2), '=') =>
            {
                unwrapped = true;
                single_binding(g)
            }
            _ => None,
        };
        let Some(name) = name else { return i };
        i += if unwrapped { 2 } else { 1 };
        let mut declared = None;
        if is_punct(trees.get(i), ':') {
            let start = i + 1;
            let mut depth = 0i32;
            let mut j = start;
            while let Some(tree) = trees.get(j) {
                match tree {
                    TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
                    TokenTree::Punct(p) if p.as_char() == '>' => depth -= 1,
                    TokenTree::Punct(p) if matches!(p.as_char(), '=' | ';') && depth <= 0 => break,
                    _ => {}
                }
                j += 1;
            }
            let tokens: proc_macro2::TokenStream = trees[start..j].iter().cloned().collect();
            declared = nesting::parse::<syn::Type>(tokens)
                .ok()
                .map(|ty| types::type_ref(&ty));
            i = j;
        }
        let mut value = declared.map(ValueExpr::Typed);
        if is_punct(trees.get(i), '=') {
            i += 1;
            if let Some((init, next)) = self.chain(trees, i) {
                value.get_or_insert(init);
                i = next;
            }
        }
        let order = self.next_order();
        let mut value = value.unwrap_or(ValueExpr::Unknown);
        if unwrapped && value != ValueExpr::Unknown {
            value = ValueExpr::Unwrapped(Box::new(value));
        }
        self.function.locals.push(LocalFact { name, value, order });
        i
    }

    /// Reads a primary expression and its postfix chain (`.field`, `.method(..)`, `?`,
    /// `.await`), recording the calls in it. Returns its value and the index after it.
    fn chain(&mut self, trees: &[TokenTree], i: usize) -> Option<(ValueExpr, usize)> {
        let _level = nesting::Level::enter(self.scope.file, trees.get(i)?.span(), self.facts)?;
        let (mut value, mut i) = self.primary(trees, i)?;
        let mut links = 0;
        loop {
            // Resolution gives up on receivers a dozen links deep; cloning ever longer ones
            // into each call would cost quadratic time on a long chain.
            links += 1;
            if links > MAX_RECEIVER_LINKS {
                (value, links) = (ValueExpr::Unknown, 0);
            }
            if is_punct(trees.get(i), '?') {
                value = ValueExpr::Unwrapped(Box::new(value));
                i += 1;
                continue;
            }
            if !is_punct(trees.get(i), '.') || is_punct(trees.get(i + 1), '.') {
                break;
            }
            match trees.get(i + 1) {
                Some(TokenTree::Ident(name)) if *name == "await" => i += 2,
                Some(TokenTree::Ident(name)) => {
                    let mut args = i + 2;
                    if is_punct(trees.get(args), ':') && is_punct(trees.get(args + 1), ':') {
                        args = skip_generics(trees, args + 2);
                    }
                    match trees.get(args) {
                        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                            let method = name.to_string();
                            let span = span_of(self.scope.file, name.span());
                            let order = self.next_order();
                            self.function.calls.push(CallFact {
                                target: CallTarget::Method {
                                    receiver: value.clone(),
                                    name: method.clone(),
                                },
                                span,
                                order,
                            });
                            self.sequence(g);
                            value = if UNWRAPPERS.contains(&method.as_str()) {
                                ValueExpr::Unwrapped(Box::new(value))
                            } else {
                                ValueExpr::MethodCall(Box::new(value), method)
                            };
                            i = args + 1;
                        }
                        _ => {
                            value = ValueExpr::Field(Box::new(value), name.to_string());
                            i += 2;
                        }
                    }
                }
                Some(TokenTree::Literal(lit)) => {
                    value = ValueExpr::Field(Box::new(value), lit.to_string());
                    i += 2;
                }
                _ => break,
            }
        }
        Some((value, i))
    }

    fn primary(&mut self, trees: &[TokenTree], i: usize) -> Option<(ValueExpr, usize)> {
        match trees.get(i)? {
            TokenTree::Ident(ident) if *ident == "self" && !is_path_sep(trees, i + 1) => {
                Some((ValueExpr::SelfValue, i + 1))
            }
            TokenTree::Ident(ident) if *ident == "crate" && is_path_sep(trees, i + 1) => {
                self.path_expr(trees, i)
            }
            TokenTree::Ident(ident) if KEYWORDS.contains(&ident.to_string().as_str()) => None,
            TokenTree::Ident(_) => self.path_expr(trees, i),
            TokenTree::Punct(p) if p.as_char() == ':' && is_path_sep(trees, i) => {
                self.path_expr(trees, i + 2)
            }
            TokenTree::Punct(p) if p.as_char() == '<' => self.qualified_path(trees, i),
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                self.sequence(g);
                Some((ValueExpr::Unknown, i + 1))
            }
            // `&x`, `&mut x`, `*x`: the same value as far as method calls go (references and
            // smart pointers are peeled from types too).
            TokenTree::Punct(p) if matches!(p.as_char(), '&' | '*') => {
                // A loop, not a recursion: `&&&&..x` may be millions of tokens long.
                let mut next = i;
                while is_punct(trees.get(next), '&') || is_punct(trees.get(next), '*') {
                    next += 1;
                    if ident_str(trees.get(next)).as_deref() == Some("mut") {
                        next += 1;
                    }
                }
                self.primary(trees, next)
            }
            _ => None,
        }
    }

    /// `<T as Trait>::f(..)` is read as `T::f(..)`.
    fn qualified_path(&mut self, trees: &[TokenTree], i: usize) -> Option<(ValueExpr, usize)> {
        let close = skip_generics(trees, i);
        if close == i || !is_path_sep(trees, close) {
            return None;
        }
        let as_at = (i + 1..close).find(|&k| ident_str(trees.get(k)).as_deref() == Some("as"));
        let self_end = as_at.unwrap_or(close - 1);
        let inner: proc_macro2::TokenStream = trees[i + 1..self_end].iter().cloned().collect();
        let qself = nesting::parse::<syn::Type>(inner).ok();
        let (value, next) = self.path_expr(trees, close + 2)?;
        let Some(syn::Type::Path(tp)) = qself else {
            return Some((value, next));
        };
        Some((value, next)).map(|(value, next)| match value {
            ValueExpr::Call(mut segs) if segs.len() == 1 => {
                let mut full = types::path_segs(&tp.path);
                full.append(&mut segs);
                if let Some(call) = self.function.calls.last_mut()
                    && let CallTarget::Path(p) = &mut call.target
                {
                    p.clone_from(&full);
                }
                (ValueExpr::Call(full), next)
            }
            other => (other, next),
        })
    }

    /// A path, then a call `(..)`, a macro `!(..)`, a struct literal `{..}`, or a name.
    fn path_expr(&mut self, trees: &[TokenTree], start: usize) -> Option<(ValueExpr, usize)> {
        let mut segs = Vec::new();
        let mut i = start;
        while let Some(TokenTree::Ident(ident)) = trees.get(i) {
            segs.push(ident.to_string());
            i += 1;
            if !is_path_sep(trees, i) {
                break;
            }
            i += 2;
            if is_punct(trees.get(i), '<') {
                i = skip_generics(trees, i);
                if !is_path_sep(trees, i) {
                    break;
                }
                i += 2;
            }
        }
        if segs.is_empty() {
            return None;
        }
        if is_punct(trees.get(i), '!') && !is_punct(trees.get(i + 1), '=') {
            return Some((ValueExpr::Unknown, self.macro_call(trees, &segs, i + 1)));
        }
        match trees.get(i) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                let span = joined(self.scope.file, trees[start].span(), trees[i - 1].span());
                let order = self.next_order();
                self.function.calls.push(CallFact {
                    target: CallTarget::Path(segs.clone()),
                    span,
                    order,
                });
                let value = match self.wrapped_argument(&segs, g) {
                    Some(Some(inner)) => inner,
                    Some(None) => ValueExpr::Call(segs),
                    None => {
                        self.sequence(g);
                        ValueExpr::Call(segs)
                    }
                };
                Some((value, i + 1))
            }
            Some(TokenTree::Group(g))
                if g.delimiter() == Delimiter::Brace
                    && segs
                        .last()
                        .is_some_and(|s| s.starts_with(char::is_uppercase)) =>
            {
                self.sequence(g);
                Some((ValueExpr::StructLit(segs), i + 1))
            }
            _ if segs.len() == 1 => Some((ValueExpr::Name(segs.remove(0)), i)),
            _ => {
                // A function passed by path (`.for_each(Self::evict)`, `retry(store::clear)`)
                // runs where it is passed: recorded as a call. Constants and enum variants
                // resolve to no function, so they add nothing. A bare name is not recorded:
                // it is far more often a variable than a function.
                let span = joined(self.scope.file, trees[start].span(), trees[i - 1].span());
                let order = self.next_order();
                self.function.calls.push(CallFact {
                    target: CallTarget::Path(segs),
                    span,
                    order,
                });
                Some((ValueExpr::Unknown, i))
            }
        }
    }

    /// `Arc::new(x)`, `Arc::clone(&x)`, `Box::new(x)` and the like hand back `x` as far as
    /// method calls go (the wrappers are peeled from types too). `None` when the call is no
    /// such wrapper; otherwise the arguments are walked, and `x`'s value is returned when it
    /// is the one argument.
    fn wrapped_argument(&mut self, segs: &[String], args: &Group) -> Option<Option<ValueExpr>> {
        let [.., wrapper, function] = segs else {
            return None;
        };
        if !WRAPPERS.contains(&wrapper.as_str())
            || !matches!(function.as_str(), "new" | "clone" | "from" | "pin")
        {
            return None;
        }
        let trees: Vec<TokenTree> = args.stream().into_iter().collect();
        let Some((value, next)) = self.chain(&trees, 0) else {
            self.statements(&trees, 0, false);
            return Some(None);
        };
        self.statements(&trees, next, false);
        Some((next == trees.len()).then_some(value))
    }

    /// `name!(..)`: the arguments of ordinary macros (`join!`, `format!`, `vec!`) are
    /// expressions, so calls inside them count. `macro_rules!` definitions are skipped.
    fn macro_call(&mut self, trees: &[TokenTree], segs: &[String], i: usize) -> usize {
        if segs == ["macro_rules"] {
            return i + 2;
        }
        match trees.get(i) {
            Some(TokenTree::Group(g)) => {
                self.in_macro += 1;
                self.sequence(g);
                self.in_macro -= 1;
                i + 1
            }
            _ => i,
        }
    }
}

/// The name a one-binding pattern group binds: `(x)`, `(mut x)`, `(ref x)`.
fn single_binding(group: &Group) -> Option<String> {
    let trees: Vec<TokenTree> = group.stream().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Ident(name)] => Some(name.to_string()),
        [TokenTree::Ident(by), TokenTree::Ident(name)] if *by == "mut" || *by == "ref" => {
            Some(name.to_string())
        }
        _ => None,
    }
}

fn is_path_sep(trees: &[TokenTree], i: usize) -> bool {
    is_punct(trees.get(i), ':')
        && is_punct(trees.get(i + 1), ':')
        && matches!(&trees[i], TokenTree::Punct(p) if p.spacing() == proc_macro2::Spacing::Joint)
}

/// Index after the `<..>` starting at `i` (or `i` when there is none).
fn skip_generics(trees: &[TokenTree], i: usize) -> usize {
    if !is_punct(trees.get(i), '<') {
        return i;
    }
    let mut depth = 0i32;
    let mut j = i;
    // Generic arguments are short; an unclosed `<` (a comparison) is not scanned to the end
    // of the block, which a run of `a < b < c ..` would make quadratic.
    let limit = trees.len().min(i + MAX_GENERICS_TOKENS);
    while let Some(tree) = trees[..limit].get(j) {
        if let TokenTree::Punct(p) = tree {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !(j > 0 && is_punct(trees.get(j - 1), '-')) => {
                    depth -= 1;
                    if depth == 0 {
                        return j + 1;
                    }
                }
                _ => {}
            }
        }
        j += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    #[test]
    fn item_syntax_inside_macro_arguments_is_not_an_item() {
        let text = "fn derive() { let t = quote! { impl #g Trait for #name #w { fn f() {} } }; \
                    helper(vec![struct_like!()]); }";
        let facts = super::super::extract_file(0, text, vec!["c".to_string()], ':');
        assert!(facts.problems.is_empty(), "{:?}", facts.problems);
        let calls: Vec<_> = facts.functions[0]
            .calls
            .iter()
            .map(|c| format!("{:?}", c.target))
            .collect();
        assert!(calls.iter().any(|c| c.contains("helper")), "{calls:?}");
    }
}
