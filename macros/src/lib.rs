//! Annotations that declare a function's cache contract (SPEC §2):
//!
//! ```
//! use cachelint::{reads, writes};
//!
//! #[reads("user:<id>:profile", ttl = "120s")]
//! fn profile(id: u64) -> String { format!("profile {id}") }
//!
//! #[writes("user:<id>:*")]
//! fn rename(id: u64) { let _ = id; }
//! # fn main() { profile(1); rename(1); }
//! ```
//!
//! The macros only validate their arguments and hand the function back unchanged: no runtime
//! cost, no runtime dependency. `cargo cachelint` reads the annotations from the source.
//! A bad argument becomes one `compile_error!` at the offending literal, emitted together with
//! the unchanged function so that no second error follows.

mod expand;
mod separator;

use cachelint_core::AnnotationKind;
use proc_macro::TokenStream;

/// This function serves cached data under these keys: `#[reads("user:<id>:profile")]`.
///
/// Options: `ttl = "120s"`, `depends_on = ["team:<tid>:members"]`,
/// `tables = ["application", "public.endpoint"]` (the database tables the key is built from;
/// replaces the inferred list), `allow(rule, ..)`.
#[proc_macro_attribute]
pub fn reads(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::annotate(AnnotationKind::Reads, attr.into(), item.into()).into()
}

/// This function invalidates these keys: `#[writes("user:<id>:profile", "user:<id>:*")]`.
///
/// Option: `allow(rule, ..)`.
#[proc_macro_attribute]
pub fn writes(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::annotate(AnnotationKind::Writes, attr.into(), item.into()).into()
}

/// This function emits these domain events: `#[publishes("user.updated")]`.
///
/// Option: `allow(rule, ..)`.
#[proc_macro_attribute]
pub fn publishes(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::annotate(AnnotationKind::Publishes, attr.into(), item.into()).into()
}

/// This function runs when these events are published: `#[subscribes("user.updated")]`.
///
/// Option: `allow(rule, ..)`.
#[proc_macro_attribute]
pub fn subscribes(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::annotate(AnnotationKind::Subscribes, attr.into(), item.into()).into()
}
