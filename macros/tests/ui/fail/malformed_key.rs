use cachelint::reads;

#[reads("user:<id:profile")]
fn profile() {}

fn main() {
    profile();
}
