//! Source text → facts. The file is tokenized once; items are found by walking token trees,
//! and only small pieces (signatures, impl headers, `use` trees, struct fields) are handed to
//! syn. Function bodies are never parsed into syntax trees: calls and `let` bindings are read
//! straight off the tokens, which is cheaper than a full parse and tolerant of any syntax a
//! body may hold.

mod body;
mod nesting;
mod signature;
mod types;

use crate::facts::*;
use cachelint_core::{AnnotationKind, KeyArgValue};
use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use std::str::FromStr;

/// Per-walk settings: which file, which module, which `impl` or `trait`.
#[derive(Clone)]
struct Scope {
    file: FileId,
    sep: char,
    module: PathSegs,
    owner: Option<Owner>,
    /// Generic parameters of the enclosing `impl` or `trait`, with their bounds.
    generics: Vec<(String, Vec<PathSegs>)>,
}

/// Extracts the facts of one file whose top-level module path is `module` (crate name first).
///
/// Recursion is bounded (see [`nesting`]) but deep: run it on a thread with a large stack, as
/// the analysis does (256 MB).
pub fn extract_file(file: FileId, text: &str, module: PathSegs, sep: char) -> FileFacts {
    let mut facts = FileFacts::default();
    match TokenStream::from_str(&without_shebang(text)) {
        Ok(tokens) => {
            let trees: Vec<TokenTree> = tokens.into_iter().collect();
            let scope = Scope {
                file,
                sep,
                module,
                owner: None,
                generics: Vec::new(),
            };
            walk_items(&trees, &scope, &mut facts);
        }
        Err(err) => facts.problems.push(Problem {
            rule: "parse_error",
            message: "cannot parse this file: unbalanced delimiters or an invalid token"
                .to_string(),
            span: span_of(file, err.span()),
            allow: Vec::new(),
        }),
    }
    facts
}

pub(crate) fn span_of(file: FileId, span: Span) -> SrcSpan {
    let (start, end) = (span.start(), span.end());
    SrcSpan {
        file,
        start: Pos {
            line: start.line as u32,
            column: start.column as u32,
        },
        end: Pos {
            line: end.line as u32,
            column: end.column as u32,
        },
    }
}

fn joined(file: FileId, first: Span, last: Span) -> SrcSpan {
    let mut span = span_of(file, first);
    span.end = span_of(file, last).end;
    span
}

fn is_punct(tree: Option<&TokenTree>, ch: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

fn ident_str(tree: Option<&TokenTree>) -> Option<String> {
    match tree {
        Some(TokenTree::Ident(ident)) => Some(ident.to_string()),
        _ => None,
    }
}

fn is_group(tree: Option<&TokenTree>, delimiter: Delimiter) -> bool {
    matches!(tree, Some(TokenTree::Group(g)) if g.delimiter() == delimiter)
}

/// Whether syn parses the whole file, for `--all-files`: extraction reads only item headers,
/// so a syntax error inside a function body goes unnoticed there. Returns the `parse_error`
/// that reports the first error (or a nesting too deep to check).
pub fn check_syntax(file: FileId, text: &str) -> Option<Problem> {
    let problem = |span: Span, message: String| Problem {
        rule: "parse_error",
        message,
        span: span_of(file, span),
        allow: Vec::new(),
    };
    let tokens = match TokenStream::from_str(&without_shebang(text)) {
        Ok(tokens) => tokens,
        Err(err) => {
            let message = "cannot parse this file: unbalanced delimiters or an invalid token";
            return Some(problem(err.span(), message.to_string()));
        }
    };
    match nesting::parse::<ItemByItem>(tokens) {
        Ok(_) => None,
        Err(err) => Some(problem(
            err.span(),
            format!("cannot parse this file: {err}"),
        )),
    }
}

/// A file's syntax, checked as `syn::File` parses it but dropping each item once parsed: the
/// tree of a whole 25 MB file would take gigabytes.
struct ItemByItem;

impl syn::parse::Parse for ItemByItem {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        input.call(syn::Attribute::parse_inner)?;
        while !input.is_empty() {
            input.parse::<syn::Item>()?;
        }
        Ok(ItemByItem)
    }
}

