//! syn types and signatures → the small facts method resolution needs.

use crate::facts::{PathSegs, TypeRef};

/// Types that hand out their contents by `Deref`: method calls go through to the inner type.
pub(super) const TRANSPARENT: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Cow",
    "Pin",
    "RwLock",
    "Mutex",
    "State",
    "Extension",
    "Data",
];

/// Types whose `?`, `.unwrap()` and `.expect(..)` give the first type argument.
pub(super) const FALLIBLE: &[&str] = &["Option", "Result"];

/// The segments of a path, generics dropped.
pub fn path_segs(path: &syn::Path) -> PathSegs {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// What a written type means for method calls on its values.
pub fn type_ref(ty: &syn::Type) -> TypeRef {
    match ty {
        syn::Type::Reference(r) => type_ref(&r.elem),
        syn::Type::Paren(p) => type_ref(&p.elem),
        syn::Type::Group(g) => type_ref(&g.elem),
        syn::Type::Ptr(p) => type_ref(&p.elem),
        syn::Type::TraitObject(t) => TypeRef::Traits(trait_bounds(t.bounds.iter())),
        syn::Type::ImplTrait(t) => TypeRef::Traits(trait_bounds(t.bounds.iter())),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let segs = path_segs(&tp.path);
            if segs.len() == 1 && segs[0] == "Self" {
                return TypeRef::SelfType;
            }
            let last = tp.path.segments.last();
            if let Some(last) = last
                && TRANSPARENT.contains(&last.ident.to_string().as_str())
                && let Some(inner) = first_type_arg(&last.arguments)
            {
                return type_ref(inner);
            }
            if let Some(inner) = unwrapped_type(ty) {
                return TypeRef::Fallible(Box::new(type_ref(inner)));
            }
            TypeRef::Path(segs)
        }
        _ => TypeRef::Other,
    }
}

fn first_type_arg(args: &syn::PathArguments) -> Option<&syn::Type> {
    match args {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

/// The inner type of `Option<T>` and `Result<T, E>`, what `?` and `.unwrap()` give.
pub fn unwrapped_type(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(tp) = ty else { return None };
    let last = tp.path.segments.last()?;
    let name = last.ident.to_string();
    if FALLIBLE.contains(&name.as_str()) {
        first_type_arg(&last.arguments)
    } else {
        None
    }
}

/// The trait paths among a list of bounds.
pub fn trait_bounds<'a>(bounds: impl Iterator<Item = &'a syn::TypeParamBound>) -> Vec<PathSegs> {
    bounds
        .filter_map(|b| match b {
            syn::TypeParamBound::Trait(t) => Some(path_segs(&t.path)),
            _ => None,
        })
        .collect()
}

/// Generic parameters with their trait bounds, from `<T: A>` and `where T: B`.
pub fn generic_bounds(generics: &syn::Generics) -> Vec<(String, Vec<PathSegs>)> {
    let mut out: Vec<(String, Vec<PathSegs>)> = generics
        .type_params()
        .map(|p| (p.ident.to_string(), trait_bounds(p.bounds.iter())))
        .collect();
    if let Some(clause) = &generics.where_clause {
        for pred in &clause.predicates {
            let syn::WherePredicate::Type(pt) = pred else {
                continue;
            };
            let syn::Type::Path(tp) = &pt.bounded_ty else {
                continue;
            };
            let Some(name) = tp.path.get_ident().map(|i| i.to_string()) else {
                continue;
            };
            let bounds = trait_bounds(pt.bounds.iter());
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some((_, existing)) => existing.extend(bounds),
                None => out.push((name, bounds)),
            }
        }
    }
    out
}

/// A struct field's type: a field typed by a bounded generic parameter of the struct
/// (`struct S<T: Store> { store: Arc<T> }`) is any implementor of those bounds.
pub fn field_type(ty: &syn::Type, generics: &[(String, Vec<PathSegs>)]) -> TypeRef {
    substitute(type_ref(ty), generics)
}

fn substitute(ty: TypeRef, generics: &[(String, Vec<PathSegs>)]) -> TypeRef {
    match ty {
        TypeRef::Path(segs) if segs.len() == 1 => {
            match generics.iter().find(|(name, _)| *name == segs[0]) {
                Some((_, bounds)) if !bounds.is_empty() => TypeRef::Traits(bounds.clone()),
                _ => TypeRef::Path(segs),
            }
        }
        TypeRef::Fallible(inner) => TypeRef::Fallible(Box::new(substitute(*inner, generics))),
        other => other,
    }
}
