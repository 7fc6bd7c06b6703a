use cachelint::reads;

#[reads("country:<code>", allow(uncoverd_read))]
fn country() {}

fn main() {
    country();
}
