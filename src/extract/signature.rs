//! Function signatures read straight off the tokens: parameter names and types, the return
//! type and generic bounds, as [`super::types`] reads them from syn's trees. Handing every
//! signature to syn cost more than tokenizing the whole file; a test checks both readings agree.

use super::types::{self, FALLIBLE, TRANSPARENT};
use crate::facts::{PathSegs, TypeRef};
use proc_macro2::{Delimiter, Spacing, TokenTree};

/// What resolution needs of a signature.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    /// Named parameters with their types; `self` left out.
    pub params: Vec<(String, TypeRef)>,
    pub ret: Option<TypeRef>,
    /// Generic parameters with their trait bounds, `where` clauses merged in.
    pub generics: Vec<(String, Vec<PathSegs>)>,
}

fn punct(tree: Option<&TokenTree>, ch: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

fn ident(tree: Option<&TokenTree>) -> Option<String> {
    match tree {
        Some(TokenTree::Ident(i)) => Some(i.to_string()),
        _ => None,
    }
}

/// Reads `fn name<..>(..) -> T where ..` (the tokens from `fn` up to the body). `None` when
/// the tokens are not a signature.
pub fn read(header: &[TokenTree]) -> Option<Signature> {
    if ident(header.first()).as_deref() != Some("fn") || ident(header.get(1)).is_none() {
        return None;
    }
    let mut i = 2;
    let mut signature = Signature::default();
    if punct(header.get(i), '<') {
        let end = close_angle(header, i)?;
        signature.generics = generic_params(&header[i + 1..end - 1]);
        i = end;
    }
    let Some(TokenTree::Group(params)) = header.get(i) else {
        return None;
    };
    if params.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let params: Vec<TokenTree> = params.stream().into_iter().collect();
    for param in split(&params, ',') {
        match single_colon(param) {
            // A parameter with no type is a syntax error: let syn say so.
            Some(colon) if colon + 1 == param.len() => return None,
            Some(colon) => {
                if let Some(name) = binding(&param[..colon]) {
                    signature.params.push((name, type_ref(&param[colon + 1..])));
                }
            }
            None if is_receiver(param) => {}
            None => return None,
        }
    }
    i += 1;
    let where_at = (i..header.len()).find(|&k| ident(header.get(k)).as_deref() == Some("where"));
    let ret_end = where_at.unwrap_or(header.len());
    if punct(header.get(i), '-') && punct(header.get(i + 1), '>') {
        if i + 2 >= ret_end {
            return None;
        }
        signature.ret = Some(type_ref(&header[i + 2..ret_end]));
    } else if i != ret_end {
        return None;
    }
    if let Some(at) = where_at {
        for predicate in split(&header[at + 1..], ',') {
            if let Some(colon) = single_colon(predicate)
                && let [TokenTree::Ident(name)] = &predicate[..colon]
            {
                let bounds = bounds(&predicate[colon + 1..]);
                let name = name.to_string();
                match signature.generics.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, existing)) => existing.extend(bounds),
                    None => signature.generics.push((name, bounds)),
                }
            }
        }
    }
    Some(signature)
}

/// `self`, `&self`, `&'a mut self`, `mut self`.
fn is_receiver(param: &[TokenTree]) -> bool {
    matches!(param.last(), Some(TokenTree::Ident(s)) if s == "self")
        && param[..param.len() - 1].iter().all(|t| match t {
            TokenTree::Punct(p) => matches!(p.as_char(), '&' | '\''),
            TokenTree::Ident(w) => w == "mut" || param.iter().any(|q| punct(Some(q), '\'')),
            _ => false,
        })
}

/// The same facts from syn's reading of a signature, for headers the token reader declines.
pub fn from_syn(sig: &syn::Signature) -> Signature {
    let params = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(pt) => {
                super::binding_name(&pt.pat).map(|n| (n, types::type_ref(&pt.ty)))
            }
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let ret = match &sig.output {
        syn::ReturnType::Type(_, ty) => Some(types::type_ref(ty)),
        syn::ReturnType::Default => None,
    };
    Signature {
        params,
        ret,
        generics: types::generic_bounds(&sig.generics),
    }
}

/// The name a parameter pattern binds: `x`, `mut x`, or the one field of an extractor such as
/// `State(state)`. `None` for `self` and for other patterns.
fn binding(pattern: &[TokenTree]) -> Option<String> {
    match pattern {
        [TokenTree::Ident(name)] if name != "self" => Some(name.to_string()),
        [TokenTree::Ident(m), TokenTree::Ident(name)] if m == "mut" && name != "self" => {
            Some(name.to_string())
        }
        [TokenTree::Ident(_), TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            binding(&inner)
        }
        _ => None,
    }
}

