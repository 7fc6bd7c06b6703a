use cachelint::{publishes, reads, subscribes, writes};

#[reads("user:<id>:profile")]
fn profile(id: u64) -> String {
    format!("profile {id}")
}

#[reads("user:<id>:summary", ttl = "120s")]
pub fn summary(id: u64) -> String {
    format!("summary {id}")
}

#[writes("user:<id>:profile", "user:<id>:summary")]
pub(crate) fn update_user(id: u64) {
    let _ = id;
}

#[writes("user:<id>:*")]
fn delete_user(id: u64) {
    let _ = id;
}

#[publishes("user.updated")]
fn publish(id: u64) {
    let _ = id;
}

#[subscribes("user.updated")]
fn on_user_updated(id: u64) {
    update_user(id);
}

/// Doc comments and other attributes around the annotation stay where they are.
#[inline]
#[reads("country:<code>", allow(uncovered_read))]
#[must_use]
fn country(code: &str) -> String {
    code.to_uppercase()
}

#[writes("*")]
const fn flush_everything() {}

#[reads(r"list::<mode>")]
unsafe fn list(mode: u8) -> u8 {
    mode
}

fn main() {
    profile(1);
    summary(1);
    update_user(1);
    delete_user(1);
    publish(1);
    on_user_updated(1);
    let _ = country("fr");
    flush_everything();
    unsafe { list(1) };
}
