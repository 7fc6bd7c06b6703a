//! Which files can matter, decided from bytes before any parse.
//!
//! A file matters when it holds a cachelint annotation, or mentions (as a whole word) the
//! name of something that can lead to one: a function that is annotated or calls such a
//! function, its `impl` type, a key constant, a type or alias built from such a type, a
//! `use` rename of one. The analysis parses the annotated files, collects those names,
//! parses every file that mentions one, and repeats until no new file qualifies. A file that
//! mentions none of these names cannot call into annotated code, so skipping it changes no
//! finding.

use crate::facts::{CallFact, CallTarget, FileFacts, KeySource, TypeRef};
use aho_corasick::AhoCorasick;
use std::collections::{BTreeMap, HashSet};

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

/// Whether `text` names a cache client crate (`redis`, `fred`, or another name code gives
/// them: `extra`) as a whole word: calling a client's commands needs its trait or type in
/// scope, so a file with cache calls names it (`use redis::AsyncCommands`,
/// `deadpool_redis::redis::…`).
pub fn mentions_client(text: &[u8], extra: &[String]) -> bool {
    static CLIENTS: std::sync::OnceLock<Option<Words>> = std::sync::OnceLock::new();
    let base = CLIENTS.get_or_init(|| {
        Words::new(
            crate::commands::CLIENT_CRATES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        )
    });
    base.as_ref().is_some_and(|w| w.found_in(text))
        || (!extra.is_empty() && Words::new(extra.to_vec()).is_some_and(|w| w.found_in(text)))
}

/// Whether `text` names a database crate (`sqlx`, `diesel`, `sea_orm`, …) as a whole word:
/// a file calling a database names its crate (`use sqlx::PgPool`, `use diesel::prelude::*`).
pub fn mentions_data(text: &[u8]) -> bool {
    static DATA: std::sync::OnceLock<Option<Words>> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        Words::new(
            crate::semantic::DATA_CRATE_NAMES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        )
    })
    .as_ref()
    .is_some_and(|w| w.found_in(text))
}

/// Names that lead to annotated code, grown file by file, per crate: a file can reach a name
/// of its own crate, or of another crate whose name it mentions in a path (`use svc::…`,
/// `svc::f()`). Without that scoping a service's `run` or `new` would pull in every file of
/// every vendored crate that has its own `run` or `new`.
#[derive(Default)]
pub struct Relevant {
    by_crate: BTreeMap<String, HashSet<String>>,
    fresh: BTreeMap<String, Vec<String>>,
    count: usize,
    /// Crate → the other names code gives it (renamed dependencies).
    aliases: BTreeMap<String, Vec<String>>,
    /// Files that name a cache client crate: their functions that call a client method name
    /// lead to inferred cache operations.
    client_files: HashSet<u32>,
    /// Method names of `[infer.wrappers]`: calls of them are cache operations too.
    wrapper_methods: HashSet<String>,
}

impl Relevant {
    /// An empty set that knows the names renamed dependencies give crates: `(crate, alias)`.
    pub fn with_aliases(aliases: &[(String, String)]) -> Relevant {
        let mut by_crate: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (krate, alias) in aliases {
            by_crate
                .entry(krate.clone())
                .or_default()
                .push(alias.clone());
        }
        Relevant {
            aliases: by_crate,
            ..Relevant::default()
        }
    }

    /// Marks a file as naming a cache client crate (see [`mentions_client`]).
    pub fn mark_client_file(&mut self, file: u32) {
        self.client_files.insert(file);
    }

    /// Names a method of an in-house cache layer (`[infer.wrappers]`): a call of it in a
    /// client file is a cache call.
    pub fn add_wrapper_method(&mut self, name: &str) {
        self.wrapper_methods.insert(name.to_owned());
    }

    /// Adds the names the facts of a file in crate `krate` contribute: annotated functions and
    /// functions calling a known name, their `impl` types, key constants, types and aliases
    /// built from known types, and `use` renames of known names. One pass: [`Self::learn_all`]
    /// repeats until nothing new is found.
    pub fn learn(&mut self, krate: &str, facts: &FileFacts) {
        let mut visible: Vec<String> = vec![krate.to_string()];
        let first_segments = facts
            .uses
            .iter()
            .map(|u| &u.path)
            .chain(facts.functions.iter().flat_map(|f| {
                f.calls.iter().filter_map(|c| match &c.target {
                    CallTarget::Path(segs) if segs.len() > 1 => Some(segs),
                    _ => None,
                })
            }))
            .filter_map(|path| path.first());
        for first in first_segments {
            // A renamed dependency's alias stands for its crate.
            let named = self
                .aliases
                .iter()
                .find(|(_, aliases)| aliases.contains(first))
                .map_or(first, |(krate, _)| krate);
            if named != krate && self.by_crate.contains_key(named) && !visible.contains(named) {
                visible.push(named.clone());
            }
        }
        for function in &facts.functions {
            let annotated = !function.annotations.is_empty()
                || (self.client_files.contains(&function.file)
                    && function.calls.iter().any(|c| {
                        call_name(c).is_some_and(|n| {
                            crate::commands::client_name(n)
                                || self.wrapper_methods.contains(n)
                                || crate::semantic::data_name(n)
                        })
                    }));
            let calls_known = function
                .calls
                .iter()
                .any(|c| call_name(c).is_some_and(|n| self.known(&visible, n)));
            if !annotated && !calls_known {
                continue;
            }
            self.add(krate, &function.name);
            if let Some(owner) = &function.owner {
                if let Some(TypeRef::Path(p)) = &owner.self_ty {
                    self.add_last(krate, p);
                }
                if let Some(t) = &owner.trait_path {
                    self.add_last(krate, t);
                }
            }
            for annotation in &function.annotations {
                for key in annotation.keys.iter().chain(&annotation.depends_on) {
                    if let KeySource::Const(path) = &key.source {
                        self.add_last(krate, path);
                    }
                }
            }
        }
        for ty in &facts.types {
            if ty.fields.iter().any(|(_, t)| self.mentions(&visible, t)) {
                self.add(krate, &ty.name);
            }
        }
        for alias in &facts.aliases {
            if self.mentions(&visible, &alias.target) {
                self.add(krate, &alias.name);
            }
        }
        for u in &facts.uses {
            if let (Some(alias), Some(last)) = (&u.alias, u.path.last())
                && self.known(&visible, last)
            {
                self.add(krate, alias);
            }
        }
    }

