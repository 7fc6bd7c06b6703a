//! The arguments of `#[reads]`, `#[writes]`, `#[publishes]` and `#[subscribes]` (SPEC §2).
//!
//! One parser serves the `cachelint` macros (compile-time errors) and the analyzer (`invalid_key`
//! findings), so both accept exactly the same arguments and word their errors the same way.

use crate::duration::parse_duration;
use crate::key::KeyPattern;
use crate::rules::{RULE_NAMES, suggest};
use proc_macro2::{Span, TokenStream, TokenTree};
use std::time::Duration;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Path, Token, bracketed, parenthesized, token};

/// Which annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnnotationKind {
    Reads,
    Writes,
    Publishes,
    Subscribes,
}

impl AnnotationKind {
    /// The attribute name: `reads`, `writes`, `publishes`, `subscribes`.
    pub fn name(self) -> &'static str {
        match self {
            AnnotationKind::Reads => "reads",
            AnnotationKind::Writes => "writes",
            AnnotationKind::Publishes => "publishes",
            AnnotationKind::Subscribes => "subscribes",
        }
    }

    /// The kind whose attribute name is `name`.
    pub fn from_name(name: &str) -> Option<AnnotationKind> {
        Some(match name {
            "reads" => AnnotationKind::Reads,
            "writes" => AnnotationKind::Writes,
            "publishes" => AnnotationKind::Publishes,
            "subscribes" => AnnotationKind::Subscribes,
            _ => return None,
        })
    }

    /// Whether the positional arguments are events rather than keys.
    pub fn takes_events(self) -> bool {
        matches!(self, AnnotationKind::Publishes | AnnotationKind::Subscribes)
    }
}

/// A key or event argument as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyArgValue {
    /// A string literal's value (escapes resolved).
    Literal(String),
    /// The path of a `const`/`static` `&str` (`keys::PROFILE` → `["keys", "PROFILE"]`).
    Path(Vec<String>),
}

/// One key or event argument with the span of the literal or path.
#[derive(Debug, Clone)]
pub struct KeyArg {
    pub value: KeyArgValue,
    pub span: Span,
}

/// A parsed annotation: every argument that parsed and validated, even when others had errors.
///
/// Invalid literal keys and events, a bad `ttl` and unknown rule names are left out (their error
/// is in the error list), so every literal here is a valid key pattern for the separator used.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub kind: AnnotationKind,
    /// Positional arguments: keys (reads/writes) or events (publishes/subscribes).
    pub keys: Vec<KeyArg>,
    /// `ttl = "120s"` (reads only), with the literal's span.
    pub ttl: Option<(Duration, Span)>,
    /// `depends_on = [..]` (reads only).
    pub depends_on: Vec<KeyArg>,
    /// `tables = ["application", "public.Endpoint"]` (reads only): the database tables the key
    /// is built from, replacing the list the analyzer would infer. Each name is stored as SQL
    /// resolves an unquoted identifier: lowercased, without its schema (`public.Endpoint` →
    /// `endpoint`); the span is the literal's.
    pub tables: Vec<(String, Span)>,
    /// `allow(rule, ..)`, each with its span.
    pub allow: Vec<(String, Span)>,
}

/// Parses and validates the tokens inside an annotation's parentheses.
///
/// Never panics. Returns what parsed plus every error found, each spanned at the offending
/// token (a literal, an option name, a rule name). Literal keys are checked against the key
/// grammar with `sep`; event names must be non-empty and free of whitespace. After a syntax
/// error the parser skips to the next top-level comma, so one mistake yields one error.
///
/// "expected at least one key" spans all of `tokens`, or `Span::call_site()` when `tokens` is
/// empty (inside a macro that is the attribute itself; the analyzer should use the
/// attribute's span instead).
pub fn parse_annotation(
    kind: AnnotationKind,
    tokens: TokenStream,
    sep: char,
) -> (Annotation, Vec<syn::Error>) {
    let mut state = ArgParser {
        annotation: Annotation {
            kind,
            keys: Vec::new(),
            ttl: None,
            depends_on: Vec::new(),
            tables: Vec::new(),
            allow: Vec::new(),
        },
        errors: Vec::new(),
        sep,
        positional_count: 0,
        options_seen: Vec::new(),
    };
    let parser = |input: ParseStream| state.comma_list(input, ArgParser::argument);
    if let Err(error) = parser.parse2(tokens.clone()) {
        state.errors.push(error);
    }
    if state.positional_count == 0 {
        let noun = if kind.takes_events() { "event" } else { "key" };
        let message = format!("expected at least one {noun}");
        state.errors.push(if tokens.is_empty() {
            syn::Error::new(Span::call_site(), message)
        } else {
            syn::Error::new_spanned(&tokens, message)
        });
    }
    (state.annotation, state.errors)
}

