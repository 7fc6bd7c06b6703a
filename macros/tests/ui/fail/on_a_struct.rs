use cachelint::reads;

#[reads("user:<id>:profile")]
pub struct Profile {
    id: u64,
}

fn main() {
    let profile = Profile { id: 1 };
    let _ = profile.id;
}
