use cachelint::reads;

#[reads("app:<org>:<app>", tables = "application")]
fn app() {}

fn main() {
    app();
}
