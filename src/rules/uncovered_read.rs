//! `uncovered_read`: a read key that no write covers.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "uncovered_read",
    default_level: Level::Error,
    summary: "a read key that no write covers",
    docs: include_str!("docs/uncovered_read.md"),
};
