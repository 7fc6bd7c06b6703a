//! Syntactic call resolution: the fallback when the semantic engine (`semantic`) cannot load
//! (no `rust-src`, `cargo metadata` fails, files outside any cargo package), and the
//! resolution of key constants in functions the engine did not load. It knows only what the
//! token-level facts say, so it misses or misreads calls the type system decides; the run says
//! so when it is used.
//!
//! Paths are resolved through module paths, `use` imports (aliases and globs), `crate`,
//! `self`, `super` and `Self`. Method calls are resolved by the receiver's type, found from
//! `self`, typed parameters, struct fields, `let` bindings and return types. A call whose
//! receiver type is unknown or foreign (a `HashMap`'s `get`) resolves to nothing: an
//! unresolvable call is no edge.

use crate::facts::*;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// A type as resolution sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// A struct, enum or union of the analyzed code, by absolute path.
    Local(PathSegs),
    /// Some implementor of these analyzed traits (by absolute path).
    Traits(Vec<PathSegs>),
    /// `Option`/`Result` of a type.
    Fallible(Box<Ty>),
    /// A type from outside the analyzed code.
    Foreign,
    /// Not known.
    Unknown,
}

/// What a call resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// These functions (more than one for trait dispatch).
    Fns(Vec<FnId>),
    /// Nothing in the analyzed code (a foreign function or method).
    Outside,
    /// The receiver's type is unknown and these analyzed methods share the name.
    Ambiguous(&'a [FnId]),
}

struct TypeInfo<'a> {
    fact: &'a TypeFact,
}

