#[test]
fn measure() {
    let cases: Vec<(&str, Box<dyn Fn(usize) -> String>)> = vec![
        (
            "parens",
            Box::new(|n| format!("fn f() {{ {}1{}; }}", "(".repeat(n), ")".repeat(n))),
        ),
        (
            "blocks",
            Box::new(|n| format!("fn f() {}{}", "{".repeat(n), "}".repeat(n))),
        ),
        (
            "neg",
            Box::new(|n| format!("fn f() {{ {}1; }}", "-".repeat(n))),
        ),
        (
            "refty",
            Box::new(|n| format!("fn f(x: {}u8) {{}}", "& ".repeat(n))),
        ),
        (
            "generic",
            Box::new(|n| format!("fn f(x: {}u8{}) {{}}", "A<".repeat(n), ">".repeat(n))),
        ),
        (
            "assign",
            Box::new(|n| format!("fn f() {{ {}1; }}", "a = ".repeat(n))),
        ),
        (
            "elseif",
            Box::new(|n| format!("fn f() {{ {}{{}} }}", "if a {} else ".repeat(n))),
        ),
        (
            "closure",
            Box::new(|n| format!("fn f() {{ {}1; }}", "|| ".repeat(n))),
        ),
        (
            "ret",
            Box::new(|n| format!("fn f() {{ {}1; }}", "return ".repeat(n))),
        ),
        (
            "mods",
            Box::new(|n| format!("{}{}", "mod m {".repeat(n), "}".repeat(n))),
        ),
        (
            "fnty",
            Box::new(|n| format!("type T = {}u8;", "fn() -> ".repeat(n))),
        ),
        (
            "usetree",
            Box::new(|n| format!("use {}b{};", "a::{".repeat(n), "}".repeat(n))),
        ),
    ];
    let want = std::env::var("CASE").unwrap_or_default();
    let stack: usize = std::env::var("STACK")
        .map(|s| s.parse().unwrap())
        .unwrap_or(16);
    for (name, make) in cases {
        if name != want {
            continue;
        }
        for n in [250usize, 500, 1000, 2000, 4000, 8000, 16000] {
            let text = make(n);
            let handle = std::thread::Builder::new()
                .stack_size(stack * 1024 * 1024)
                .spawn(move || {
                    let ok = syn::parse_file(&text).is_ok();
                    ok
                })
                .unwrap();
            let _ = handle.join();
            eprintln!("{name} {n} ok");
        }
    }
}
