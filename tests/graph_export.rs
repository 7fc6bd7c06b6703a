//! `cargo cachelint graph`: the model as JSON, DOT and Mermaid, on `tests/data/graph_service`.

use cachelint_analyzer::analyze::{self, Options, Target};
use cachelint_analyzer::cli::GraphFormat;
use cachelint_analyzer::export;
use serde_json::Value;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/graph_service")
}

fn render(format: GraphFormat) -> String {
    let target = Target {
        paths: vec![fixture()],
        ..Target::default()
    };
    let (_, model, _) = analyze::analyze(&target, &Options::default()).expect("analysis runs");
    export::render(&model, format)
}

fn json() -> Value {
    serde_json::from_str(&render(GraphFormat::Json)).expect("valid JSON")
}

/// The id of the node of `kind` labelled `label`.
fn id_of<'a>(graph: &'a Value, kind: &str, label: &str) -> &'a str {
    let nodes = graph["nodes"].as_array().expect("nodes");
    let found: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["kind"] == kind && n["label"] == label)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} node labelled {label}");
    found[0]["id"].as_str().expect("id")
}

fn edge<'a>(graph: &'a Value, from: &str, to: &str, kind: &str) -> &'a Value {
    let edges = graph["edges"].as_array().expect("edges");
    let found: Vec<&Value> = edges
        .iter()
        .filter(|e| e["from"] == from && e["to"] == to && e["kind"] == kind)
        .collect();
    assert_eq!(found.len(), 1, "one {kind} edge {from} -> {to}");
    found[0]
}

fn count(values: &Value, field: &str, value: &str) -> usize {
    values
        .as_array()
        .expect("array")
        .iter()
        .filter(|v| v[field] == value)
        .count()
}

#[test]
fn json_has_every_node_and_edge() {
    let graph = json();
    let (nodes, edges) = (&graph["nodes"], &graph["edges"]);
    assert_eq!(nodes.as_array().map(Vec::len), Some(21));
    assert_eq!(count(nodes, "kind", "function"), 11);
    assert_eq!(count(nodes, "kind", "key"), 7);
    assert_eq!(count(nodes, "kind", "event"), 3);
    assert_eq!(edges.as_array().map(Vec::len), Some(21));
    for (kind, n) in [
        ("calls", 2),
        ("reads", 5),
        ("writes", 5),
        ("publishes", 2),
        ("subscribes", 2),
        ("depends_on", 2),
        ("covers", 2),
        ("overlaps", 1),
    ] {
        assert_eq!(count(edges, "kind", kind), n, "{kind} edges");
    }
    // Ids follow the sorted names, kind by kind.
    let ids: Vec<&str> = nodes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(&ids[..3], ["f0", "f1", "f2"]);
    assert_eq!(&ids[11..13], ["k0", "k1"]);
    assert_eq!(&ids[18..], ["e0", "e1", "e2"]);
}

