//! `partial_invalidation`: a read key that writes only overlap, never cover.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "partial_invalidation",
    default_level: Level::Error,
    summary: "a read key that writes only overlap, never cover",
    docs: include_str!("docs/partial_invalidation.md"),
};
