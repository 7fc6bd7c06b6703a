//! Finds the keys that can overlap a key without comparing it to every key.
//!
//! Two keys whose first segments are different plain literals share no concrete key, so keys
//! are bucketed by that literal; keys whose first segment holds a placeholder or `*` can
//! match anything and are checked against every query.

use cachelint_core::KeyPattern;
use cachelint_core::key::{Part, Segment};
use std::collections::HashMap;

/// The keys of a list of sites, by first literal segment.
#[derive(Debug, Default)]
pub struct KeyIndex {
    by_first: HashMap<String, Vec<usize>>,
    open: Vec<usize>,
    len: usize,
}

/// The first segment when it is a plain literal.
fn first_literal(key: &KeyPattern) -> Option<String> {
    match key.segments().first()? {
        Segment::Parts(parts) => parts
            .iter()
            .map(|p| match p {
                Part::Literal(text) => Some(text.as_str()),
                Part::Placeholder(_) => None,
            })
            .collect::<Option<String>>(),
        Segment::Wildcard => None,
    }
}

impl KeyIndex {
    /// Indexes `keys` by position.
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a KeyPattern>) -> Self {
        let mut index = KeyIndex::default();
        for (i, key) in keys.into_iter().enumerate() {
            match first_literal(key) {
                Some(first) => index.by_first.entry(first).or_default().push(i),
                None => index.open.push(i),
            }
            index.len = i + 1;
        }
        index
    }

    /// Positions of every key that may overlap `key` (a superset; callers still test), in
    /// ascending order.
    pub fn candidates(&self, key: &KeyPattern) -> Vec<usize> {
        let mut out = match first_literal(key) {
            Some(first) => {
                let mut out = self.open.clone();
                out.extend(self.by_first.get(&first).into_iter().flatten());
                out
            }
            None => (0..self.len).collect(),
        };
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> KeyPattern {
        KeyPattern::parse(text, ':').expect("valid key")
    }

    #[test]
    fn candidates_include_every_overlapping_key() {
        let keys: Vec<KeyPattern> = ["user:<id>", "team:<id>", "<t>:x", "*", "us<x>:1", "user:1"]
            .iter()
            .map(|k| key(k))
            .collect();
        let index = KeyIndex::new(&keys);
        for query in ["user:5", "team:<x>", "<a>:<b>", "*", "zzz"] {
            let query = key(query);
            let candidates = index.candidates(&query);
            for (i, k) in keys.iter().enumerate() {
                if k.overlaps(&query) {
                    assert!(candidates.contains(&i), "{k} overlaps {query}");
                }
            }
        }
        assert_eq!(index.candidates(&key("user:5")), vec![0, 2, 3, 4, 5]);
    }
}
