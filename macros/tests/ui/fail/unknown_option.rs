use cachelint::reads;

#[reads("user:<id>:profile", tll = "120s")]
fn profile() {}

fn main() {
    profile();
}