/// Every option name, in the order error messages list them.
const OPTIONS: &[&str] = &["ttl", "depends_on", "tables", "allow"];

/// What a bare option name needs after it; said when the user forgets it.
fn option_usage(name: &str) -> &'static str {
    match name {
        "ttl" => "expected `ttl = \"<duration>\"`, for example `ttl = \"120s\"`",
        "depends_on" => "expected `depends_on = [\"<key>\", ..]`",
        "tables" => "expected `tables = [\"<table>\", ..]`",
        _ => "expected `allow(<rule>, ..)`",
    }
}

/// The options `kind` accepts.
fn options_for(kind: AnnotationKind) -> &'static [&'static str] {
    match kind {
        AnnotationKind::Reads => OPTIONS,
        _ => &OPTIONS[3..],
    }
}

/// What a positional argument stands for; decides how a literal is validated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Key,
    Event,
}

struct ArgParser {
    annotation: Annotation,
    errors: Vec<syn::Error>,
    sep: char,
    /// Positional arguments seen, valid or not: a bad key must not also cause "expected at
    /// least one key".
    positional_count: usize,
    options_seen: Vec<String>,
}

impl ArgParser {
    /// Parses `each, each, ..` (trailing comma allowed) until `input` is empty, recording each
    /// element's error and resuming after the next comma.
    fn comma_list(
        &mut self,
        input: ParseStream,
        mut each: impl FnMut(&mut Self, ParseStream) -> syn::Result<()>,
    ) -> syn::Result<()> {
        while !input.is_empty() {
            if let Err(error) = each(self, input) {
                self.errors.push(error);
                skip_to_comma(input)?;
            } else if !input.is_empty() && !input.peek(Token![,]) {
                self.errors.push(input.error("expected `,`"));
                skip_to_comma(input)?;
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(())
    }

    /// One top-level argument: a key/event, or an option.
    fn argument(&mut self, input: ParseStream) -> syn::Result<()> {
        if input.peek(Ident::peek_any) {
            if input.peek2(Token![=]) || input.peek2(token::Paren) {
                return self.option(input);
            }
            let ident = input.fork().call(Ident::parse_any)?.unraw();
            if OPTIONS.iter().any(|option| ident == option) && !input.peek2(Token![::]) {
                return Err(syn::Error::new(
                    ident.span(),
                    option_usage(&ident.to_string()),
                ));
            }
        }
        self.positional_count += 1;
        let role = match self.annotation.kind.takes_events() {
            true => Role::Event,
            false => Role::Key,
        };
        let key = self.positional(input, role)?;
        if !self.options_seen.is_empty() {
            let noun = if role == Role::Event {
                "events"
            } else {
                "keys"
            };
            let message = format!("{noun} must come before options");
            self.errors.push(syn::Error::new(key.span, message));
        }
        self.annotation
            .keys
            .extend(key_if_valid(key, &mut self.errors));
        Ok(())
    }

    /// A string literal or a path; a literal is validated, an invalid one is returned with its
    /// error in `errors` so the caller can tell "invalid" from "missing".
    fn positional(&mut self, input: ParseStream, role: Role) -> syn::Result<Candidate> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            let value = lit.value();
            let problem = if !lit.suffix().is_empty() {
                Some(format!("unexpected suffix `{}`", lit.suffix()))
            } else if role == Role::Event {
                event_problem(&value)
                    .map(|why| format!("invalid event name `{}`: {why}", shown(&value)))
            } else {
                KeyPattern::parse(&value, self.sep)
                    .err()
                    .map(|e| format!("invalid key `{}`: {}", shown(&value), e.message))
            };
            return Ok(Candidate {
                span: lit.span(),
                value: KeyArgValue::Literal(value),
                error: problem.map(|message| syn::Error::new(lit.span(), message)),
            });
        }
        // `true`/`false` lex as identifiers, so rule out literals before trying a path.
        let is_literal = input.peek(syn::Lit);
        if !is_literal && (input.peek(Ident::peek_any) || input.peek(Token![::])) {
            let path = input.call(Path::parse_mod_style)?;
            let segments = path.segments.iter();
            return Ok(Candidate {
                span: path.span(),
                value: KeyArgValue::Path(segments.map(|s| s.ident.to_string()).collect()),
                error: None,
            });
        }
        let token: TokenTree = input.parse()?;
        let what = if role == Role::Event {
            "an event"
        } else {
            "a key"
        };
        let message = format!("expected a string literal or the path of {what} constant");
        Err(syn::Error::new(token.span(), message))
    }