/// `text` with a `#!` first line (a script's interpreter, which rustc skips) blanked out, so
/// lines and columns stay where they are.
fn without_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = body.strip_prefix("#!") else {
        return text.into();
    };
    // `#![attr]` is an inner attribute, not a shebang (whitespace and comments may come
    // between `#!` and `[`; rustc treats only a `[` as the start of an attribute).
    if rest.trim_start().starts_with('[') {
        return text.into();
    }
    let end = text.find('\n').unwrap_or(text.len());
    let skip = text.len() - body.len();
    let blank: String = text[skip..end].chars().map(|_| ' ').collect();
    format!("{}{blank}{}", &text[..skip], &text[end..]).into()
}

/// Walks a sequence of items (a file, an inline module, an impl or trait body).
fn walk_items(trees: &[TokenTree], scope: &Scope, facts: &mut FileFacts) {
    let Some(first) = trees.first() else { return };
    let Some(_level) = nesting::Level::enter(scope.file, first.span(), facts) else {
        return;
    };
    let mut i = 0;
    while i < trees.len() {
        i = item(trees, i, scope, facts);
    }
}

/// Reads the item starting at `i` (attributes included); returns the index after it.
fn item(trees: &[TokenTree], mut i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let mut attrs: Vec<&Group> = Vec::new();
    loop {
        match trees.get(i) {
            None => return i,
            Some(TokenTree::Punct(p)) if p.as_char() == '#' => {
                if is_punct(trees.get(i + 1), '!') {
                    i += 3; // inner attribute `#![..]`
                    continue;
                }
                if let Some(TokenTree::Group(g)) = trees.get(i + 1)
                    && g.delimiter() == Delimiter::Bracket
                {
                    attrs.push(g);
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            Some(TokenTree::Punct(p)) if p.as_char() == ';' => return i + 1,
            Some(TokenTree::Ident(ident)) => {
                let word = ident.to_string();
                match word.as_str() {
                    "pub" => {
                        i += 1;
                        if is_group(trees.get(i), Delimiter::Parenthesis) {
                            i += 1;
                        }
                    }
                    "async" | "unsafe" | "default" | "auto" | "safe" => i += 1,
                    "extern" => {
                        i += 1;
                        if matches!(trees.get(i), Some(TokenTree::Literal(_))) {
                            i += 1;
                        }
                        if is_group(trees.get(i), Delimiter::Brace) {
                            return i + 1;
                        }
                        if ident_str(trees.get(i)).as_deref() == Some("crate") {
                            return skip_item(trees, i);
                        }
                    }
                    "const"
                        if matches!(
                            ident_str(trees.get(i + 1)).as_deref(),
                            Some("fn" | "async" | "unsafe" | "extern")
                        ) =>
                    {
                        i += 1
                    }
                    "fn" => return function(trees, i, &attrs, scope, facts),
                    "impl" => return impl_block(trees, i, scope, facts),
                    "trait" => return trait_block(trees, i, scope, facts),
                    "mod" => return module(trees, i, scope, facts),
                    "struct" | "enum" | "union" => return type_def(trees, i, scope, facts),
                    "use" => return use_item(trees, i, scope, facts),
                    "const" | "static" => return const_item(trees, i, scope, facts),
                    "type" => return alias(trees, i, scope, facts),
                    "macro_rules" => {
                        // `macro_rules! name { .. }`: a definition, no calls happen here.
                        return skip_item(trees, i);
                    }
                    _ => return skip_item(trees, i),
                }
            }
            Some(_) => return skip_item(trees, i),
        }
    }
}

/// Index after the item starting at `i`: past the first `;` or `{..}` at angle depth 0.
fn item_end(trees: &[TokenTree], i: usize) -> (usize, Option<&Group>) {
    let mut depth = 0i32;
    // After the `=` of a `const`, `static` or `type`, `<` and `>` are operators or a type's
    // own brackets; only `;` (or a block) ends the item.
    let mut in_value = false;
    let mut j = i;
    while j < trees.len() {
        match &trees[j] {
            TokenTree::Punct(p) => match p.as_char() {
                '<' if !in_value => depth += 1,
                '>' if !in_value && !is_arrow(trees, j) => depth = (depth - 1).max(0),
                '=' if depth == 0
                    && p.spacing() == proc_macro2::Spacing::Alone
                    && !is_punct(trees.get(j.wrapping_sub(1)), '=') =>
                {
                    in_value = true;
                }
                ';' if depth == 0 => return (j + 1, None),
                _ => {}
            },
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && depth == 0 => {
                return (j + 1, Some(g));
            }
            _ => {}
        }
        j += 1;
    }
    (j, None)
}

/// Whether the `>` at `j` ends `->` or `=>`.
fn is_arrow(trees: &[TokenTree], j: usize) -> bool {
    j > 0
        && matches!(&trees[j - 1], TokenTree::Punct(p)
            if (p.as_char() == '-' || p.as_char() == '=') && p.spacing() == proc_macro2::Spacing::Joint)
}

fn skip_item(trees: &[TokenTree], i: usize) -> usize {
    item_end(trees, i).0.max(i + 1)
}

fn stream(trees: &[TokenTree]) -> TokenStream {
    trees.iter().cloned().collect()
}

fn with_empty_body(header: &[TokenTree]) -> TokenStream {
    let mut tokens = stream(header);
    tokens.extend([TokenTree::Group(Group::new(
        Delimiter::Brace,
        TokenStream::new(),
    ))]);
    tokens
}

/// Reports an item syn could not parse. An error at the end of the item's tokens carries the
/// call-site span, which means nothing here: it is reported at the item's first token.
fn syntax_problem(scope: &Scope, err: &syn::Error, item: Span, facts: &mut FileFacts) {
    let mut span = span_of(scope.file, err.span());
    let call_site = Pos { line: 1, column: 0 };
    if span.start == call_site && span.end == call_site {
        span = span_of(scope.file, item);
    }
    facts.problems.push(Problem {
        rule: "parse_error",
        message: format!("cannot parse this item: {err}"),
        span,
        allow: Vec::new(),
    });
}

fn function(
    trees: &[TokenTree],
    i: usize,
    attrs: &[&Group],
    scope: &Scope,
    facts: &mut FileFacts,
) -> usize {
    let (end, body) = item_end(trees, i);
    let Some(TokenTree::Ident(name)) = trees.get(i + 1) else {
        return end.max(i + 1);
    };
    let header_end = if body.is_some() {
        end - 1
    } else {
        end.saturating_sub(1).max(i + 1)
    };
    let header = &trees[i..header_end.min(trees.len())];
    // Most signatures are read off the tokens; syn reads (or rejects) the rest.
    // A header too deep for the token reader's recursion goes to syn, which rejects it.
    let read = match nesting::header_too_deep(header) {
        Some(_) => None,
        None => signature::read(header),
    };
    let sig = match read {
        Some(sig) => sig,
        None => match nesting::parse::<syn::ItemFn>(with_empty_body(header)) {
            Ok(item) => signature::from_syn(&item.sig),
            Err(err) => {
                syntax_problem(scope, &err, trees[i].span(), facts);
                return end.max(i + 1);
            }
        },
    };
    let annotations = annotations(attrs, scope, facts);
    let signature::Signature {
        params,
        ret,
        mut generics,
    } = sig;
    // The function's own generics shadow those of its `impl` or `trait`.
    for (outer, bounds) in &scope.generics {
        if !generics.iter().any(|(name, _)| name == outer) {
            generics.push((outer.clone(), bounds.clone()));
        }
    }
    let mut function = FnFact {
        file: scope.file,
        module: scope.module.clone(),
        owner: scope.owner.clone(),
        name: name.to_string(),
        name_span: span_of(scope.file, name.span()),
        annotations,
        calls: Vec::new(),
        locals: Vec::new(),
        params,
        generics,
        ret,
        body: body.map(|b| b.span().byte_range()),
    };
    if let Some(body) = body {
        // Items declared inside the body belong to the module; the function itself is not
        // their owner.
        let inner = Scope {
            owner: None,
            generics: Vec::new(),
            ..scope.clone()
        };
        body::walk_body(body, &inner, &mut function, facts);
    }
    facts.functions.push(function);
    end
}

/// The name a parameter pattern binds: `x`, `mut x`, or the one field of an extractor such as
/// `State(state)` (whose type derefs to the inner value).
pub(crate) fn binding_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => binding_name(&ts.elems[0]),
        _ => None,
    }
}

