//! Property tests for the key grammar: `covers`/`overlaps` checked against their definitions
//! (sampling and brute-force enumeration with an independent matcher), and parse/display
//! round trips on generated and arbitrary text.

use std::sync::OnceLock;

use cachelint_core::key::{KeyPattern, Part, Segment};
use proptest::prelude::*;

const SEP: char = ':';
/// Chars sampled into concrete keys: the literal alphabet plus one char no literal uses.
const KEY_CHARS: [char; 4] = ['a', 'b', '-', 'x'];
/// Brute-force strings are every string over these chars up to this length.
const BRUTE_CHARS: [char; 5] = ['a', 'b', '-', ':', 'x'];
const BRUTE_LEN: usize = 6;

#[derive(Debug, Clone)]
enum GenPart {
    Lit(String),
    Hole(&'static str),
}

/// A pattern as generated, before parsing: segments of parts, then an optional `*`.
#[derive(Debug, Clone)]
struct GenPattern {
    segments: Vec<Vec<GenPart>>,
    star: bool,
}

impl GenPattern {
    fn render(&self) -> String {
        let mut segments: Vec<String> = self
            .segments
            .iter()
            .map(|parts| {
                parts
                    .iter()
                    .map(|part| match part {
                        GenPart::Lit(text) => text.clone(),
                        GenPart::Hole(name) => format!("<{name}>"),
                    })
                    .collect()
            })
            .collect();
        if self.star {
            segments.push("*".to_owned());
        }
        segments.join(":")
    }

    fn parse(&self) -> KeyPattern {
        let text = self.render();
        KeyPattern::parse(&text, SEP).unwrap_or_else(|e| panic!("generated {text:?}: {e:?}"))
    }
}

/// A tiny deterministic generator so samples depend only on a proptest-chosen seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn chars(&mut self, min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        (0..len)
            .map(|_| KEY_CHARS[self.below(KEY_CHARS.len())])
            .collect()
    }
}

fn gen_part(max_lit: usize) -> impl Strategy<Value = GenPart> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(vec!['a', 'b', '-']), 1..=max_lit)
            .prop_map(|chars| GenPart::Lit(chars.into_iter().collect())),
        prop::sample::select(vec!["id", "n", "x"]).prop_map(GenPart::Hole),
    ]
}

fn gen_pattern_sized(
    max_segments: usize,
    max_parts: usize,
    max_lit: usize,
) -> impl Strategy<Value = GenPattern> {
    (
        prop::collection::vec(
            prop::collection::vec(gen_part(max_lit), 0..=max_parts),
            0..=max_segments,
        ),
        any::<bool>(),
    )
        .prop_map(|(segments, star)| {
            let mut pattern = GenPattern { segments, star };
            // The only text the grammar rejects: one empty segment and no `*`.
            if pattern.render().is_empty() {
                pattern.segments = vec![vec![GenPart::Lit("a".to_owned())]];
            }
            pattern
        })
}

fn gen_pattern() -> impl Strategy<Value = GenPattern> {
    gen_pattern_sized(3, 3, 3)
}

/// Small enough that brute force up to `BRUTE_LEN` often decides `overlaps`.
fn small_pattern() -> impl Strategy<Value = GenPattern> {
    gen_pattern_sized(2, 2, 2)
}

/// A concrete key of `pattern`: placeholders become 1-3 chars, `*` becomes 0-2 segments.
fn sample(pattern: &KeyPattern, rng: &mut Rng) -> String {
    let mut out = Vec::new();
    for segment in pattern.segments() {
        match segment {
            Segment::Wildcard => {
                let count = rng.below(3);
                let tail: Vec<String> = (0..count).map(|_| rng.chars(0, 2)).collect();
                out.push(tail.join(":"));
            }
            Segment::Parts(parts) => out.push(
                parts
                    .iter()
                    .map(|part| match part {
                        Part::Literal(text) => text.clone(),
                        Part::Placeholder(_) => rng.chars(1, 3),
                    })
                    .collect(),
            ),
        }
    }
    out.join(":")
}

