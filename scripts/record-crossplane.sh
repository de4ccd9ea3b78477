#!/bin/sh
# Records crossplane 0.5.8's answers for every tests/fixtures/nginx-parse/*.conf
# into tests/recorded/crossplane/: NAME.json (`crossplane parse --single-file`)
# and NAME.comments.json (`... --include-comments`). tests/nginx_crossplane.rs
# compares parity's crossplane JSON with them.
#
# crossplane is installed into a virtualenv outside the repository
# (CROSSPLANE_VENV, default ~/.cache/parity/crossplane-0.5.8).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${CROSSPLANE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/parity/crossplane-0.5.8}
if [ ! -x "$venv/bin/crossplane" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet crossplane==0.5.8
fi
version=$("$venv/bin/crossplane" --version)
[ "$version" = "crossplane 0.5.8" ] || { echo "expected crossplane 0.5.8, got: $version" >&2; exit 1; }

out="$root/tests/recorded/crossplane"
mkdir -p "$out"
rm -f "$out"/*.json
# Run from the fixture directory so that "file" fields hold the bare file name.
cd "$root/tests/fixtures/nginx-parse"
for f in *.conf; do
    name=${f%.conf}
    "$venv/bin/crossplane" parse --single-file --indent 2 "$f" > "$out/$name.json"
    "$venv/bin/crossplane" parse --single-file --include-comments --indent 2 "$f" > "$out/$name.comments.json"
done
echo "recorded $(ls "$out" | wc -l) answers with $version in $out"
