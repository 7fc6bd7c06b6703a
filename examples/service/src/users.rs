//! User handlers: profile, summary, settings, the user list, and their updates.

use crate::db::User;
use crate::events::Event;
use crate::AppState;
use cachelint::{publishes, reads};

impl AppState {
    #[reads(crate::keys::PROFILE)]
    pub fn get_profile(&mut self, id: u64) -> Option<User> {
        let key = format!("user:{id}:profile");
        if let Some(hit) = self.cache.get(&key) {
            return Some(decode(id, &hit));
        }
        let user = self.db.user(id)?;
        self.cache.set(key, encode(&user));
        Some(user)
    }

    /// The summary card is built from the profile, so it depends on `user:<id>:profile`.
    #[reads(crate::keys::SUMMARY)]
    pub fn get_summary(&mut self, id: u64) -> Option<String> {
        let key = format!("user:{id}:summary");
        if let Some(hit) = self.cache.get(&key) {
            return Some(hit);
        }
        let profile = self.get_profile(id)?;
        let summary = format!("{} <{}>", profile.name, profile.email);
        self.cache.set(key, summary.clone());
        Some(summary)
    }

    #[reads("user:<id>:settings")]
    pub fn get_settings(&mut self, id: u64) -> Option<String> {
        let key = format!("user:{id}:settings");
        if let Some(hit) = self.cache.get(&key) {
            return Some(hit);
        }
        let theme = self.db.user(id)?.theme;
        self.cache.set(key, theme.clone());
        Some(theme)
    }

    /// A page of user names; a minute of staleness is fine here (see `cachelint.toml`).
    #[reads("users:page:<n>", ttl = "30s")]
    pub fn list_users(&mut self, page: usize) -> Vec<String> {
        let key = format!("users:page:{page}");
        if let Some(hit) = self.cache.get(&key) {
            return hit.split(',').map(str::to_string).collect();
        }
        let mut names: Vec<String> = self.db.users.values().map(|u| u.name.clone()).collect();
        names.sort();
        let names: Vec<String> = names.into_iter().skip(page * 20).take(20).collect();
        self.cache.set(key, names.join(","));
        names
    }

    // BUG: the summary card is built from the profile (`get_summary` calls `get_profile`),
    // but this handler evicts only the profile: the summary keeps showing the old name.
    pub fn update_profile(&mut self, id: u64, name: &str) {
        if let Some(mut user) = self.db.user(id) {
            user.name = name.to_string();
            self.db.save_user(user);
        }
        self.cache.evict_profile(id);
    }

    /// The worker evicts the profile and the summary when it sees `user.updated`.
    #[publishes("user.updated")]
    pub fn update_email(&mut self, id: u64, email: &str) {
        if let Some(mut user) = self.db.user(id) {
            user.email = email.to_string();
            self.db.save_user(user);
        }
        self.bus.publish(Event::UserUpdated { id });
    }

    pub fn update_settings(&mut self, id: u64, theme: &str) {
        if let Some(mut user) = self.db.user(id) {
            user.theme = theme.to_string();
            self.db.save_user(user);
        }
        self.cache.evict_settings(id);
    }

    pub fn delete_user(&mut self, id: u64) {
        self.db.delete_user(id);
        self.cache.evict_user(id);
    }
}

fn encode(user: &User) -> String {
    format!("{}\n{}\n{}", user.name, user.email, user.theme)
}

fn decode(id: u64, text: &str) -> User {
    let mut lines = text.lines().map(str::to_string);
    User {
        id,
        name: lines.next().unwrap_or_default(),
        email: lines.next().unwrap_or_default(),
        theme: lines.next().unwrap_or_default(),
    }
}
