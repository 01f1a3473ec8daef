#!/usr/bin/env bash
# Runs the fuzz targets: `fuzz/run.sh [SECONDS] [TARGET...]` (default 600 s
# each, both targets). Needs `cargo install cargo-fuzz`; works on the stable
# toolchain because no sanitizer is asked for (`-s none`): the targets look
# for panics, aborts, hangs (-timeout) and memory blow-ups (-rss_limit_mb),
# which need none. Crashes land in fuzz/artifacts/TARGET/; copy each into
# tests/regressions/ (the test suite replays them).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario shard)

# Seed corpora: the shipped scenarios, the regression files, and shard
# files of short runs of the shipped scenarios.
mkdir -p fuzz/corpus/scenario fuzz/corpus/shard
cp scenarios/*.yaml fuzz/seeds/scenario/* tests/regressions/*.yaml fuzz/corpus/scenario/ 2>/dev/null || true
cp fuzz/seeds/shard/* tests/regressions/*.json fuzz/corpus/shard/ 2>/dev/null || true
# The hostile-input corpus of the test suite, as files.
REGIONSIM_DUMP_CORPUS=fuzz/corpus/scenario cargo test --quiet --test integration dump_corpus_for_fuzzing >/dev/null
cargo build --release --quiet
tmp=$(mktemp -d)
for f in scenarios/*.yaml; do
  ./target/release/regionsim run "$f" --set duration=2s --set warmup=0ms --set replications=2 \
    --shard 1/1 -o "$tmp/$(basename "$f" .yaml)" -q >/dev/null
  cp "$tmp/$(basename "$f" .yaml)/shard-1-of-1.json" "fuzz/corpus/shard/$(basename "$f" .yaml).json"
done
rm -rf "$tmp"

for t in "${targets[@]}"; do
  echo "== fuzzing $t for $seconds s"
  cargo fuzz run -s none "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict=fuzz/$t.dict -print_final_stats=1 2>&1 | tail -25
done
