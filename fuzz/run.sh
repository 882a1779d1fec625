#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) with cargo-fuzz on the
# nightly toolchain, seeded from the test fixtures. Crashes land in
# fuzz/artifacts/<target>/; copy each into tests/fuzz-regressions/<target>/
# so `cargo test` keeps checking it. Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse docx odt pdf tnef html doc rtf image)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if [ "$t" = parse ]; then cp -n ../tests/fixtures/*.eml "corpus/$t/" 2>/dev/null || true; fi
  echo "== $t for ${seconds}s"
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 2>&1 | tail -n 5
done
