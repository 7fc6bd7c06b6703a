//! `parse_error`: a file that cannot be parsed; it is skipped and the run goes on.

use super::AllowAt;
use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "parse_error",
    default_level: Level::Warning,
    summary: "a file that cannot be parsed; it is skipped and the run goes on",
    docs: include_str!("docs/parse_error.md"),
    allow_at: AllowAt::Nowhere,
};
