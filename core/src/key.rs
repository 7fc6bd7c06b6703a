//! The key grammar (SPEC §3): parse, display, `covers`, `overlaps`, entity, version segment.
//!
//! Matching is exact language arithmetic, not string comparison. Each pattern is compiled once,
//! at parse time, into a linear NFA: one [`Token`] per literal char or separator, two per
//! placeholder (one non-separator char, then a loop of them) and one loop for `*`. State `i` is
//! "about to match token `i`"; state `tokens.len()` accepts. The only ε-moves are "leave a loop",
//! so each state has at most one successor per symbol, which keeps the products below small.
//!
//! Chars that appear in neither pattern's literals behave identically in both, so the searches
//! only need the separator, the literal chars and one `Other` representative as their alphabet.

use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;

/// A parse error in a key pattern, located by byte offset within the key text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// What is wrong, as one lowercase sentence fragment ("`*` may only be the last segment").
    pub message: String,
    /// Byte offset of the offending part within the key text.
    pub offset: usize,
    /// Byte length of the offending part (at least 1 unless the key is empty).
    pub len: usize,
}

impl KeyError {
    fn new(message: &str, offset: usize, len: usize) -> KeyError {
        KeyError {
            message: message.to_owned(),
            offset,
            len,
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KeyError {}

/// One part of a segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Text matched as is.
    Literal(String),
    /// `<name>`: one or more characters other than the separator; the name is documentation.
    Placeholder(String),
}

/// One segment of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Literal text and placeholders; may be empty (`a::b` has an empty middle segment).
    Parts(Vec<Part>),
    /// `*`: one or more whole segments; only the last segment.
    Wildcard,
}

/// A parsed key pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyPattern {
    segments: Vec<Segment>,
    sep: char,
    /// The NFA, derived from `segments` and `sep`, so it never changes equality or hashing.
    tokens: Vec<Token>,
}

impl KeyPattern {
    /// Parses `text` with `sep` as the segment separator, pointing any error at its cause.
    pub fn parse(text: &str, sep: char) -> Result<KeyPattern, KeyError> {
        if text.is_empty() {
            return Err(KeyError::new("empty key", 0, 0));
        }
        let mut segments = Vec::new();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut pos = 0;
        while let Some(c) = text[pos..].chars().next() {
            let next = pos + c.len_utf8();
            // The separator wins over every other meaning, so any separator char round-trips.
            if c == sep {
                segments.push(finish_segment(&mut parts, &mut literal));
            } else if c == '*' {
                let followed_by = text[next..].chars().next();
                if !parts.is_empty() || !literal.is_empty() || followed_by.is_some_and(|f| f != sep)
                {
                    return Err(KeyError::new("`*` must be a whole segment", pos, 1));
                }
                if followed_by.is_some() {
                    return Err(KeyError::new("`*` may only be the last segment", pos, 1));
                }
                segments.push(Segment::Wildcard);
                return Ok(KeyPattern::from_segments(segments, sep));
            } else if c == '<' {
                let (name, end) = parse_placeholder(text, pos, sep)?;
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(Part::Placeholder(name.to_owned()));
                pos = end;
                continue;
            } else if c == '>' {
                return Err(KeyError::new("unmatched `>`", pos, 1));
            } else if let Some(message) = forbidden_char(c) {
                return Err(KeyError::new(message, pos, c.len_utf8()));
            } else {
                literal.push(c);
            }
            pos = next;
        }
        segments.push(finish_segment(&mut parts, &mut literal));
        Ok(KeyPattern::from_segments(segments, sep))
    }

