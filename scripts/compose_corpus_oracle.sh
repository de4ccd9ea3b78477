#!/bin/sh
# Run `docker-compose config` (v1.29.2) on every compose file of the shared
# corpus and store the answers as JSON outside the repository, for the
# ignored test `compose_oracle::corpus_agrees_with_docker_compose_config`.
#
#   scripts/compose_corpus_oracle.sh [/work/shared/corpus] [/tmp/compose-corpus]
#
# Each file runs in a scratch copy of its directory (so a project's .env is
# read as compose would read it). Build contexts and env files that the
# corpus did not collect are created empty in the scratch copy (the corpus is
# never modified), retrying until compose stops complaining about them.
set -eu
corpus=${1:-/work/shared/corpus}
out=${2:-/tmp/compose-corpus}
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
awk -F'\t' '$6=="compose"{print $1}' "$corpus/MANIFEST.tsv" | while read -r rel; do
    name=$(printf '%s' "$rel" | sed 's|/|__|g')
    rm -rf "$scratch/p" && mkdir -p "$scratch/p"
    case "$rel" in
        projects/*)
            project=$(printf '%s' "$rel" | cut -d/ -f1-2)
            cp -r "$corpus/$project/." "$scratch/p/"
            file="$scratch/p/${rel#"$project"/}"
            ;;
        *)
            cp "$corpus/$rel" "$scratch/p/"
            file="$scratch/p/$(basename "$rel")"
            ;;
    esac
    dir=$(dirname "$file")
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
        (cd "$dir" && env -i PATH="$PATH" docker-compose -f "$(basename "$file")" config) \
            > "$out/$name.yml" 2> "$out/$name.err" || true
        missing=$(sed -n -e 's/^Couldn.t find env file: //p' \
            -e 's/^build path \(.*\) either does not exist.*/\1\//p' "$out/$name.err" | head -1)
        case "$missing" in
            "$scratch"/*/) mkdir -p "$missing" ;;
            "$scratch"/*) mkdir -p "$(dirname "$missing")" && : > "$missing" ;;
            *) break ;;
        esac
    done
    python3 - "$out/$name.yml" "$out/$name.err" > "$out/$name.json" <<'PY'
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

try:
    with open(sys.argv[1]) as f:
        config = yaml.safe_load(f.read() or "{}") or {}
except yaml.YAMLError:
    config = {}
with open(sys.argv[2]) as f:
    stderr = [line.rstrip("\n") for line in f if line.strip()]
print(json.dumps({"services": norm(config.get("services", {})), "stderr": stderr},
                 indent=1, sort_keys=True, ensure_ascii=False))
PY
    rm -f "$out/$name.yml" "$out/$name.err"
done
