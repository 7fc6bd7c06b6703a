//! Key constants named in annotations, resolved and evaluated by the model: module consts and
//! statics, associated consts (`Self::KEY`, `Cache::KEY`), consts of other workspace crates,
//! and values built by `concat!` or from other consts.

use crate::facts::{FnFact, KeySource, SrcSpan};
use ra_ap_hir::{self as hir, ModuleDef, PathResolution, Semantics};
use ra_ap_ide_db::RootDatabase;
use ra_ap_syntax::AstNode;
use std::collections::HashMap;

/// The value of every constant path in the annotations of `functions` the model loaded, by the
/// span of the path. Functions the model did not load are left out (their constants are
/// resolved syntactically).
pub(super) fn key_constants(
    sema: &Semantics<'_, RootDatabase>,
    db: &RootDatabase,
    functions: &[&FnFact],
    hir_of: &HashMap<usize, hir::Function>,
) -> Vec<(SrcSpan, Result<String, String>)> {
    let mut out = Vec::new();
    for (id, function) in functions.iter().enumerate() {
        let paths: Vec<_> = function
            .annotations
            .iter()
            .flat_map(|a| a.keys.iter().chain(&a.depends_on))
            .filter_map(|k| match &k.source {
                KeySource::Const(path) => Some((k.span, path.join("::"))),
                KeySource::Literal(_) => None,
            })
            .collect();
        if paths.is_empty() {
            continue;
        }
        let Some(&f) = hir_of.get(&id) else { continue };
        let Some(source) = sema.source(f) else {
            continue;
        };
        let Some(scope) = sema.scope(source.value.syntax()) else {
            continue;
        };
        for (span, text) in paths {
            let value = super::quiet_panics(|| {
                let path = ra_ap_syntax::ast::make::path_from_text(&text);
                let resolved = scope
                    .speculative_resolve(&path)
                    .or_else(|| associated_const(&scope, db, &path));
                match resolved {
                    Some(PathResolution::Def(ModuleDef::Const(c))) => {
                        string_value(c.eval(db).map(|v| v.render(db, target(db, f))), &text)
                    }
                    Some(PathResolution::Def(ModuleDef::Static(s))) => {
                        string_value(s.eval(db).map(|v| v.render(db, target(db, f))), &text)
                    }
                    Some(_) => Err(format!("`{text}` is not a constant")),
                    None => Err(format!(
                        "cannot resolve key constant `{text}` in the analyzed code"
                    )),
                }
            })
            .unwrap_or_else(|why| Err(format!("cannot evaluate `{text}`: {why}")));
            out.push((span, value));
        }
    }
    out
}

/// `Type::KEY` or `Self::KEY`: a const of the type's inherent impls, which path resolution
/// alone leaves to type inference.
fn associated_const<'db>(
    scope: &hir::SemanticsScope<'db>,
    db: &'db RootDatabase,
    path: &ra_ap_syntax::ast::Path,
) -> Option<PathResolution<'db>> {
    let name = path.segment()?.name_ref()?.text().to_string();
    let ty = match scope.speculative_resolve(&path.qualifier()?)? {
        PathResolution::SelfType(imp) => imp.self_ty(db),
        PathResolution::Def(ModuleDef::Adt(adt)) => adt.ty(db),
        _ => return None,
    };
    hir::Impl::all_for_type(db, ty)
        .into_iter()
        .filter(|imp| imp.trait_(db).is_none())
        .flat_map(|imp| imp.items(db))
        .find_map(|item| match item {
            hir::AssocItem::Const(c) if c.name(db).is_some_and(|n| n.as_str() == name) => {
                Some(PathResolution::Def(ModuleDef::Const(c)))
            }
            _ => None,
        })
}

fn target(db: &RootDatabase, f: hir::Function) -> hir::DisplayTarget {
    f.module(db).krate(db).to_display_target(db)
}

/// A rendered constant (`"user:<id>"`, Debug-escaped) as the string it holds.
fn string_value<E: std::fmt::Debug>(
    rendered: Result<String, E>,
    text: &str,
) -> Result<String, String> {
    let rendered = rendered.map_err(|_| format!("cannot evaluate key constant `{text}`"))?;
    let inner = rendered
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(|| format!("key constant `{text}` is not a string (it is `{rendered}`)"))?;
    unescape(inner).ok_or_else(|| format!("cannot read the value of key constant `{text}`"))
}

/// Undoes Rust's `{:?}` escaping of a string.
fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn debug_escapes_round_trip() {
        for s in [
            "user:<id>",
            "a\"b",
            "tab\there",
            "é🦀",
            "back\\slash",
            "nul\0",
        ] {
            assert_eq!(
                unescape(format!("{s:?}").trim_matches('"')).as_deref(),
                Some(s)
            );
        }
    }
}
