//! The cache, and the eviction helpers that handlers call through `self.cache`.

use cachelint::writes;
use std::collections::HashMap;

/// A key-value cache (a map here; Redis in production).
#[derive(Debug, Default)]
pub struct Cache {
    entries: HashMap<String, String>,
}

impl Cache {
    /// The cached value under `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.entries.get(key).cloned()
    }

    /// Caches `value` under `key`.
    pub fn set(&mut self, key: String, value: String) {
        self.entries.insert(key, value);
    }

    /// Deletes one key; handlers that build keys themselves call it directly.
    pub fn delete(&mut self, key: &str) {
        self.entries.remove(key);
    }

    fn delete_prefix(&mut self, prefix: &str) {
        self.entries.retain(|key, _| !key.starts_with(prefix));
    }

    #[writes("user:<id>:profile")]
    pub fn evict_profile(&mut self, id: u64) {
        self.delete(&format!("user:{id}:profile"));
    }

    #[writes("user:<id>:summary")]
    pub fn evict_summary(&mut self, id: u64) {
        self.delete(&format!("user:{id}:summary"));
    }

    #[writes("user:<id>:settings")]
    pub fn evict_settings(&mut self, id: u64) {
        self.delete(&format!("user:{id}:settings"));
    }

    #[writes("user:<id>:*")]
    pub fn evict_user(&mut self, id: u64) {
        self.delete_prefix(&format!("user:{id}:"));
    }

    #[writes("team:<tid>:members")]
    pub fn evict_members(&mut self, tid: u64) {
        self.delete(&format!("team:{tid}:members"));
    }

    #[writes("team:<tid>:dashboard:v1")]
    pub fn evict_dashboard(&mut self, tid: u64) {
        self.delete(&format!("team:{tid}:dashboard:v1"));
    }

    #[writes("order:<oid>")]
    pub fn evict_order(&mut self, oid: u64) {
        self.delete(&format!("order:{oid}"));
    }
}
