//! `mistyped_invalidation`: a write key that overlaps no read key but is one edit away from
//! one (a near miss), with the corrected key as a machine-applicable suggestion.
//!
//! A near miss is decided on segments, never on the raw text, so that a deliberate empty
//! segment (`list::<mode>`) is a segment like any other. Write key `W` is a near miss when one
//! of these edits turns it into a key that overlaps some read key:
//! 1. removing one separator (an extra one, or one of a doubled pair: `cache::post:<id>`);
//! 2. inserting one separator (a missing one: `user:<id>settings`), or writing it in place of
//!    another punctuation char (`user_<id>:settings`);
//! 3. replacing one segment by the read key's segment at the same position, when both hold
//!    the same placeholders and their literal text is at most `max(1, n / 3)` single-character
//!    edits apart (insert, delete, substitute, swap two neighbours; `n` = the read segment's
//!    length in chars), and fewer than `n` (replacing all of `a` by `b` is no typo);
//! 4. replacing one version segment (`v<digits>`) by the read key's other version.
//!
//! Several near misses: a correction that gives exactly a read's key (placeholder names aside)
//! wins over one that covers or is covered by it, which wins over one that only overlaps it;
//! then the fewest character edits, then the corrected text.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::{Label, Level, Suggestion};
use crate::graph::{KeySite, Model};
use cachelint_core::KeyPattern;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "mistyped_invalidation",
    default_level: Level::Error,
    summary: "a write key that overlaps no read key but is one edit away from one",
    docs: include_str!("docs/mistyped_invalidation.md"),
    allow_at: AllowAt::Write,
};

/// Which single edit corrects the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// One separator of a doubled pair removed.
    DoubledSeparator,
    /// A separator between two non-empty segments removed.
    ExtraSeparator,
    /// A separator inserted.
    MissingSeparator,
    /// Another punctuation char written where the separator belongs (`user_<id>:settings`).
    MistypedSeparator(char),
    /// Segment text replaced (`from` → `to`).
    Segment { from: String, to: String },
    /// Version segment replaced (`from` → `to`).
    Version { from: String, to: String },
}

impl Edit {
    /// What the edit corrects, for the primary label.
    fn describe(&self, sep: char) -> String {
        match self {
            Edit::DoubledSeparator => format!("a doubled separator `{sep}{sep}`"),
            Edit::ExtraSeparator => format!("an extra separator `{sep}`"),
            Edit::MissingSeparator => format!("a missing separator `{sep}`"),
            Edit::MistypedSeparator(c) => format!("`{c}` where the separator `{sep}` belongs"),
            Edit::Segment { from, to } => format!("`{from}` where the read has `{to}`"),
            Edit::Version { from, to } => format!("version `{from}` where the read has `{to}`"),
        }
    }
}

/// A write key's correction: the corrected key's text, the edit, and the read it then
/// overlaps.
#[derive(Debug, Clone)]
pub struct NearMiss<'a> {
    pub corrected: String,
    /// `corrected`, parsed.
    pub corrected_key: KeyPattern,
    pub edit: Edit,
    pub read: &'a KeySite,
    /// Character edits the correction makes (1 for a separator or a version).
    cost: usize,
    /// How closely the corrected key matches the read (lower is closer).
    fit: Fit,
}

/// How the corrected key relates to the read it now overlaps, closest first: a correction that
/// gives exactly the read's key beats one whose placeholders merely absorb the difference
/// (`user:_<id>:settings` also overlaps `user:<id>:settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// The same key, placeholder names aside.
    Same,
    /// One covers the other.
    Covers,
    /// They only overlap.
    Overlaps,
}

