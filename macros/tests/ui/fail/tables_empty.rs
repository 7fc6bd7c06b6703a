use cachelint::reads;

#[reads("app:<org>:<app>", tables = [])]
fn app() {}

fn main() {
    app();
}