/// What a written type means for method calls on its values (see [`super::types::type_ref`]).
pub fn type_ref(tokens: &[TokenTree]) -> TypeRef {
    let mut i = 0;
    loop {
        match tokens.get(i) {
            Some(TokenTree::Punct(p)) if matches!(p.as_char(), '&' | '*') => i += 1,
            Some(TokenTree::Punct(p)) if p.as_char() == '\'' => i += 2,
            Some(TokenTree::Ident(w)) if w == "mut" || w == "const" => i += 1,
            _ => break,
        }
    }
    let rest = &tokens[i.min(tokens.len())..];
    match rest.first() {
        Some(TokenTree::Ident(w)) if w == "dyn" || w == "impl" => {
            TypeRef::Traits(bounds(&rest[1..]))
        }
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            match split(&inner, ',').as_slice() {
                [only] if rest.len() == 1 && !only.is_empty() && !ends_with_comma(&inner) => {
                    type_ref(only)
                }
                _ => TypeRef::Other,
            }
        }
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::None => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            type_ref(&inner)
        }
        Some(TokenTree::Ident(w))
            if matches!(w.to_string().as_str(), "fn" | "unsafe" | "extern") =>
        {
            TypeRef::Other
        }
        Some(TokenTree::Ident(_)) => path_type(rest),
        Some(TokenTree::Punct(p)) if p.as_char() == ':' => path_type(&rest[2.min(rest.len())..]),
        _ => TypeRef::Other,
    }
}

fn ends_with_comma(tokens: &[TokenTree]) -> bool {
    punct(tokens.last(), ',')
}

/// A path type: segments, and the generic arguments of the last one.
fn path_type(tokens: &[TokenTree]) -> TypeRef {
    let (segs, args, end) = path(tokens);
    if segs.is_empty() || end != tokens.len() {
        return TypeRef::Other;
    }
    if segs.len() == 1 && segs[0] == "Self" {
        return TypeRef::SelfType;
    }
    let last = segs.last().map(String::as_str).unwrap_or("");
    if let Some(inner) = args.and_then(first_type_arg) {
        if TRANSPARENT.contains(&last) {
            return type_ref(inner);
        }
        if FALLIBLE.contains(&last) {
            return TypeRef::Fallible(Box::new(type_ref(inner)));
        }
    }
    TypeRef::Path(segs)
}

/// Reads `a::b<..>::c<..>`: the segments, the last segment's generic arguments (without the
/// brackets) and the index after the path.
fn path(tokens: &[TokenTree]) -> (PathSegs, Option<&[TokenTree]>, usize) {
    let mut segs = Vec::new();
    let mut args = None;
    let mut i = 0;
    while let Some(TokenTree::Ident(name)) = tokens.get(i) {
        segs.push(name.to_string());
        args = None;
        i += 1;
        if punct(tokens.get(i), ':') && punct(tokens.get(i + 1), ':') {
            i += 2;
        }
        if punct(tokens.get(i), '<') {
            let Some(end) = close_angle(tokens, i) else {
                return (segs, None, tokens.len() + 1);
            };
            args = Some(&tokens[i + 1..end - 1]);
            i = end;
            if punct(tokens.get(i), ':') && punct(tokens.get(i + 1), ':') {
                i += 2;
            }
        } else if let Some(TokenTree::Group(g)) = tokens.get(i)
            && g.delimiter() == Delimiter::Parenthesis
        {
            // `Fn(A) -> B`: a trait's sugar, not a type path to follow further.
            i += 1;
            if punct(tokens.get(i), '-') && punct(tokens.get(i + 1), '>') {
                i = tokens.len();
            }
        }
    }
    (segs, args, i)
}

/// The first argument in `<..>` that is a type (not a lifetime, binding or constant).
fn first_type_arg(args: &[TokenTree]) -> Option<&[TokenTree]> {
    split(args, ',').into_iter().find(|arg| {
        !arg.is_empty()
            && !punct(arg.first(), '\'')
            && !matches!(arg.first(), Some(TokenTree::Literal(_)))
            && !matches!(arg.first(), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace)
            && !is_binding(arg)
    })
}

/// `Item = T` inside generic arguments.
fn is_binding(arg: &[TokenTree]) -> bool {
    arg.len() > 1 && punct(arg.get(1), '=') && !punct(arg.get(2), '=')
}

/// The trait paths among `A + B<..> + 'a + ?Sized`.
fn bounds(tokens: &[TokenTree]) -> Vec<PathSegs> {
    split(tokens, '+')
        .into_iter()
        .filter_map(|bound| {
            let mut bound = bound;
            if let Some(TokenTree::Group(g)) = bound.first()
                && g.delimiter() == Delimiter::Parenthesis
                && bound.len() == 1
            {
                return bounds(&g.stream().into_iter().collect::<Vec<_>>())
                    .into_iter()
                    .next();
            }
            if punct(bound.first(), '?') || punct(bound.first(), '\'') {
                return None;
            }
            if ident(bound.first()).as_deref() == Some("for") && punct(bound.get(1), '<') {
                let end = close_angle(bound, 1)?;
                bound = &bound[end..];
            }
            if punct(bound.first(), ':') {
                bound = &bound[2.min(bound.len())..];
            }
            let (segs, _, _) = path(bound);
            (!segs.is_empty()).then_some(segs)
        })
        .collect()
}

