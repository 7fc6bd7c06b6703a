//! Classifies each read key: covered, or exactly one of `ttl_only_read`, `version_skew`,
//! `partial_invalidation`, `uncovered_read` (in that order of precedence).

use super::mistyped_invalidation::UnreadWrite;
use super::{
    Context, Sink, mistyped_invalidation, partial_invalidation, ttl_only_read, uncovered_read,
    version_skew,
};
use crate::graph::KeySite;
use crate::semantic::Role;

/// Reports every read key that no write which can run covers.
/// `unread` is [`mistyped_invalidation::unread_writes`]: a read that a mistyped write was
/// meant for points at it.
pub fn check(cx: &Context, sink: &mut Sink, unread: &[UnreadWrite]) {
    let model = cx.model;
    for read in &model.reads {
        let before = sink.findings.len();
        classify(cx, sink, read);
        // A typo one edit from this key is why it is stale: show it with the read's finding.
        if sink.findings.len() > before
            && let Some(finding) = sink.findings.last_mut()
        {
            for label in mistyped_invalidation::labels_for_read(cx, unread, read) {
                // `version_skew` already points at a write of another version.
                if !finding.related.iter().any(|r| r.location == label.location) {
                    finding.related.push(label);
                }
            }
        }
    }
}

/// Reports `read` under the one rule that fits it, if any.
fn classify(cx: &Context, sink: &mut Sink, read: &KeySite) {
    let model = cx.model;
    let (live, dead): (Vec<&KeySite>, Vec<&KeySite>) = model
        .write_index
        .candidates(&read.key)
        .into_iter()
        .map(|i| &model.writes[i])
        .partition(|w| model.live[w.function]);
    if live.iter().any(|w| w.key.covers(&read.key)) {
        return;
    }
    if let Some(ttl) = read.ttl {
        if ttl <= cx.max_staleness {
            return;
        }
        // Somebody meant to invalidate it, and that invalidation never runs (a subscriber
        // of an event nothing publishes, a private function nothing calls): the ttl hides
        // a bug, not a choice. Test code and code a `cfg` leaves out are no such attempt.
        let attempted: Vec<&KeySite> = dead
            .iter()
            .copied()
            .filter(|w| {
                !matches!(
                    model.roles.get(w.function),
                    Some(Role::Test | Role::Unloaded)
                ) && w.key.covers(&read.key)
            })
            .collect();
        if attempted.is_empty() {
            ttl_only_read::report(cx, sink, read, ttl);
        } else {
            uncovered_read::report(cx, sink, read, &attempted);
        }
        return;
    }
    // A version in the first segment puts the other versions in other index buckets.
    let everywhere: Vec<&KeySite>;
    let skew_candidates = if read.key.version_segment().is_some_and(|(i, _)| i == 0) {
        everywhere = model
            .writes
            .iter()
            .filter(|w| model.live[w.function])
            .collect();
        &everywhere
    } else {
        &live
    };
    if let Some(write) = skewed_write(read, skew_candidates) {
        version_skew::report(cx, sink, read, write);
        return;
    }
    let overlapping: Vec<&KeySite> = live
        .iter()
        .copied()
        .filter(|w| w.key.overlaps(&read.key))
        .collect();
    if !overlapping.is_empty() {
        partial_invalidation::report(cx, sink, read, &overlapping);
        return;
    }
    let never_run: Vec<&KeySite> = dead
        .iter()
        .copied()
        .filter(|w| w.key.overlaps(&read.key))
        .collect();
    uncovered_read::report(cx, sink, read, &never_run);
}

/// A write that would invalidate `read` if it named the read's version.
fn skewed_write<'a>(read: &KeySite, writes: &[&'a KeySite]) -> Option<&'a KeySite> {
    let (index, version) = read.key.version_segment()?;
    writes
        .iter()
        .copied()
        .find(|w| match w.key.version_segment() {
            Some((w_index, w_version)) if w_index == index && w_version != version => {
                w.key.overlaps(&read.key.with_segment(index, w_version))
            }
            _ => false,
        })
}
