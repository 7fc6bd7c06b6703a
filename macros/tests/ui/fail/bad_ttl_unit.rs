use cachelint::reads;

#[reads("user:<id>:profile", ttl = "2w")]
fn profile() {}

fn main() {
    profile();
}