    /// `name = value` or `name(..)`; `input` starts at the name.
    fn option(&mut self, input: ParseStream) -> syn::Result<()> {
        let ident = input.call(Ident::parse_any)?.unraw();
        let name = ident.to_string();
        // Set before any error so that a later key still gets "keys must come before options".
        self.options_seen.push(name.clone());
        let valid = options_for(self.annotation.kind);
        if !OPTIONS.contains(&name.as_str()) {
            return Err(syn::Error::new(ident.span(), unknown_option(&name, valid)));
        }
        if !valid.contains(&name.as_str()) {
            let message = format!("`{name}` is only allowed on `#[reads]`");
            return Err(syn::Error::new(ident.span(), message));
        }
        if self
            .options_seen
            .iter()
            .filter(|seen| **seen == name)
            .count()
            > 1
        {
            let message = format!("duplicate option `{name}`");
            return Err(syn::Error::new(ident.span(), message));
        }
        let wants_parens = name == "allow";
        if input.peek(token::Paren) != wants_parens {
            return Err(syn::Error::new(ident.span(), option_usage(&name)));
        }
        match name.as_str() {
            "ttl" => self.ttl(input),
            "depends_on" => self.depends_on(input),
            "tables" => self.tables(input),
            _ => self.allow(input),
        }
    }

    /// `= "120s"`, after `ttl`.
    fn ttl(&mut self, input: ParseStream) -> syn::Result<()> {
        let eq: Token![=] = input.parse()?;
        if !input.peek(LitStr) {
            return Err(expected_value(input, eq.span, option_usage("ttl")));
        }
        let lit: LitStr = input.parse()?;
        match parse_duration(&lit.value()) {
            Ok(ttl) => self.annotation.ttl = Some((ttl, lit.span())),
            Err(why) => {
                let message = format!("invalid ttl `{}`: {why}", shown(&lit.value()));
                self.errors.push(syn::Error::new(lit.span(), message));
            }
        }
        Ok(())
    }

    /// `= [each, ..]` after the list option `name`: each element parsed by `each`; an empty
    /// list is refused with `empty` (it cannot be told apart from no list in `Annotation`, yet
    /// would mean "nothing", silently leaving the inferred list in place).
    fn list_option(
        &mut self,
        input: ParseStream,
        name: &str,
        empty: &str,
        mut each: impl FnMut(&mut Self, ParseStream) -> syn::Result<()>,
    ) -> syn::Result<()> {
        let eq: Token![=] = input.parse()?;
        if !input.peek(token::Bracket) {
            return Err(expected_value(input, eq.span, option_usage(name)));
        }
        let content;
        let brackets = bracketed!(content in input);
        let before = self.errors.len();
        let mut count = 0;
        self.comma_list(&content, |this, input| {
            count += 1;
            each(this, input)
        })?;
        if count == 0 && self.errors.len() == before {
            self.errors
                .push(syn::Error::new(brackets.span.join(), empty));
        }
        Ok(())
    }

    /// `= ["k1", keys::K2]`, after `depends_on`.
    fn depends_on(&mut self, input: ParseStream) -> syn::Result<()> {
        let empty = "`depends_on` needs at least one key";
        self.list_option(input, "depends_on", empty, |this, input| {
            let key = this.positional(input, Role::Key)?;
            this.annotation
                .depends_on
                .extend(key_if_valid(key, &mut this.errors));
            Ok(())
        })
    }

