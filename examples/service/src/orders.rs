//! Order handlers.

use crate::db::Order;
use crate::AppState;
use cachelint::reads;

impl AppState {
    #[reads("order:<oid>")]
    pub fn get_order(&mut self, oid: u64) -> Option<Order> {
        let key = format!("order:{oid}");
        if self.cache.get(&key).is_none() {
            self.cache.set(key, oid.to_string());
        }
        self.db.orders.get(&oid).cloned()
    }

    // BUG: `create_order` and `cancel_order` change a user's order list, but nothing ever
    // invalidates `orders:user:<id>`: new and cancelled orders do not show up.
    #[reads("orders:user:<id>")]
    pub fn list_user_orders(&mut self, id: u64) -> Vec<u64> {
        let key = format!("orders:user:{id}");
        if let Some(hit) = self.cache.get(&key) {
            return hit.split(',').filter_map(|oid| oid.parse().ok()).collect();
        }
        let mut ids: Vec<u64> = self
            .db
            .orders
            .values()
            .filter(|order| order.user == id && !order.cancelled)
            .map(|order| order.id)
            .collect();
        ids.sort_unstable();
        let text: Vec<String> = ids.iter().map(u64::to_string).collect();
        self.cache.set(key, text.join(","));
        ids
    }

    pub fn create_order(&mut self, user: u64, total_cents: u64) -> u64 {
        let id = self.db.orders.len() as u64 + 1;
        let order = Order {
            id,
            user,
            total_cents,
            cancelled: false,
        };
        self.db.orders.insert(id, order);
        // A miss may have been cached for this id.
        self.cache.evict_order(id);
        id
    }

    pub fn cancel_order(&mut self, oid: u64) {
        if let Some(order) = self.db.orders.get_mut(&oid) {
            order.cancelled = true;
        }
        self.cache.evict_order(oid);
    }
}