/// Reads the cachelint annotations among `attrs`; malformed ones become `invalid_key`.
fn annotations(attrs: &[&Group], scope: &Scope, facts: &mut FileFacts) -> Vec<AnnotationFact> {
    let mut out = Vec::new();
    for attr in attrs {
        let tokens: Vec<TokenTree> = attr.stream().into_iter().collect();
        let mut path_end = 0;
        let mut last_ident = None;
        while let Some(tree) = tokens.get(path_end) {
            match tree {
                TokenTree::Ident(ident) => last_ident = Some(ident.to_string()),
                TokenTree::Punct(p) if p.as_char() == ':' => {}
                _ => break,
            }
            path_end += 1;
        }
        let Some(kind) = last_ident.as_deref().and_then(AnnotationKind::from_name) else {
            continue;
        };
        let attr_span = span_of(scope.file, attr.span());
        let args = match tokens.get(path_end) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => g.stream(),
            _ => TokenStream::new(),
        };
        let (parsed, errors) = cachelint_core::parse_annotation(kind, args, scope.sep);
        let allow: Vec<String> = parsed.allow.iter().map(|(name, _)| name.clone()).collect();
        for err in errors {
            for single in err {
                let mut span = span_of(scope.file, single.span());
                // Errors about the attribute as a whole (no key at all) carry the call-site
                // span, which means nothing outside a macro: point at the attribute.
                let call_site = Pos { line: 1, column: 0 };
                if span.start.line == 0 || (span.start == call_site && span.end == call_site) {
                    span = attr_span;
                }
                facts.problems.push(Problem {
                    rule: "invalid_key",
                    message: single.to_string(),
                    span,
                    allow: allow.clone(),
                });
            }
        }
        let key_fact = |arg: &cachelint_core::KeyArg| KeyFact {
            source: match &arg.value {
                KeyArgValue::Literal(text) => KeySource::Literal(text.clone()),
                KeyArgValue::Path(path) => KeySource::Const(path.clone()),
            },
            span: span_of(scope.file, arg.span),
        };
        out.push(AnnotationFact {
            kind,
            keys: parsed.keys.iter().map(key_fact).collect(),
            ttl: parsed.ttl.map(|(d, span)| (d, span_of(scope.file, span))),
            depends_on: parsed.depends_on.iter().map(key_fact).collect(),
            tables: (parsed.tables.iter())
                .map(|(name, span)| (name.clone(), span_of(scope.file, *span)))
                .collect(),
            allow,
            span: attr_span,
        });
    }
    out
}