    fn from_segments(segments: Vec<Segment>, sep: char) -> KeyPattern {
        let mut tokens = Vec::new();
        for (index, segment) in segments.iter().enumerate() {
            if index > 0 {
                tokens.push(Token::Sep);
            }
            match segment {
                Segment::Wildcard => tokens.push(Token::Anything),
                Segment::Parts(parts) => {
                    for part in parts {
                        match part {
                            // `with_segment` text may hold the separator; match it as displayed.
                            Part::Literal(text) => tokens.extend(
                                text.chars()
                                    .map(|c| if c == sep { Token::Sep } else { Token::Char(c) }),
                            ),
                            Part::Placeholder(_) => {
                                tokens.extend([Token::OneNonSep, Token::ManyNonSep]);
                            }
                        }
                    }
                }
            }
        }
        KeyPattern {
            segments,
            sep,
            tokens,
        }
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The separator this pattern was parsed with.
    pub fn separator(&self) -> char {
        self.sep
    }

    /// Every concrete key `other` can produce is matched by `self`.
    pub fn covers(&self, other: &KeyPattern) -> bool {
        if self.sep != other.sep {
            return false;
        }
        if self.is_everything() || self.tokens == other.tokens {
            return true;
        }
        // Every pattern matches something, so covering implies overlapping; the product search
        // is much cheaper than the subset construction and rejects most pairs.
        if !self.overlaps(other) {
            return false;
        }
        if self.tokens.len() < u128::BITS as usize {
            covers_nfa::<u128>(&self.tokens, &other.tokens)
        } else {
            covers_nfa::<Vec<u64>>(&self.tokens, &other.tokens)
        }
    }

    /// Some concrete key is matched by both.
    pub fn overlaps(&self, other: &KeyPattern) -> bool {
        self.sep == other.sep && overlaps_nfa(&self.tokens, &other.tokens)
    }

    /// Segments before the first one holding a placeholder or `*`, joined by the separator.
    pub fn entity(&self) -> String {
        let is_literal = |segment: &Segment| match segment {
            Segment::Parts(parts) => parts.iter().all(|part| matches!(part, Part::Literal(_))),
            Segment::Wildcard => false,
        };
        let count = self.segments.iter().take_while(|s| is_literal(s)).count();
        self.text_of(&self.segments[..count], false)
    }

    /// Index and number of the first literal segment `v<digits>`.
    pub fn version_segment(&self) -> Option<(usize, &str)> {
        self.segments
            .iter()
            .enumerate()
            .find_map(|(index, segment)| match segment {
                Segment::Parts(parts) => match parts.as_slice() {
                    [Part::Literal(text)] if is_version(text) => Some((index, text.as_str())),
                    _ => None,
                },
                Segment::Wildcard => None,
            })
    }

    /// Same pattern with segment `index` replaced by the literal `text`.
    ///
    /// An out-of-range `index` returns an unchanged copy. `text` is taken as is; a separator
    /// inside it is matched (and displayed) as a separator.
    pub fn with_segment(&self, index: usize, text: &str) -> KeyPattern {
        let mut segments = self.segments.clone();
        if let Some(slot) = segments.get_mut(index) {
            // An empty segment has no parts, exactly as `parse` builds it.
            let parts = if text.is_empty() {
                Vec::new()
            } else {
                vec![Part::Literal(text.to_owned())]
            };
            *slot = Segment::Parts(parts);
        }
        KeyPattern::from_segments(segments, self.sep)
    }

    /// Each segment's text as displayed (`*` for the wildcard, `""` for an empty segment):
    /// joined by the separator they give back the pattern's text.
    pub fn segment_texts(&self) -> Vec<String> {
        self.segments
            .iter()
            .map(|segment| self.text_of(std::slice::from_ref(segment), false))
            .collect()
    }

    /// Text with every placeholder renamed to `<_>`: equal for patterns that match alike.
    pub fn canonical(&self) -> String {
        self.text_of(&self.segments, true)
    }

    /// The pattern `*`: everything.
    pub fn is_everything(&self) -> bool {
        matches!(self.segments.as_slice(), [Segment::Wildcard])
    }

    /// Whether `concrete` (a key with no placeholder and no `*`) is matched by this pattern.
    pub fn matches(&self, concrete: &str) -> bool {
        if self.tokens.len() < u128::BITS as usize {
            matches_nfa::<u128>(&self.tokens, self.sep, concrete)
        } else {
            matches_nfa::<Vec<u64>>(&self.tokens, self.sep, concrete)
        }
    }

    fn text_of(&self, segments: &[Segment], canonical: bool) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = write_segments(&mut text, segments, self.sep, canonical);
        text
    }
}

impl fmt::Display for KeyPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_segments(f, &self.segments, self.sep, false)
    }
}

