//! The cachelint contract shared by the `cachelint` macros and the `cargo-cachelint` analyzer:
//! the key grammar (SPEC §3), durations, rule names and the annotation-argument parser (SPEC §2).
//!
//! Both crates call the same functions, so a key the macro accepts is a key the analyzer
//! accepts, and an error the analyzer reports is the error the compiler would show.

pub mod args;
pub mod duration;
pub mod key;
pub mod rules;

pub use args::{Annotation, AnnotationKind, KeyArg, KeyArgValue, parse_annotation};
pub use duration::{format_duration, parse_duration};
pub use key::{KeyError, KeyPattern, Part, Segment};