fn impl_block(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let (end, body) = item_end(trees, i);
    let Some(body) = body else {
        return end.max(i + 1);
    };
    let header = &trees[i..end - 1];
    let item = match nesting::parse::<syn::ItemImpl>(with_empty_body(header)) {
        Ok(item) => item,
        Err(err) => {
            syntax_problem(scope, &err, trees[i].span(), facts);
            return end;
        }
    };
    let owner = Owner {
        self_ty: Some(types::type_ref(&item.self_ty)),
        trait_path: item.trait_.as_ref().map(|t| types::path_segs(&t.0)),
    };
    let inner = Scope {
        owner: Some(owner),
        generics: types::generic_bounds(&item.generics),
        ..scope.clone()
    };
    let trees: Vec<TokenTree> = body.stream().into_iter().collect();
    walk_items(&trees, &inner, facts);
    end
}

fn trait_block(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let (end, body) = item_end(trees, i);
    let (Some(body), Some(name)) = (body, ident_str(trees.get(i + 1))) else {
        return end.max(i + 1);
    };
    facts.types.push(TypeFact {
        module: scope.module.clone(),
        name: name.clone(),
        is_trait: true,
        fields: Vec::new(),
    });
    let owner = Owner {
        self_ty: None,
        trait_path: Some(vec!["self".to_string(), name]),
    };
    let inner = Scope {
        owner: Some(owner),
        ..scope.clone()
    };
    let trees: Vec<TokenTree> = body.stream().into_iter().collect();
    walk_items(&trees, &inner, facts);
    end
}

fn module(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let (end, body) = item_end(trees, i);
    if let (Some(body), Some(name)) = (body, ident_str(trees.get(i + 1))) {
        let mut path = scope.module.clone();
        path.push(name);
        let inner = Scope {
            module: path,
            owner: None,
            generics: Vec::new(),
            ..scope.clone()
        };
        let trees: Vec<TokenTree> = body.stream().into_iter().collect();
        walk_items(&trees, &inner, facts);
    }
    end.max(i + 1)
}