    /// `= ["application", "public.endpoint"]`, after `tables`.
    fn tables(&mut self, input: ParseStream) -> syn::Result<()> {
        let empty = "`tables` needs at least one table name";
        self.list_option(input, "tables", empty, |this, input| {
            if !input.peek(LitStr) {
                let token: TokenTree = input.parse()?;
                let message = "expected a string literal naming a table";
                return Err(syn::Error::new(token.span(), message));
            }
            let lit: LitStr = input.parse()?;
            let name = lit.value();
            let problem = if !lit.suffix().is_empty() {
                Some(format!("unexpected suffix `{}`", lit.suffix()))
            } else {
                table_problem(&name)
                    .map(|why| format!("invalid table name `{}`: {why}", shown(&name)))
            };
            match problem {
                Some(message) => this.errors.push(syn::Error::new(lit.span(), message)),
                None => this.annotation.tables.push((table_name(&name), lit.span())),
            }
            Ok(())
        })
    }

    /// `(rule, ..)`, after `allow`.
    fn allow(&mut self, input: ParseStream) -> syn::Result<()> {
        let content;
        let parens = parenthesized!(content in input);
        if content.is_empty() {
            let message = "expected at least one rule name";
            return Err(syn::Error::new(parens.span.join(), message));
        }
        self.comma_list(&content, |this, input| {
            let rule = input.call(Ident::parse_any)?.unraw();
            let name = rule.to_string();
            if RULE_NAMES.contains(&name.as_str()) {
                this.annotation.allow.push((name, rule.span()));
            } else {
                let mut message = format!("unknown rule `{name}`");
                if let Some(near) = suggest(&name, RULE_NAMES.iter().copied()) {
                    message.push_str(&format!(" (did you mean `{near}`?)"));
                }
                this.errors.push(syn::Error::new(rule.span(), message));
            }
            Ok(())
        })
    }
}

/// A positional argument before its validation error is filed.
struct Candidate {
    value: KeyArgValue,
    span: Span,
    error: Option<syn::Error>,
}

/// The key, or `None` after recording why it is invalid.
fn key_if_valid(candidate: Candidate, errors: &mut Vec<syn::Error>) -> Option<KeyArg> {
    match candidate.error {
        Some(error) => {
            errors.push(error);
            None
        }
        None => Some(KeyArg {
            value: candidate.value,
            span: candidate.span,
        }),
    }
}

fn unknown_option(name: &str, valid: &[&str]) -> String {
    let listed: Vec<String> = valid.iter().map(|option| format!("`{option}`")).collect();
    let expected = match listed.as_slice() {
        [only] => format!("expected {only}"),
        _ => format!("expected one of {}", listed.join(", ")),
    };
    let mut message = format!("unknown option `{name}`; {expected}");
    // Jaro-Winkler scores typos in three-letter names low (`tll` vs `ttl`), so one edit away
    // also counts as close for option names.
    let one_edit = || {
        let mut close = valid
            .iter()
            .filter(|o| strsim::damerau_levenshtein(name, o) == 1);
        close.next().copied()
    };
    if let Some(near) = suggest(name, valid.iter().copied()).or_else(one_edit) {
        message.push_str(&format!(" (did you mean `{near}`?)"));
    }
    message
}

/// An error at the token where a value should be, or at `after` when there is none (at the end
/// of the input syn would point at the whole attribute instead).
fn expected_value(input: ParseStream, after: Span, message: &str) -> syn::Error {
    if input.is_empty() || input.peek(Token![,]) {
        syn::Error::new(after, message)
    } else {
        input.error(message)
    }
}

fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// Why `name` is not a valid event name, if it is not.
fn event_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("must not be empty")
    } else if name.chars().any(char::is_whitespace) {
        Some("must not contain whitespace")
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

/// Why `name` is not a table name (`users`, `public.users`), if it is not.
fn table_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".to_string());
    }
    if name.chars().any(char::is_whitespace) {
        return Some("must not contain whitespace".to_string());
    }
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        [table] => identifier_problem(table, "table"),
        [schema, table] => {
            identifier_problem(schema, "schema").or_else(|| identifier_problem(table, "table"))
        }
        _ => Some("expected `table` or `schema.table`, with at most one `.`".to_string()),
    }
}

/// Why `part` is not an unquoted SQL identifier (`[A-Za-z_][A-Za-z0-9_$]*`), if it is not;
/// `what` names the part (`table`, `schema`).
fn identifier_problem(part: &str, what: &str) -> Option<String> {
    let mut chars = part.chars();
    let first = match chars.next() {
        None => return Some(format!("empty {what} name")),
        Some(first) => first,
    };
    if matches!(first, '"' | '`' | '[') {
        return Some("quoted identifiers are not supported: write the name unquoted".to_string());
    }
    if !(first.is_ascii_alphabetic() || first == '_') {
        let first = first.escape_debug();
        return Some(format!(
            "a {what} name starts with a letter or `_`, not `{first}`"
        ));
    }
    let bad = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$')))?;
    let bad = bad.escape_debug();
    Some(format!(
        "unexpected character `{bad}`: a {what} name is letters, digits, `_` and `$`"
    ))
}