/// The best near miss of `write` among `reads` (see the module docs), if any. `write` is
/// assumed to overlap none of them; `overlapping(key)` lists the reads a key overlaps.
pub fn near_miss<'a>(
    write: &KeyPattern,
    reads: &'a [KeySite],
    read_segments: &[Vec<String>],
    overlapping: &dyn Fn(&KeyPattern) -> Vec<usize>,
) -> Option<NearMiss<'a>> {
    let sep = write.separator();
    let segments = write.segment_texts();
    let mut found: Vec<NearMiss<'a>> = Vec::new();
    let mut consider = |texts: Vec<String>, edit: Edit, cost: usize, only: Option<usize>| {
        let corrected = texts.join(&sep.to_string());
        let Ok(key) = KeyPattern::parse(&corrected, sep) else {
            return;
        };
        for r in overlapping(&key) {
            if only.is_some_and(|only| only != r) {
                continue;
            }
            let read = &reads[r].key;
            let fit = if read.canonical() == key.canonical() {
                Fit::Same
            } else if read.covers(&key) || key.covers(read) {
                Fit::Covers
            } else {
                Fit::Overlaps
            };
            found.push(NearMiss {
                corrected: corrected.clone(),
                corrected_key: key.clone(),
                edit: edit.clone(),
                read: &reads[r],
                cost,
                fit,
            });
        }
    };
    // 1. One separator removed.
    for i in 0..segments.len().saturating_sub(1) {
        let (left, right) = (&segments[i], &segments[i + 1]);
        if left == "*" || right == "*" {
            continue;
        }
        // A doubled pair surrounds an empty segment; a leading or trailing one is extra.
        let last = segments.len() - 1;
        let edit = if (left.is_empty() && i > 0) || (right.is_empty() && i + 1 < last) {
            Edit::DoubledSeparator
        } else {
            Edit::ExtraSeparator
        };
        let mut texts = segments.clone();
        texts[i] = format!("{left}{right}");
        texts.remove(i + 1);
        consider(texts, edit, 1, None);
    }
    // 2. One separator inserted, anywhere but inside a placeholder.
    for (i, segment) in segments.iter().enumerate() {
        if segment == "*" {
            continue;
        }
        let mut inside = false;
        for (at, c) in segment.char_indices().chain([(segment.len(), ' ')]) {
            if !inside {
                let mut texts = segments.clone();
                texts[i] = segment[..at].to_string();
                texts.insert(i + 1, segment[at..].to_string());
                consider(texts, Edit::MissingSeparator, 1, None);
            }
            match c {
                '<' => inside = true,
                '>' => inside = false,
                _ => {}
            }
        }
    }
    // 2b. Another punctuation char where the separator belongs, outside placeholders.
    for (i, segment) in segments.iter().enumerate() {
        if segment == "*" {
            continue;
        }
        let mut inside = false;
        for (at, c) in segment.char_indices() {
            match c {
                '<' => inside = true,
                '>' => inside = false,
                _ if !inside && c.is_ascii_punctuation() => {
                    let mut texts = segments.clone();
                    texts[i] = segment[..at].to_string();
                    texts.insert(i + 1, segment[at + c.len_utf8()..].to_string());
                    consider(texts, Edit::MistypedSeparator(c), 1, None);
                }
                _ => {}
            }
        }
    }
    // 3 and 4. One segment replaced by a read's segment at the same position.
    for (r, read) in reads.iter().enumerate() {
        if read.key.separator() != sep {
            continue;
        }
        let theirs = &read_segments[r];
        // Only one segment changes, so every other pair must already agree: two literal
        // segments that differ (a placeholder may still absorb a difference) rule it out.
        // This keeps the search linear in the reads for the common far-apart key.
        let open = |x: &String| x == "*" || x.contains('<');
        let clash = |(a, b): (&String, &String)| a != b && !open(a) && !open(b);
        let clashes = segments.iter().zip(theirs).filter(|&p| clash(p)).count();
        if clashes > 1 {
            continue;
        }
        for (i, (mine, their)) in segments.iter().zip(theirs).enumerate() {
            if mine == "*" || their == "*" || (clashes == 1 && !clash((mine, their))) {
                continue;
            }
            let (Some(edit), cost) = segment_edit(mine, their) else {
                continue;
            };
            let mut texts = segments.clone();
            texts[i] = their.clone();
            consider(texts, edit, cost, Some(r));
        }
    }
    found.into_iter().min_by(|a, b| {
        (a.fit, a.cost, &a.corrected, a.read.span).cmp(&(b.fit, b.cost, &b.corrected, b.read.span))
    })
}

