//! `broad_invalidation`: a write key that covers read keys of more than one entity, or is `*`.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "broad_invalidation",
    default_level: Level::Warning,
    summary: "a write key that covers read keys of more than one entity, or is `*`",
    docs: include_str!("docs/broad_invalidation.md"),
};
