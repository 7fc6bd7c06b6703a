//! What a person or a CI log sees, through the binary: every format carries the whole
//! diagnosis, `human` reads like rustc (elided snippets, explain and allow help), colors and
//! width follow the terminal conventions, and progress shows on a terminal only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const SERVICE_MANIFEST: &str = "examples/service/Cargo.toml";

/// `cargo-cachelint ARGS` from the package root, with the color, width and CI variables of the
/// test's own environment removed and `env` set.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for name in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "CARGO_TERM_COLOR",
        "COLUMNS",
        "TERM",
        "CI",
        "CACHELINT_TIMINGS",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// The output of a run that must have worked (exit 0 or 1).
fn ran(output: &Output) -> String {
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?}: {}",
        stderr(output)
    );
    stdout(output)
}

/// The example service in `format`.
fn service(format: &str) -> String {
    ran(&run(
        &[
            "--message-format",
            format,
            "--manifest-path",
            SERVICE_MANIFEST,
        ],
        &[],
    ))
}

/// A directory outside any cargo package holding the `mistyped_invalidation_fires` fixture's
/// source (analyzed on its own, quickly), with `edit` applied to it.
fn loose_fixture(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/mistyped_invalidation_fires/src/lib.rs");
    let text = std::fs::read_to_string(source).expect("the fixture");
    let file = temp.path().join("lib.rs");
    std::fs::write(&file, edit(text)).expect("written");
    let dir = temp.path().to_path_buf();
    (temp, dir)
}

const ESC: char = '\u{1b}';

#[test]
fn short_and_every_review_format_carry_the_help_and_the_did_you_mean() {
    let did_you_mean = "did you mean `team:<tid>:members`?";
    let stale_help = "invalidate `user:<id>:summary` on this path too";

    let short = service("short");
    let lines: Vec<&str> = short.lines().collect();
    assert_eq!(lines.len(), 4, "{short}");
    assert!(
        lines[2].starts_with("src/teams.rs:58:14: error[mistyped_invalidation]: ")
            && lines[2].ends_with(&format!(
                "; help: {did_you_mean} Replace with `\"team:<tid>:members\"`"
            )),
        "{short}"
    );
    assert!(
        lines[3].contains(&format!("; help: {stale_help}")),
        "{short}"
    );

    let gitlab: Value = serde_json::from_str(&service("gitlab")).expect("JSON");
    let description = |i: usize| {
        gitlab[i]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(description(2).contains(did_you_mean), "{}", description(2));
    assert!(description(3).contains(&format!("help: {stale_help}")));

    for format in ["github", "rdjsonl"] {
        let text = service(format);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[2].contains(did_you_mean), "{format}: {}", lines[2]);
        assert!(lines[3].contains(stale_help), "{format}: {}", lines[3]);
    }

    // `rendered` is the whole diagnostic, snippet included.
    let json = service("json");
    let rendered: Vec<String> = json
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|m| m["message"]["rendered"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(rendered.len(), 4);
    let dead = &rendered[2];
    assert!(
        dead.contains("58 |     #[writes(\"team:<tid>:membrs\")]"),
        "{dead}"
    );
    assert!(dead.contains(&format!("help: {did_you_mean}")), "{dead}");
    assert!(
        dead.contains("58 |     #[writes(\"team:<tid>:members\")]"),
        "{dead}"
    );
    assert!(
        rendered[3].contains(&format!("= help: {stale_help}")),
        "{}",
        rendered[3]
    );
    assert!(rendered.iter().all(|r| !r.contains(ESC)));
}

#[test]
fn json_diagnostic_rendered_ansi_colors_rendered_as_cargo_asks_rustc() {
    let args = |format: &str| {
        vec![
            "--manifest-path".to_owned(),
            SERVICE_MANIFEST.to_owned(),
            format!("--message-format={format}"),
        ]
    };
    let stream = |format: &str| -> Vec<Value> {
        let args = args(format);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ran(&run(&args, &[("CLICOLOR_FORCE", "1")]))
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON lines"))
            .collect()
    };
    let ansi = stream("json-diagnostic-rendered-ansi");
    assert_eq!(ansi.len(), 5);
    for message in &ansi[..4] {
        let rendered = message["message"]["rendered"].as_str().expect("rendered");
        assert!(rendered.contains(ESC), "{rendered}");
        let text = message["message"]["message"].as_str().expect("message");
        assert!(!text.contains(ESC), "only `rendered` is colored");
    }
    // cargo's comma-separated spelling means the same.
    assert_eq!(stream("json,json-diagnostic-rendered-ansi"), ansi);
    // Plain `json` has no colors, whatever the environment says about the terminal.
    for message in &stream("json")[..4] {
        let rendered = message["message"]["rendered"].as_str().expect("rendered");
        assert!(!rendered.contains(ESC), "{rendered}");
    }
    // rustc's short form.
    let short = stream("json-diagnostic-short");
    assert_eq!(
        short[2]["message"]["rendered"],
        "src/teams.rs:58:14: error[cachelint::mistyped_invalidation]: `AppState::remove_member` \
         invalidates `team:<tid>:membrs`, one edit from the read key `team:<tid>:members`; help: \
         did you mean `team:<tid>:members`? Replace with `\"team:<tid>:members\"`\n"
    );
    // As cargo: a JSON variant does not combine with another kind of format.
    let mixed = run(&["--message-format", "human,json-diagnostic-short"], &[]);
    assert_eq!(mixed.status.code(), Some(2), "{}", stderr(&mixed));
}

/// The report of the finding whose header mentions `needle`, up to the blank line that ends it.
fn block<'a>(human: &'a str, needle: &str) -> &'a str {
    human
        .split("\n\n")
        .find(|block| block.lines().next().is_some_and(|l| l.contains(needle)))
        .unwrap_or_else(|| panic!("no finding mentions {needle}:\n{human}"))
}

