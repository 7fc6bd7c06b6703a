//! Facts extracted from one file: what the graph is built from. No syntax trees survive a file.

use cachelint_core::AnnotationKind;
use std::time::Duration;

/// Index of a function in the model.
pub type FnId = usize;

/// Index of a file in the run's sorted file list.
pub type FileId = u32;

/// A source position as the tokenizer reports it: 1-based line, 0-based column in chars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A range of source in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SrcSpan {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

/// A path as written, generics dropped: `crate::keys::PROFILE` → `["crate", "keys", "PROFILE"]`.
pub type PathSegs = Vec<String>;

/// A type as far as method resolution cares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// A named type (`Cache`, `crate::db::Store`, `HashMap`), references and smart pointers
    /// (`&`, `Arc`, `Rc`, `Box`) already peeled.
    Path(PathSegs),
    /// `dyn A + B`, `impl A + B`: any implementor of these traits.
    Traits(Vec<PathSegs>),
    /// `Self`.
    SelfType,
    /// `Option<T>` or `Result<T, _>`: `?`, `.unwrap()` and `.expect(..)` give the `T`.
    Fallible(Box<TypeRef>),
    /// Anything else (tuples, slices, fn pointers): never resolves a method.
    Other,
}

/// How a value was produced, for typing method-call receivers during resolution.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueExpr {
    SelfValue,
    /// A local binding or parameter, looked up by name.
    Name(String),
    /// `base.field`
    Field(Box<ValueExpr>, String),
    /// The result of calling a path: `Type::new(..)`, `make(..)`.
    Call(PathSegs),
    /// The result of `base.method(..)`.
    MethodCall(Box<ValueExpr>, String),
    /// `Type { .. }`
    StructLit(PathSegs),
    /// `expr?`, `.unwrap()`, `.expect(..)`: the value inside a `Result`/`Option`.
    Unwrapped(Box<ValueExpr>),
    /// An explicitly typed value (`let x: T = ..`).
    Typed(TypeRef),
    Unknown,
}

/// What a call names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// `f()`, `m::f()`, `Self::f()`, `Type::f()`, `<T as Trait>::f()` (as `T::f`).
    Path(PathSegs),
    /// `receiver.name(..)`
    Method { receiver: ValueExpr, name: String },
}

/// One call in a function body (closures, async blocks and macro arguments included).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallFact {
    pub target: CallTarget,
    pub span: SrcSpan,
    /// Position in the body, to pick the `let` binding in force.
    pub order: u32,
}

/// A `let` binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalFact {
    pub name: String,
    pub value: ValueExpr,
    pub order: u32,
}

/// A key or event argument of an annotation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeySource {
    Literal(String),
    /// The path of a key constant, resolved later.
    Const(PathSegs),
}

/// A key or event with where it is written. `span` covers the literal or path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyFact {
    pub source: KeySource,
    pub span: SrcSpan,
}

/// One `#[reads]`, `#[writes]`, `#[publishes]` or `#[subscribes]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnnotationFact {
    pub kind: AnnotationKind,
    pub keys: Vec<KeyFact>,
    pub ttl: Option<(Duration, SrcSpan)>,
    pub depends_on: Vec<KeyFact>,
    /// `tables = [..]`: the tables the key is built from, each lowercased and without its
    /// schema (as core's parser stores them), with the span of its literal.
    pub tables: Vec<(String, SrcSpan)>,
    pub allow: Vec<String>,
    /// The whole attribute.
    pub span: SrcSpan,
}

/// The `impl` or `trait` a function belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner {
    /// `impl X` / `impl Trait for X`: `X`. `None` inside a trait definition.
    pub self_ty: Option<TypeRef>,
    /// `impl Trait for X` or `trait Trait`: the trait's path.
    pub trait_path: Option<PathSegs>,
}

/// A function or method with a body or a trait declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FnFact {
    pub file: FileId,
    /// Module path, crate name first.
    pub module: PathSegs,
    pub owner: Option<Owner>,
    pub name: String,
    pub name_span: SrcSpan,
    pub annotations: Vec<AnnotationFact>,
    pub calls: Vec<CallFact>,
    pub locals: Vec<LocalFact>,
    /// Parameters with their types (`self` excluded).
    pub params: Vec<(String, TypeRef)>,
    /// Generic parameters with their trait bounds (`T: Store` → `("T", [["Store"]])`).
    pub generics: Vec<(String, Vec<PathSegs>)>,
    pub ret: Option<TypeRef>,
    /// Byte range of the body (`{ .. }`) in the file; `None` for a declaration.
    pub body: Option<std::ops::Range<usize>>,
}

/// A struct, enum, union or trait definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeFact {
    pub module: PathSegs,
    pub name: String,
    pub is_trait: bool,
    /// Named fields (tuple fields as `0`, `1`, ..).
    pub fields: Vec<(String, TypeRef)>,
}

/// `type Name = Target;`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AliasFact {
    pub module: PathSegs,
    pub name: String,
    pub target: TypeRef,
}

/// A `const` or `static` whose value is a string literal (or anything else: `value: None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConstFact {
    pub module: PathSegs,
    pub name: String,
    pub value: Option<String>,
    pub span: SrcSpan,
}

/// A name a `use` brings into a module: `use a::b as c;` → alias `c`, path `a::b`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UseFact {
    pub module: PathSegs,
    /// `None` for a glob import (`use a::*;`).
    pub alias: Option<String>,
    pub path: PathSegs,
}

/// A problem found while reading a file, reported as `parse_error` or `invalid_key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub rule: &'static str,
    pub message: String,
    pub span: SrcSpan,
    /// Rules an `allow(...)` on the same attribute silences.
    pub allow: Vec<String>,
}

/// Everything one file contributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFacts {
    pub functions: Vec<FnFact>,
    pub types: Vec<TypeFact>,
    pub aliases: Vec<AliasFact>,
    pub consts: Vec<ConstFact>,
    pub uses: Vec<UseFact>,
    pub problems: Vec<Problem>,
}
