//! Compile tests for the attributes: `pass/` must build and run, each `fail/` case must fail
//! with exactly the error in its `.stderr` (regenerate with `TRYBUILD=overwrite`, then review).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
