#!/usr/bin/env bash
# Records uWSGI 2.0.31's own answers for parity's uWSGI fixtures, and
# regenerates parity's uWSGI option table from the 2.0.31 source.
#
#   scripts/record-uwsgi.sh [record]   run every case under tests/fixtures/uwsgi-oracle/
#                                      and write tests/recorded/uwsgi/<case>.json
#   scripts/record-uwsgi.sh options    regenerate src/sources/uwsgi/option_table.rs
#
# A case directory holds the config file(s), `cmd` (the uwsgi arguments, one per
# line), optional `env` (NAME=VALUE per line: the whole environment uWSGI sees)
# and optional `get` (extra option names to ask for, one per line).
#
# uWSGI is only ever run with `--get`, which makes it exit after parsing, before
# binding sockets or starting workers. A case whose files mention `exec` is never
# run (uWSGI would execute a command while reading its configuration); parity's
# side of such a case is tested against hand-written expectations only.
#
# Needs python3 and, for JSON support in the uWSGI build, libjansson-dev and
# pkg-config (`apt-get install -y libjansson-dev pkg-config`).
set -euo pipefail

VERSION=2.0.31
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${UWSGI_VENV:-$HOME/.cache/parity/uwsgi-$VERSION}
UWSGI=$VENV/bin/uwsgi
CASES=$ROOT/tests/fixtures/uwsgi-oracle
OUT=$ROOT/tests/recorded/uwsgi

# Options asked for in every case (in addition to a case's `get` file).
DEFAULT_GET="harakiri http-timeout socket-timeout http-keepalive max-requests max-requests-delta
max-worker-lifetime reload-mercy worker-reload-mercy die-on-term listen processes workers threads
master hook-master-start socket http-socket http11-socket http"

ensure_uwsgi() {
    if [ -x "$UWSGI" ] && [ "$("$UWSGI" --version)" = "$VERSION" ]; then
        return
    fi
    if ! pkg-config --exists jansson 2>/dev/null; then
        echo "libjansson-dev and pkg-config are needed for uWSGI's JSON support:" >&2
        echo "  apt-get install -y libjansson-dev pkg-config" >&2
        exit 1
    fi
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --no-cache-dir "uwsgi==$VERSION"
    "$UWSGI" --help | grep -q -- '--json' || { echo "uWSGI was built without JSON support" >&2; exit 1; }
}