/// Whether segment `mine` is one segment edit from `theirs` (rules 3 and 4), and its cost.
fn segment_edit(mine: &str, theirs: &str) -> (Option<Edit>, usize) {
    let version = |s: &str| {
        s.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let edit = |from: &str, to: &str| (from.to_string(), to.to_string());
    if version(mine) && version(theirs) && mine != theirs {
        let (from, to) = edit(mine, theirs);
        return (Some(Edit::Version { from, to }), 1);
    }
    // Placeholders are compared by position only: each becomes one char no literal holds.
    let (a, holes_a) = literal_shape(mine);
    let (b, holes_b) = literal_shape(theirs);
    if holes_a != holes_b || a == b {
        return (None, 0);
    }
    let n = b.chars().count();
    let bound = (n / 3).max(1);
    // The distance is at least the difference in length: most pairs stop here.
    if a.chars().count().abs_diff(n) > bound {
        return (None, 0);
    }
    let distance = strsim::damerau_levenshtein(&a, &b);
    if distance <= bound && distance < n {
        let (from, to) = edit(mine, theirs);
        (Some(Edit::Segment { from, to }), distance)
    } else {
        (None, 0)
    }
}

/// `text` with each `<name>` replaced by one placeholder char, and how many there were.
fn literal_shape(text: &str) -> (String, usize) {
    let mut shape = String::new();
    let mut holes = 0;
    let mut inside = false;
    for c in text.chars() {
        match c {
            '<' => {
                inside = true;
                holes += 1;
                shape.push('\u{fffc}');
            }
            '>' => inside = false,
            _ if !inside => shape.push(c),
            _ => {}
        }
    }
    (shape, holes)
}

/// A write key that overlaps no read key, with its near miss if it has one.
pub type UnreadWrite<'a> = (&'a KeySite, Option<NearMiss<'a>>);

/// Every write key that overlaps no read key nor any `depends_on` key, with its near miss
/// if it has one, in the order of `model.writes`.
pub fn unread_writes(model: &Model) -> Vec<UnreadWrite<'_>> {
    // A key some read declares it `depends_on` is cached data too, even if no function reads
    // it by name: invalidating it is not dead.
    let declared: Vec<&KeyPattern> = model
        .declared
        .iter()
        .flatten()
        .flatten()
        .map(|d| &d.key)
        .collect();
    let overlapping = |key: &KeyPattern| -> Vec<usize> {
        model
            .read_index
            .candidates(key)
            .into_iter()
            .filter(|&r| model.reads[r].key.overlaps(key))
            .collect()
    };
    // Each read's segments, once: every write nothing reads is compared with every read.
    let read_segments: Vec<Vec<String>> =
        model.reads.iter().map(|r| r.key.segment_texts()).collect();
    model
        .writes
        .iter()
        .filter(|w| overlapping(&w.key).is_empty() && !declared.iter().any(|k| k.overlaps(&w.key)))
        .map(|w| {
            let near = near_miss(&w.key, &model.reads, &read_segments, &overlapping);
            (w, near)
        })
        .collect()
}

/// Labels for the reported read `read` at each mistyped write of `unread` (from
/// [`unread_writes`]) whose correction would invalidate it: the read-side finding then shows the typo that leaves it stale.
pub fn labels_for_read(cx: &Context, unread: &[UnreadWrite], read: &KeySite) -> Vec<Label> {
    let model = cx.model;
    unread
        .iter()
        .filter_map(|(write, near)| {
            let near = near.as_ref()?;
            near.corrected_key.covers(&read.key).then(|| {
                cx.label(
                    write.span,
                    format!(
                        "`{}` writes `{}` here, one edit from `{}` (mistyped_invalidation)",
                        model.display_name(write.function),
                        write.key,
                        near.corrected
                    ),
                )
            })
        })
        .collect()
}

/// A key pattern as a SCAN/KEYS glob: each placeholder `*`.
fn glob_of(pattern: &str) -> String {
    let mut out = String::new();
    let mut in_placeholder = false;
    for c in pattern.chars() {
        match c {
            '<' => {
                in_placeholder = true;
                out.push('*');
            }
            '>' => in_placeholder = false,
            c if !in_placeholder => out.push(c),
            _ => {}
        }
    }
    out
}

