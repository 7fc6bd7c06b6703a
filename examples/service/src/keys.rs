//! Cache keys used in more than one place.

/// A user's profile, as `users::get_profile` serves it.
pub const PROFILE: &str = "user:<id>:profile";
/// The summary card built from the profile.
pub const SUMMARY: &str = "user:<id>:summary";
/// A team's member list.
pub const MEMBERS: &str = "team:<tid>:members";
