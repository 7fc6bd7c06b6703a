#!/usr/bin/env bash
# Robustness run over real code at scale (issue 5; not a test, not a benchmark):
#
#     bench/robustness.sh [DIR]          # DIR defaults to target/bench/corpus
#
# Builds the corpus (../shared/bench/make-corpus.sh DIR: ~11,400 vendored .rs files under
# DIR/full, generated FFI bindings included), then runs the release analyzer over DIR/full
# twice: with `--all-files` (every file parsed, and checked by a full syn parse) and without
# (the fast path, which skips files that cannot matter). For each run it prints the files,
# the findings per rule, the files reported as `parse_error`, the wall time and peak memory
# (GNU time), and the exit code, and fails unless the run exited 0 or 1 without a panic.
# Last, it lists the files `syn::parse_file` rejects (benches/syn_parse_all.rs
# --list-failures) and checks that `--all-files` reports every one of them as `parse_error`.
# Needs GNU time (`apt-get install -y time`). Exit code: 0 when every check holds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DIR:-$root/../shared}
dir=${1:-$root/target/bench/corpus}
target_dir=${CARGO_TARGET_DIR:-$root/target}
command -v /usr/bin/time >/dev/null || { echo "robustness: missing GNU time (apt-get install -y time)" >&2; exit 2; }

"$shared/bench/make-corpus.sh" "$dir" >/dev/null
corpus=$(cd "$dir/full" && pwd)
cd "$root"
cargo build --release --quiet --bin cargo-cachelint --bench syn_parse_all
bin=$target_dir/release/cargo-cachelint
syn_bin=$(ls -t "$target_dir"/release/deps/syn_parse_all-* | grep -v '\.d$' | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

echo "corpus: $corpus"
echo "files: $(find "$corpus" -name '*.rs' | wc -l) .rs files, $(du -sh "$corpus" | cut -f1)"

# run NAME ARGS...: one analyzer run over the corpus, from inside it (relative paths).
run() {
  local name=$1; shift
  local out=$work/$name.out err=$work/$name.err code=0
  (cd "$corpus" && /usr/bin/time -f '%e %M' -o "$work/$name.time" \
    "$bin" cachelint --message-format short "$@" . >"$out" 2>"$err") || code=$?
  # GNU time writes "Command exited with non-zero status N" first when the exit is not 0.
  read -r wall peak < <(tail -n 1 "$work/$name.time")
  echo
  echo "== cargo cachelint --message-format short $* (over full/)"
  echo "exit code: $code; wall time: ${wall} s; peak memory: $((peak / 1024)) MB"
  echo "findings: $(wc -l <"$out")"
  grep -o '^[^ ]*: [a-z]*\[[a-z_]*\]' "$out" | sed 's/.*\[\(.*\)\]/\1/' | sort | uniq -c \
    | awk '{ printf "  %-22s %s\n", $2, $1 }' || true
  echo "parse_error files:"
  grep 'parse_error' "$out" | sed 's/^\([^:]*\):\([0-9]*\):\([0-9]*\): warning\[parse_error\]: /  \1:\2:\3  /' \
    | cut -c1-160 || true
  if grep -qE 'panicked|overflow|RUST_BACKTRACE' "$err"; then
    echo "FAIL: the analyzer panicked or overflowed its stack:"; head -n 5 "$err"; failed=1
  fi
  if [[ $code -ne 0 && $code -ne 1 ]]; then
    echo "FAIL: exit code $code (expected 0 or 1):"; head -n 5 "$err"; failed=1
  fi
}

run all-files --all-files
run fast-path

echo
echo "== files syn::parse_file rejects (benches/syn_parse_all.rs --list-failures)"
"$syn_bin" --list-failures "$corpus" | tee "$work/syn.txt" | cut -c1-160
tail -n +2 "$work/syn.txt" | cut -d: -f1 | sort -u >"$work/syn-files.txt"
grep 'parse_error' "$work/all-files.out" | cut -d: -f1 | sort -u >"$work/reported.txt"
missing=$(comm -23 "$work/syn-files.txt" "$work/reported.txt")
extra=$(comm -13 "$work/syn-files.txt" "$work/reported.txt")
if [[ -n $missing ]]; then
  echo "FAIL: syn rejects these files but --all-files does not report them:"
  echo "$missing" | sed 's/^/  /'
  failed=1
else
  echo "every file syn rejects is a parse_error under --all-files"
fi
if [[ -n $extra ]]; then
  echo "parse_error under --all-files for files syn parses (cachelint's own limits):"
  echo "$extra" | sed 's/^/  /'
fi
exit $failed
