use cachelint::writes;

#[writes("app:<org>:<app>", tables = ["application"])]
fn update() {}

fn main() {
    update();
}
