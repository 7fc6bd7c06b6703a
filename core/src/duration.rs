//! `ttl` and `max_staleness` durations: `"500ms"`, `"90s"`, `"10m"`, `"2h"`, `"1d"`.
//!
//! The grammar is deliberately strict (ASCII digits, then one unit, nothing else) so that the
//! macro and the analyzer, which both call this function, can never disagree on a value.

use std::time::Duration;

/// Parses a duration; the error is one sentence fragment naming what is wrong.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err("not a number".to_string());
    }
    // `u64::from_str` only fails here on overflow: `digits` is non-empty and all ASCII digits.
    let number: u64 = digits.parse().map_err(|_| "number too large".to_string())?;
    let seconds_per_unit: u64 = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        "" => return Err("missing unit: use ms, s, m, h or d".to_string()),
        _ if unit.starts_with(['.', ',']) => {
            return Err("not a whole number: use a smaller unit".to_string());
        }
        _ => return Err(format!("unknown unit `{}`", unit.escape_debug())),
    };
    number
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| "duration too large".to_string())
}

/// Writes a duration as a ttl is written, in the largest unit that divides it exactly
/// (`90s`, `2m`, `1d`, `500ms`, `0s`): `parse_duration` reads it back.
pub fn format_duration(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms == 0 {
        return "0s".to_string();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_the_largest_exact_unit_and_reads_back() {
        for (ms, text) in [
            (0, "0s"),
            (500, "500ms"),
            (90_000, "90s"),
            (120_000, "2m"),
            (86_400_000, "1d"),
        ] {
            let duration = Duration::from_millis(ms);
            assert_eq!(format_duration(duration), text);
            assert_eq!(parse_duration(text), Ok(duration));
        }
    }

    #[test]
    fn every_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("007s"), Ok(Duration::from_secs(7)));
    }

    #[test]
    fn missing_unit() {
        assert_eq!(
            parse_duration("120").unwrap_err(),
            "missing unit: use ms, s, m, h or d"
        );
    }

    #[test]
    fn unknown_unit() {
        assert_eq!(parse_duration("2w").unwrap_err(), "unknown unit `w`");
        assert_eq!(parse_duration("2S").unwrap_err(), "unknown unit `S`");
        assert_eq!(parse_duration("2 s").unwrap_err(), "unknown unit ` s`");
        assert_eq!(parse_duration("2sec").unwrap_err(), "unknown unit `sec`");
        assert_eq!(parse_duration("2s\n").unwrap_err(), "unknown unit `s\\n`");
    }

    #[test]
    fn not_a_number() {
        for text in [
            "",
            "s",
            "ms",
            "abc",
            "-5s",
            "+5s",
            " 5s",
            "five seconds",
            "٣s",
        ] {
            assert_eq!(
                parse_duration(text).unwrap_err(),
                "not a number",
                "{text:?}"
            );
        }
        assert_eq!(
            parse_duration("1.5h").unwrap_err(),
            "not a whole number: use a smaller unit"
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert_eq!(
            parse_duration("99999999999999999999999s").unwrap_err(),
            "number too large"
        );
        let max = u64::MAX;
        assert_eq!(
            parse_duration(&format!("{max}d")).unwrap_err(),
            "duration too large"
        );
        assert_eq!(
            parse_duration(&format!("{max}ms")),
            Ok(Duration::from_millis(max))
        );
        assert_eq!(
            parse_duration(&format!("{max}s")),
            Ok(Duration::from_secs(max))
        );
    }
}
