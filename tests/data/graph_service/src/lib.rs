//! Cached reads: every kind of key the graph shows.

pub mod handlers;

use cachelint::reads;

pub struct Store;

impl Store {
    #[reads("user:<id>:profile")]
    pub fn profile(&self, id: u64) -> String {
        format!("profile {id}")
    }

    /// Built from the profile: depends on it through the call (inferred).
    #[reads("user:<id>:summary", ttl = "120s")]
    pub fn summary(&self, id: u64) -> String {
        self.profile(id)
    }
}

/// Declares what it is built from.
#[reads("team:<tid>:dashboard", depends_on = ["team:<tid>:members"])]
pub fn dashboard(tid: u64) -> String {
    format!("dashboard {tid}")
}

#[reads("team:<tid>:members")]
pub fn members(tid: u64) -> Vec<u64> {
    vec![tid]
}

/// A key with a quote, an ampersand and a trailing backslash, for the renderers' escaping.
#[reads(r#"legacy:say"hi"&co:<id>\"#, ttl = "1h")]
pub fn legacy(id: u64) -> String {
    format!("legacy {id}")
}