#[test]
fn json_nodes_carry_their_facts() {
    let graph = json();
    let nodes = graph["nodes"].as_array().expect("nodes");
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id).expect("node");
    let update = node(id_of(&graph, "function", "update_profile"));
    assert_eq!(
        update["qualified_name"],
        "graph_service::handlers::update_profile"
    );
    assert_eq!(update["module"], "graph_service::handlers");
    assert_eq!(
        (&update["entry"], &update["runs"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    let idle = node(id_of(&graph, "function", "on_team_deleted"));
    assert_eq!(
        (&idle["entry"], &idle["runs"]),
        (&Value::Bool(false), &Value::Bool(false))
    );
    let subscriber = node(id_of(&graph, "function", "on_user_updated"));
    assert_eq!(subscriber["entry"], false);
    assert_eq!(subscriber["runs"], true);
    assert_eq!(
        node(id_of(&graph, "function", "Store::profile"))["entry"],
        false
    );

    let prefix = node(id_of(&graph, "key", "user:<id>:*"));
    assert_eq!(
        (&prefix["read"], &prefix["written"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    let profile = node(id_of(&graph, "key", "user:<id>:profile"));
    assert_eq!(
        (&profile["read"], &profile["written"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    node(id_of(&graph, "key", r#"legacy:say"hi"&co:<id>\"#));

    let orphan = node(id_of(&graph, "event", "team.deleted"));
    assert_eq!(
        (&orphan["published"], &orphan["subscribed"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
}

#[test]
fn json_edges_show_what_invalidates_what() {
    let graph = json();
    let f = |label| id_of(&graph, "function", label);
    let k = |label| id_of(&graph, "key", label);
    let e = |label| id_of(&graph, "event", label);

    let write = edge(
        &graph,
        f("update_profile"),
        k("user:<id>:profile"),
        "writes",
    );
    assert_eq!(write["label"], "invalidates");
    let read = edge(&graph, f("Store::summary"), k("user:<id>:summary"), "reads");
    assert_eq!(
        (&read["label"], &read["ttl"]),
        (&Value::from("reads (ttl 2m)"), &Value::from("2m"))
    );
    assert!(
        edge(&graph, f("Store::profile"), k("user:<id>:profile"), "reads")
            .get("ttl")
            .is_none()
    );
    edge(&graph, f("Store::summary"), f("Store::profile"), "calls");
    edge(&graph, f("update_profile"), f("audit"), "calls");
    edge(&graph, f("update_profile"), e("user.updated"), "publishes");
    edge(
        &graph,
        e("user.updated"),
        f("on_user_updated"),
        "subscribes",
    );
    edge(
        &graph,
        e("team.deleted"),
        f("on_team_deleted"),
        "subscribes",
    );

    let declared = edge(
        &graph,
        k("team:<tid>:dashboard"),
        k("team:<tid>:members"),
        "depends_on",
    );
    assert_eq!(
        (&declared["declared"], &declared["label"]),
        (&Value::Bool(true), &Value::from("depends on"))
    );
    let inferred = edge(
        &graph,
        k("user:<id>:summary"),
        k("user:<id>:profile"),
        "depends_on",
    );
    assert_eq!(
        (&inferred["declared"], &inferred["label"]),
        (&Value::Bool(false), &Value::from("depends on (inferred)"))
    );

    edge(&graph, k("user:<id>:*"), k("user:<id>:profile"), "covers");
    edge(&graph, k("user:<id>:*"), k("user:<id>:summary"), "covers");
    let partial = edge(
        &graph,
        k("team:default:members"),
        k("team:<tid>:members"),
        "overlaps",
    );
    assert_eq!(partial["label"], "overlaps");
    // A key both read and written is one node: no edge to itself.
    let edges = graph["edges"].as_array().expect("edges");
    assert!(
        edges
            .iter()
            .all(|e| e["kind"] == "calls" || e["from"] != e["to"])
    );
}

#[test]
fn output_is_deterministic() {
    for format in [GraphFormat::Dot, GraphFormat::Mermaid, GraphFormat::Json] {
        let text = render(format);
        assert_eq!(text, render(format));
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    }
}

#[test]
fn dot_snapshot() {
    insta::assert_snapshot!("graph_dot", render(GraphFormat::Dot));
}

#[test]
fn mermaid_snapshot() {
    insta::assert_snapshot!("graph_mermaid", render(GraphFormat::Mermaid));
}

#[test]
fn dot_renders_with_graphviz() {
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("note: `dot` (Graphviz) is not on PATH; skipping the rendering check");
        return;
    }
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot starts");
    let text = render(GraphFormat::Dot);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("dot reads the graph");
    let output = child.wait_with_output().expect("dot runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dot failed: {stderr}");
    assert!(stderr.trim().is_empty(), "dot warned: {stderr}");
    let svg = String::from_utf8_lossy(&output.stdout);
    // Labels come out as written: placeholders, quotes, `&` and a trailing backslash intact.
    assert!(svg.contains(">user:&lt;id&gt;:profile<"), "{svg}");
    assert!(
        svg.contains(">legacy:say&quot;hi&quot;&amp;co:&lt;id&gt;\\<"),
        "{svg}"
    );
}

fn binary(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-cachelint"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn binary_prints_each_format() {
    let path = fixture();
    let path = path.to_str().expect("UTF-8 path");
    let output = binary(&["graph", "--format", "json", path]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(printed, json());

    // As cargo runs it, and with the default format (DOT).
    let output = binary(&["cachelint", "graph", path]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        render(GraphFormat::Dot)
    );

    let output = binary(&["graph", "--format", "mermaid", path]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        render(GraphFormat::Mermaid)
    );
}

#[test]
fn binary_fails_cleanly_on_a_missing_path() {
    let output = binary(&["graph", "--format", "json", "tests/data/no_such_dir"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("no_such_dir"),
        "{stderr}"
    );
}