/// A pattern whose language is a subset of `pattern`'s.
fn specialize(pattern: &GenPattern, rng: &mut Rng) -> GenPattern {
    let mut segments: Vec<Vec<GenPart>> = pattern
        .segments
        .iter()
        .map(|parts| {
            parts
                .iter()
                .map(|part| match part {
                    GenPart::Hole(_) if rng.below(2) == 0 => GenPart::Lit(rng.chars(1, 3)),
                    other => other.clone(),
                })
                .collect()
        })
        .collect();
    let mut star = pattern.star;
    if star && rng.below(2) == 0 {
        // Any segments at all stand in for `*`, even ones holding placeholders or a new `*`.
        for _ in 0..=rng.below(3) {
            let parts = (0..rng.below(3))
                .map(|_| {
                    if rng.below(2) == 0 {
                        GenPart::Hole("s")
                    } else {
                        GenPart::Lit(rng.chars(1, 2))
                    }
                })
                .collect();
            segments.push(parts);
        }
        star = rng.below(3) == 0;
    }
    GenPattern { segments, star }
}

/// A pattern whose language is a superset of `pattern`'s.
fn generalize(pattern: &GenPattern, rng: &mut Rng) -> GenPattern {
    let mut segments: Vec<Vec<GenPart>> = pattern
        .segments
        .iter()
        .map(|parts| {
            parts
                .iter()
                .map(|part| match part {
                    GenPart::Lit(_) if rng.below(2) == 0 => GenPart::Hole("g"),
                    other => other.clone(),
                })
                .collect()
        })
        .collect();
    let mut star = pattern.star;
    // `*` stands for at least one whole segment, so it must replace one or extend another `*`.
    let replaceable = segments.len() + usize::from(star);
    if replaceable > 0 && rng.below(3) == 0 {
        segments.truncate(rng.below(replaceable));
        star = true;
    }
    GenPattern { segments, star }
}

/// An independent backtracking matcher over the public segment structure.
fn reference_match(segments: &[Segment], text: &[char]) -> bool {
    match segments {
        [] => false,
        [Segment::Wildcard, ..] => true,
        [Segment::Parts(parts)] => parts_match(parts, text),
        [Segment::Parts(parts), rest @ ..] => (0..text.len()).any(|k| {
            text[k] == SEP
                && parts_match(parts, &text[..k])
                && reference_match(rest, &text[k + 1..])
        }),
    }
}

fn parts_match(parts: &[Part], text: &[char]) -> bool {
    match parts {
        [] => text.is_empty(),
        [Part::Literal(literal), rest @ ..] => {
            let literal: Vec<char> = literal.chars().collect();
            text.starts_with(&literal) && parts_match(rest, &text[literal.len()..])
        }
        [Part::Placeholder(_), rest @ ..] => (1..=text.len())
            .take_while(|&len| text[len - 1] != SEP)
            .any(|len| parts_match(rest, &text[len..])),
    }
}

fn brute_strings() -> &'static [Vec<char>] {
    static STRINGS: OnceLock<Vec<Vec<char>>> = OnceLock::new();
    STRINGS.get_or_init(|| {
        let mut all = vec![Vec::new()];
        let mut start = 0;
        for _ in 0..BRUTE_LEN {
            let end = all.len();
            for k in start..end {
                for c in BRUTE_CHARS {
                    let mut longer = all[k].clone();
                    longer.push(c);
                    all.push(longer);
                }
            }
            start = end;
        }
        all
    })
}

/// The length of the shortest key the pattern matches.
fn min_len(pattern: &KeyPattern) -> usize {
    let segments = pattern.segments();
    let inner: usize = segments
        .iter()
        .map(|segment| match segment {
            Segment::Wildcard => 0,
            Segment::Parts(parts) => parts
                .iter()
                .map(|part| match part {
                    Part::Literal(text) => text.chars().count(),
                    Part::Placeholder(_) => 1,
                })
                .sum(),
        })
        .sum();
    inner + segments.len() - 1
}