#[test]
fn human_elides_the_lines_between_far_apart_labels() {
    let human = service("human");
    let stale = block(&human, "cachelint::stale_dependent");
    // Labels on lines 21, 27 and 60 of users.rs: each with its own line, `...` between.
    let numbered: Vec<&str> = stale
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) || *l == "...")
        .collect();
    assert_eq!(
        numbered,
        [
            "21 |     #[reads(crate::keys::SUMMARY)]",
            "...",
            "27 |         let profile = self.get_profile(id)?;",
            "...",
            "60 |     pub fn update_profile(&mut self, id: u64, name: &str) {",
            "32 |     #[writes(\"user:<id>:profile\")]",
        ],
        "{stale}"
    );
    assert!(!stale.contains("let key = format!"), "{stale}");
    assert!(stale.contains("  ::: src/cache.rs:32:14"), "{stale}");
    assert!(
        stale.starts_with(
            "error[cachelint::stale_dependent]: `AppState::update_profile` invalidates \
             `user:<id>:profile` but leaves `user:<id>:summary`, which depends on it, stale\n  \
             --> src/users.rs:60:12\n"
        ),
        "{stale}"
    );
}

#[test]
fn human_findings_end_with_where_to_read_and_how_to_allow() {
    let human = service("human");
    let findings: Vec<&str> = human
        .split("\n\n")
        .filter(|b| b.starts_with("error[") || b.starts_with("warning["))
        .collect();
    assert_eq!(findings.len(), 4, "{human}");
    for finding in findings {
        let rule = finding
            .split_once("[cachelint::")
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(rule, _)| rule)
            .expect("a rule in the header");
        let helps: Vec<&str> = finding
            .lines()
            .filter(|l| l.trim_start().starts_with("= help: "))
            .collect();
        let n = helps.len();
        assert!(n >= 2, "{finding}");
        assert_eq!(
            helps[n - 2].trim_start(),
            format!("= help: for further information run `cargo cachelint explain {rule}`")
        );
        assert!(
            helps[n - 1].contains(&format!("allow({rule})"))
                && helps[n - 1].contains(&format!("`-A {rule}`")),
            "{finding}"
        );
        let explain = run(&["explain", rule], &[]);
        assert_eq!(explain.status.code(), Some(0), "{}", stderr(&explain));
    }

    // The advice works: `allow(RULE)` where the help puts it silences that finding, `-A RULE`
    // every one.
    let (_keep, plain) = loose_fixture(|text| text);
    let dir = plain.to_str().expect("UTF-8");
    let before = ran(&run(&["--message-format", "short", dir], &[]));
    assert_eq!(before.lines().count(), 9, "{before}");
    let (_keep, allowed) = loose_fixture(|text| {
        text.replace(
            r#"#[writes("user:<id>:profle")]"#,
            r#"#[writes("user:<id>:profle", allow(mistyped_invalidation))]"#,
        )
    });
    let after = ran(&run(
        &[
            "--message-format",
            "short",
            allowed.to_str().expect("UTF-8"),
        ],
        &[],
    ));
    assert_eq!(after.lines().count(), 8, "{after}");
    assert!(!after.contains("profle"), "{after}");
    let none = ran(&run(
        &[
            "--message-format",
            "short",
            "-A",
            "mistyped_invalidation",
            "-A",
            "ttl_only_read",
            dir,
        ],
        &[],
    ));
    assert_eq!(none, "");
}

