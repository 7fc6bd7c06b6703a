//! The names of every rule, as `allow(...)` and `-A/-W/-D` accept them.
//!
//! The analyzer's rule registry holds the docs and default levels; a test there checks that it
//! lists exactly these names.

/// Every rule name, sorted.
pub const RULE_NAMES: &[&str] = &[
    "annotation_drift",
    "broad_invalidation",
    "dead_invalidation",
    "invalid_key",
    "mistyped_invalidation",
    "orphan_event",
    "parse_error",
    "partial_invalidation",
    "stale_after_mutation",
    "stale_dependent",
    "ttl_only_read",
    "uncovered_read",
    "version_skew",
];

/// The known name closest to `name`, if it is close enough to be a likely typo: at most one
/// edit in three characters (transpositions count once), so `uncoverd_read` finds
/// `uncovered_read` and `tll` finds `ttl`, while `team.archived` does not find `team.created`.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(distance, c)| *distance <= (c.chars().count() / 3).max(1))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_likely_typos_only() {
        assert_eq!(
            suggest("uncoverd_read", rule_names()),
            Some("uncovered_read")
        );
        assert_eq!(suggest("tll", ["ttl", "allow"]), Some("ttl"));
        assert_eq!(
            suggest("user.updatd", ["user.updated"]),
            Some("user.updated")
        );
        assert_eq!(suggest("team.archived", ["team.created"]), None);
        assert_eq!(suggest("nope", rule_names()), None);
    }

    fn rule_names() -> impl Iterator<Item = &'static str> {
        super::RULE_NAMES.iter().copied()
    }
}
