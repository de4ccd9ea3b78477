#!/bin/sh
# Dumps crossplane 0.5.8's single-file parse (with comments) of every nginx file
# of the shared corpus, for the agreement measurement in tests/nginx_corpus.rs:
#
#   scripts/crossplane-corpus.sh /tmp/crossplane-corpus
#   CROSSPLANE_CORPUS_ANSWERS=/tmp/crossplane-corpus \
#     cargo test --test nginx_corpus crossplane_agreement -- --ignored --nocapture
#
# Context checks are off (check_ctx=False): conf.d fragments and snippets are
# parsed on their own, where crossplane's main-context check would reject every
# `server`/`location` line. Argument-count checks stay on, as in the CLI.
# The answers are not committed (the corpus is not in the repository).
set -eu

out=${1:?usage: $0 OUTPUT_DIR}
corpus=${PARITY_CORPUS:-/work/shared/corpus}
venv=${CROSSPLANE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/parity/crossplane-0.5.8}
if [ ! -x "$venv/bin/crossplane" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet crossplane==0.5.8
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$corpus"
awk -F'\t' 'NR > 1 && $6 == "nginx" { print $1 }' MANIFEST.tsv | "$venv/bin/python" -c '
import json, sys, crossplane
out = sys.argv[1]
n = 0
for path in sys.stdin.read().splitlines():
    payload = crossplane.parse(path, single=True, comments=True, check_ctx=False)
    with open(out + "/" + path.replace("/", "__") + ".json", "w") as f:
        json.dump(payload, f)
    n += 1
print("wrote %d answers to %s" % (n, out))
' "$out"
