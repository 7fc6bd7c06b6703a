#[test]
fn dump() {
    let text = std::fs::read_to_string("fixtures/calls_paths/src/handlers.rs").unwrap();
    let facts = cachelint_analyzer::extract::extract_file(0, &text, vec!["c".into(), "handlers".into()], ':');
    for u in &facts.uses { eprintln!("{u:?}"); }
    for f in &facts.functions { eprintln!("{} {:?}", f.name, f.calls.iter().map(|c| &c.target).collect::<Vec<_>>()); }
}
