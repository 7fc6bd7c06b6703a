//! The plain function behind every attribute: check the item, validate the arguments, and
//! return the item unchanged, preceded by one `compile_error!` per problem.

use cachelint_core::{AnnotationKind, parse_annotation};
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Token, Visibility};

/// Expands `#[kind(attr)] item`: `item` unchanged, after the errors found in `attr` and `item`.
///
/// The item is always emitted as it came, even when invalid, so that the user sees only the
/// annotation's error and not a cascade of "cannot find function" errors.
pub fn annotate(kind: AnnotationKind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Vec::new();
    if let Err(span) = check_function(item.clone()) {
        let message = format!("`#[{}]` can only be used on functions", kind.name());
        errors.push(syn::Error::new(span, message));
    }
    let (_annotation, arg_errors) = parse_annotation(kind, attr, crate::separator::configured());
    errors.extend(arg_errors);
    let mut output: TokenStream = errors.iter().map(syn::Error::to_compile_error).collect();
    output.extend(item);
    output
}

/// Whether `item` is a function: a free function, or a method in an impl or a trait (with or
/// without a body). On failure, the span to blame: the item's first token after its
/// attributes and visibility (`struct`, `const`, ...).
///
/// Only the head (qualifiers, then `fn`) and the last token (`{ .. }` or `;`) are checked; the
/// rest is not parsed at all: rustc has already parsed the item, and syn may lag behind rustc,
/// so a stricter check could reject valid functions.
fn check_function(item: TokenStream) -> Result<(), Span> {
    let first_span = item.clone().into_iter().next().map(|t| t.span());
    let mut blame = first_span.unwrap_or_else(Span::call_site);
    let parser = |input: ParseStream| -> syn::Result<bool> {
        input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        if !input.is_empty() {
            blame = input.span();
        }
        skip_qualifiers(input)?;
        if !input.peek(Token![fn]) {
            return Ok(false);
        }
        // Rest: name, generics, parameters, return type, where clause, then `{ .. }` or `;`.
        let mut last = None;
        while !input.is_empty() {
            last = Some(input.parse::<TokenTree>()?);
        }
        Ok(match last {
            Some(TokenTree::Group(group)) => group.delimiter() == proc_macro2::Delimiter::Brace,
            Some(TokenTree::Punct(punct)) => punct.as_char() == ';',
            _ => false,
        })
    };
    match parser.parse2(item) {
        Ok(true) => Ok(()),
        _ => Err(blame),
    }
}

/// `default`, `const`, `async`, `unsafe`, `safe`, `extern "abi"` before `fn`, in any order:
/// rustc has already rejected invalid orders.
fn skip_qualifiers(input: ParseStream) -> syn::Result<()> {
    loop {
        if input.peek(Token![extern]) {
            input.parse::<Token![extern]>()?;
            if input.peek(syn::LitStr) {
                input.parse::<syn::LitStr>()?;
            }
        } else if input.peek(Token![const])
            || input.peek(Token![async])
            || input.peek(Token![unsafe])
            || input.peek(Token![default])
            || input.peek(Token![safe])
        {
            input.parse::<TokenTree>()?;
        } else {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_function(src: &str) -> bool {
        check_function(src.parse().unwrap()).is_ok()
    }

    #[test]
    fn functions_are_accepted() {
        for src in [
            "fn f() {}",
            "pub(crate) async fn f<T: Clone>(x: T) -> T where T: Copy { x }",
            "/// doc\n#[inline] pub const unsafe extern \"C\" fn f() {}",
            "fn method(&self) -> u8;",
            "async fn method(&mut self) { todo!() }",
            "default fn f() {}",
            "unsafe extern fn f() {}",
        ] {
            assert!(is_function(src), "{src}");
        }
    }

    #[test]
    fn other_items_are_rejected() {
        for src in [
            "struct S;",
            "pub struct S { a: u8 }",
            "const K: &str = \"k\";",
            "mod m {}",
            "impl S { fn f() {} }",
            "trait T { fn f(); }",
            "type T = u8;",
            "fn",
            "fn f()",
            "",
            "#[x]",
            "let x = 1;",
            "macro_rules! m { () => {} }",
        ] {
            assert!(!is_function(src), "{src}");
        }
    }

    #[test]
    fn errors_come_before_the_unchanged_item() {
        let item: TokenStream = "fn f() {}".parse().unwrap();
        let output = annotate(
            AnnotationKind::Reads,
            "\"a:<\"".parse().unwrap(),
            item.clone(),
        );
        let text = output.to_string();
        assert!(text.contains("compile_error"), "{text}");
        assert!(text.ends_with(&item.to_string()), "{text}");
        let ok = annotate(
            AnnotationKind::Reads,
            "\"a:<b>\"".parse().unwrap(),
            item.clone(),
        );
        assert_eq!(ok.to_string(), item.to_string());
    }

    #[test]
    fn non_functions_get_one_error_and_stay_unchanged() {
        let item: TokenStream = "pub struct S;".parse().unwrap();
        let output = annotate(
            AnnotationKind::Writes,
            "\"k\"".parse().unwrap(),
            item.clone(),
        );
        let text = output.to_string();
        assert_eq!(text.matches("compile_error").count(), 1, "{text}");
        assert!(text.contains("can only be used on functions"), "{text}");
        assert!(text.ends_with(&item.to_string()), "{text}");
    }
}
