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

/// The most tokens in one expression (summed over the groups it is in) handed to syn. syn
/// parses `a + b + c ..` and `a.b.c ..` in a loop, but into a tree as deep as the chain is
/// long, which is then dropped recursively (a few hundred bytes of stack per link).
pub const MAX_SYN_RUN: usize = 100_000;

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
        let message = "nested too deeply, or one expression too long, for cachelint to parse";
        return Err(syn::Error::new(span, message));
    }
    syn::parse2(tokens)
}

/// Where `tokens` first nests deeper than `limit` by an upper bound of syn's recursion
/// depth (or holds an expression longer than [`MAX_SYN_RUN`] tokens), or `None`.
///
/// syn recurses into every delimited group, every `<..>`, every prefix operator (`&`, `*`,
/// `-`, `!`, `..`), every `=` (right-associative), closure, `->` and `return`/`break`/`yield`,
/// and loops over everything else (binary operators, method chains, paths, `else if`). The
/// measure is, summed over the open groups: one for the group, plus the recursing tokens seen
/// in it since the last `,` or `;` (a `,` ends a prefix operator's operand, not a `<..>` or a
/// closure, so those count until the `;`). A `{..}` followed by an identifier, a literal or
/// `#` ends a statement or item, which resets the count as `;` does; followed by `else` it
/// ends a condition, whose unclosed `<` were comparisons. The walk is iterative: it runs on
/// input too deep to recurse over.
pub fn syn_depth_exceeded(tokens: &TokenStream, limit: usize) -> Option<Span> {
    exceeded(Open::new(tokens.clone()), limit)
}

/// [`syn_depth_exceeded`] for a slice of token trees (a function's header).
pub fn header_too_deep(header: &[TokenTree]) -> Option<Span> {
    // Every level and every counted token takes at least one character: a header on one
    // line shorter than the limit cannot exceed it, and most are, so skip the walk.
    let (start, end) = (header.first()?.span().start(), header.last()?.span().end());
    if start.line == end.line && end.column.saturating_sub(start.column) < MAX_SYN_DEPTH {
        return None;
    }
    let root = Open::new(header.iter().cloned().collect());
    exceeded(root, MAX_SYN_DEPTH)
}

fn exceeded(root: Open, limit: usize) -> Option<Span> {
    let mut stack = vec![root];
    let mut depth = 1usize;
    let mut run = 0usize;
    while let Some(level) = stack.last_mut() {
        let Some(tree) = level.trees.next() else {
            if let Some(done) = stack.pop() {
                depth -= 1 + done.counted();
                run -= done.run;
            }
            continue;
        };
        let before = (level.counted(), level.run);
        if std::mem::take(&mut level.after_brace) {
            match &tree {
                TokenTree::Ident(ident) if *ident == "else" => level.angles = 0,
                TokenTree::Ident(ident) if *ident == "as" => {}
                TokenTree::Ident(_) | TokenTree::Literal(_) => level.reset(Reset::Statement),
                TokenTree::Punct(p) if p.as_char() == '#' => level.reset(Reset::Statement),
                _ => {}
            }
        }
        level.run += 1;
        let span = tree.span();
        let mut entered = None;
        match tree {
            TokenTree::Group(group) => {
                level.prev = Prev::Operand;
                level.after_brace = group.delimiter() == Delimiter::Brace;
                entered = Some(Open::new(group.stream()));
            }
            TokenTree::Literal(_) => level.prev = Prev::Operand,
            TokenTree::Ident(ident) => level.ident(&ident.to_string()),
            TokenTree::Punct(punct) => level.punct(punct.as_char(), punct.spacing()),
        }
        depth = depth + level.counted() - before.0;
        run = run + level.run - before.1;
        if let Some(inner) = entered {
            stack.push(inner);
            depth += 1;
        }
        if depth > limit || run > MAX_SYN_RUN {
            return Some(span);
        }
    }
    None
}

