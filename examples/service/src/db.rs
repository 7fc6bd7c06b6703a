//! A stand-in for the database: rows in maps.

use std::collections::HashMap;

/// A user row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub theme: String,
}

/// An order row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    pub id: u64,
    pub user: u64,
    pub total_cents: u64,
    pub cancelled: bool,
}

/// The tables.
#[derive(Debug, Default)]
pub struct Db {
    pub users: HashMap<u64, User>,
    pub teams: HashMap<u64, Vec<u64>>,
    pub team_names: HashMap<u64, String>,
    pub orders: HashMap<u64, Order>,
}

impl Db {
    /// One user, if it exists.
    pub fn user(&self, id: u64) -> Option<User> {
        self.users.get(&id).cloned()
    }

    /// Saves a user row.
    pub fn save_user(&mut self, user: User) {
        self.users.insert(user.id, user);
    }

    /// Deletes a user row.
    pub fn delete_user(&mut self, id: u64) {
        self.users.remove(&id);
    }
}
