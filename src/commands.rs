//! What each Redis command does to the keys it names, once, as data (SPEC §11).
//!
//! Cache-operation inference (issue 11) looks a call up here after the semantic engine has
//! resolved it to the redis crate (`Commands`/`AsyncCommands` methods, `cmd("…")`, pipelines):
//! by command name for `cmd("DEL")`, by method name for `conn.del(..)`. The table says whether
//! the command reads, changes or invalidates its keys, which arguments are keys, and where a
//! ttl is. `semantic::infer` consults it for every call it resolves into a client crate.

/// What a command does to the keys it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Returns the keys' data and leaves them as they are (GET, HGETALL, EXISTS).
    Read,
    /// Changes the keys' data (SET, HSET, SADD, INCRBY): a fill or an overwrite.
    Change,
    /// Returns data and changes the key (pops, GETSET).
    ReadChange,
    /// Removes the keys (DEL, UNLINK, GETDEL): an invalidation.
    Invalidate,
    /// Removes every key of the database (FLUSHDB, FLUSHALL): an invalidation of `*`.
    InvalidateAll,
    /// Sets the keys' time to live; an invalidation when that ttl is 0 (EXPIRE k 0).
    Expire,
    /// Lists the keys matching a glob pattern (KEYS, SCAN MATCH): a DEL of what it returns
    /// invalidates the pattern.
    Match,
}

/// Which arguments (after the command name, 0-based) are keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyArgs {
    /// The first argument.
    First,
    /// Every argument (MGET, DEL, EXISTS).
    All,
    /// Arguments 0, 2, 4, … (MSET k v k v).
    EveryOther,
    /// The first two (RENAME src dst, SMOVE src dst).
    FirstTwo,
    /// No key (FLUSHDB).
    None,
    /// A glob pattern, not a key: the first argument of KEYS, the `MATCH` option of SCAN.
    Pattern,
}

/// Where a command's ttl comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// No ttl.
    None,
    /// Argument `n` in seconds (SETEX k s v, EXPIRE k s).
    Seconds(usize),
    /// Argument `n` in milliseconds (PSETEX, PEXPIRE).
    Millis(usize),
    /// The `EX s` / `PX ms` options (SET).
    Options,
}

/// One Redis command.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    /// The command as Redis spells it (`cmd("…")` is matched case-insensitively).
    pub name: &'static str,
    /// The redis crate's `Commands`/`AsyncCommands` methods that send it.
    pub methods: &'static [&'static str],
    pub effect: Effect,
    pub keys: KeyArgs,
    pub ttl: Ttl,
}

const fn command(
    name: &'static str,
    methods: &'static [&'static str],
    effect: Effect,
    keys: KeyArgs,
    ttl: Ttl,
) -> Command {
    Command {
        name,
        methods,
        effect,
        keys,
        ttl,
    }
}

use Effect::*;
use KeyArgs::{All, EveryOther, First, FirstTwo, Pattern};