/// A valid table name as SQL resolves it unquoted: lowercased, its schema dropped.
fn table_name(name: &str) -> String {
    let table = name.rsplit_once('.').map_or(name, |(_, table)| table);
    table.to_ascii_lowercase()
}

/// `text` as an error message should quote it: control characters escaped, the rest verbatim.
fn shown(text: &str) -> String {
    if text.chars().any(char::is_control) {
        text.escape_debug().to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AnnotationKind::*;

    /// Parses `src` (the text inside the parentheses) and renders the errors.
    fn parse(kind: AnnotationKind, src: &str) -> (Annotation, Vec<String>) {
        let tokens: TokenStream = src.parse().expect("test input lexes");
        let (annotation, errors) = parse_annotation(kind, tokens, ':');
        (annotation, errors.iter().map(ToString::to_string).collect())
    }

    fn errors_for(kind: AnnotationKind, src: &str) -> Vec<String> {
        parse(kind, src).1
    }

    fn literal(text: &str) -> KeyArgValue {
        KeyArgValue::Literal(text.to_string())
    }

    fn path(segments: &[&str]) -> KeyArgValue {
        KeyArgValue::Path(segments.iter().map(ToString::to_string).collect())
    }

    fn values(keys: &[KeyArg]) -> Vec<KeyArgValue> {
        keys.iter().map(|key| key.value.clone()).collect()
    }

    #[test]
    fn literal_and_path_keys() {
        let src =
            r#""user:<id>:profile", keys::PROFILE, PROFILE, crate::keys::P, ::k::P, Self::K,"#;
        let (annotation, errors) = parse(Reads, src);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(annotation.kind, Reads);
        assert_eq!(
            values(&annotation.keys),
            [
                literal("user:<id>:profile"),
                path(&["keys", "PROFILE"]),
                path(&["PROFILE"]),
                path(&["crate", "keys", "P"]),
                path(&["k", "P"]),
                path(&["Self", "K"]),
            ]
        );
    }

    #[test]
    fn raw_strings_escapes_wildcards_and_empty_segments_are_keys() {
        let (annotation, errors) = parse(Writes, r#"r"user:<id>:*", "list::<mode>", "a\x3ab""#);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            values(&annotation.keys),
            [
                literal("user:<id>:*"),
                literal("list::<mode>"),
                literal("a:b")
            ]
        );
    }

    #[test]
    fn malformed_keys_are_reported_and_left_out() {
        let (annotation, errors) = parse(Reads, r#""user:<id", "ok""#);
        assert_eq!(errors, ["invalid key `user:<id`: unclosed placeholder `<`"]);
        assert_eq!(values(&annotation.keys), [literal("ok")]);
        assert_eq!(
            errors_for(Writes, r#""a:*:b""#),
            ["invalid key `a:*:b`: `*` may only be the last segment"]
        );
        assert_eq!(errors_for(Reads, r#""""#), ["invalid key ``: empty key"]);
    }

    #[test]
    fn non_string_literals_are_rejected() {
        let expected = "expected a string literal or the path of a key constant";
        for src in [
            "42",
            "b\"user\"",
            "'c'",
            "c\"user\"",
            "true",
            "-1",
            "=",
            "(a)",
            "[\"k\"]",
        ] {
            assert_eq!(errors_for(Reads, src), [expected], "{src}");
        }
        assert_eq!(
            errors_for(Publishes, "1.5"),
            ["expected a string literal or the path of an event constant"]
        );
        assert_eq!(errors_for(Reads, r#""k"x"#), ["unexpected suffix `x`"]);
    }

    #[test]
    fn at_least_one_positional() {
        assert_eq!(errors_for(Reads, ""), ["expected at least one key"]);
        assert_eq!(errors_for(Subscribes, ""), ["expected at least one event"]);
        assert_eq!(
            errors_for(Reads, r#"ttl = "1s""#),
            ["expected at least one key"]
        );
        // An invalid key is still a key: one error, not two.
        assert_eq!(errors_for(Reads, "42").len(), 1);
        assert_eq!(errors_for(Reads, r#""<""#).len(), 1);
    }

    #[test]
    fn positionals_come_before_options() {
        let (annotation, errors) = parse(Reads, r#""a", allow(uncovered_read), "b""#);
        assert_eq!(errors, ["keys must come before options"]);
        assert_eq!(values(&annotation.keys), [literal("a"), literal("b")]);
        assert_eq!(
            errors_for(Publishes, r#""e", allow(orphan_event), f::E"#),
            ["events must come before options"]
        );
    }

    #[test]
    fn ttl() {
        let (annotation, errors) = parse(Reads, r#""k", ttl = "120s""#);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(annotation.ttl.map(|t| t.0), Some(Duration::from_secs(120)));
        let (annotation, errors) = parse(Reads, r#""k", ttl = "2w""#);
        assert_eq!(errors, ["invalid ttl `2w`: unknown unit `w`"]);
        assert!(annotation.ttl.is_none());
        assert_eq!(
            errors_for(Reads, r#""k", ttl = "120""#),
            ["invalid ttl `120`: missing unit: use ms, s, m, h or d"]
        );
    }

    #[test]
    fn malformed_ttl_syntax() {
        let usage = "expected `ttl = \"<duration>\"`, for example `ttl = \"120s\"`";
        for src in [
            r#""k", ttl = 5"#,
            r#""k", ttl ="#,
            r#""k", ttl"#,
            r#""k", ttl("1s")"#,
            r#""k", ttl = ["1s"]"#,
        ] {
            assert_eq!(errors_for(Reads, src), [usage], "{src}");
        }
        assert_eq!(
            errors_for(Reads, r#""k", ttl = "1s" "2s""#),
            ["expected `,`"]
        );
        let errors = errors_for(Reads, r#""k", ttl =, "j""#);
        assert_eq!(errors[0], usage);
    }

    #[test]
    fn duplicate_options() {
        let (annotation, errors) = parse(Reads, r#""k", ttl = "1s", ttl = "2s""#);
        assert_eq!(errors, ["duplicate option `ttl`"]);
        assert_eq!(annotation.ttl.map(|t| t.0), Some(Duration::from_secs(1)));
        assert_eq!(
            errors_for(
                Writes,
                r#""k", allow(dead_invalidation), allow(broad_invalidation)"#
            ),
            ["duplicate option `allow`"]
        );
    }

    #[test]
    fn options_of_another_kind() {
        let message = "`ttl` is only allowed on `#[reads]`";
        assert_eq!(errors_for(Writes, r#""k", ttl = "1s""#), [message]);
        assert_eq!(errors_for(Subscribes, r#""e", ttl = "1s""#), [message]);
        assert_eq!(
            errors_for(Writes, r#""k", depends_on = ["j"]"#),
            ["`depends_on` is only allowed on `#[reads]`"]
        );
        assert_eq!(
            errors_for(Writes, r#""k", tables = ["users"]"#),
            ["`tables` is only allowed on `#[reads]`"]
        );
        assert_eq!(
            errors_for(Subscribes, r#""e", tables = ["users"]"#),
            ["`tables` is only allowed on `#[reads]`"]
        );
    }

    #[test]
    fn unknown_options() {
        assert_eq!(
            errors_for(Reads, r#""k", tll = "1s""#),
            [
                "unknown option `tll`; expected one of `ttl`, `depends_on`, `tables`, `allow` (did you mean `ttl`?)"
            ]
        );
        assert_eq!(
            errors_for(Reads, r#""k", depend_on = ["j"]"#),
            [
                "unknown option `depend_on`; expected one of `ttl`, `depends_on`, `tables`, `allow` (did you mean `depends_on`?)"
            ]
        );
        assert_eq!(
            errors_for(Reads, r#""k", tabels = ["users"]"#),
            [
                "unknown option `tabels`; expected one of `ttl`, `depends_on`, `tables`, `allow` (did you mean `tables`?)"
            ]
        );
        assert_eq!(
            errors_for(Reads, r#""k", foo(bar, baz)"#),
            ["unknown option `foo`; expected one of `ttl`, `depends_on`, `tables`, `allow`"]
        );
        assert_eq!(
            errors_for(Writes, r#""k", alow(dead_invalidation)"#),
            ["unknown option `alow`; expected `allow` (did you mean `allow`?)"]
        );
    }

    #[test]
    fn depends_on() {
        let (annotation, errors) = parse(Reads, r#""k", depends_on = ["a:<id>", keys::B,]"#);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            values(&annotation.depends_on),
            [literal("a:<id>"), path(&["keys", "B"])]
        );
        let (annotation, errors) = parse(Reads, r#""k", depends_on = ["a:<id", 4, "b"]"#);
        assert_eq!(
            errors,
            [
                "invalid key `a:<id`: unclosed placeholder `<`",
                "expected a string literal or the path of a key constant",
            ]
        );
        assert_eq!(values(&annotation.depends_on), [literal("b")]);
        assert_eq!(
            errors_for(Reads, r#""k", depends_on = []"#),
            ["`depends_on` needs at least one key"]
        );
        let usage = "expected `depends_on = [\"<key>\", ..]`";
        assert_eq!(errors_for(Reads, r#""k", depends_on = "a""#), [usage]);
        assert_eq!(errors_for(Reads, r#""k", depends_on"#), [usage]);
    }

    fn tables_of(annotation: &Annotation) -> Vec<&str> {
        annotation.tables.iter().map(|t| t.0.as_str()).collect()
    }

    #[test]
    fn tables() {
        let src = r#""k", ttl = "30s", tables = ["application", "endpoint"]"#;
        let (annotation, errors) = parse(Reads, src);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(tables_of(&annotation), ["application", "endpoint"]);
        let (annotation, errors) = parse(Reads, r#""k", tables = ["org_2$x", "_t",]"#);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(tables_of(&annotation), ["org_2$x", "_t"]);
    }

    #[test]
    fn table_names_are_folded_and_unqualified() {
        let src = r#""k", tables = ["public.Users", "Audit.LOG", r"endpoint"]"#;
        let (annotation, errors) = parse(Reads, src);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(tables_of(&annotation), ["users", "log", "endpoint"]);
    }

    #[test]
    fn invalid_table_names_are_reported_and_left_out() {
        let (annotation, errors) = parse(Reads, r#""k", tables = ["users;", "ok", "1st"]"#);
        assert_eq!(
            errors,
            [
                "invalid table name `users;`: unexpected character `;`: a table name is letters, digits, `_` and `$`",
                "invalid table name `1st`: a table name starts with a letter or `_`, not `1`",
            ]
        );
        assert_eq!(tables_of(&annotation), ["ok"]);
        for (src, why) in [
            (r#""""#, "invalid table name ``: must not be empty"),
            (
                r#""a.b.c""#,
                "invalid table name `a.b.c`: expected `table` or `schema.table`, with at most one `.`",
            ),
            (
                r#""public.""#,
                "invalid table name `public.`: empty table name",
            ),
            (
                r#"".users""#,
                "invalid table name `.users`: empty schema name",
            ),
            (
                r#""$x.users""#,
                "invalid table name `$x.users`: a schema name starts with a letter or `_`, not `$`",
            ),
            (
                r#""my-table""#,
                "invalid table name `my-table`: unexpected character `-`: a table name is letters, digits, `_` and `$`",
            ),
            (
                r#""user s""#,
                "invalid table name `user s`: must not contain whitespace",
            ),
            (
                r#""\"Users\"""#,
                "invalid table name `\"Users\"`: quoted identifiers are not supported: write the name unquoted",
            ),
            (
                r#""t\u{7}""#,
                "invalid table name `t\\u{7}`: unexpected character `\\u{7}`: a table name is letters, digits, `_` and `$`",
            ),
            (r#""users"x"#, "unexpected suffix `x`"),
            ("users", "expected a string literal naming a table"),
            ("42", "expected a string literal naming a table"),
        ] {
            let src = format!(r#""k", tables = [{src}]"#);
            assert_eq!(errors_for(Reads, &src), [why], "{src}");
        }
    }

    #[test]
    fn malformed_tables_syntax() {
        assert_eq!(
            errors_for(Reads, r#""k", tables = []"#),
            ["`tables` needs at least one table name"]
        );
        let usage = "expected `tables = [\"<table>\", ..]`";
        for src in [
            r#""k", tables = "users""#,
            r#""k", tables"#,
            r#""k", tables ="#,
            r#""k", tables("users")"#,
        ] {
            assert_eq!(errors_for(Reads, src), [usage], "{src}");
        }
        let (annotation, errors) = parse(Reads, r#""k", tables = ["a"], tables = ["b"]"#);
        assert_eq!(errors, ["duplicate option `tables`"]);
        assert_eq!(tables_of(&annotation), ["a"]);
    }

    #[test]
    fn allow() {
        let (annotation, errors) = parse(Reads, r#""k", allow(uncovered_read, ttl_only_read,)"#);
        assert_eq!(errors, Vec::<String>::new());
        let names: Vec<_> = annotation.allow.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(names, ["uncovered_read", "ttl_only_read"]);
        let (annotation, errors) = parse(Reads, r#""k", allow(uncoverd_read, nonsense)"#);
        assert_eq!(
            errors,
            [
                "unknown rule `uncoverd_read` (did you mean `uncovered_read`?)",
                "unknown rule `nonsense`",
            ]
        );
        assert!(annotation.allow.is_empty());
        assert_eq!(
            errors_for(Reads, r#""k", allow()"#),
            ["expected at least one rule name"]
        );
        let usage = "expected `allow(<rule>, ..)`";
        assert_eq!(errors_for(Publishes, r#""e", allow"#), [usage]);
        assert_eq!(errors_for(Reads, r#""k", allow = "x""#), [usage]);
        assert_eq!(
            errors_for(Reads, r#""k", allow("uncovered_read")"#),
            ["expected ident"]
        );
    }

    #[test]
    fn events() {
        let (annotation, errors) = parse(Publishes, r#""user.updated", events::TEAM"#);
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(
            values(&annotation.keys),
            [literal("user.updated"), path(&["events", "TEAM"])]
        );
        // Events are not keys: `<` and `*` are fine in them.
        assert_eq!(errors_for(Subscribes, r#""a<*""#), Vec::<String>::new());
        assert_eq!(
            errors_for(Subscribes, r#""user updated""#),
            ["invalid event name `user updated`: must not contain whitespace"]
        );
        assert_eq!(
            errors_for(Publishes, r#""""#),
            ["invalid event name ``: must not be empty"]
        );
        assert_eq!(
            errors_for(Publishes, r#""a\u{7}b""#),
            ["invalid event name `a\\u{7}b`: must not contain control characters"]
        );
    }

    #[test]
    fn recovers_after_each_error() {
        let src = r#""a:<", 42, "b", tll = "1s", allow(nope), ttl = "1w""#;
        let (annotation, errors) = parse(Reads, src);
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert_eq!(values(&annotation.keys), [literal("b")]);
    }

    #[test]
    fn separator_is_honoured() {
        let tokens: TokenStream = r#""user/<id>/profile""#.parse().unwrap();
        let (annotation, errors) = parse_annotation(Reads, tokens, '/');
        assert!(errors.is_empty());
        assert_eq!(annotation.keys.len(), 1);
    }

    #[test]
    fn never_panics_on_odd_tokens() {
        for src in [
            "",
            "=",
            ",",
            ",,",
            "ttl =",
            "ttl = =",
            "= ttl",
            "::",
            "a::",
            "a::b::",
            "ttl ==",
            "allow(,)",
            "allow(a b)",
            "allow((x))",
            "depends_on = [[[]]]",
            "depends_on = [=]",
            "tables = [[\"t\"]]",
            "tables = [\"a.\", .]",
            "#",
            "#[x]",
            "{ }",
            "'a",
            "fn",
            "self",
            "_",
            "r#ttl = \"1s\"",
            "ttl::X",
            "<T>::K",
            "\"k\" ttl = \"1s\"",
            "\"k\",, \"j\"",
            "allow(uncovered_read) allow(x)",
        ] {
            for kind in [Reads, Writes, Publishes, Subscribes] {
                let tokens: TokenStream = src.parse().unwrap();
                let _ = parse_annotation(kind, tokens, ':');
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_random_token_soup(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "\"k\"", "\"a:<b\"", "\"1s\"", "\"x y\"", "ttl", "depends_on", "allow",
                    "tables", "\"t.u\"",
                    "uncovered_read", "foo", "=", ",", "::", "42", "(", ")", "[", "]", "keys",
                    "'c'", "#", "-", "r\"*\"",
                ]),
                0..12,
            ),
        ) {
            if let Ok(tokens) = words.join(" ").parse::<TokenStream>() {
                for kind in [Reads, Writes, Publishes, Subscribes] {
                    let _ = parse_annotation(kind, tokens.clone(), ':');
                }
            }
        }
    }
}
