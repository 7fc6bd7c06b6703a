//! Bounds on recursion. The walkers recurse once per group or nested item, syn once per
//! nested construct, and a hostile file can nest millions of levels deep: past these bounds
//! the rest of the item is reported as a `parse_error` instead of overflowing the stack
//! (which aborts the process; it cannot be caught).

use crate::facts::{FileFacts, FileId, Problem};
use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use std::cell::Cell;

/// How many groups and items the walkers may be inside at once, counted across nested
/// functions and modules. Real code stays far below (rustc's own macro recursion limit is
/// 128); each level costs the walkers at most a few KB of stack.
pub const MAX_NESTING: usize = 1024;

/// The most nested constructs handed to syn in one parse, by [`syn_depth_exceeded`]'s
/// measure. A debug build of syn takes up to ~64 KB of stack per level, so this fits the
/// 256 MB stacks extraction runs on with room to spare.
pub const MAX_SYN_DEPTH: usize = 1024;

const TOO_DEEP: &str = "nested more than 1024 levels deep; cachelint reads no further into it";

thread_local! {
    /// Levels the walk of the current file is inside (see [`Level::enter`]).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// One level of nesting entered by a walker; leaving it (dropping) steps back out.
pub struct Level(());

impl Level {
    /// Enters one more level, or reports (once per file) that `span` is nested too deeply
    /// and returns `None`.
    pub fn enter(file: FileId, span: Span, facts: &mut FileFacts) -> Option<Level> {
        let depth = DEPTH.with(Cell::get);
        if depth >= MAX_NESTING {
            report(file, span, TOO_DEEP.to_string(), facts);
            return None;
        }
        DEPTH.with(|d| d.set(depth + 1));
        Some(Level(()))
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Pushes a `parse_error` for `span`, unless the file already has one for being too deep.
fn report(file: FileId, span: Span, message: String, facts: &mut FileFacts) {
    if facts
        .problems
        .iter()
        .any(|p| p.rule == "parse_error" && p.message == message)
    {
        return;
    }
    facts.problems.push(Problem {
        rule: "parse_error",
        message,
        span: super::span_of(file, span),
        allow: Vec::new(),
    });
}

/// `syn::parse2`, refusing token streams nested too deeply for syn's recursion.
pub fn parse<T: syn::parse::Parse>(tokens: TokenStream) -> syn::Result<T> {
    if let Some(span) = syn_depth_exceeded(&tokens, MAX_SYN_DEPTH) {
        let message =
            format!("nested more than {MAX_SYN_DEPTH} levels deep; cachelint does not parse it");
        return Err(syn::Error::new(span, message));
    }
    syn::parse2(tokens)
}

/// Where `tokens` first nests deeper than `limit` by an upper bound of syn's recursion
/// depth, or `None` if it stays within.
///
/// syn recurses into every delimited group, every `<..>`, every prefix operator (`&`, `*`,
/// `-`, `!`, `..`), every `=` (right-associative), closure, `->` and `return`/`break`/`yield`,
/// and loops over everything else (binary operators, method chains, paths, `else if`). The
/// measure is, summed over the open groups: one for the group, plus the recursing tokens seen
/// in it since the last `,` or `;` (a `,` ends a prefix operator's operand; `<` and a
/// closure's opening `|` count until the `;`, as their nesting crosses commas). A `{..}`
/// followed by an identifier, a literal or `#` ends a statement or item, which resets the
/// count as `;` does. The walk is iterative: it runs on input too deep to recurse over.
pub fn syn_depth_exceeded(tokens: &TokenStream, limit: usize) -> Option<Span> {
    let mut stack = vec![Open::new(tokens.clone())];
    let mut total = 1usize;
    while let Some(level) = stack.last_mut() {
        let Some(tree) = level.trees.next() else {
            let done = stack.pop();
            total -= 1 + done.map_or(0, |d| d.pending + d.sticky);
            continue;
        };
        if std::mem::take(&mut level.after_brace) {
            let ends_statement = match &tree {
                TokenTree::Ident(ident) => *ident != "as" && *ident != "else",
                TokenTree::Literal(_) => true,
                TokenTree::Punct(p) => p.as_char() == '#',
                TokenTree::Group(_) => false,
            };
            if ends_statement {
                total -= level.pending + level.sticky;
                (level.pending, level.sticky) = (0, 0);
            }
        }
        let span = tree.span();
        match tree {
            TokenTree::Group(group) => {
                level.prev = Prev::Operand;
                level.after_brace = group.delimiter() == Delimiter::Brace;
                stack.push(Open::new(group.stream()));
                total += 1;
            }
            TokenTree::Literal(_) => level.prev = Prev::Operand,
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                if matches!(
                    word.as_str(),
                    "return" | "break" | "yield" | "box" | "become"
                ) {
                    level.pending += 1;
                    total += 1;
                }
                let before_operand = level.prev == Prev::Quote
                    || matches!(
                        word.as_str(),
                        "return"
                            | "break"
                            | "yield"
                            | "box"
                            | "become"
                            | "move"
                            | "async"
                            | "static"
                            | "in"
                            | "if"
                            | "while"
                            | "match"
                            | "else"
                            | "for"
                            | "let"
                            | "mut"
                            | "const"
                            | "dyn"
                            | "impl"
                            | "unsafe"
                            | "ref"
                    );
                level.prev = if before_operand {
                    Prev::Operator
                } else {
                    Prev::Operand
                };
            }
            TokenTree::Punct(punct) => {
                let (change, reset) = level.punct(punct.as_char(), punct.spacing());
                match reset {
                    Reset::None => {}
                    Reset::Pending => {
                        total -= level.pending;
                        level.pending = 0;
                    }
                    Reset::All => {
                        total -= level.pending + level.sticky;
                        (level.pending, level.sticky) = (0, 0);
                    }
                }
                total = total.saturating_add_signed(change);
            }
        }
        if total > limit {
            return Some(span);
        }
    }
    None
}

/// A group being measured by [`syn_depth_exceeded`].
struct Open {
    trees: proc_macro2::token_stream::IntoIter,
    /// Recursing tokens since the last `,` or `;`.
    pending: usize,
    /// `<` and closure bars since the last `;`.
    sticky: usize,
    /// The previous token was a `{..}` group.
    after_brace: bool,
    prev: Prev,
}

/// What the previous token leaves the next one: an operand is expected (after `Start`,
/// `Operator`, `JointPrefix`, `Quote`), or an operator.
#[derive(Clone, Copy, PartialEq)]
enum Prev {
    /// The group's start, or after `,` or `;`.
    Start,
    Operand,
    Operator,
    /// A prefix operator joined to the next punctuation (`&&x`, `||`): another prefix.
    JointPrefix,
    /// A binary operator joined to the next punctuation (`&&`, `+=`): its second half.
    JointBinary,
    /// A joined `-` or `=`: a `>` next makes an arrow, not a closing angle bracket.
    Arrow,
    /// A lifetime's quote: the name after it is not an operand (`&'a &'a T`).
    Quote,
}

enum Reset {
    None,
    Pending,
    All,
}

impl Open {
    fn new(trees: TokenStream) -> Self {
        Open {
            trees: trees.into_iter(),
            pending: 0,
            sticky: 0,
            after_brace: false,
            prev: Prev::Start,
        }
    }

    /// Accounts for one punctuation character; returns how much it changes the measure by
    /// (before the reset) and what it resets.
    fn punct(&mut self, ch: char, spacing: Spacing) -> (isize, Reset) {
        let joint = spacing == Spacing::Joint;
        let prev = self.prev;
        let operand_expected = matches!(
            prev,
            Prev::Start | Prev::Operator | Prev::JointPrefix | Prev::Quote
        );
        self.prev = if joint {
            Prev::JointBinary
        } else {
            Prev::Operator
        };
        let add = |count: &mut usize, n: usize| {
            *count += n;
            (n as isize, Reset::None)
        };
        match ch {
            ',' => {
                self.prev = Prev::Start;
                (0, Reset::Pending)
            }
            ';' => {
                self.prev = Prev::Start;
                (0, Reset::All)
            }
            '?' => {
                self.prev = Prev::Operand;
                (0, Reset::None)
            }
            '#' | ':' => (0, Reset::None),
            '\'' => {
                self.prev = Prev::Quote;
                (0, Reset::None)
            }
            '.' if !joint => (0, Reset::None),
            '<' => add(&mut self.sticky, 1),
            '>' if prev == Prev::Arrow => (0, Reset::None),
            '>' => {
                self.prev = Prev::Operand;
                if self.sticky > 0 {
                    self.sticky -= 1;
                    (-1, Reset::None)
                } else {
                    (0, Reset::None)
                }
            }
            '|' if operand_expected => {
                // In operand position `|` opens a closure (`||` is two); after an operand it
                // is an `or` or a closure's closing bar, which syn loops over.
                if joint {
                    self.prev = Prev::JointPrefix;
                }
                add(&mut self.sticky, 1)
            }
            '=' | '-' if joint => {
                self.prev = Prev::Arrow;
                // `->` recurses into the return type; `=>`, `==` and `-=` do not matter.
                add(&mut self.pending, usize::from(ch == '-'))
            }
            '=' if prev == Prev::Arrow => (0, Reset::None),
            '=' | '@' | '.' => add(&mut self.pending, 1),
            '&' | '*' | '-' | '!' if operand_expected => {
                if joint {
                    self.prev = Prev::JointPrefix;
                }
                add(&mut self.pending, 1)
            }
            _ => (0, Reset::None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn exceeds(text: &str, limit: usize) -> bool {
        let tokens = TokenStream::from_str(text).expect("tokenizes");
        syn_depth_exceeded(&tokens, limit).is_some()
    }

    #[test]
    fn deep_constructs_are_caught() {
        let n = 300;
        for text in [
            format!("fn f() {{ {}1{}; }}", "(".repeat(n), ")".repeat(n)),
            format!("fn f() {}{}", "{".repeat(n), "}".repeat(n)),
            format!("fn f() {{ {}1; }}", "-".repeat(n)),
            format!("fn f(x: {}u8) {{}}", "& ".repeat(n)),
            format!("fn f(x: {}u8{}) {{}}", "A<".repeat(n), ">".repeat(n)),
            format!("fn f(x: {}u8{}) {{}}", "A<u8, ".repeat(n), ">".repeat(n)),
            format!("fn f() {{ {}1; }}", "a = ".repeat(n)),
            format!("fn f() {{ {}1; }}", "|| ".repeat(n)),
            format!("fn f() {{ {}1; }}", "|a, b| ".repeat(n)),
            format!("fn f() {{ {}1; }}", "move |a| ".repeat(n)),
            format!("fn f() {{ {}1; }}", "return ".repeat(n)),
            format!("fn f() {{ {}1; }}", ".. ".repeat(n)),
            format!("type T = {}u8;", "fn() -> ".repeat(n)),
            format!("fn f() {{ x = {}1; }}", "{} = ".repeat(n)),
            format!("{}{}", "mod m {".repeat(n), "}".repeat(n)),
        ] {
            assert!(exceeds(&text, 256), "{}", &text[..60]);
            assert!(!exceeds(&text, 10 * n), "{}", &text[..60]);
        }
    }

    #[test]
    fn long_flat_code_is_not_deep() {
        let n = 5000;
        for text in [
            "pub fn f(x: &u32) -> Option<u32> { None }\n".repeat(n),
            "#[inline] fn f() -> u32 { 1 }\n".repeat(n),
            format!("const T: &[i32] = &[{}];", "-1, &2, ".repeat(n)),
            format!(
                "fn f() {{ match c {{ {} }} }}",
                "'a' | 'b' => {} ".repeat(n)
            ),
            format!("fn f() {{ match c {{ {} }} }}", "A | B => 1, ".repeat(n)),
            format!("fn f() {{ x{}; }}", ".a().b::<u8>()?".repeat(n)),
            format!(
                "fn f() {{ {} }}",
                "if a < b { c = -d; } else ".repeat(n) + "{}"
            ),
            format!("fn f() {{ {} }}", "let x = |a, b| a || b;".repeat(n)),
            format!("fn f() {{ {} }}", "a = 1 + 2 * 3;".repeat(n)),
        ] {
            assert!(!exceeds(&text, 64), "{}", &text[..60]);
        }
    }
}
