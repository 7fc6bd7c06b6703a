use cachelint::{reads, writes};

#[reads("team:<tid>:dashboard", depends_on = ["team:<tid>:members"])]
async fn dashboard(tid: u64) -> u64 {
    tid
}

struct Service;

impl Service {
    #[reads("user:<id>:profile", ttl = "500ms")]
    pub fn profile(&self, id: u64) -> u64 {
        id
    }

    #[writes("user:<id>:profile")]
    async fn rename(&mut self, id: u64) {
        let _ = id;
    }
}

trait Store {
    #[reads("user:<id>:profile")]
    fn load(&self, id: u64) -> u64;

    #[writes("user:<id>:profile")]
    fn invalidate(&self, id: u64) {
        let _ = id;
    }

    #[reads("team:<tid>:members")]
    async fn members(&self, tid: u64) -> u64 {
        tid
    }
}

impl Store for Service {
    #[reads("user:<id>:profile")]
    fn load(&self, id: u64) -> u64 {
        id
    }
}

fn main() {
    let mut service = Service;
    service.profile(1);
    let _ = service.rename(1);
    let _ = dashboard(1);
    service.load(1);
    service.invalidate(1);
    let _ = service.members(1);
}
