use cachelint::reads;

#[reads("app:<org>:<app>", tables = ["application", "end-point"])]
fn app() {}

fn main() {
    app();
}
