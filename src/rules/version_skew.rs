//! `version_skew`: a read key whose only invalidation targets another version.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "version_skew",
    default_level: Level::Error,
    summary: "a read key whose only invalidation targets another version",
    docs: include_str!("docs/version_skew.md"),
};
