//! The names of every rule, as `allow(...)` and `-A/-W/-D` accept them.
//!
//! The analyzer's rule registry holds the docs and default levels; a test there checks that it
//! lists exactly these names.

/// Every rule name, sorted.
pub const RULE_NAMES: &[&str] = &[
    "broad_invalidation",
    "dead_invalidation",
    "invalid_key",
    "orphan_event",
    "parse_error",
    "partial_invalidation",
    "stale_dependent",
    "ttl_only_read",
    "uncovered_read",
    "version_skew",
];

/// The known name closest to `name`, if it is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}
