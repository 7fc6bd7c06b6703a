//! An example service for `cargo cachelint`: users, teams and orders behind a cache.
//!
//! Handlers read through the cache and invalidate it when they change data; an update
//! publishes `user.updated` and the invalidation worker (`worker.rs`) evicts what depends on
//! the user. Four bugs are planted, each marked `// BUG:`; try
//!
//! ```text
//! cargo cachelint examples/service
//! ```
//!
//! and expect exactly four findings: `stale_dependent` (users.rs), `uncovered_read`
//! (orders.rs), `mistyped_invalidation` with a "did you mean" (teams.rs) and `version_skew`
//! (teams.rs).

pub mod cache;
pub mod db;
pub mod events;
pub mod keys;
pub mod orders;
pub mod teams;
pub mod users;
pub mod worker;

use cache::Cache;
use db::Db;
use events::Bus;

/// Everything a handler needs.
pub struct AppState {
    pub cache: Cache,
    pub db: Db,
    pub bus: Bus,
}

impl AppState {
    /// An empty service.
    pub fn new() -> Self {
        AppState {
            cache: Cache::default(),
            db: Db::default(),
            bus: Bus::default(),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
