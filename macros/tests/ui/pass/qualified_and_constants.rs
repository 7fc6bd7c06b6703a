// The macros drop their arguments, so a constant or import used only in annotations looks
// unused to rustc.
#![allow(dead_code, unused_imports)]

mod keys {
    pub const PROFILE: &str = "user:<id>:profile";
    pub const MEMBERS: &str = "team:<tid>:members";
    pub const UPDATED: &str = "user.updated";
}

use keys::PROFILE;

#[cachelint::reads(keys::PROFILE)]
fn by_path() {}

#[cachelint::reads(PROFILE, crate::keys::MEMBERS, "user:<id>:summary")]
#[cachelint::writes("user:<id>:summary")]
#[cachelint::publishes(keys::UPDATED)]
fn several_attributes_and_keys() {}

#[cachelint::reads(
    "team:<tid>:dashboard",
    ttl = "2h",
    depends_on = [keys::MEMBERS, "team:<tid>:settings"],
    allow(uncovered_read, ttl_only_read),
)]
fn every_option() {}

#[cachelint::reads("report:daily:<day>", ttl = "1d")]
#[cachelint::reads("feed:v2:<id>", ttl = "10m")]
#[cachelint::reads("page-<n>:items", ttl = "90s")]
fn several_reads() {}

#[cachelint::subscribes(keys::UPDATED, "team.updated")]
#[cachelint::writes("team:<tid>:*", allow(broad_invalidation))]
fn worker() {}

fn main() {}
