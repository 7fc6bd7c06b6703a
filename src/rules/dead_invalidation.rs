//! `dead_invalidation`: a write key that overlaps no read key.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "dead_invalidation",
    default_level: Level::Warning,
    summary: "a write key that overlaps no read key",
    docs: include_str!("docs/dead_invalidation.md"),
};