fn write_segments(
    out: &mut impl fmt::Write,
    segments: &[Segment],
    sep: char,
    canonical: bool,
) -> fmt::Result {
    for (index, segment) in segments.iter().enumerate() {
        if index > 0 {
            out.write_char(sep)?;
        }
        let Segment::Parts(parts) = segment else {
            out.write_char('*')?;
            continue;
        };
        for part in parts {
            match part {
                Part::Literal(text) => out.write_str(text)?,
                Part::Placeholder(_) if canonical => out.write_str("<_>")?,
                Part::Placeholder(name) => write!(out, "<{name}>")?,
            }
        }
    }
    Ok(())
}

fn finish_segment(parts: &mut Vec<Part>, literal: &mut String) -> Segment {
    if !literal.is_empty() {
        parts.push(Part::Literal(std::mem::take(literal)));
    }
    Segment::Parts(std::mem::take(parts))
}

/// Parses the placeholder whose `<` is at byte `open`; returns its name and the offset after `>`.
fn parse_placeholder(text: &str, open: usize, sep: char) -> Result<(&str, usize), KeyError> {
    let body = open + 1; // `<` is one byte
    // A placeholder is one token whatever the separator: a separator that can be part of an
    // identifier (`_`) belongs to the name (`<idempotency_hash>` with `_`); any other one
    // cannot, so meeting it means the `<` was never closed.
    let in_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let stop = text[body..]
        .find(|c: char| c == '>' || c == '<' || (c == sep && !in_name(c)))
        .map(|k| body + k);
    let Some(close) = stop.filter(|&k| text[k..].starts_with('>') && sep != '>') else {
        return Err(KeyError::new("unclosed placeholder `<`", open, 1));
    };
    let name = &text[body..close];
    if let Some((k, c)) = name
        .char_indices()
        .find(|&(_, c)| forbidden_char(c).is_some())
    {
        let message = forbidden_char(c).unwrap_or_default();
        return Err(KeyError::new(message, body + k, c.len_utf8()));
    }
    if !is_identifier(name) {
        let message = "placeholder name must be an identifier";
        return Err(KeyError::new(message, open, close + 1 - open));
    }
    Ok((name, close + 1))
}

fn forbidden_char(c: char) -> Option<&'static str> {
    if c.is_whitespace() {
        Some("whitespace is not allowed in a key")
    } else if c.is_control() {
        Some("control characters are not allowed in a key")
    } else {
        None
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_version(text: &str) -> bool {
    text.strip_prefix('v')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// One NFA position; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Token {
    Char(char),
    Sep,
    /// The first char of a placeholder.
    OneNonSep,
    /// The rest of a placeholder: a loop that may also be left without reading.
    ManyNonSep,
    /// `*`: a loop over every char, separators included.
    Anything,
}

/// An input symbol: the separator, a specific char, or any char no literal of either pattern uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    Sep,
    Char(char),
    Other,
}

impl Token {
    fn is_loop(self) -> bool {
        matches!(self, Token::ManyNonSep | Token::Anything)
    }

    /// The state after reading one accepted symbol at state `at`.
    fn advance(self, at: usize) -> usize {
        if self.is_loop() { at } else { at + 1 }
    }

    fn accepts(self, symbol: Symbol) -> bool {
        match self {
            Token::Char(c) => symbol == Symbol::Char(c),
            Token::Sep => symbol == Symbol::Sep,
            Token::OneNonSep | Token::ManyNonSep => symbol != Symbol::Sep,
            Token::Anything => true,
        }
    }

    /// Whether some symbol is accepted by both tokens (a `Char` is never the separator).
    fn shares_symbol_with(self, other: Token) -> bool {
        match (self, other) {
            (Token::Anything, _) | (_, Token::Anything) | (Token::Sep, Token::Sep) => true,
            (Token::Sep, _) | (_, Token::Sep) => false,
            (Token::Char(a), Token::Char(b)) => a == b,
            _ => true,
        }
    }
}

/// A set of NFA states: a `u128` for the usual short pattern, a growable bitset otherwise.
trait StateSet: Clone + Eq + Hash {
    fn with_states(count: usize) -> Self;
    fn insert(&mut self, state: usize);
    fn contains(&self, state: usize) -> bool;
    fn is_empty(&self) -> bool;
}

