#!/bin/sh
# Record `docker-compose -f base.yml -f over.yml config` (v1.29.2, Debian
# package `docker-compose`) for each case under tests/fixtures/compose-merge/,
# as JSON, for tests/compose_merge_oracle.rs.
#
#   scripts/record_compose_merge.sh
#
# Each case directory is copied to a scratch directory and run there with an
# empty environment. Absolute paths compose prints (build contexts, bind-mount
# sources) are made relative to the case directory again (`./...`).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/tests/recorded/docker-compose-merge"
mkdir -p "$out"
docker-compose version --short > "$out/VERSION"
for case in "$root"/tests/fixtures/compose-merge/*/; do
    name=$(basename "$case")
    scratch=$(mktemp -d)
    cp -r "$case". "$scratch/"
    (cd "$scratch" && env -i PATH="$PATH" docker-compose -f base.yml -f over.yml config) \
        > "$scratch/out.yml" 2> "$scratch/err.txt" || true
    python3 - "$scratch" > "$out/$name.json" <<'PY'
import json, os, sys, yaml

scratch = sys.argv[1]

def norm(v):
    if isinstance(v, dict):
        return {str(k): norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    s = str(v).replace("$$", "$")
    if s == scratch:
        return "."
    return s.replace(scratch + "/", "./")

with open(os.path.join(scratch, "out.yml")) as f:
    config = yaml.safe_load(f.read() or "{}") or {}
with open(os.path.join(scratch, "err.txt")) as f:
    stderr = [line.rstrip("\n") for line in f if line.strip()]
print(json.dumps({"services": norm(config.get("services", {})), "stderr": stderr},
                 indent=1, sort_keys=True, ensure_ascii=False))
PY
    rm -rf "$scratch"
done
