#!/bin/sh
# Dumps `crossplane parse` (crossplane 0.5.8, includes followed, not
# --single-file) of every main configuration in the include-tree projects of
# the shared corpus, for tests/nginx_corpus.rs (crossplane_tree_agreement):
#
#   scripts/crossplane-trees-corpus.sh /tmp/crossplane-trees
#   CROSSPLANE_TREE_ANSWERS=/tmp/crossplane-trees \
#     cargo test --test nginx_corpus crossplane_tree_agreement -- --ignored --nocapture
#
# A main configuration is a file whose top level has `http` or `events`.
# Projects whose configs include absolute /etc/nginx paths get a mount:
# crossplane runs in a private mount namespace (unshare -m, root) where a
# tmpfs hides the host's /etc/nginx and the project directory is bind-mounted
# read-only at the container path, as a container would see it; the same
# mapping is the prefix map parity gets. MANIFEST.tsv in the output lists
# `project<TAB>main repo path<TAB>name given to crossplane<TAB>container=repo`.
# Each main gets NAME.json, NAME.comments.json (--include-comments) and
# NAME.combine.json (--combine). The answers are not committed (the corpus is not in the repository).
set -eu

out=${1:?usage: $0 OUTPUT_DIR}
corpus=${PARITY_CORPUS:-/work/shared/corpus}/projects
venv=${CROSSPLANE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/parity/crossplane-0.5.8}
if [ ! -x "$venv/bin/crossplane" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet crossplane==0.5.8
fi
[ -d /etc/nginx ] || { echo "needs an existing /etc/nginx to mount over" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.json "$out/MANIFEST.tsv"

# project, container path mounted (or -), repo directory mounted there
projects="
nginxinc__crossplane/tests/configs - -
h5bp__server-configs-nginx - -
trimstray__nginx-admins-handbook /etc/nginx lib/nginx
"

echo "$projects" | while read -r project container mounted; do
    [ -n "$project" ] || continue
    root="$corpus/$project"
    # Main configurations, found with crossplane's own single-file parse.
    find "$root" -type f \( -name '*.conf' -o -name 'nginx.conf' \) | sort | "$venv/bin/python" -c '
import sys, crossplane
for path in sys.stdin.read().splitlines():
    p = crossplane.parse(path, single=True, check_ctx=False, check_args=False)
    top = [d["directive"] for d in p["config"][0]["parsed"]]
    if "http" in top or "events" in top:
        print(path)
' | while read -r main; do
        rel=${main#"$root"/}
        base="$out/$(echo "$project/$rel" | tr '/' '_')"
        if [ "$container" = "-" ]; then
            name=$(basename "$main")
            mapping=-
        else
            case $rel in
                "$mounted"/*) name="$container/${rel#"$mounted"/}" ;;
                *) echo "skip $project/$rel: outside the mounted directory"; continue ;;
            esac
            mapping="$container=$mounted"
        fi
        for variant in "" --include-comments --combine; do
            case $variant in
                "") answer="$base.json" ;;
                --include-comments) answer="$base.comments.json" ;;
                --combine) answer="$base.combine.json" ;;
            esac
            if [ "$container" = "-" ]; then
                (cd "$(dirname "$main")" && unshare -m --propagation private sh -c '
                    mount -t tmpfs parity-corpus /etc/nginx && exec "$0" parse $2 "$1"' \
                    "$venv/bin/crossplane" "$name" "$variant") > "$answer" || rm -f "$answer"
            else
                unshare -m --propagation private sh -c '
                    mount -t tmpfs parity-corpus /etc/nginx
                    mount --bind -o ro "$1" "$2"
                    cd "$2" && exec "$0" parse $4 "$3"' \
                    "$venv/bin/crossplane" "$root/$mounted" "$container" "$name" "$variant" > "$answer" || rm -f "$answer"
            fi
        done
        printf '%s\t%s\t%s\t%s\n' "$project" "$rel" "$name" "$mapping" >> "$out/MANIFEST.tsv"
    done
done
echo "wrote $(wc -l < "$out/MANIFEST.tsv") answers to $out"
