//! Write paths: direct writes, an event, a subscriber, and one that never runs.

use crate::Store;
use cachelint::{publishes, subscribes, writes};

#[writes("user:<id>:profile")]
#[publishes("user.updated")]
pub fn update_profile(store: &Store, id: u64) {
    let _ = store;
    audit(id);
}

/// Not annotated for keys; publishes an event nobody subscribes to.
#[publishes("audit.logged")]
fn audit(id: u64) {
    let _ = id;
}

#[subscribes("user.updated")]
#[writes("user:<id>:*")]
pub fn on_user_updated(id: u64) {
    let _ = id;
}

#[writes("team:<tid>:members")]
pub fn add_member(tid: u64) {
    let _ = tid;
}

/// Overlaps `team:<tid>:members` without covering it.
#[writes("team:default:members")]
pub fn reset_default_team() {}

/// Nothing publishes `team.deleted`: this never runs.
#[subscribes("team.deleted")]
#[writes("team:<tid>:dashboard")]
pub fn on_team_deleted(tid: u64) {
    let _ = tid;
}