    /// Learns from every file (crate name, facts) until no file adds a name: names learnt
    /// from later files can make earlier files' functions relevant.
    pub fn learn_all<'a>(&mut self, files: impl Iterator<Item = (&'a str, &'a FileFacts)> + Clone) {
        loop {
            let known = self.count;
            for (krate, facts) in files.clone() {
                self.learn(krate, facts);
            }
            if self.count == known {
                break;
            }
        }
    }

    /// Every name known to lead to annotated code, whatever its crate, as one matcher.
    pub fn words(&self) -> Option<Words> {
        let mut names: Vec<String> = self.by_crate.values().flatten().cloned().collect();
        names.sort();
        names.dedup();
        Words::new(names)
    }

    /// Whether `name` leads to annotated code in some crate.
    pub fn contains(&self, name: &str) -> bool {
        self.by_crate.values().any(|names| names.contains(name))
    }

    /// How many (crate, name) pairs are known.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no name is known yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn known(&self, visible: &[String], name: &str) -> bool {
        visible.iter().any(|c| {
            self.by_crate
                .get(c)
                .is_some_and(|names| names.contains(name))
        })
    }

    fn mentions(&self, visible: &[String], ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Path(p) => p.iter().any(|s| self.known(visible, s)),
            TypeRef::Traits(ts) => ts.iter().flatten().any(|s| self.known(visible, s)),
            TypeRef::Fallible(inner) => self.mentions(visible, inner),
            TypeRef::SelfType | TypeRef::Other => false,
        }
    }

    fn add_last(&mut self, krate: &str, path: &[String]) {
        if let Some(last) = path.last() {
            self.add(krate, last);
        }
    }

    fn add(&mut self, krate: &str, name: &str) {
        let names = self.by_crate.entry(krate.to_string()).or_default();
        if names.insert(name.to_string()) {
            self.count += 1;
            self.fresh
                .entry(krate.to_string())
                .or_default()
                .push(name.to_string());
        }
    }

    /// What to look for in unparsed files: the names learnt since the last call, or `None`
    /// when there are none.
    pub fn take_fresh(&mut self) -> Option<Fresh> {
        let fresh = std::mem::take(&mut self.fresh);
        let by_crate: Vec<(String, Words, Words)> = fresh
            .into_iter()
            .filter_map(|(krate, names)| {
                let own = Words::new(names)?;
                let mut spellings = vec![krate.clone()];
                spellings.extend(self.aliases.get(&krate).into_iter().flatten().cloned());
                let crate_name = Words::new(spellings)?;
                Some((krate, own, crate_name))
            })
            .collect();
        if by_crate.is_empty() {
            None
        } else {
            Some(Fresh { by_crate })
        }
    }
}

/// Newly learnt names, by crate.
pub struct Fresh {
    by_crate: Vec<(String, Words, Words)>,
}

impl Fresh {
    /// Whether a file of crate `krate` with this text mentions a name it can reach.
    pub fn found_in(&self, krate: &str, text: &[u8]) -> bool {
        self.by_crate.iter().any(|(owner, names, crate_name)| {
            (owner == krate || crate_name.found_in(text)) && names.found_in(text)
        })
    }
}

impl std::fmt::Debug for Fresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: usize = self
            .by_crate
            .iter()
            .map(|(_, names, _)| names.names.len())
            .sum();
        write!(f, "{names} new names in {} crates", self.by_crate.len())
    }
}

/// The name a call ends in: the last path segment or the method name.
pub fn call_name(call: &CallFact) -> Option<&str> {
    match &call.target {
        CallTarget::Path(segs) => segs.last().map(String::as_str),
        CallTarget::Method { name, .. } => Some(name),
    }
}

/// Whole-word search for a set of names.
pub struct Words {
    matcher: AhoCorasick,
    names: Vec<String>,
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.names.join(" "))
    }
}

impl Words {
    fn new(names: Vec<String>) -> Option<Words> {
        AhoCorasick::new(&names)
            .ok()
            .map(|matcher| Words { matcher, names })
    }

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
        relevant.add("svc", "get");
        let fresh = relevant.take_fresh().expect("one fresh name");
        assert!(fresh.found_in("svc", b"cache.get(1)"));
        assert!(!fresh.found_in("svc", b"cache.get_user(1); forget();"));
        // Another crate reaches `svc`'s names only through a path naming `svc`.
        assert!(!fresh.found_in("other", b"map.get(1)"));
        assert!(fresh.found_in("other", b"use svc::Cache; fn f(c: &Cache) { c.get(1) }"));
        assert!(relevant.take_fresh().is_none());
    }
}
