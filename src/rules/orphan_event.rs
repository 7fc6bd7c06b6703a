//! `orphan_event`: an event published with no subscriber, or subscribed with no publisher.

use super::RuleInfo;
use crate::finding::Level;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "orphan_event",
    default_level: Level::Warning,
    summary: "an event published with no subscriber, or subscribed with no publisher",
    docs: include_str!("docs/orphan_event.md"),
};
