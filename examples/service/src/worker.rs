//! The invalidation worker: evicts what a domain event makes stale.

use crate::cache::Cache;
use crate::events::Event;
use crate::AppState;
use cachelint::subscribes;

/// A user changed: its profile and the summary built from it are stale.
#[subscribes("user.updated")]
pub fn on_user_updated(cache: &mut Cache, id: u64) {
    cache.evict_profile(id);
    cache.evict_summary(id);
}

/// Handles every queued event.
pub fn run(state: &mut AppState) {
    for event in std::mem::take(&mut state.bus.queue) {
        match event {
            Event::UserUpdated { id } => on_user_updated(&mut state.cache, id),
        }
    }
}
