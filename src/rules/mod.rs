//! The rule registry: one file per rule, each with its descriptor and its check.

use crate::finding::Level;

/// A rule's descriptor: its name is the file name, the diagnostic code suffix and the
/// `explain` argument.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub name: &'static str,
    /// Level when no configuration says otherwise; `None` means allow.
    pub default_level: Level,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// Markdown: `## What it does`, `## Why it matters`, `## Example`, `## Fix`.
    pub docs: &'static str,
}

pub mod broad_invalidation;
pub mod dead_invalidation;
pub mod invalid_key;
pub mod orphan_event;
pub mod parse_error;
pub mod partial_invalidation;
pub mod stale_dependent;
pub mod ttl_only_read;
pub mod uncovered_read;
pub mod version_skew;

/// Every rule, sorted by name.
pub const REGISTRY: &[RuleInfo] = &[
    broad_invalidation::RULE,
    dead_invalidation::RULE,
    invalid_key::RULE,
    orphan_event::RULE,
    parse_error::RULE,
    partial_invalidation::RULE,
    stale_dependent::RULE,
    ttl_only_read::RULE,
    uncovered_read::RULE,
    version_skew::RULE,
];

/// The rule named `name`.
pub fn lookup(name: &str) -> Option<&'static RuleInfo> {
    REGISTRY.iter().find(|rule| rule.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_matches_the_shared_rule_names() {
        let names: Vec<&str> = REGISTRY.iter().map(|rule| rule.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(names, cachelint_core::rules::RULE_NAMES);
    }

    #[test]
    fn every_rule_documents_what_why_example_and_fix() {
        for rule in REGISTRY {
            for heading in ["## What it does", "## Why it matters", "## Example", "## Fix"] {
                assert!(rule.docs.contains(heading), "{} lacks {heading}", rule.name);
            }
        }
    }
}
