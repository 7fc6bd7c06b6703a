use cachelint::publishes;

#[publishes("user updated")]
fn publish() {}

fn main() {
    publish();
}