/// A group being measured by [`syn_depth_exceeded`].
struct Open {
    trees: Box<dyn Iterator<Item = TokenTree>>,
    /// Prefix operators and the like since the last `,` or `;`.
    pending: usize,
    /// Unclosed `<` since the last `;`.
    angles: usize,
    /// Closures opened since the last `;`.
    closures: usize,
    /// Tokens since the last `,` or `;`.
    run: usize,
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
    /// At a `,`.
    Element,
    /// At a `;`, or the end of a statement or item.
    Statement,
}

/// Keywords after which an operand (or a type) comes.
const BEFORE_OPERAND: &[&str] = &[
    "return", "break", "yield", "box", "become", "move", "async", "static", "in", "if", "while",
    "match", "else", "for", "let", "mut", "const", "dyn", "impl", "unsafe", "ref",
];

impl Open {
    fn new(trees: TokenStream) -> Self {
        Open::new_from(Box::new(trees.into_iter()))
    }

    fn new_from(trees: Box<dyn Iterator<Item = TokenTree>>) -> Self {
        Open {
            trees,
            pending: 0,
            angles: 0,
            closures: 0,
            run: 0,
            after_brace: false,
            prev: Prev::Start,
        }
    }

    /// This group's share of the measure, beyond the one for the group itself.
    fn counted(&self) -> usize {
        self.pending + self.angles + self.closures
    }

    fn reset(&mut self, reset: Reset) {
        self.pending = 0;
        self.run = 0;
        self.prev = Prev::Start;
        if let Reset::Statement = reset {
            self.angles = 0;
            self.closures = 0;
        }
    }

    fn ident(&mut self, word: &str) {
        if matches!(word, "return" | "break" | "yield" | "box" | "become") {
            self.pending += 1;
        }
        self.prev = if self.prev == Prev::Quote || BEFORE_OPERAND.contains(&word) {
            Prev::Operator
        } else {
            Prev::Operand
        };
    }

    fn punct(&mut self, ch: char, spacing: Spacing) {
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
        match ch {
            ',' => self.reset(Reset::Element),
            ';' => self.reset(Reset::Statement),
            '?' => self.prev = Prev::Operand,
            '\'' => self.prev = Prev::Quote,
            '>' if prev == Prev::Arrow => {}
            '>' => {
                self.prev = Prev::Operand;
                self.angles = self.angles.saturating_sub(1);
            }
            '<' => self.angles += 1,
            // In operand position `|` opens a closure (`||` is two bars); after an operand
            // it is an `or` or a closure's closing bar, which syn loops over.
            '|' if operand_expected => {
                self.closures += 1;
                if joint {
                    self.prev = Prev::JointPrefix;
                }
            }
            // `->` recurses into the return type; `=>`, `==` and `-=` need nothing.
            '-' | '=' if joint => {
                self.prev = Prev::Arrow;
                self.pending += usize::from(ch == '-');
            }
            '=' if prev == Prev::Arrow => {}
            // Assignments (right-associative), `@` bindings, and ranges (a joined `.`).
            '=' | '@' => self.pending += 1,
            '.' if joint => self.pending += 1,
            '&' | '*' | '-' | '!' if operand_expected => {
                self.pending += 1;
                if joint {
                    self.prev = Prev::JointPrefix;
                }
            }
            _ => {}
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
    fn very_long_chains_are_caught() {
        let n = MAX_SYN_RUN;
        for text in [
            format!("fn f() {{ 1{}; }}", " + 1".repeat(n)),
            format!("fn f() {{ a{}; }}", ".b".repeat(n)),
            format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(n / 4)),
        ] {
            assert!(exceeds(&text, MAX_SYN_DEPTH), "{}", &text[..60]);
        }
        let fine = format!("fn f() {{ {} }}", "a + 1;".repeat(n));
        assert!(!exceeds(&fine, MAX_SYN_DEPTH));
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