record() {
    ensure_uwsgi
    mkdir -p "$OUT"
    for case in "$CASES"/*/; do
        name=$(basename "$case")
        if grep -rqi 'exec' "$case"; then
            echo "skip $name (mentions exec: parity-only case)"
            rm -f "$OUT/$name.json"
            continue
        fi
        echo "case $name"
        python3 - "$UWSGI" "$case" "$OUT/$name.json" "$VERSION" "$DEFAULT_GET" <<'PY'
import json, os, subprocess, sys

uwsgi, case, out, version, default_get = sys.argv[1:6]

def lines(name):
    p = os.path.join(case, name)
    if not os.path.exists(p):
        return []
    with open(p, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.rstrip("\n") != ""]

args = lines("cmd")
env = {"PATH": "/usr/bin:/bin"}
for l in lines("env"):
    k, _, v = l.partition("=")
    env[k] = v
keys = default_get.split() + [k for k in lines("get") if k not in default_get.split()]

def run(extra):
    p = subprocess.run([uwsgi, *args, *extra], cwd=case, env=env, capture_output=True, timeout=20)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

# An option nobody sets: what is printed then is the output of `print` options only.
rc, base, err = run(["--get", "parity-oracle-unset-key"])
get = {}
for k in keys:
    krc, o, _ = run(["--get", k])
    if krc != rc or not o.startswith(base):
        get[k] = {"rc": krc, "stdout": o}
        continue
    rest = o[len(base):]
    # fprintf("%s\n"): nothing printed when the option is absent or has no value.
    get[k] = None if rest == "" else rest[:-1]

result = {
    "uwsgi": version,
    "cmd": args,
    "env": {k: v for k, v in env.items() if k != "PATH"},
    "rc": rc,
    "prints": base.split("\n")[:-1] if base else [],
    "get": get,
    "stderr": err.splitlines(),
}
with open(out, "w", encoding="utf-8") as f:
    json.dump(result, f, indent=2, ensure_ascii=False)
    f.write("\n")
PY
    done
}

options() {
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" "uwsgi==$VERSION"
    tar xzf "$tmp/uwsgi-$VERSION.tar.gz" -C "$tmp"
    python3 - "$tmp/uwsgi-$VERSION" "$ROOT/src/sources/uwsgi/option_table.rs" "$VERSION" <<'PY'
import os, re, sys

root, out, version = sys.argv[1:4]

# Plugins compiled into the default build (buildconf/default.ini + base.ini), which is
# what `pip install uwsgi` produces.
EMBEDDED = ["python", "gevent", "ping", "cache", "nagios", "rrdtool", "carbon", "rpc", "corerouter",
            "fastrouter", "http", "ugreen", "signal", "syslog", "rsyslog", "logsocket", "router_uwsgi",
            "router_redirect", "router_basicauth", "zergpool", "redislog", "mongodblog", "router_rewrite",
            "router_http", "logfile", "router_cache", "rawrouter", "router_static", "sslrouter", "spooler",
            "cheaper_busyness", "symcall", "transformation_tofile", "transformation_gzip",
            "transformation_chunked", "transformation_offload", "router_memcached", "router_redis",
            "router_hash", "router_expires", "router_metrics", "transformation_template",
            "stats_pusher_socket"]
FLAGS = ["IMMEDIATE", "MASTER", "LOG_MASTER", "THREADS", "CHEAPER", "VHOST", "MEMORY", "PROCNAME",
         "LAZY", "NO_INITIAL", "NO_SERVER", "POST_BUFFERING", "CLUSTER", "MIME", "REQ_LOG_MASTER", "METRICS"]
NON_LINUX = re.compile(r"__(FreeBSD|APPLE|sun|NetBSD|OpenBSD|CYGWIN|GNU_kFreeBSD|HAIKU)__|UWSGI_HAS_FREEBSD")

def skip_literal(src, i):
    q = src[i]; j = i + 1
    while j < len(src) and src[j] != q:
        j += 2 if src[j] == "\\" else 1
    return j + 1

def strip_comments(src):
    out, i, n = [], 0, len(src)
    while i < n:
        if src[i] in "\"'":
            j = skip_literal(src, i); out.append(src[i:j]); i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2); i = n if j < 0 else j + 2; out.append(" ")
        elif src.startswith("//", i):
            j = src.find("\n", i); i = n if j < 0 else j
        else:
            out.append(src[i]); i += 1
    return "".join(out)

def split_top(s):
    parts, depth, cur, i = [], 0, [], 0
    while i < len(s):
        c = s[i]
        if c in "\"'":
            j = skip_literal(s, i); cur.append(s[i:j]); i = j; continue
        if c in "({": depth += 1
        if c in ")}": depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur).strip()); cur = []
        else:
            cur.append(c)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts

def cstr(tok):
    lits = re.findall(r'"((?:[^"\\]|\\.)*)"', tok)
    return "".join(bytes(l, "utf-8").decode("unicode_escape") for l in lits)

def entries(path):
    src = strip_comments(open(path, encoding="latin-1").read())
    for m in re.finditer(r"struct\s+uwsgi_option\s+\w+\s*\[\s*\]\s*=\s*\{", src):
        i = m.end(); depth = 1; start = i
        while depth and i < len(src):
            if src[i] in "\"'":
                i = skip_literal(src, i); continue
            depth += {"{": 1, "}": -1}.get(src[i], 0)
            i += 1
        # Keep every feature #ifdef branch (SSL, PCRE, routing, ...); drop only
        # branches for platforms other than Linux.
        kept, stack = [], []
        for l in src[start:i - 1].split("\n"):
            t = l.strip()
            if t.startswith("#if"):
                stack.append(bool(NON_LINUX.search(t)) and "!" not in t and not t.startswith("#ifndef"))
            elif t.startswith("#el"):
                if stack: stack[-1] = (not stack[-1]) and bool(NON_LINUX.search(t))
            elif t.startswith("#endif"):
                if stack: stack.pop()
            elif not any(stack):
                kept.append(l)
        for item in split_top("\n".join(kept)):
            if not item.startswith("{"):
                continue
            f = split_top(item[1:-1])
            if len(f) >= 6 and f[0].startswith('"'):
                yield f

files = [("core", os.path.join(root, "core/uwsgi.c"))]
plugins = sorted(os.listdir(os.path.join(root, "plugins")))
for p in EMBEDDED + [p for p in plugins if p not in EMBEDDED]:
    d = os.path.join(root, "plugins", p)
    if os.path.isdir(d):
        files += [(p, os.path.join(d, fn)) for fn in sorted(os.listdir(d)) if fn.endswith(".c")]

rows, seen = [], set()
for plugin, path in files:
    for f in entries(path):
        name = cstr(f[0])
        arg = {"no_argument": "No", "required_argument": "Required", "optional_argument": "Optional"}[f[1].strip()]
        sc = f[2].strip()
        short = "b'%s'" % sc[1] if sc.startswith("'") else "0"
        flags = 0
        for fl in (f[6] if len(f) > 6 else "0").replace(" ", "").split("|"):
            if fl.startswith("UWSGI_OPT_"):
                flags |= 1 << FLAGS.index(fl[len("UWSGI_OPT_"):])
        if name in seen:
            continue
        seen.add(name)
        rows.append('    O { name: "%s", short: %s, arg: Arg::%s, func: "%s", target: "%s", flags: %d, plugin: "%s", default_build: %s },'
                    % (name, short, arg, f[4].strip(), re.sub(r"\s+", "", f[5]).replace('"', '\\"'), flags, plugin,
                       "true" if plugin == "core" or plugin in EMBEDDED else "false"))

with open(out, "w", encoding="utf-8") as o:
    o.write("// @generated by `scripts/record-uwsgi.sh options` from the uWSGI %s source\n" % version)
    o.write("// (core/uwsgi.c and every plugin's option table; non-Linux #ifdef branches dropped).\n")
    o.write("// Order: core, then the default build's embedded plugins, then the other plugins.\n\n")
    o.write("use super::options::{Arg, OptionDef as O};\n\n")
    o.write("/// Every uWSGI %s option, in uWSGI's own table order.\n" % version)
    o.write("#[rustfmt::skip]\n")
    o.write("pub(super) static OPTIONS: &[O] = &[\n")
    o.write("\n".join(rows))
    o.write("\n];\n")
print("%d options" % len(rows))
PY
}

case "${1:-record}" in
    record) record ;;
    options) options ;;
    *) echo "usage: $0 [record|options]" >&2; exit 2 ;;
esac
