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
# --list-failures) and checks that `--all-files` reports every one of them as `parse_error`,
# both in the whole run and run on each file alone.
#
# Each analyzer run is capped (ROBUSTNESS_MEMORY_MB of address space, default 8192, and
# ROBUSTNESS_TIMEOUT seconds, default 1800) so that a blow-up fails the run instead of the
# machine. Needs GNU time (`apt-get install -y time`). Exit code: 0 when every check holds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DIR:-$root/../shared}
dir=${1:-$root/target/bench/corpus}
target_dir=${CARGO_TARGET_DIR:-$root/target}
memory_mb=${ROBUSTNESS_MEMORY_MB:-8192}
timeout_s=${ROBUSTNESS_TIMEOUT:-1800}
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
  (cd "$corpus" && ulimit -v $((memory_mb * 1024)) && /usr/bin/time -f '%e %M' -o "$work/$name.time" \
    timeout "$timeout_s" "$bin" cachelint --message-format short "$@" . >"$out" 2>"$err") || code=$?
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
  if grep -qE 'panicked|has overflowed its stack' "$err"; then
    echo "FAIL: the analyzer panicked or overflowed its stack:"; head -n 3 "$err"; failed=1
  elif grep -q 'memory allocation of .* failed' "$err" || [[ $code -eq 137 ]]; then
    echo "FAIL: out of memory under the ${memory_mb} MB cap:"; head -n 1 "$err"; failed=1
  elif [[ $code -eq 124 ]]; then
    echo "FAIL: timed out after ${timeout_s} s"; failed=1
  elif [[ $code -ne 0 && $code -ne 1 ]]; then
    echo "FAIL: exit code $code (expected 0 or 1):"; head -n 3 "$err"; failed=1
  fi
  echo "$code" >"$work/$name.code"
}

run all-files --all-files
run fast-path

echo
echo "== files syn::parse_file rejects (benches/syn_parse_all.rs --list-failures)"
"$syn_bin" --list-failures "$corpus" | tee "$work/syn.txt" | cut -c1-160
tail -n +2 "$work/syn.txt" | cut -d: -f1 | sort -u >"$work/syn-files.txt"
echo "-- each of them, analyzed alone:"
while read -r file; do
  for flags in "--all-files" ""; do
    # shellcheck disable=SC2086
    found=$(cd "$corpus" && "$bin" cachelint --message-format short $flags "$file" | grep 'parse_error' || true)
    printf '  %-50s %-12s %s\n' "$file" "${flags:-fast path}" "${found:-(no parse_error)}" | cut -c1-200
    if [[ -n $flags && -z $found ]]; then failed=1; fi
  done
done <"$work/syn-files.txt"
if [[ $(cat "$work/all-files.code") -gt 1 ]]; then
  echo "the whole --all-files run did not finish: no comparison with its findings"
  failed=1
else
  grep 'parse_error' "$work/all-files.out" | cut -d: -f1 | sort -u >"$work/reported.txt"
  missing=$(comm -23 "$work/syn-files.txt" "$work/reported.txt")
  extra=$(comm -13 "$work/syn-files.txt" "$work/reported.txt")
  if [[ -n $missing ]]; then
    echo "FAIL: syn rejects these files but the whole --all-files run does not report them:"
    echo "$missing" | sed 's/^/  /'
    failed=1
  else
    echo "every file syn rejects is a parse_error in the whole --all-files run"
  fi
  if [[ -n $extra ]]; then
    echo "parse_error under --all-files for files syn parses (cachelint's own limits):"
    echo "$extra" | sed 's/^/  /'
  fi
fi
exit $failed