fn type_def(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let (mut end, body) = item_end(trees, i);
    // A tuple struct's fields are a parenthesized group followed by `;`: item_end found it.
    if body.is_some() && is_punct(trees.get(end), ';') {
        end += 1;
    }
    let Some(name) = ident_str(trees.get(i + 1)) else {
        return end.max(i + 1);
    };
    let mut fields = Vec::new();
    if ident_str(trees.get(i)).as_deref() == Some("struct")
        && let Ok(item) = nesting::parse::<syn::ItemStruct>(stream(&trees[i..end]))
    {
        let generics = types::generic_bounds(&item.generics);
        for (index, field) in item.fields.iter().enumerate() {
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), |id| id.to_string());
            fields.push((name, types::field_type(&field.ty, &generics)));
        }
    }
    facts.types.push(TypeFact {
        module: scope.module.clone(),
        name,
        is_trait: false,
        fields,
    });
    end.max(i + 1)
}

fn use_item(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    // Up to the `;`: a `{..}` group (`use a::{b, c};`) does not end a `use`.
    let end = (i..trees.len())
        .find(|&j| is_punct(trees.get(j), ';'))
        .map_or(trees.len(), |j| j + 1);
    if let Ok(item) = nesting::parse::<syn::ItemUse>(stream(&trees[i..end])) {
        flatten_use(&item.tree, &mut Vec::new(), scope, facts);
    }
    end
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut PathSegs, scope: &Scope, facts: &mut FileFacts) {
    let mut add = |alias: Option<String>, path: PathSegs| {
        facts.uses.push(UseFact {
            module: scope.module.clone(),
            alias,
            path,
        });
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, scope, facts);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            if let Some(last) = prefix.last() {
                add(Some(last.clone()), prefix.clone());
            }
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            add(Some(n.ident.to_string()), path);
        }
        syn::UseTree::Rename(r) if r.rename != "_" => {
            // `use a::b::{self as c}` names the module `a::b`.
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            if !path.is_empty() {
                add(Some(r.rename.to_string()), path);
            }
        }
        syn::UseTree::Rename(_) => {}
        syn::UseTree::Glob(_) => add(None, prefix.clone()),
        syn::UseTree::Group(g) => {
            for item in &g.items {
                flatten_use(item, prefix, scope, facts);
            }
        }
    }
}

fn const_item(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let end = skip_item(trees, i);
    let mut j = i + 1;
    if ident_str(trees.get(j)).as_deref() == Some("mut") {
        j += 1;
    }
    let Some(TokenTree::Ident(name)) = trees.get(j) else {
        return end;
    };
    let eq = (j..end).find(|&k| {
        is_punct(trees.get(k), '=') && !is_punct(trees.get(k + 1), '>') && !is_arrow(trees, k)
    });
    let value = eq.and_then(|eq| match &trees[eq + 1..end] {
        [TokenTree::Literal(lit), TokenTree::Punct(_)] | [TokenTree::Literal(lit)] => {
            syn::parse2::<syn::LitStr>(TokenTree::Literal(lit.clone()).into())
                .ok()
                .map(|s| s.value())
        }
        _ => None,
    });
    facts.consts.push(ConstFact {
        module: scope.module.clone(),
        name: name.to_string(),
        value,
        span: joined(scope.file, trees[i].span(), trees[end - 1].span()),
    });
    end
}

fn alias(trees: &[TokenTree], i: usize, scope: &Scope, facts: &mut FileFacts) -> usize {
    let end = skip_item(trees, i);
    if let Ok(item) = nesting::parse::<syn::ItemType>(stream(&trees[i..end])) {
        facts.aliases.push(AliasFact {
            module: scope.module.clone(),
            name: item.ident.to_string(),
            target: types::type_ref(&item.ty),
        });
    }
    end
}

#[cfg(test)]
mod tests {
    #[test]
    fn tables_reach_the_annotation_fact_and_bad_names_are_invalid_keys() {
        let text = "#[reads(\"app:<id>\", tables = [\"public.Application\", \"end-point\"])]\n\
                    fn app() {}";
        let facts = super::extract_file(0, text, vec!["c".to_string()], ':');
        let tables = &facts.functions[0].annotations[0].tables;
        let names: Vec<_> = tables.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["application"]);
        let span = tables[0].1;
        assert_eq!((span.start.line, span.start.column), (1, 30));
        assert_eq!((span.end.line, span.end.column), (1, 50));
        let messages: Vec<_> = facts.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "invalid table name `end-point`: unexpected character `-`: a table name is letters, digits, `_` and `$`"
            ]
        );
        assert_eq!(facts.problems[0].rule, "invalid_key");
    }
}