#[test]
fn colors_follow_the_flag_then_clicolor_force_and_no_color() {
    let (_keep, dir) = loose_fixture(|text| text);
    let dir = dir.to_str().expect("UTF-8");
    let colored = |flags: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![dir];
        args.extend(flags);
        ran(&run(&args, env)).contains(ESC)
    };
    // stdout is a pipe here: colors only when forced.
    assert!(!colored(&[], &[]));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "0")]));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!colored(
        &[],
        &[("CLICOLOR_FORCE", "1"), ("CARGO_TERM_COLOR", "never")]
    ));
}

#[test]
fn snippets_are_laid_out_in_columns() {
    let (_keep, dir) = loose_fixture(|text| text);
    let dir = dir.to_str().expect("UTF-8");
    let line = r#"#[writes("order:<id>:total", "order:<id>:itmes")]"#;
    let wide = ran(&run(&[dir], &[]));
    assert!(wide.contains(&format!("111 | {line}")), "{wide}");
    let narrow = ran(&run(&[dir], &[("COLUMNS", "40")]));
    let shown = narrow
        .lines()
        .find(|l| l.starts_with("111 | "))
        .unwrap_or_else(|| panic!("{narrow}"));
    // As rustc: the line is cut on the left so the annotated part stays in view.
    assert!(
        shown.starts_with("111 | ...") && !shown.contains(line),
        "{shown}"
    );
}

/// Runs the binary with its stdout and stderr on a pseudo-terminal (`script`, util-linux),
/// returning what the terminal showed.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let binary = env!("CARGO_BIN_EXE_cargo-cachelint");
    let quoted: Vec<String> = std::iter::once(binary)
        .chain(args.iter().copied())
        .map(|arg| format!("'{}'", arg.replace('\'', r"'\''")))
        .collect();
    let mut command = Command::new("script");
    command
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::null());
    for name in [
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "CARGO_TERM_COLOR",
        "COLUMNS",
        "CI",
    ] {
        command.env_remove(name);
    }
    command.env("TERM", "xterm-256color");
    command.envs(env.iter().copied());
    let output = command.output().expect("`script` runs (util-linux)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn on_a_terminal_colors_follow_term() {
    let (_keep, dir) = loose_fixture(|text| text);
    let dir = dir.to_str().expect("UTF-8");
    let screen = on_terminal(&[dir], &[]);
    assert!(
        screen.contains("mistyped_invalidation") && screen.contains(ESC),
        "{screen}"
    );
    let dumb = on_terminal(&[dir], &[("TERM", "dumb")]);
    assert!(
        dumb.contains("mistyped_invalidation") && !dumb.contains(ESC),
        "{dumb}"
    );
}

/// What the spinner says while the semantic engine loads (see `analyze::Stage`).
const PROGRESS: &str = "Loading workspace, analyzing";

#[test]
fn progress_shows_on_a_terminal_only() {
    // The semantic engine loads the example service and the standard library's sources: more
    // than a second.
    let args = [
        "--manifest-path",
        SERVICE_MANIFEST,
        "--message-format",
        "short",
    ];
    let screen = on_terminal(&args, &[]);
    assert!(screen.contains(PROGRESS), "{screen}");
    // Gone before the findings print: the last thing on screen is the findings.
    let last = screen.trim_end().lines().last().unwrap_or_default();
    assert!(last.contains("error[stale_dependent]"), "{screen:?}");

    let quiet = on_terminal(&[&args[..], &["-q"]].concat(), &[]);
    assert!(quiet.contains("error[stale_dependent]") && !quiet.contains(PROGRESS));
    let ci = on_terminal(&args, &[("CI", "true")]);
    assert!(ci.contains("error[stale_dependent]") && !ci.contains(PROGRESS));
    let dumb = on_terminal(&args, &[("TERM", "dumb")]);
    assert!(dumb.contains("error[stale_dependent]") && !dumb.contains(PROGRESS));

    // stderr a pipe (a CI log, `2> file`): nothing but what it said before.
    let piped = run(&args, &[]);
    let err = stderr(&piped);
    assert!(
        !err.contains(PROGRESS) && !err.contains(ESC) && !err.contains('\r'),
        "{err:?}"
    );
    assert_eq!(err, "", "{err}");
}
