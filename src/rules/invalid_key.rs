//! `invalid_key`: a malformed key, duration, option, or an unresolvable key constant.

use super::AllowAt;
use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "invalid_key",
    default_level: Level::Error,
    summary: "a malformed key, duration, option, or an unresolvable key constant",
    docs: include_str!("docs/invalid_key.md"),
    allow_at: AllowAt::Annotation,
};