/// Every command inference knows, by name. Commands missing here are not cache operations
/// (PUBLISH, PING) or are not classified yet; inference lists such calls under `-v`.
pub const COMMANDS: &[Command] = &[
    // Strings.
    command("GET", &["get"], Read, First, Ttl::None),
    command("MGET", &["mget"], Read, All, Ttl::None),
    command("GETRANGE", &["getrange"], Read, First, Ttl::None),
    command("STRLEN", &["strlen"], Read, First, Ttl::None),
    command("SET", &["set", "set_options"], Change, First, Ttl::Options),
    command("SETNX", &["set_nx"], Change, First, Ttl::None),
    command("SETEX", &["set_ex"], Change, First, Ttl::Seconds(1)),
    command("PSETEX", &["pset_ex"], Change, First, Ttl::Millis(1)),
    command(
        "MSET",
        &["mset", "set_multiple"],
        Change,
        EveryOther,
        Ttl::None,
    ),
    command("MSETNX", &["mset_nx"], Change, EveryOther, Ttl::None),
    command("APPEND", &["append"], Change, First, Ttl::None),
    command("INCR", &["incr"], Change, First, Ttl::None),
    command("INCRBY", &["incr"], Change, First, Ttl::None),
    command("DECR", &["decr"], Change, First, Ttl::None),
    command("DECRBY", &["decr"], Change, First, Ttl::None),
    command("GETSET", &["getset"], ReadChange, First, Ttl::None),
    command("GETEX", &["get_ex"], ReadChange, First, Ttl::Options),
    command("GETDEL", &["get_del"], Invalidate, First, Ttl::None),
    // Keys.
    command("DEL", &["del"], Invalidate, All, Ttl::None),
    command("UNLINK", &["unlink"], Invalidate, All, Ttl::None),
    command("EXISTS", &["exists"], Read, All, Ttl::None),
    command("EXPIRE", &["expire"], Expire, First, Ttl::Seconds(1)),
    command("PEXPIRE", &["pexpire"], Expire, First, Ttl::Millis(1)),
    command("PERSIST", &["persist"], Change, First, Ttl::None),
    command("TTL", &["ttl"], Read, First, Ttl::None),
    command("RENAME", &["rename"], Change, FirstTwo, Ttl::None),
    command("KEYS", &["keys"], Match, Pattern, Ttl::None),
    command("SCAN", &["scan_match"], Match, Pattern, Ttl::None),
    command(
        "FLUSHDB",
        &["flushdb"],
        InvalidateAll,
        KeyArgs::None,
        Ttl::None,
    ),
    command(
        "FLUSHALL",
        &["flushall"],
        InvalidateAll,
        KeyArgs::None,
        Ttl::None,
    ),
    // Hashes.
    command("HGET", &["hget"], Read, First, Ttl::None),
    command("HMGET", &["hget"], Read, First, Ttl::None),
    command("HGETALL", &["hgetall"], Read, First, Ttl::None),
    command("HKEYS", &["hkeys"], Read, First, Ttl::None),
    command("HVALS", &["hvals"], Read, First, Ttl::None),
    command("HEXISTS", &["hexists"], Read, First, Ttl::None),
    command("HLEN", &["hlen"], Read, First, Ttl::None),
    command("HSET", &["hset", "hset_multiple"], Change, First, Ttl::None),
    command("HSETNX", &["hset_nx"], Change, First, Ttl::None),
    command("HDEL", &["hdel"], Change, First, Ttl::None),
    command("HINCRBY", &["hincr"], Change, First, Ttl::None),
    // Sets.
    command("SMEMBERS", &["smembers"], Read, First, Ttl::None),
    command("SISMEMBER", &["sismember"], Read, First, Ttl::None),
    command("SCARD", &["scard"], Read, First, Ttl::None),
    command("SADD", &["sadd"], Change, First, Ttl::None),
    command("SREM", &["srem"], Change, First, Ttl::None),
    command("SPOP", &["spop"], ReadChange, First, Ttl::None),
    command("SMOVE", &["smove"], Change, FirstTwo, Ttl::None),
    // Sorted sets.
    command(
        "ZRANGE",
        &["zrange", "zrange_withscores"],
        Read,
        First,
        Ttl::None,
    ),
    command(
        "ZREVRANGE",
        &["zrevrange", "zrevrange_withscores"],
        Read,
        First,
        Ttl::None,
    ),
    command("ZRANGEBYSCORE", &["zrangebyscore"], Read, First, Ttl::None),
    command("ZSCORE", &["zscore"], Read, First, Ttl::None),
    command("ZCARD", &["zcard"], Read, First, Ttl::None),
    command("ZRANK", &["zrank"], Read, First, Ttl::None),
    command("ZADD", &["zadd", "zadd_multiple"], Change, First, Ttl::None),
    command("ZREM", &["zrem"], Change, First, Ttl::None),
    command("ZINCRBY", &["zincr"], Change, First, Ttl::None),
    command("ZPOPMIN", &["zpopmin"], ReadChange, First, Ttl::None),
    command("ZPOPMAX", &["zpopmax"], ReadChange, First, Ttl::None),
    // Lists.
    command("LRANGE", &["lrange"], Read, First, Ttl::None),
    command("LINDEX", &["lindex"], Read, First, Ttl::None),
    command("LLEN", &["llen"], Read, First, Ttl::None),
    command("LPUSH", &["lpush"], Change, First, Ttl::None),
    command("RPUSH", &["rpush"], Change, First, Ttl::None),
    command("LSET", &["lset"], Change, First, Ttl::None),
    command("LREM", &["lrem"], Change, First, Ttl::None),
    command("LTRIM", &["ltrim"], Change, First, Ttl::None),
    command("LPOP", &["lpop"], ReadChange, First, Ttl::None),
    command("RPOP", &["rpop"], ReadChange, First, Ttl::None),
];

