//! `stale_dependent`: an entry whose write path invalidates a key but not a key that depends on it.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "stale_dependent",
    default_level: Level::Error,
    summary: "an entry whose write path invalidates a key but not a key that depends on it",
    docs: include_str!("docs/stale_dependent.md"),
};
