#!/usr/bin/env bash
# The semantic engine's benchmark (not a test); bench/run.sh runs it after its own tables.
#
#     bench/engine.sh                 # or: BENCH_RUNS=3 ENGINE_SIZES="100 300 1000" bench/engine.sh
#
# Generates a realistic service (bench/gen-service.py: axum handlers, services, sqlx
# repositories, a Redis cache layer; axum, tokio, serde, sqlx and redis from the registry) at
# three sizes under target/bench, fetches the dependencies' sources (`cargo fetch`: nothing is
# built), then measures in one run:
#   - cachelint on each size (hyperfine medians, GNU time peak memory);
#   - on the middle size, the engine's own whole-workspace cost,
#     `rust-analyzer analysis-stats --disable-build-scripts --disable-proc-macros`, and what
#     users already run, `cargo check` from a clean target directory (one run: it builds every
#     dependency).
# Targets (the semantic-engine issue): cachelint <= 0.5x analysis-stats and <= 0.1x cold
# `cargo check` on the middle size; peak memory <= 2.5 GB there; growth with size reported.
# Needs hyperfine, GNU time, python3 and the rust-analyzer component
# (`rustup component add rust-analyzer`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/target/bench}
runs=${BENCH_RUNS:-3}
read -r -a sizes <<<"${ENGINE_SIZES:-100 300 1000}"
middle=${sizes[1]}
for tool in hyperfine /usr/bin/time python3 rust-analyzer; do
  command -v "$tool" >/dev/null || { echo "bench: missing $tool" >&2; exit 2; }
done
mkdir -p "$work"
cd "$root"
cargo build --release --quiet --bin cargo-cachelint
bin=$root/target/release/cargo-cachelint
for n in "${sizes[@]}"; do
  dir=$work/svc-$n
  [[ -f $dir/Cargo.toml ]] || python3 bench/gen-service.py "$dir" "$n" >/dev/null
  (cd "$dir" && cargo fetch --quiet)
done

json=$work/engine-results
mkdir -p "$json"
for n in "${sizes[@]}"; do
  # -i: the service has planted bugs, so cachelint exits 1.
  hyperfine --style none -N -i -w 1 -r "$runs" --export-json "$json/cachelint-$n.json" \
    "$bin cachelint --message-format short --manifest-path $work/svc-$n/Cargo.toml" \
    >/dev/null 2>"$json/cachelint-$n.log"
  /usr/bin/time -f '%M' -o "$json/peak-$n.txt" \
    "$bin" cachelint --message-format short --manifest-path "$work/svc-$n/Cargo.toml" \
    >"$json/findings-$n.txt" 2>/dev/null || true
done
hyperfine --style none -N -i -w 1 -r "$runs" --export-json "$json/analysis-stats.json" \
  "rust-analyzer analysis-stats --disable-build-scripts --disable-proc-macros $work/svc-$middle" \
  >/dev/null 2>"$json/analysis-stats.log"
/usr/bin/time -f '%M' -o "$json/peak-ra.txt" rust-analyzer analysis-stats \
  --disable-build-scripts --disable-proc-macros "$work/svc-$middle" >/dev/null 2>&1 || true
check_target=$work/check-target
hyperfine --style none -i -r 1 --prepare "rm -rf $check_target" \
  --export-json "$json/cargo-check.json" \
  "CARGO_TARGET_DIR=$check_target cargo check --quiet --manifest-path $work/svc-$middle/Cargo.toml" \
  >/dev/null 2>"$json/cargo-check.log"
rm -rf "$check_target"

python3 - "$json" "$middle" "${sizes[@]}" <<'PY'
import json, os, sys
d, middle, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
med = lambda name: json.load(open(os.path.join(d, name + ".json")))["results"][0]["median"]
peak = lambda name: int(open(os.path.join(d, name)).read().split()[-1]) / 1024
ok = lambda b: "met" if b else "NOT met"
cl = {n: med(f"cachelint-{n}") for n in sizes}
ra, check = med("analysis-stats"), med("cargo-check")
m = cl[middle]
print(f"| measurement (service of {middle} handlers) | time (median) | ratio | target |")
print("|---|---|---|---|")
print(f"| rust-analyzer analysis-stats (no build scripts, no proc macros) | {ra:.2f} s | 1.00 | |")
print(f"| cargo check from clean (one run) | {check:.2f} s | | |")
print(f"| cachelint | {m:.2f} s | {m/ra:.2f}x analysis-stats, {m/check:.3f}x cargo check | <= 0.5x: {ok(m <= 0.5*ra)}; <= 0.1x: {ok(m <= 0.1*check)} |")
print()
print(f"peak memory: cachelint {peak(f'peak-{middle}.txt'):.0f} MB ({ok(peak(f'peak-{middle}.txt') <= 2560)} <= 2.5 GB), analysis-stats {peak('peak-ra.txt'):.0f} MB")
print()
print("| handlers | .rs lines | cachelint time | peak memory | stale_dependent findings |")
print("|---|---|---|---|---|")
for n in sizes:
    src = os.path.join(d, "..", f"svc-{n}", "src")
    lines = sum(sum(1 for _ in open(os.path.join(dp, f))) for dp, _, fs in os.walk(src) for f in fs if f.endswith(".rs"))
    found = open(os.path.join(d, f"findings-{n}.txt")).read().count("stale_dependent")
    print(f"| {n} | {lines} | {cl[n]:.2f} s | {peak(f'peak-{n}.txt'):.0f} MB | {found} (expected {(int(n)//4 + 9)//10}) |")
first, last = sizes[0], sizes[-1]
print(f"\ngrowth: {int(last)/int(first):.0f}x the handlers cost {cl[last]/cl[first]:.2f}x the time")
PY
