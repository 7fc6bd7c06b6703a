use cachelint::reads;

trait Store {
    fn load(&self) -> u64;
}

struct Service;

impl Store for Service {
    #[reads("user:<id>:profile", ttl = "5")]
    fn load(&self) -> u64 {
        1
    }
}

fn main() {
    Service.load();
}
