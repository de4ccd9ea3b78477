#!/bin/sh
# Record `docker-compose config` (v1.29.2, Debian package `docker-compose`)
# for the compose fixtures, as JSON, for tests/compose_oracle.rs.
#
#   scripts/record_compose.sh
#
# Each tests/fixtures/compose/NAME.yml is run with only the variables of
# NAME.vars in the environment (no .env file), from a scratch directory.
# Output: tests/recorded/docker-compose/NAME.json with every scalar as a
# string and compose's `$$` output escaping undone, so that values compare
# with what the container receives.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/tests/recorded/docker-compose"
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
docker-compose version --short > "$out/VERSION"
for fixture in "$root"/tests/fixtures/compose/*.yml; do
    name=$(basename "$fixture" .yml)
    cp "$fixture" "$scratch/compose.yml"
    vars="$root/tests/fixtures/compose/$name.vars"
    # shellcheck disable=SC2046
    (cd "$scratch" && env -i PATH="$PATH" $(cat "$vars") docker-compose -f compose.yml config) \
        > "$scratch/out.yml" 2> "$scratch/err.txt" || true
    python3 - "$scratch/out.yml" "$scratch/err.txt" > "$out/$name.json" <<'PY'
import json, sys, yaml

def norm(v):
    if isinstance(v, dict):
        return {str(k): norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).replace("$$", "$")

with open(sys.argv[1]) as f:
    config = yaml.safe_load(f.read() or "{}") or {}
with open(sys.argv[2]) as f:
    stderr = [line.rstrip("\n") for line in f if line.strip()]
print(json.dumps({"services": norm(config.get("services", {})), "stderr": stderr},
                 indent=1, sort_keys=True, ensure_ascii=False))
PY
done
