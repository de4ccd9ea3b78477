#!/usr/bin/env bash
# Benchmark: parity on a synthetic monorepo against the time to read its config bytes.
#
#   scripts/bench.sh [N ...]        (default: 100 1000; needs hyperfine and python3)
#
# For each N, generates N services with scripts/gen-monorepo.py (cached under
# target/bench/nN), then runs with hyperfine, from a warm page cache:
#   read-configs  cat of every file parity reads there (the floor the brief sets);
#   parity-check  the release binary, `check --format json`, all rules.
# Results: target/bench/results-nN.json (hyperfine export) and a summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
bin="$PWD/target/release/parity"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100 1000)
for n in "${sizes[@]}"; do
  dir="target/bench/n$n"
  if [ ! -d "$dir" ]; then
    python3 scripts/gen-monorepo.py "$n" "$dir"
  fi
  # The files parity reads: what `parity model` lists as scanned inputs.
  list="target/bench/n$n.files"
  "$bin" model "$dir" --format json \
    | python3 -c 'import json,sys; [print(f["path"]) for f in json.load(sys.stdin)["files"]]' \
    | sed "s|^|$dir/|" > "$list"
  files=$(wc -l < "$list")
  bytes=$(xargs -a "$list" cat | wc -c)
  echo "n=$n: parity reads $files files, $bytes bytes"
  hyperfine --warmup 2 --runs 10 -i --export-json "target/bench/results-n$n.json" \
    -n read-configs "xargs -a $list cat > /dev/null" \
    -n parity-check "$bin check $dir --format json > /dev/null"
done
