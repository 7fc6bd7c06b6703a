use cachelint::reads;

#[reads()]
fn profile() {}

fn main() {
    profile();
}