impl StateSet for u128 {
    fn with_states(_: usize) -> Self {
        0
    }
    fn insert(&mut self, state: usize) {
        *self |= 1 << state;
    }
    fn contains(&self, state: usize) -> bool {
        self >> state & 1 == 1
    }
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

impl StateSet for Vec<u64> {
    fn with_states(count: usize) -> Self {
        vec![0; count.div_ceil(64)]
    }
    fn insert(&mut self, state: usize) {
        if let Some(word) = self.get_mut(state / 64) {
            *word |= 1 << (state % 64);
        }
    }
    fn contains(&self, state: usize) -> bool {
        self.get(state / 64)
            .is_some_and(|word| word >> (state % 64) & 1 == 1)
    }
    fn is_empty(&self) -> bool {
        self.iter().all(|&word| word == 0)
    }
}

/// Adds `state` and every state reachable from it by leaving loops.
fn insert_closed<S: StateSet>(set: &mut S, tokens: &[Token], mut state: usize) {
    set.insert(state);
    while tokens.get(state).is_some_and(|t| t.is_loop()) {
        state += 1;
        set.insert(state);
    }
}

fn step<S: StateSet>(set: &S, tokens: &[Token], symbol: Symbol) -> S {
    let mut next = S::with_states(tokens.len() + 1);
    for (state, &token) in tokens.iter().enumerate() {
        if set.contains(state) && token.accepts(symbol) {
            insert_closed(&mut next, tokens, token.advance(state));
        }
    }
    next
}

fn matches_nfa<S: StateSet>(tokens: &[Token], sep: char, concrete: &str) -> bool {
    let mut set = S::with_states(tokens.len() + 1);
    insert_closed(&mut set, tokens, 0);
    for c in concrete.chars() {
        set = step(
            &set,
            tokens,
            if c == sep {
                Symbol::Sep
            } else {
                Symbol::Char(c)
            },
        );
        if set.is_empty() {
            return false;
        }
    }
    set.contains(tokens.len())
}

/// Reachability of the joint accepting state in the product of two NFAs.
fn overlaps_nfa(left: &[Token], right: &[Token]) -> bool {
    let width = right.len() + 1;
    let mut seen = vec![false; (left.len() + 1) * width];
    let mut stack = vec![(0, 0)];
    while let Some((i, j)) = stack.pop() {
        if std::mem::replace(&mut seen[i * width + j], true) {
            continue;
        }
        match (left.get(i).copied(), right.get(j).copied()) {
            (None, None) => return true,
            (l, r) => {
                if l.is_some_and(Token::is_loop) {
                    stack.push((i + 1, j));
                }
                if r.is_some_and(Token::is_loop) {
                    stack.push((i, j + 1));
                }
                if let (Some(l), Some(r)) = (l, r)
                    && l.shares_symbol_with(r)
                {
                    stack.push((l.advance(i), r.advance(j)));
                }
            }
        }
    }
    false
}

/// Whether L(`read`) ⊆ L(`write`): walks `read`'s NFA against the determinized `write` NFA and
/// fails on the first reachable pair where `read` accepts and `write` cannot.
fn covers_nfa<S: StateSet>(write: &[Token], read: &[Token]) -> bool {
    let write_accept = write.len();
    let mut alphabet = vec![Symbol::Sep, Symbol::Other];
    for &token in write {
        if let Token::Char(c) = token
            && !alphabet.contains(&Symbol::Char(c))
        {
            alphabet.push(Symbol::Char(c));
        }
    }
    let mut start = S::with_states(write.len() + 1);
    insert_closed(&mut start, write, 0);
    let mut seen = HashSet::new();
    let mut stack = vec![(0, start)];
    while let Some((at, set)) = stack.pop() {
        if !seen.insert((at, set.clone())) {
            continue;
        }
        let Some(&token) = read.get(at) else {
            if !set.contains(write_accept) {
                return false;
            }
            continue;
        };
        if token.is_loop() {
            stack.push((at + 1, set.clone()));
        }
        // A literal char outside `write`'s alphabet acts exactly like `Other` there.
        let single;
        let symbols: &[Symbol] = match token {
            Token::Char(c) => {
                single = [Symbol::Char(c)];
                &single
            }
            _ => &alphabet,
        };
        for &symbol in symbols.iter().filter(|&&symbol| token.accepts(symbol)) {
            let next = step(&set, write, symbol);
            // Every read state can still reach acceptance, so a dead write set is a witness.
            if next.is_empty() {
                return false;
            }
            stack.push((token.advance(at), next));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> KeyPattern {
        KeyPattern::parse(text, ':').unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    fn error(text: &str) -> (String, usize, usize) {
        let e = KeyPattern::parse(text, ':').expect_err(text);
        (e.message, e.offset, e.len)
    }

    #[test]
    fn parse_errors_point_at_the_cause() {
        let cases: &[(&str, &str, usize, usize)] = &[
            ("", "empty key", 0, 0),
            ("user:<id", "unclosed placeholder `<`", 5, 1),
            ("user:<id:x>", "unclosed placeholder `<`", 5, 1),
            ("a<b<c>", "unclosed placeholder `<`", 1, 1),
            ("user:<1x>", "placeholder name must be an identifier", 5, 4),
            ("user:<>", "placeholder name must be an identifier", 5, 2),
            (
                "user:<a-b>:x",
                "placeholder name must be an identifier",
                5,
                5,
            ),
            ("user:id>", "unmatched `>`", 7, 1),
            ("user*", "`*` must be a whole segment", 4, 1),
            ("user:*x", "`*` must be a whole segment", 5, 1),
            ("user:**", "`*` must be a whole segment", 5, 1),
            ("*:x", "`*` may only be the last segment", 0, 1),
            ("a:*:", "`*` may only be the last segment", 2, 1),
            ("user: id", "whitespace is not allowed in a key", 5, 1),
            ("user:<i d>", "whitespace is not allowed in a key", 7, 1),
            ("é\u{3000}", "whitespace is not allowed in a key", 2, 3),
            (
                "a\u{7}",
                "control characters are not allowed in a key",
                1,
                1,
            ),
        ];
        for &(text, message, offset, len) in cases {
            assert_eq!(error(text), (message.to_owned(), offset, len), "{text:?}");
        }
    }

    #[test]
    fn parse_and_display_round_trip() {
        for text in [
            "user:<id>:profile",
            "list::<mode>",
            ":",
            "a:",
            "*",
            "a:*",
            "x<a><b>y",
            "é:<_x1>",
        ] {
            let pattern = key(text);
            assert_eq!(pattern.to_string(), text);
            assert_eq!(KeyPattern::parse(&pattern.to_string(), ':'), Ok(pattern));
        }
        assert_eq!(key("list::<mode>").segments().len(), 3);
        assert_eq!(key("a.<b>.c").segments().len(), 1);
        assert_eq!(
            KeyPattern::parse("a.<b>.c", '.').map(|k| k.segments().len()),
            Ok(3)
        );
        assert!(key("*").is_everything());
        assert!(!key("a:*").is_everything());
    }

    #[test]
    fn entity_version_canonical_and_with_segment() {
        assert_eq!(key("user:<id>:profile").entity(), "user");
        assert_eq!(key("report:daily:<day>").entity(), "report:daily");
        assert_eq!(key("page-<n>:x").entity(), "");
        assert_eq!(key("a::*").entity(), "a:");
        assert_eq!(key("config:global").entity(), "config:global");
        assert_eq!(key("user:v2:<id>").version_segment(), Some((1, "v2")));
        assert_eq!(key("v:v1x:<v3>:v10:v4").version_segment(), Some((3, "v10")));
        assert_eq!(key("user:<id>").version_segment(), None);
        assert_eq!(key("user:<id>:<x>x:*").canonical(), "user:<_>:<_>x:*");
        assert_eq!(
            key("user:v2:<id>").with_segment(1, "v3"),
            key("user:v3:<id>")
        );
        assert_eq!(key("a:b:c").with_segment(1, ""), key("a::c"));
        assert_eq!(key("a:b").with_segment(9, "z"), key("a:b"));
        assert!(key("a:b").with_segment(1, "x:y").matches("a:x:y"));
    }

    #[test]
    fn matches_concrete_keys() {
        assert!(key("user:<id>:profile").matches("user:42:profile"));
        assert!(!key("user:<id>:profile").matches("user::profile"));
        assert!(!key("user:<id>:profile").matches("user:4:2:profile"));
        assert!(key("user:<id>:*").matches("user:4:"));
        assert!(key("user:<id>:*").matches("user:4:a:b"));
        assert!(!key("user:<id>:*").matches("user:4"));
        assert!(key("*").matches(""));
        assert!(key("x<a><b>").matches("xab") && !key("x<a><b>").matches("xa"));
    }

    /// (writer, reader, writer covers reader, they overlap)
    const RELATIONS: &[(&str, &str, bool, bool)] = &[
        ("user:<id>:profile", "user:42:profile", true, true),
        ("user:<id>:profile", "user:<uid>:profile", true, true),
        ("user:<id>:*", "user:<id>:profile", true, true),
        ("user:<id>:*", "user:<id>:a:b", true, true),
        ("user:<id>:*", "user:<id>", false, false),
        ("team:<id>:members", "team:default:members", true, true),
        ("team:default:members", "team:<id>:members", false, true),
        ("a::b", "a:b", false, false),
        ("a:b", "a::b", false, false),
        ("page-<n>", "<x>-1", false, true),
        ("<x>-1", "page-<n>", false, true),
        ("<a>", "page-<n>", true, true),
        ("page-<n>", "page-1<x>", true, true),
        ("page-1<x>", "page-<n>", false, true),
        ("<a>-<b>", "page-<n>", true, true),
        ("page-<n>", "<a>-<b>", false, true),
        ("<a>-<b>", "page-1-<n>", true, true),
        ("<a><b>", "<c>", false, true),
        ("<c>", "<a><b>", true, true),
        ("*", "user:<id>:*", true, true),
        ("*", "a::b", true, true),
        ("a:*", "*", false, true),
        ("a:*", "a:", true, true),
        ("a:*", "a:<x>:*", true, true),
        ("a:<x>:*", "a:*", false, true),
        ("a-<x>", "a-<x>:b", false, false),
    ];

    #[test]
    fn covers_and_overlaps_table() {
        for &(write, read, covers, overlaps) in RELATIONS {
            let (w, r) = (key(write), key(read));
            assert_eq!(w.covers(&r), covers, "{write} covers {read}");
            assert_eq!(w.overlaps(&r), overlaps, "{write} overlaps {read}");
            assert_eq!(r.overlaps(&w), overlaps, "{read} overlaps {write}");
        }
    }

    #[test]
    fn different_separators_never_relate() {
        let colon = key("*");
        let dot = KeyPattern::parse("*", '.').expect("valid");
        assert!(!colon.covers(&dot) && !colon.overlaps(&dot));
    }

    #[test]
    fn placeholders_are_one_token_whatever_the_separator() {
        let svix = KeyPattern::parse("SVIX_CACHE_APP_<org_id>_<idempotency_hash>", '_')
            .expect("a `_` inside a placeholder name is part of the name");
        assert_eq!(svix.segments().len(), 5);
        assert_eq!(
            svix.to_string(),
            "SVIX_CACHE_APP_<org_id>_<idempotency_hash>"
        );
        // What a placeholder matches is unchanged: one or more non-separator chars.
        assert!(svix.matches("SVIX_CACHE_APP_o1_h1"));
        assert!(!svix.matches("SVIX_CACHE_APP_o_1_h1"));
        let renamed = KeyPattern::parse("SVIX_CACHE_APP_<o>_<h>", '_').expect("valid");
        assert!(svix.covers(&renamed) && renamed.covers(&svix));
        // A separator that cannot be part of a name still ends it: the `<` is unclosed.
        for (text, sep) in [("a.<id.x>", '.'), ("a-<b-c>", '-')] {
            let e = KeyPattern::parse(text, sep).expect_err(text);
            assert_eq!(
                (e.message.as_str(), e.offset),
                ("unclosed placeholder `<`", 2)
            );
        }
        let e = KeyPattern::parse("A_<id", '_').expect_err("unclosed");
        assert_eq!(
            (e.message.as_str(), e.offset),
            ("unclosed placeholder `<`", 2)
        );
    }

    #[test]
    fn long_patterns_use_the_wide_state_set() {
        let long = "x".repeat(150);
        let write = key(&format!("{long}:<id>:*"));
        let read = key(&format!("{long}:1<id>:a"));
        assert!(write.covers(&read) && !read.covers(&write) && read.overlaps(&write));
        assert!(write.matches(&format!("{long}:1:a:b")));
    }
}