/// The command `name` (any case), as `cmd("…")` names it.
/// Method names that end a `cmd("…").arg(..)` chain by sending it.
pub const SENDERS: [&str; 8] = [
    "query",
    "query_async",
    "exec",
    "exec_async",
    "execute",
    "iter",
    "iter_async",
    "ignore",
];

/// Whether a call or method of this name can be a client call (a command method, `cmd`,
/// `arg`, `pipe`, a sender): inference resolves these even where no annotation leads.
pub fn client_name(name: &str) -> bool {
    by_method(name).is_some()
        || matches!(name, "cmd" | "arg" | "pipe" | "keys" | "scan_match")
        || SENDERS.contains(&name)
}

/// The client crates whose calls are cache operations, as code names them.
pub const CLIENT_CRATES: [&str; 2] = ["redis", "fred"];

pub fn by_name(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// The command the redis crate's `Commands`/`AsyncCommands` method `method` sends (the first
/// listed when several share it, e.g. `incr` sends INCRBY, listed after INCR: same effect).
pub fn by_method(method: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.methods.contains(&method))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per command, as an independent statement of the table: name, effect, keys, ttl.
    #[test]
    fn every_row() {
        let expected: &[(&str, Effect, KeyArgs, Ttl)] = &[
            ("GET", Read, First, Ttl::None),
            ("MGET", Read, All, Ttl::None),
            ("GETRANGE", Read, First, Ttl::None),
            ("STRLEN", Read, First, Ttl::None),
            ("SET", Change, First, Ttl::Options),
            ("SETNX", Change, First, Ttl::None),
            ("SETEX", Change, First, Ttl::Seconds(1)),
            ("PSETEX", Change, First, Ttl::Millis(1)),
            ("MSET", Change, EveryOther, Ttl::None),
            ("MSETNX", Change, EveryOther, Ttl::None),
            ("APPEND", Change, First, Ttl::None),
            ("INCR", Change, First, Ttl::None),
            ("INCRBY", Change, First, Ttl::None),
            ("DECR", Change, First, Ttl::None),
            ("DECRBY", Change, First, Ttl::None),
            ("GETSET", ReadChange, First, Ttl::None),
            ("GETEX", ReadChange, First, Ttl::Options),
            ("GETDEL", Invalidate, First, Ttl::None),
            ("DEL", Invalidate, All, Ttl::None),
            ("UNLINK", Invalidate, All, Ttl::None),
            ("EXISTS", Read, All, Ttl::None),
            ("EXPIRE", Expire, First, Ttl::Seconds(1)),
            ("PEXPIRE", Expire, First, Ttl::Millis(1)),
            ("PERSIST", Change, First, Ttl::None),
            ("TTL", Read, First, Ttl::None),
            ("RENAME", Change, FirstTwo, Ttl::None),
            ("KEYS", Match, Pattern, Ttl::None),
            ("SCAN", Match, Pattern, Ttl::None),
            ("FLUSHDB", InvalidateAll, KeyArgs::None, Ttl::None),
            ("FLUSHALL", InvalidateAll, KeyArgs::None, Ttl::None),
            ("HGET", Read, First, Ttl::None),
            ("HMGET", Read, First, Ttl::None),
            ("HGETALL", Read, First, Ttl::None),
            ("HKEYS", Read, First, Ttl::None),
            ("HVALS", Read, First, Ttl::None),
            ("HEXISTS", Read, First, Ttl::None),
            ("HLEN", Read, First, Ttl::None),
            ("HSET", Change, First, Ttl::None),
            ("HSETNX", Change, First, Ttl::None),
            ("HDEL", Change, First, Ttl::None),
            ("HINCRBY", Change, First, Ttl::None),
            ("SMEMBERS", Read, First, Ttl::None),
            ("SISMEMBER", Read, First, Ttl::None),
            ("SCARD", Read, First, Ttl::None),
            ("SADD", Change, First, Ttl::None),
            ("SREM", Change, First, Ttl::None),
            ("SPOP", ReadChange, First, Ttl::None),
            ("SMOVE", Change, FirstTwo, Ttl::None),
            ("ZRANGE", Read, First, Ttl::None),
            ("ZREVRANGE", Read, First, Ttl::None),
            ("ZRANGEBYSCORE", Read, First, Ttl::None),
            ("ZSCORE", Read, First, Ttl::None),
            ("ZCARD", Read, First, Ttl::None),
            ("ZRANK", Read, First, Ttl::None),
            ("ZADD", Change, First, Ttl::None),
            ("ZREM", Change, First, Ttl::None),
            ("ZINCRBY", Change, First, Ttl::None),
            ("ZPOPMIN", ReadChange, First, Ttl::None),
            ("ZPOPMAX", ReadChange, First, Ttl::None),
            ("LRANGE", Read, First, Ttl::None),
            ("LINDEX", Read, First, Ttl::None),
            ("LLEN", Read, First, Ttl::None),
            ("LPUSH", Change, First, Ttl::None),
            ("RPUSH", Change, First, Ttl::None),
            ("LSET", Change, First, Ttl::None),
            ("LREM", Change, First, Ttl::None),
            ("LTRIM", Change, First, Ttl::None),
            ("LPOP", ReadChange, First, Ttl::None),
            ("RPOP", ReadChange, First, Ttl::None),
        ];
        assert_eq!(COMMANDS.len(), expected.len(), "a row without its test");
        for &(name, effect, keys, ttl) in expected {
            let row = by_name(name).unwrap_or_else(|| panic!("{name} is not in the table"));
            assert_eq!(
                (row.effect, row.keys, row.ttl),
                (effect, keys, ttl),
                "{name}"
            );
        }
    }

    #[test]
    fn names_are_unique_and_found_in_any_case() {
        for (i, row) in COMMANDS.iter().enumerate() {
            assert!(
                COMMANDS[i + 1..].iter().all(|other| other.name != row.name),
                "{} twice",
                row.name
            );
        }
        assert_eq!(by_name("del").map(|c| c.name), Some("DEL"));
        assert_eq!(by_name("UnLink").map(|c| c.name), Some("UNLINK"));
        assert!(by_name("PUBLISH").is_none() && by_name("PING").is_none());
    }

    #[test]
    fn the_crates_methods_send_their_commands() {
        for (method, command) in [
            ("get", "GET"),
            ("set_ex", "SETEX"),
            ("pset_ex", "PSETEX"),
            ("set_multiple", "MSET"),
            ("del", "DEL"),
            ("unlink", "UNLINK"),
            ("get_del", "GETDEL"),
            ("expire", "EXPIRE"),
            ("hset_multiple", "HSET"),
            ("scan_match", "SCAN"),
            ("zrange_withscores", "ZRANGE"),
            ("incr", "INCR"),
        ] {
            assert_eq!(by_method(method).map(|c| c.name), Some(command), "{method}");
        }
        assert!(by_method("publish").is_none());
    }
}
