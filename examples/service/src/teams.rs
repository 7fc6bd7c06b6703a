//! Team handlers: members and the team dashboard.

use crate::AppState;
use cachelint::{reads, writes};

impl AppState {
    #[reads(crate::keys::MEMBERS)]
    pub fn get_members(&mut self, tid: u64) -> Vec<u64> {
        let key = format!("team:{tid}:members");
        if let Some(hit) = self.cache.get(&key) {
            return hit.split(',').filter_map(|id| id.parse().ok()).collect();
        }
        let members = self.db.teams.get(&tid).cloned().unwrap_or_default();
        let text: Vec<String> = members.iter().map(u64::to_string).collect();
        self.cache.set(key, text.join(","));
        members
    }

    // BUG: the dashboard moved to the `v2` key, but `Cache::evict_dashboard` (called by
    // `rename_team` and `delete_team`) still evicts `team:<tid>:dashboard:v1`: the v2
    // dashboard is never invalidated.
    #[reads("team:<tid>:dashboard:v2")]
    pub fn get_dashboard(&mut self, tid: u64) -> String {
        let key = format!("team:{tid}:dashboard:v2");
        if let Some(hit) = self.cache.get(&key) {
            return hit;
        }
        let dashboard = self.render_dashboard(tid);
        self.cache.set(key, dashboard.clone());
        dashboard
    }

    /// The v1 dashboard, still served to old mobile clients.
    #[reads("team:<tid>:dashboard:v1")]
    pub fn get_dashboard_v1(&mut self, tid: u64) -> String {
        let key = format!("team:{tid}:dashboard:v1");
        if let Some(hit) = self.cache.get(&key) {
            return hit;
        }
        let dashboard = self.render_dashboard(tid);
        self.cache.set(key, dashboard.clone());
        dashboard
    }

    fn render_dashboard(&self, tid: u64) -> String {
        let name = self.db.team_names.get(&tid).cloned().unwrap_or_default();
        let size = self.db.teams.get(&tid).map_or(0, Vec::len);
        format!("{name}: {size} members")
    }

    pub fn add_member(&mut self, tid: u64, uid: u64) {
        self.db.teams.entry(tid).or_default().push(uid);
        self.cache.evict_members(tid);
    }

    // BUG: a typo in the key (`membrs`): the member list is never evicted when someone
    // leaves the team.
    #[writes("team:<tid>:membrs")]
    pub fn remove_member(&mut self, tid: u64, uid: u64) {
        if let Some(members) = self.db.teams.get_mut(&tid) {
            members.retain(|&m| m != uid);
        }
        self.cache.delete(&format!("team:{tid}:membrs"));
    }

    pub fn rename_team(&mut self, tid: u64, name: &str) {
        self.db.team_names.insert(tid, name.to_string());
        self.cache.evict_dashboard(tid);
    }

    pub fn delete_team(&mut self, tid: u64) {
        self.db.teams.remove(&tid);
        self.db.team_names.remove(&tid);
        self.cache.evict_members(tid);
        self.cache.evict_dashboard(tid);
    }
}
