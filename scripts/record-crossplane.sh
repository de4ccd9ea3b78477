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
echo "recorded $(ls "$out"/*.json | wc -l) answers with $version in $out"

# Include trees: every tests/fixtures/nginx-tree-*/ with a .crossplane-case
# file, whose single line is `MAIN [CONTAINER=REPO ...]`: the main file as
# given to crossplane (run from the fixture directory), then the container
# paths the case mounts (the prefix map the test passes to load_config).
# crossplane runs in a private mount namespace (unshare -m, needs root and an
# existing /etc/nginx) where a tmpfs hides the host's /etc/nginx, so that
# nothing outside the fixture exists, and the fixture directories are
# bind-mounted (read-only) at the container paths, which must lie under
# /etc/nginx.
# Answers: trees/NAME.json (`crossplane parse MAIN`), NAME.comments.json
# (`--include-comments`) and NAME.combine.json (`--combine`; not written when
# crossplane fails, e.g. it recurses forever on an include cycle).
[ -d /etc/nginx ] || { echo "include trees: needs an existing /etc/nginx to mount over" >&2; exit 1; }
trees="$out/trees"
mkdir -p "$trees"
rm -f "$trees"/*.json
for dir in "$root"/tests/fixtures/nginx-tree-*/; do
    dir=${dir%/}
    [ -f "$dir/.crossplane-case" ] || continue
    name=$(basename "$dir")
    # shellcheck disable=SC2046
    set -- $(cat "$dir/.crossplane-case")
    main=$1
    shift
    mounts="$*"
    for m in $mounts; do
        case ${m%%=*} in
            /etc/nginx/*) ;;
            *) echo "$name: container path ${m%%=*} is not under /etc/nginx" >&2; exit 1 ;;
        esac
    done
    for variant in "" "--include-comments" "--combine"; do
        case $variant in
            "") suffix=json ;;
            --include-comments) suffix=comments.json ;;
            --combine) suffix=combine.json ;;
        esac
        target="$trees/$name.$suffix"
        set +e
        unshare -m --propagation private sh -eu -c '
            dir=$1; crossplane=$2; main=$3; variant=$4; shift 4
            mount -t tmpfs parity-fixture /etc/nginx
            for m in "$@"; do
                c=${m%%=*}; src="$dir/${m#*=}"
                if [ -d "$src" ]; then mkdir -p "$c"; else mkdir -p "$(dirname "$c")"; : > "$c"; fi
                mount --bind -o ro "$src" "$c"
            done
            cd "$dir"
            "$crossplane" parse $variant --indent 2 "$main"
        ' sh "$dir" "$venv/bin/crossplane" "$main" "$variant" $mounts > "$target.tmp" 2>/dev/null
        rc=$?
        set -e
        if [ $rc -eq 0 ]; then mv "$target.tmp" "$target"; else rm -f "$target.tmp"; echo "$name: crossplane parse $variant failed (rc $rc), not recorded"; fi
    done
done
echo "recorded $(ls "$trees" | wc -l) include-tree answers in $trees"
