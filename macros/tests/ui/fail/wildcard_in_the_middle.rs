use cachelint::writes;

#[writes("user:*:profile")]
fn update() {}

fn main() {
    update();
}
