use cachelint::writes;

#[writes("user:<id>:profile", 42)]
fn update() {}

fn main() {
    update();
}
