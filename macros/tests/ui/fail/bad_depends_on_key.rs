use cachelint::reads;

#[reads("team:<tid>:dashboard", depends_on = ["team:<tid>:members", "team:<tid:settings"])]
fn dashboard() {}

fn main() {
    dashboard();
}
