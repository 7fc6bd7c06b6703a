use cachelint::writes;

#[writes("user:<id>:profile", ttl = "120s")]
fn update() {}

fn main() {
    update();
}
