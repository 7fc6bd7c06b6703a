//! Which files can matter, decided from bytes before any parse.
//!
//! A file matters when it holds a cachelint annotation, or mentions (as a whole word) the
//! name of something that can lead to one: a function that is annotated or calls such a
//! function, its `impl` type, a key constant, a type or alias built from such a type, a
//! `use` rename of one. The analysis parses the annotated files, collects those names,
//! parses every file that mentions one, and repeats until no new file qualifies. A file that
//! mentions none of these names cannot call into annotated code, so skipping it changes no
//! finding.

use crate::facts::{FileFacts, KeySource, TypeRef};
use aho_corasick::AhoCorasick;
use std::collections::BTreeSet;

const ANNOTATIONS: [&str; 4] = ["reads", "writes", "publishes", "subscribes"];

/// Whether `text` holds something that looks like `#[reads(` (or `#[cachelint::writes`,
/// ...): an attribute whose last path segment is an annotation name.
pub fn has_annotation(text: &[u8]) -> bool {
    // One SIMD substring search per name beats a multi-pattern automaton here: the names are
    // long and most text holds none of them.
    annotation_finders()
        .iter()
        .zip(ANNOTATIONS)
        .any(|(finder, name)| {
            finder.find_iter(text).any(|start| {
                let end = start + name.len();
                is_word_at(text, start, end)
                    && attribute_before(text, start)
                    && args_after(text, end)
            })
        })
}

fn annotation_finders() -> &'static [memchr::memmem::Finder<'static>; 4] {
    static FINDERS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 4]> =
        std::sync::OnceLock::new();
    FINDERS.get_or_init(|| ANNOTATIONS.map(memchr::memmem::Finder::new))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_word_at(text: &[u8], start: usize, end: usize) -> bool {
    (start == 0 || !is_ident_byte(text[start - 1]))
        && text.get(end).is_none_or(|&b| !is_ident_byte(b))
}

/// Walks back over `path::` segments and spaces to a `#[`.
fn attribute_before(text: &[u8], mut at: usize) -> bool {
    loop {
        while at > 0 && text[at - 1].is_ascii_whitespace() {
            at -= 1;
        }
        if at >= 2 && &text[at - 2..at] == b"::" {
            at -= 2;
            while at > 0 && text[at - 1].is_ascii_whitespace() {
                at -= 1;
            }
            while at > 0 && is_ident_byte(text[at - 1]) {
                at -= 1;
            }
            continue;
        }
        if at >= 1 && text[at - 1] == b'[' {
            at -= 1;
            while at > 0 && text[at - 1].is_ascii_whitespace() {
                at -= 1;
            }
            return at >= 1 && text[at - 1] == b'#';
        }
        return false;
    }
}

fn args_after(text: &[u8], at: usize) -> bool {
    text[at..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'(' || b == b']')
}

/// Names that lead to annotated code, grown file by file.
#[derive(Default)]
pub struct Relevant {
    names: BTreeSet<String>,
    fresh: Vec<String>,
}

impl Relevant {
    /// Adds the names `facts` contributes: annotated functions and functions calling a known
    /// name, their `impl` types, key constants, types and aliases built from known types, and
    /// `use` renames of known names. Repeats within the file until nothing new is found.
    pub fn learn(&mut self, facts: &FileFacts) {
        loop {
            let before = self.names.len();
            for function in &facts.functions {
                let annotated = !function.annotations.is_empty();
                let calls_known = function.calls.iter().any(|c| {
                    let name = match &c.target {
                        crate::facts::CallTarget::Path(segs) => segs.last(),
                        crate::facts::CallTarget::Method { name, .. } => Some(name),
                    };
                    name.is_some_and(|n| self.names.contains(n))
                });
                if !annotated && !calls_known {
                    continue;
                }
                self.add(&function.name);
                if let Some(owner) = &function.owner {
                    if let Some(TypeRef::Path(p)) = &owner.self_ty {
                        self.add_last(p);
                    }
                    if let Some(t) = &owner.trait_path {
                        self.add_last(t);
                    }
                }
                for annotation in &function.annotations {
                    for key in annotation.keys.iter().chain(&annotation.depends_on) {
                        if let KeySource::Const(path) = &key.source {
                            self.add_last(path);
                        }
                    }
                }
            }
            for ty in &facts.types {
                if ty.fields.iter().any(|(_, t)| self.mentions(t)) {
                    self.add(&ty.name);
                }
            }
            for alias in &facts.aliases {
                if self.mentions(&alias.target) {
                    self.add(&alias.name);
                }
            }
            for u in &facts.uses {
                if let (Some(alias), Some(last)) = (&u.alias, u.path.last())
                    && self.names.contains(last)
                {
                    self.add(alias);
                }
            }
            if self.names.len() == before {
                break;
            }
        }
    }

    /// How many names are known.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is known yet.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    fn mentions(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Path(p) => p.iter().any(|s| self.names.contains(s)),
            TypeRef::Traits(ts) => ts.iter().flatten().any(|s| self.names.contains(s)),
            TypeRef::Fallible(inner) => self.mentions(inner),
            TypeRef::SelfType | TypeRef::Other => false,
        }
    }

    fn add_last(&mut self, path: &[String]) {
        if let Some(last) = path.last() {
            self.add(last);
        }
    }

    fn add(&mut self, name: &str) {
        if self.names.insert(name.to_string()) {
            self.fresh.push(name.to_string());
        }
    }

    /// A matcher for the names learnt since the last call, or `None` when there are none.
    pub fn take_fresh(&mut self) -> Option<Words> {
        if self.fresh.is_empty() {
            return None;
        }
        let names = std::mem::take(&mut self.fresh);
        AhoCorasick::new(&names)
            .ok()
            .map(|matcher| Words { matcher })
    }
}

/// Whole-word search for a set of names.
pub struct Words {
    matcher: AhoCorasick,
}

impl Words {
    /// Whether `text` holds one of the names as a whole identifier.
    pub fn found_in(&self, text: &[u8]) -> bool {
        self.matcher
            .find_overlapping_iter(text)
            .any(|m| is_word_at(text, m.start(), m.end()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_attributes_and_ignores_prose() {
        assert!(has_annotation(b"#[reads(\"k\")]\nfn f() {}"));
        assert!(has_annotation(b"#[cachelint::writes(\"k\")] fn f() {}"));
        assert!(has_annotation(
            b"# [ cachelint :: subscribes (\"e\")] fn f() {}"
        ));
        assert!(has_annotation(b"#[publishes]"));
        assert!(!has_annotation(b"// this reads(the file)\nfn reads() {}"));
        assert!(!has_annotation(
            b"let writes = 3; #[derive(Debug)] struct S;"
        ));
        assert!(!has_annotation(b"#[rereads(\"k\")]"));
        assert!(!has_annotation(b""));
    }

    #[test]
    fn words_match_whole_identifiers_only() {
        let mut relevant = Relevant::default();
        relevant.add("get");
        let words = relevant.take_fresh().expect("one fresh name");
        assert!(words.found_in(b"cache.get(1)"));
        assert!(!words.found_in(b"cache.get_user(1); forget();"));
        assert!(relevant.take_fresh().is_none());
    }
}