/// Reports `write`, a near miss of `near.read`.
pub fn report(cx: &Context, sink: &mut Sink, write: &KeySite, near: &NearMiss) {
    let model = cx.model;
    let function = model.display_name(write.function);
    let reader = model.display_name(near.read.function);
    let written = write.key.to_string();
    let what = near.edit.describe(write.key.separator());
    let related = vec![cx.label(
        near.read.span,
        format!("`{}` is read here, by `{reader}`", near.read.key),
    )];
    let inferred_help = write.inferred.as_ref().and_then(|inferred| {
        (!inferred.literal).then(|| {
            format!(
                "`{}` builds `{written}` here: build `{}` instead",
                inferred.call, near.corrected
            )
        })
    });
    let glob_literal = write.inferred.as_ref().is_some_and(|i| i.literal && i.glob);
    let (help, suggestion) = match &write.constant {
        _ if inferred_help.is_some() => (inferred_help, None),
        _ if glob_literal => {
            // The pattern as the glob writes it: placeholders are `*`.
            let glob = glob_of(&near.corrected.to_string());
            (
                None,
                Some(Suggestion {
                    location: cx.locator.location(write.span),
                    replacement: format!("{glob:?}"),
                    message: format!("did you mean `{glob}`?"),
                }),
            )
        }
        Some(constant) => (
            Some(format!(
                "the constant `{constant}` holds `{written}`: change its value to `{}`",
                near.corrected
            )),
            None,
        ),
        None => (
            None,
            Some(Suggestion {
                location: cx.locator.location(write.span),
                replacement: format!("{:?}", near.corrected),
                message: format!("did you mean `{}`?", near.corrected),
            }),
        ),
    };
    let draft = Draft {
        message: format!(
            "`{function}` invalidates `{written}`, {}",
            if near.fit == Fit::Same {
                format!("one edit from the read key `{}`", near.read.key)
            } else {
                format!(
                    "one edit from `{}`, which would invalidate the read key `{}`",
                    near.corrected, near.read.key
                )
            }
        ),
        primary: cx.label(write.span, format!("{what}: this invalidates nothing")),
        related,
        notes: vec![format!(
            "so `{}` stays cached after `{function}` runs",
            near.read.key
        )],
        help,
        suggestion,
        identity: vec![write.key.canonical(), model.qualified_name(write.function)],
    };
    sink.report(&RULE, &write.allow, draft);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Pos, SrcSpan};

    fn site(key: &str, sep: char, n: u32) -> KeySite {
        let at = Pos { line: n, column: 1 };
        KeySite {
            function: 0,
            key: KeyPattern::parse(key, sep).expect(key),
            span: SrcSpan {
                file: 0,
                start: at,
                end: at,
            },
            allow: Vec::new(),
            ttl: None,
            constant: None,
            inferred: None,
        }
    }

    /// The corrected text of `write` given `reads` (separator `:`), or `None`.
    fn correct(write: &str, reads: &[&str]) -> Option<String> {
        correct_with(write, reads, ':')
    }

    fn correct_with(write: &str, reads: &[&str], sep: char) -> Option<String> {
        let sites: Vec<KeySite> = (0..).zip(reads).map(|(n, r)| site(r, sep, n + 1)).collect();
        let write = KeyPattern::parse(write, sep).expect(write);
        assert!(
            sites.iter().all(|r| !r.key.overlaps(&write)),
            "a near miss overlaps nothing"
        );
        let overlapping = |key: &KeyPattern| -> Vec<usize> {
            (0..sites.len())
                .filter(|&r| sites[r].key.overlaps(key))
                .collect()
        };
        let segments: Vec<Vec<String>> = sites.iter().map(|r| r.key.segment_texts()).collect();
        near_miss(&write, &sites, &segments, &overlapping).map(|n| n.corrected)
    }

    #[test]
    fn one_edit_is_a_near_miss() {
        let cases = [
            // Doubled, extra and missing separators.
            (
                "cache::post:<id>:v2",
                "cache:post:<id>:v2",
                "cache:post:<id>:v2",
            ),
            ("user:<id>:", "user:<id>", "user:<id>"),
            (
                "team:<tid>:mem:bers",
                "team:<tid>:members",
                "team:<tid>:members",
            ),
            (
                "user:<id>settings",
                "user:<id>:settings",
                "user:<id>:settings",
            ),
            ("list:<mode>", "list::<mode>", "list::<mode>"),
            (
                "user_<id>:settings",
                "user:<id>:settings",
                "user:<id>:settings",
            ),
            (
                "user:<id>-settings",
                "user:<id>:settings",
                "user:<id>:settings",
            ),
            // One mistyped segment: within max(1, n/3) edits.
            ("user:<id>:profle", "user:<id>:profile", "user:<id>:profile"),
            ("user:<id>:prfle", "user:<id>:profile", "user:<id>:profile"),
            ("order:<id>:itmes", "order:<id>:items", "order:<id>:items"),
            ("post:<id>:bdy", "post:<id>:body", "post:<id>:body"),
            ("usr:<id>:*", "user:<id>:profile", "user:<id>:*"),
            ("user:42:profle", "user:<id>:profile", "user:42:profile"),
            ("page-<n>:x", "pages-<n>:x", "pages-<n>:x"),
            // Another version, however far apart the numbers.
            ("feed:<uid>:v1", "feed:<uid>:v2", "feed:<uid>:v2"),
            ("feed:<uid>:v2", "feed:<uid>:v10", "feed:<uid>:v10"),
        ];
        for (write, read, expected) in cases {
            assert_eq!(
                correct(write, &[read]).as_deref(),
                Some(expected),
                "{write} vs {read}"
            );
        }
    }

    #[test]
    fn more_than_one_edit_is_not() {
        let cases = [
            ("post:<id>:bd", "post:<id>:body"),     // two edits in four chars
            ("user:<id>:prf", "user:<id>:profile"), // four edits in seven
            ("b:<id>", "a:<id>"),                   // a whole one-char segment
            ("v:<id>", "w:<id>"),                   // a whole one-char segment
            ("team::<tid>:membrs", "team:<tid>:members"), // separator and segment
            ("cache::post::<id>", "cache:post:<id>"), // two separators
            ("audit:<id>:trail", "user:<id>:profile"),
            ("user:<id>:avatar", "user:<id>:profile"),
            ("user:<id>:v1:a", "user:<id>:v2:b"), // a version and a segment
        ];
        for (write, read) in cases {
            assert_eq!(correct(write, &[read]), None, "{write} vs {read}");
        }
    }

    #[test]
    fn the_fewest_edits_win_then_the_text() {
        let reads = ["user:<id>:profiles", "user:<id>:profile"];
        assert_eq!(
            correct("user:<id>:profle", &reads).as_deref(),
            Some("user:<id>:profile")
        );
        // Equal cost: the smaller corrected text, whatever the order of the reads.
        let reads = ["a:<id>:xb", "a:<id>:xa"];
        assert_eq!(correct("a:<id>:xc", &reads).as_deref(), Some("a:<id>:xa"));
    }

    #[test]
    fn the_read_it_becomes_wins_over_one_it_only_overlaps() {
        // `APP:<org_id>_LIMITS` with `_`: inserting a `_` after `APP` would overlap the
        // placeholder read; writing `_` for `:` gives exactly the `LIMITS` read.
        let reads = ["APP_<org_id>_<idempotency_hash>", "APP_<org_id>_LIMITS"];
        assert_eq!(
            correct_with("APP:<org_id>_LIMITS", &reads, '_').as_deref(),
            Some("APP_<org_id>_LIMITS")
        );
    }

    #[test]
    fn any_separator_and_placeholders_stay_whole() {
        assert_eq!(
            correct_with("APP__<org_id>", &["APP_<org_id>"], '_').as_deref(),
            Some("APP_<org_id>")
        );
        // A separator is never inserted inside a placeholder name.
        assert_eq!(correct_with("X_<ab>", &["X_<a>_b"], '_'), None);
    }
}