/// `<T: A + B, 'a, const N: usize, U = X>` (without brackets) → type parameters and bounds.
fn generic_params(tokens: &[TokenTree]) -> Vec<(String, Vec<PathSegs>)> {
    split(tokens, ',')
        .into_iter()
        .filter_map(|param| {
            let TokenTree::Ident(name) = param.first()? else {
                return None;
            };
            if name == "const" {
                return None;
            }
            let end = (1..param.len())
                .find(|&k| punct(param.get(k), '='))
                .unwrap_or(param.len());
            let bounds = if punct(param.get(1), ':') {
                bounds(&param[2..end])
            } else {
                Vec::new()
            };
            Some((name.to_string(), bounds))
        })
        .collect()
}

/// Index after the `>` matching the `<` at `open` (`->` and `=>` are not brackets).
fn close_angle(tokens: &[TokenTree], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (k, tree) in tokens.iter().enumerate().skip(open) {
        if let TokenTree::Punct(p) = tree {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !is_arrow(tokens, k) => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(k + 1);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

fn is_arrow(tokens: &[TokenTree], k: usize) -> bool {
    k > 0
        && matches!(&tokens[k - 1], TokenTree::Punct(p)
            if matches!(p.as_char(), '-' | '=') && p.spacing() == Spacing::Joint)
}

/// The index of a lone `:` at angle depth 0 (not half of `::`).
fn single_colon(tokens: &[TokenTree]) -> Option<usize> {
    let mut depth = 0i32;
    for (k, tree) in tokens.iter().enumerate() {
        if let TokenTree::Punct(p) = tree {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !is_arrow(tokens, k) => depth -= 1,
                ':' if depth == 0 => {
                    let joined_before = k > 0 && punct(tokens.get(k - 1), ':');
                    if p.spacing() == Spacing::Alone && !joined_before {
                        return Some(k);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Splits at `sep` outside angle brackets; a trailing separator makes no empty last part.
fn split(tokens: &[TokenTree], sep: char) -> Vec<&[TokenTree]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (k, tree) in tokens.iter().enumerate() {
        if let TokenTree::Punct(p) = tree {
            match p.as_char() {
                '<' => depth += 1,
                '>' if !is_arrow(tokens, k) => depth -= 1,
                c if c == sep && depth <= 0 => {
                    parts.push(&tokens[start..k]);
                    start = k + 1;
                }
                _ => {}
            }
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The syn-based reading of the same signature.
    fn by_syn(text: &str) -> Signature {
        let item: syn::ItemFn = syn::parse_str(&format!("{text} {{}}")).expect("valid signature");
        from_syn(&item.sig)
    }

    fn by_tokens(text: &str) -> Option<Signature> {
        let tokens: Vec<TokenTree> = text
            .parse::<proc_macro2::TokenStream>()
            .ok()?
            .into_iter()
            .collect();
        read(&tokens)
    }

    #[test]
    fn token_reading_agrees_with_syn() {
        for text in [
            "fn f()",
            "fn f(&self, id: u64) -> Option<String>",
            "fn f(&mut self, cache: &Cache, svc: Arc<Service>) -> Result<User, Error>",
            "fn f<S: Store + Send, T>(store: &S, t: T) -> impl Iterator<Item = u8>",
            "fn f<'a, S>(s: &'a mut S, n: usize) where S: Store + 'a, T: Clone",
            "fn f(State(state): State<AppState>, mut x: Box<dyn Store + Send>)",
            "fn f(self: Box<Self>, x: crate::db::Pool, y: ::std::sync::Arc<Mutex<Cache>>) -> Self",
            "fn f(pair: (u8, u8), cb: fn(u8) -> u8, s: &[u8], f: impl Fn(u8) -> u8)",
            "fn f(x: <T as Trait>::Assoc, y: Vec<Cache>, z: Option<&Cache>) -> Result<(), E>",
            "fn f<const N: usize, T: for<'a> Fn(&'a u8) = X>(a: [u8; N], t: T)",
            "fn f(r: Result<Arc<Cache>, std::io::Error>, c: Cow<'static, str>) -> (u8)",
        ] {
            assert_eq!(by_tokens(text), Some(by_syn(text)), "{text}");
        }
    }

    #[test]
    fn declines_what_is_not_a_signature() {
        for text in [
            "fn f(id: ) -> u8",
            "fn f(id) -> u8",
            "fn f() ->",
            "fn f() u8",
            "fn (x: u8)",
        ] {
            assert_eq!(by_tokens(text), None, "{text}");
        }
        let receivers = by_tokens("fn f(&'a mut self, x: u8)").expect("a signature");
        assert_eq!(receivers.params.len(), 1);
    }
}