fn arbitrary_key_text() -> impl Strategy<Value = String> {
    let chars = vec![
        'a', 'b', '-', '_', '1', ':', '<', '>', '*', ' ', '\t', '\u{0}', 'é', '\u{3000}', '😀',
    ];
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(chars), 0..12).prop_map(String::from_iter),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn display_round_trips(pattern in gen_pattern()) {
        let text = pattern.render();
        let key = pattern.parse();
        prop_assert_eq!(key.to_string(), text);
        prop_assert_eq!(KeyPattern::parse(&key.to_string(), SEP), Ok(key));
    }

    #[test]
    fn arbitrary_text_never_panics(text in arbitrary_key_text(), sep in prop_oneof![Just(':'), Just('.'), Just('/')]) {
        match KeyPattern::parse(&text, sep) {
            Ok(key) => {
                prop_assert_eq!(key.to_string(), text.as_str());
                prop_assert_eq!(KeyPattern::parse(&key.to_string(), sep), Ok(key.clone()));
                prop_assert!(key.covers(&key));
                let _ = (key.entity(), key.version_segment(), key.canonical(), key.matches(&text));
            }
            Err(error) => {
                let end = error.offset + error.len;
                prop_assert!(end <= text.len());
                prop_assert!(text.is_char_boundary(error.offset) && text.is_char_boundary(end));
                prop_assert!(error.len >= 1 || text.is_empty());
            }
        }
    }

    #[test]
    fn covers_is_reflexive_and_implies_overlaps(a in gen_pattern(), b in gen_pattern()) {
        let (a, b) = (a.parse(), b.parse());
        prop_assert!(a.covers(&a));
        prop_assert!(a.overlaps(&a));
        if a.covers(&b) {
            prop_assert!(a.overlaps(&b));
        }
        prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        if a.covers(&b) && b.covers(&a) {
            prop_assert_eq!(a.canonical() == b.canonical(), true, "{} and {} cover each other", a, b);
        }
    }

    #[test]
    fn covers_is_transitive(a in gen_pattern(), b in gen_pattern(), c in gen_pattern()) {
        let (a, b, c) = (a.parse(), b.parse(), c.parse());
        if a.covers(&b) && b.covers(&c) {
            prop_assert!(a.covers(&c), "{} ⊇ {} ⊇ {}", a, b, c);
        }
    }

    #[test]
    fn generalizations_cover_specializations(pattern in gen_pattern(), seed in 1..u64::MAX) {
        let mut rng = Rng(seed);
        let general = generalize(&pattern, &mut rng);
        let special = specialize(&pattern, &mut rng);
        let (general, middle) = (general.parse(), pattern.parse());
        prop_assert!(general.covers(&middle), "{} covers {}", general, middle);
        let special_text = special.render();
        if !special_text.is_empty() {
            let special = special.parse();
            prop_assert!(middle.covers(&special), "{} covers {}", middle, special);
            prop_assert!(general.covers(&special), "{} covers {}", general, special);
        }
    }

    #[test]
    fn samples_respect_covers_and_overlaps(write in gen_pattern(), read in gen_pattern(), seed in 1..u64::MAX) {
        let (write, read) = (write.parse(), read.parse());
        let (covers, overlaps) = (write.covers(&read), write.overlaps(&read));
        let mut rng = Rng(seed);
        for _ in 0..16 {
            let concrete = sample(&read, &mut rng);
            let chars: Vec<char> = concrete.chars().collect();
            prop_assert!(read.matches(&concrete), "{} matches its sample {:?}", read, concrete);
            prop_assert!(reference_match(read.segments(), &chars));
            let matched = write.matches(&concrete);
            prop_assert_eq!(matched, reference_match(write.segments(), &chars));
            if covers {
                prop_assert!(matched, "{} covers {} but not {:?}", write, read, concrete);
            }
            if !overlaps {
                prop_assert!(!matched, "{} is disjoint from {} yet both match {:?}", write, read, concrete);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn brute_force_agrees(write in small_pattern(), read in small_pattern()) {
        let (write, read) = (write.parse(), read.parse());
        let mut common = false;
        let mut read_only = false;
        for chars in brute_strings() {
            let text: String = chars.iter().collect();
            let in_write = reference_match(write.segments(), chars);
            let in_read = reference_match(read.segments(), chars);
            prop_assert_eq!(write.matches(&text), in_write, "{} on {:?}", write, text);
            prop_assert_eq!(read.matches(&text), in_read, "{} on {:?}", read, text);
            common |= in_write && in_read;
            read_only |= in_read && !in_write;
        }
        // A shortest common key consumes a non-loop token of either pattern at every char, so
        // it is no longer than the two minimum lengths together.
        if min_len(&write) + min_len(&read) <= BRUTE_LEN {
            prop_assert_eq!(write.overlaps(&read), common, "{} overlaps {}", write, read);
        } else if common {
            prop_assert!(write.overlaps(&read), "{} overlaps {}", write, read);
        }
        if read_only {
            prop_assert!(!write.covers(&read), "{} cannot cover {}", write, read);
        }
    }
}