/// Lookup tables over all facts.
pub struct Resolver<'a> {
    fns: &'a [FnFact],
    free_fns: HashMap<(&'a [String], &'a str), Vec<FnId>>,
    methods: HashMap<(PathSegs, &'a str), Vec<FnId>>,
    methods_by_name: HashMap<&'a str, Vec<FnId>>,
    trait_methods: HashMap<(PathSegs, &'a str), Vec<FnId>>,
    type_traits: HashMap<PathSegs, BTreeSet<PathSegs>>,
    types: HashMap<PathSegs, TypeInfo<'a>>,
    aliases: HashMap<PathSegs, &'a AliasFact>,
    uses: HashMap<&'a [String], Vec<&'a UseFact>>,
    consts: HashMap<PathSegs, &'a ConstFact>,
    crates: HashSet<&'a str>,
    /// The `Self` type of each function's owner, resolved once.
    self_tys: Vec<Option<Ty>>,
    /// Memo of [`Resolver::absolute`]: (module, path) → candidates.
    lookups: RefCell<HashMap<(PathSegs, PathSegs), Vec<PathSegs>>>,
    /// Memo of [`Resolver::use_target`], by the address of the `use` fact.
    use_targets: RefCell<HashMap<*const UseFact, Rc<Vec<PathSegs>>>>,
}

/// Module/path pairs one lookup may search, and candidate paths it may collect.
const MAX_SEARCH: usize = 4096;
const MAX_CANDIDATES: usize = 256;
const MAX_DEPTH: usize = 12;

/// Methods that hand back the receiver itself, or a guard or reference that derefs to it
/// (`Arc`, `Mutex` and friends are peeled from types, so their methods are too), when the
/// analyzed type does not define them.
const SAME_VALUE: &[&str] = &[
    "as_mut",
    "as_ref",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "borrow",
    "borrow_mut",
    "clone",
    "deref",
    "deref_mut",
    "get_ref",
    "lock",
    "read",
    "to_owned",
    "write",
];

/// Methods of `Option`/`Result` whose result wraps the same value.
const SAME_FALLIBLE: &[&str] = &[
    "as_deref",
    "as_deref_mut",
    "as_mut",
    "as_ref",
    "clone",
    "cloned",
    "context",
    "copied",
    "inspect",
    "inspect_err",
    "map_err",
    "ok",
    "ok_or",
    "ok_or_else",
    "with_context",
];

impl<'a> Resolver<'a> {
    /// Builds the tables. `fns` is the model's function list, indexed by [`FnId`].
    pub fn new(
        fns: &'a [FnFact],
        types: &'a [TypeFact],
        aliases: &'a [AliasFact],
        consts: &'a [ConstFact],
        uses: &'a [UseFact],
    ) -> Self {
        let mut r = Resolver {
            fns,
            free_fns: HashMap::new(),
            methods: HashMap::new(),
            methods_by_name: HashMap::new(),
            trait_methods: HashMap::new(),
            type_traits: HashMap::new(),
            types: HashMap::new(),
            aliases: HashMap::new(),
            uses: HashMap::new(),
            consts: HashMap::new(),
            crates: HashSet::new(),
            self_tys: Vec::new(),
            lookups: RefCell::new(HashMap::new()),
            use_targets: RefCell::new(HashMap::new()),
        };
        let modules = fns.iter().map(|f| &f.module);
        for module in modules.chain(types.iter().map(|t| &t.module)) {
            if let Some(name) = module.first() {
                r.crates.insert(name.as_str());
            }
        }
        for fact in types {
            r.types
                .insert(joined(&fact.module, &fact.name), TypeInfo { fact });
        }
        for fact in aliases {
            r.aliases.insert(joined(&fact.module, &fact.name), fact);
        }
        for fact in uses {
            r.uses.entry(fact.module.as_slice()).or_default().push(fact);
        }
        for fact in consts {
            r.consts.insert(joined(&fact.module, &fact.name), fact);
        }
        let self_tys: Vec<Option<Ty>> = (0..fns.len()).map(|id| r.owner_ty(id)).collect();
        for (id, fact) in fns.iter().enumerate() {
            let Some(owner) = &fact.owner else {
                r.free_fns
                    .entry((fact.module.as_slice(), fact.name.as_str()))
                    .or_default()
                    .push(id);
                continue;
            };
            let trait_path = owner
                .trait_path
                .as_ref()
                .and_then(|p| r.type_path(&fact.module, p, None, 0));
            match (&owner.self_ty, &self_tys[id]) {
                (Some(_), Some(Ty::Local(self_ty))) => {
                    r.methods
                        .entry((self_ty.clone(), fact.name.as_str()))
                        .or_default()
                        .push(id);
                    r.methods_by_name
                        .entry(fact.name.as_str())
                        .or_default()
                        .push(id);
                    if let Some(t) = &trait_path {
                        r.type_traits
                            .entry(self_ty.clone())
                            .or_default()
                            .insert(t.clone());
                    }
                }
                (Some(_), _) => {}
                (None, _) => r
                    .methods_by_name
                    .entry(fact.name.as_str())
                    .or_default()
                    .push(id),
            }
            if let Some(t) = trait_path {
                r.trait_methods
                    .entry((t, fact.name.as_str()))
                    .or_default()
                    .push(id);
            }
        }
        r.self_tys = self_tys;
        r
    }

    /// The absolute paths `segs` may name from `module`, most likely first, following `use`
    /// imports (renamed, grouped, globbed, re-exported) at every step of the path.
    fn absolute(
        &self,
        module: &[String],
        segs: &[String],
        self_ty: Option<&PathSegs>,
        depth: usize,
    ) -> Vec<PathSegs> {
        let Some(first) = segs.first() else {
            return Vec::new();
        };
        if first == "Self" {
            return self_ty
                .map(|t| t.iter().chain(&segs[1..]).cloned().collect())
                .into_iter()
                .collect();
        }
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        // The same names are looked up from the same module over and over.
        let key = (module.to_vec(), segs.to_vec());
        if let Some(hit) = self.lookups.borrow().get(&key) {
            return hit.clone();
        }
        let mut out = self.lookup(module, segs);
        if out.len() > 1 {
            let mut seen = HashSet::new();
            out.retain(|p| seen.insert(p.clone()));
        }
        self.lookups.borrow_mut().insert(key, out.clone());
        out
    }

    fn lookup(&self, module: &[String], segs: &[String]) -> Vec<PathSegs> {
        let mut seen = HashSet::new();
        match segs[0].as_str() {
            "crate" => self.in_module(&module[..module.len().min(1)], &segs[1..], &mut seen),
            "self" | "super" => {
                // `self::super::super::f`: climb one module per `super`, never above the crate.
                let mut base = module;
                let mut at = 0;
                while let Some(seg) = segs.get(at) {
                    match seg.as_str() {
                        "self" => {}
                        "super" => base = &base[..base.len().saturating_sub(1).max(1)],
                        _ => break,
                    }
                    at += 1;
                }
                self.in_module(base, &segs[at..], &mut seen)
            }
            first => {
                let mut out = self.in_module(module, segs, &mut seen);
                if self.crates.contains(first) {
                    out.extend(self.in_module(&segs[..1], &segs[1..], &mut seen));
                }
                out
            }
        }
    }

    /// The absolute paths `rest` may name inside module `base`: what `base` imports by that
    /// name, else what it defines (descending into child modules), then what its glob
    /// imports bring in. `seen` holds the (module, remaining length) pairs already searched,
    /// so glob imports that import each other end.
    fn in_module(
        &self,
        base: &[String],
        rest: &[String],
        seen: &mut HashSet<(PathSegs, usize)>,
    ) -> Vec<PathSegs> {
        let Some(first) = rest.first() else {
            return vec![base.to_vec()];
        };
        // Glob imports can open many modules, each tried with the rest of the path: bound the
        // search of one lookup so a glob-heavy crate cannot make it explode (past the bound the
        // path is left unresolved, which is no edge).
        if seen.len() >= MAX_SEARCH || !seen.insert((base.to_vec(), rest.len())) {
            return Vec::new();
        }
        let uses = self.uses.get(base).map_or(&[][..], Vec::as_slice);
        let mut out = Vec::new();
        for u in uses
            .iter()
            .filter(|u| u.alias.as_deref() == Some(first.as_str()))
        {
            for target in self.use_target(u).iter() {
                out.extend(self.in_module(target, &rest[1..], seen));
            }
        }
        if !out.is_empty() {
            return out;
        }
        let mut inner = base.to_vec();
        inner.push(first.clone());
        if rest.len() == 1 {
            out.push(inner);
        } else {
            out.extend(self.in_module(&inner, &rest[1..], seen));
        }
        for glob in uses.iter().filter(|u| u.alias.is_none()) {
            for target in self.use_target(glob).iter() {
                if out.len() >= MAX_CANDIDATES {
                    return out;
                }
                out.extend(self.in_module(target, rest, seen));
            }
        }
        out
    }

    /// What a `use` names (a glob: the module it opens), resolved once. A `use` that leads
    /// back to itself names nothing.
    fn use_target(&self, fact: &'a UseFact) -> Rc<Vec<PathSegs>> {
        let key: *const UseFact = fact;
        if let Some(hit) = self.use_targets.borrow().get(&key) {
            return Rc::clone(hit);
        }
        self.use_targets
            .borrow_mut()
            .insert(key, Rc::new(Vec::new()));
        let targets = Rc::new(self.lookup(&fact.module, &fact.path));
        self.use_targets
            .borrow_mut()
            .insert(key, Rc::clone(&targets));
        targets
    }

    /// The analyzed type or trait at an absolute path, aliases followed.
    fn type_at(&self, path: &PathSegs, depth: usize) -> Option<PathSegs> {
        if self.types.contains_key(path) {
            return Some(path.clone());
        }
        match self.aliases.get(path) {
            Some(alias) if depth < MAX_DEPTH => match &alias.target {
                TypeRef::Path(target) => self.type_path(&alias.module, target, None, depth + 1),
                _ => None,
            },
            _ => None,
        }
    }

    /// The analyzed type or trait a type path names, aliases followed.
    fn type_path(
        &self,
        module: &[String],
        segs: &[String],
        self_ty: Option<&PathSegs>,
        depth: usize,
    ) -> Option<PathSegs> {
        self.absolute(module, segs, self_ty, depth)
            .iter()
            .find_map(|path| self.type_at(path, depth))
    }

    /// A type path as resolution sees it: a local type, a trait (any implementor), or nothing.
    fn named(&self, path: PathSegs) -> Ty {
        if self.types[&path].fact.is_trait {
            Ty::Traits(vec![path])
        } else {
            Ty::Local(path)
        }
    }

    /// Resolves a written type in `module`.
    pub fn ty(
        &self,
        module: &[String],
        ty: &TypeRef,
        self_ty: Option<&Ty>,
        generics: &[(String, Vec<PathSegs>)],
        depth: usize,
    ) -> Ty {
        let self_path = match self_ty {
            Some(Ty::Local(p)) => Some(p),
            _ => None,
        };
        match ty {
            TypeRef::SelfType => self_ty.cloned().unwrap_or(Ty::Unknown),
            TypeRef::Fallible(inner) => Ty::Fallible(Box::new(self.ty(
                module,
                inner,
                self_ty,
                generics,
                depth + 1,
            ))),
            TypeRef::Traits(bounds) => self.traits(module, bounds),
            TypeRef::Other => Ty::Foreign,
            TypeRef::Path(segs) => {
                if let [name] = segs.as_slice()
                    && let Some((_, bounds)) = generics.iter().find(|(g, _)| g == name)
                {
                    return self.traits(module, bounds);
                }
                match self.type_path(module, segs, self_path, depth) {
                    Some(path) => self.named(path),
                    None => Ty::Foreign,
                }
            }
        }
    }

    fn traits(&self, module: &[String], bounds: &[PathSegs]) -> Ty {
        let found: Vec<PathSegs> = bounds
            .iter()
            .filter_map(|b| self.type_path(module, b, None, 0))
            .collect();
        if found.is_empty() {
            Ty::Foreign
        } else {
            Ty::Traits(found)
        }
    }

    /// The `Self` type of a function's owner.
    pub fn self_ty(&self, id: FnId) -> Option<Ty> {
        self.self_tys[id].clone()
    }

    fn owner_ty(&self, id: FnId) -> Option<Ty> {
        let fact = &self.fns[id];
        let owner = fact.owner.as_ref()?;
        match &owner.self_ty {
            Some(t) => Some(self.ty(&fact.module, t, None, &fact.generics, 0)),
            None => owner
                .trait_path
                .as_ref()
                .and_then(|p| self.type_path(&fact.module, p, None, 0))
                .map(|p| Ty::Traits(vec![p])),
        }
    }

    /// What the call resolves to, from inside function `caller`.
    pub fn call(&self, caller: FnId, call: &CallFact) -> Resolution<'_> {
        match &call.target {
            CallTarget::Path(segs) => self.path_call(caller, segs, call.order),
            CallTarget::Method { receiver, name } => {
                let ty = self.value(caller, receiver, call.order, 0);
                self.method(&ty, name)
            }
        }
    }

    /// Whether `name` is a parameter or a `let` binding in force at `order` in `caller`:
    /// calling it calls a closure or a function value, not a function of that name.
    fn is_local(&self, caller: FnId, name: &str, order: u32) -> bool {
        let fact = &self.fns[caller];
        fact.params.iter().any(|(p, _)| p == name)
            || fact
                .locals
                .iter()
                .any(|l| l.order < order && l.name == name)
    }

    fn path_call(&self, caller: FnId, segs: &[String], order: u32) -> Resolution<'_> {
        let fact = &self.fns[caller];
        if let [name] = segs
            && self.is_local(caller, name, order)
        {
            return Resolution::Outside;
        }
        let self_ty = &self.self_tys[caller];
        let self_path = match self_ty {
            Some(Ty::Local(p)) => Some(p),
            Some(Ty::Traits(t)) => t.first(),
            _ => None,
        };
        // `T::f()` on a generic parameter: any implementor of its bounds.
        if let [ty, name] = segs
            && let Some((_, bounds)) = fact.generics.iter().find(|(g, _)| g == ty)
        {
            return match self.method(&self.traits(&fact.module, bounds), name) {
                Resolution::Fns(ids) => Resolution::Fns(ids),
                _ => Resolution::Outside,
            };
        }
        for path in self.absolute(&fact.module, segs, self_path, 0) {
            let Some((name, parent)) = path.split_last() else {
                continue;
            };
            if let Some(ids) = self.free_fns.get(&(parent, name.as_str())) {
                return Resolution::Fns(ids.clone());
            }
            if parent.is_empty() {
                continue;
            }
            let owner_ty = if self_path.is_some_and(|p| p == parent) {
                self_ty.clone().unwrap_or(Ty::Unknown)
            } else {
                match self.type_at(&parent.to_vec(), 0) {
                    Some(p) => self.named(p),
                    None => continue,
                }
            };
            if let Resolution::Fns(ids) = self.method(&owner_ty, name) {
                return Resolution::Fns(ids);
            }
        }
        Resolution::Outside
    }

    /// The functions a method call on a value of type `ty` reaches.
    pub fn method(&self, ty: &Ty, name: &str) -> Resolution<'_> {
        match ty {
            Ty::Local(path) => {
                if let Some(ids) = self.methods.get(&(path.clone(), name)) {
                    return Resolution::Fns(ids.clone());
                }
                // A trait's default method, for a type that implements the trait.
                let mut ids = Vec::new();
                for t in self.type_traits.get(path).into_iter().flatten() {
                    ids.extend(self.trait_defaults(t, name));
                }
                if ids.is_empty() {
                    Resolution::Outside
                } else {
                    Resolution::Fns(ids)
                }
            }
            Ty::Traits(traits) => {
                let ids: Vec<FnId> = traits
                    .iter()
                    .filter_map(|t| self.trait_methods.get(&(t.clone(), name)))
                    .flatten()
                    .copied()
                    .collect();
                if ids.is_empty() {
                    Resolution::Outside
                } else {
                    Resolution::Fns(ids)
                }
            }
            Ty::Fallible(_) | Ty::Foreign => Resolution::Outside,
            Ty::Unknown => match self.methods_by_name.get(name) {
                Some(ids) => Resolution::Ambiguous(ids),
                None => Resolution::Outside,
            },
        }
    }

    fn trait_defaults<'b>(
        &'b self,
        t: &PathSegs,
        name: &'b str,
    ) -> impl Iterator<Item = FnId> + 'b {
        self.trait_methods
            .get(&(t.clone(), name))
            .into_iter()
            .flatten()
            .copied()
            .filter(|&id| {
                self.fns[id]
                    .owner
                    .as_ref()
                    .is_some_and(|o| o.self_ty.is_none())
            })
    }

    /// The type of a value inside function `caller`, as of body position `order`.
    fn value(&self, caller: FnId, value: &ValueExpr, order: u32, depth: usize) -> Ty {
        if depth > MAX_DEPTH {
            return Ty::Unknown;
        }
        let fact = &self.fns[caller];
        let self_ty = &self.self_tys[caller];
        match value {
            ValueExpr::SelfValue => self_ty.clone().unwrap_or(Ty::Unknown),
            ValueExpr::Name(name) => {
                let local = fact
                    .locals
                    .iter()
                    .rev()
                    .find(|l| l.order < order && l.name == *name);
                if let Some(local) = local {
                    return self.value(caller, &local.value, local.order, depth + 1);
                }
                if let Some((_, ty)) = fact.params.iter().find(|(p, _)| p == name) {
                    return self.ty(&fact.module, ty, self_ty.as_ref(), &fact.generics, 0);
                }
                // A unit struct used as a value (`let c = Decoy;`).
                if name.starts_with(char::is_uppercase)
                    && let Some(path) =
                        self.type_path(&fact.module, std::slice::from_ref(name), None, 0)
                    && !self.types[&path].fact.is_trait
                {
                    return Ty::Local(path);
                }
                Ty::Unknown
            }
            ValueExpr::Field(base, field) => match self.value(caller, base, order, depth + 1) {
                Ty::Local(path) => self.field(caller, &path, field),
                Ty::Foreign | Ty::Fallible(_) => Ty::Foreign,
                _ => Ty::Unknown,
            },
            ValueExpr::Call(segs) => match self.path_call(caller, segs, order) {
                Resolution::Fns(ids) => self.return_type(&ids),
                _ => self.constructor(caller, segs),
            },
            ValueExpr::MethodCall(base, name) => {
                let base_ty = self.value(caller, base, order, depth + 1);
                match self.method(&base_ty, name) {
                    Resolution::Fns(ids) => self.return_type(&ids),
                    _ => passthrough(base_ty, name),
                }
            }
            ValueExpr::StructLit(segs) => {
                let self_path = match self_ty {
                    Some(Ty::Local(p)) => Some(p),
                    _ => None,
                };
                match self.type_path(&fact.module, segs, self_path, 0) {
                    Some(p) => Ty::Local(p),
                    None => Ty::Foreign,
                }
            }
            ValueExpr::Unwrapped(inner) => match self.value(caller, inner, order, depth + 1) {
                Ty::Fallible(inner) => *inner,
                // `Mutex`, `RwLock` and the like are peeled from types: `lock().unwrap()`
                // and `read().await?` unwrap their guards.
                same @ (Ty::Local(_) | Ty::Traits(_) | Ty::Foreign) => same,
                Ty::Unknown => Ty::Unknown,
            },
            ValueExpr::Typed(ty) => self.ty(&fact.module, ty, self_ty.as_ref(), &fact.generics, 0),
            ValueExpr::Unknown => Ty::Unknown,
        }
    }

    /// The type of field `field` of the local type at `path`, seen from `caller`.
    fn field(&self, caller: FnId, path: &PathSegs, field: &str) -> Ty {
        let info = &self.types[path];
        let Some((_, ty)) = info.fact.fields.iter().find(|(f, _)| f == field) else {
            return Ty::Unknown;
        };
        let owner = Ty::Local(path.clone());
        match self.ty(&info.fact.module, ty, Some(&owner), &[], 0) {
            // A field typed by a generic parameter the struct leaves unbounded
            // (`struct S<T> { store: T }`): the bounds the caller's `impl<T: Store>` gives it.
            Ty::Foreign => match ty {
                TypeRef::Path(segs) if segs.len() == 1 => {
                    let fact = &self.fns[caller];
                    match fact.generics.iter().find(|(g, _)| *g == segs[0]) {
                        Some((_, bounds)) => self.traits(&fact.module, bounds),
                        None => Ty::Foreign,
                    }
                }
                _ => Ty::Foreign,
            },
            other => other,
        }
    }

    /// `Type::new(..)` of a type whose constructor is not in the analyzed code (a derive, a
    /// foreign trait): the type itself for `new`/`default`, foreign for foreign types.
    fn constructor(&self, caller: FnId, segs: &[String]) -> Ty {
        let Some((name, parent)) = segs.split_last() else {
            return Ty::Unknown;
        };
        if parent.is_empty() {
            return Ty::Unknown;
        }
        let fact = &self.fns[caller];
        match self.type_path(&fact.module, parent, None, 0) {
            Some(p) if matches!(name.as_str(), "new" | "default") => Ty::Local(p),
            Some(_) => Ty::Unknown,
            None if parent.len() == 1 && parent[0].starts_with(char::is_uppercase) => Ty::Foreign,
            None => Ty::Unknown,
        }
    }

    fn return_type(&self, ids: &[FnId]) -> Ty {
        let mut types = ids.iter().map(|&id| {
            let fact = &self.fns[id];
            match &fact.ret {
                Some(ret) => self.ty(
                    &fact.module,
                    ret,
                    self.self_tys[id].as_ref(),
                    &fact.generics,
                    0,
                ),
                None => Ty::Foreign,
            }
        });
        let first = types.next().unwrap_or(Ty::Unknown);
        if types.all(|t| t == first) {
            first
        } else {
            Ty::Unknown
        }
    }

    /// The string value of a key constant named by `segs` from `module`.
    pub fn constant(&self, module: &[String], segs: &[String]) -> Option<&'a ConstFact> {
        self.absolute(module, segs, None, 0)
            .into_iter()
            .find_map(|p| self.consts.get(&p).copied())
    }
}

/// The type of `base.name(..)` when `name` is no analyzed method of `base`'s type.
fn passthrough(base: Ty, name: &str) -> Ty {
    match base {
        Ty::Local(_) | Ty::Traits(_) if SAME_VALUE.contains(&name) => base,
        Ty::Local(_) | Ty::Traits(_) if matches!(name, "try_lock" | "try_read" | "try_write") => {
            Ty::Fallible(Box::new(base))
        }
        Ty::Fallible(_) if SAME_FALLIBLE.contains(&name) => base,
        Ty::Foreign => Ty::Foreign,
        _ => Ty::Unknown,
    }
}

fn joined(module: &[String], name: &str) -> PathSegs {
    module
        .iter()
        .cloned()
        .chain(std::iter::once(name.to_string()))
        .collect()
}
