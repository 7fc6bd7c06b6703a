//! `ttl_only_read`: a read key never invalidated, bounded only by its ttl.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "ttl_only_read",
    default_level: Level::Warning,
    summary: "a read key never invalidated, bounded only by its ttl",
    docs: include_str!("docs/ttl_only_read.md"),
};
