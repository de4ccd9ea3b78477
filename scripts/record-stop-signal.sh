#!/bin/bash
# Records how a container's stop signal reaches a server started through a
# shell, a script or an init, and how uWSGI 2.0 answers each signal, for
# `tests/rules_stop_signal.rs` and rules PAR-S005/S006/S007.
#
#   scripts/record-stop-signal.sh [UWSGI_BINARY] > tests/recorded/stop-signal/answers.tsv
#
# Needs root (a PID namespace per case, `unshare --pid --fork --mount-proc`,
# so the first process is PID 1 and the namespace is torn down when it exits,
# as in a container), dash, bash, tini and dumb-init (Debian: apt-get install
# tini dumb-init), python3, and a uWSGI binary (pip install uwsgi).
#
# Part 1, delivery: PID 1 runs CMD; the "server" is a Python process that
# logs the signal it gets, sleeps 2 s ("drains") and exits. TERM is sent to
# PID 1, as `docker stop` does. Columns: case, command, got_term (the server
# saw SIGTERM), drained (it finished its 2 s drain), alive_4s (PID 1 still
# running 4 s later: the container would wait for SIGKILL).
#
# Part 2, uWSGI: PID 1 is uWSGI 2.0 with two workers; the given signal is
# sent; columns: case, options, signal, the uWSGI log lines that say what it
# did, alive_3s.
set -u
uwsgi=${1:-uwsgi}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/srv.py" <<'EOF'
import signal, sys, time
log = open(sys.argv[1], "a")
def term(sig, frame):
    log.write("got_term\n"); log.flush()
    time.sleep(2)
    log.write("drained\n"); log.flush()
    sys.exit(0)
signal.signal(signal.SIGTERM, term)
log.write("started\n"); log.flush()
while True:
    time.sleep(0.1)
EOF
S="python3 $work/srv.py"
printf '#!/bin/sh\necho starting\n%s %s/log.script_no_exec\n' "$S" "$work" > "$work/noexec.sh"
printf '#!/bin/sh\necho starting\nexec %s %s/log.script_exec\n' "$S" "$work" > "$work/exec.sh"
chmod +x "$work/noexec.sh" "$work/exec.sh"

delivery() {
    local name=$1; shift
    unshare --pid --fork --mount-proc "$@" >/dev/null 2>&1 &
    local u=$!
    sleep 1.5
    local pid1
    pid1=$(pgrep -P "$u" | head -1)
    kill -TERM "$pid1"
    sleep 4
    local log="$work/log.$name"
    local got=no drained=no alive=no
    grep -q got_term "$log" 2>/dev/null && got=yes
    grep -q drained "$log" 2>/dev/null && drained=yes
    kill -0 "$pid1" 2>/dev/null && alive=yes
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "${*//$work/\$W}" "$got" "$drained" "$alive"
    kill -KILL "$u" 2>/dev/null
    wait "$u" 2>/dev/null
}

printf '# delivery\tcommand\tgot_term\tdrained\talive_4s\n'
delivery dash_c dash -c "$S $work/log.dash_c"
delivery dash_c_exec dash -c "exec $S $work/log.dash_c_exec"
delivery dash_c_list dash -c "cd /tmp && $S $work/log.dash_c_list"
delivery bash_c bash -c "$S $work/log.bash_c"
delivery bash_c_list bash -c "cd /tmp && $S $work/log.bash_c_list"
delivery bash_c_not_last bash -c "$S $work/log.bash_c_not_last; echo done"
delivery tini_dash_c tini -- dash -c "$S $work/log.tini_dash_c"
delivery tini_g_dash_c tini -g -- dash -c "$S $work/log.tini_g_dash_c"
delivery dumb_init_dash_c dumb-init dash -c "$S $work/log.dumb_init_dash_c"
delivery tini_direct tini -- $S "$work/log.tini_direct"
delivery script_no_exec "$work/noexec.sh"
delivery script_exec "$work/exec.sh"

cat > "$work/app.py" <<'EOF'
def application(env, start):
    start("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
EOF

signal_case() {
    local name=$1 sig=$2; shift 2
    local log="$work/uwsgi.$name"
    (cd "$work" && unshare --pid --fork --mount-proc "$uwsgi" --http-socket 127.0.0.1:0 \
        --wsgi-file app.py --processes 2 "$@" >"$log" 2>&1) &
    local w=$!
    sleep 2
    local pid1
    pid1=$(pgrep -P "$(pgrep -P "$w" | head -1)" | head -1)
    kill "-$sig" "$pid1"
    sleep 3
    local alive=no
    kill -0 "$pid1" 2>/dev/null && alive=yes
    local what
    what=$(grep -E 'brutally killing|binary reloading|SIGINT/SIGTERM received|graceful shutdown triggered|goodbye to uWSGI' "$log" | sed 's/^.* - //' | sort -u | tr '\n' '|')
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$*" "$sig" "$what" "$alive"
    kill -KILL "$pid1" 2>/dev/null
    sleep 0.5
}

printf '# uwsgi\toptions\tsignal\tlog\talive_3s\n'
signal_case master_term TERM --master
signal_case master_int INT --master
signal_case master_quit QUIT --master
signal_case master_die_on_term_term TERM --master --die-on-term
signal_case master_die_on_term_quit QUIT --master --die-on-term
signal_case master_hook_term TERM --master --hook-master-start "unix_signal:15 gracefully_kill_them_all"
signal_case no_master_term TERM
"$uwsgi" --version | sed 's/^/# uwsgi version /'
dash_version=$(dpkg-query -W -f '${Version}' dash 2>/dev/null || echo unknown)
printf '# dash %s, %s, tini %s, dumb-init %s\n' "$dash_version" "$(bash --version | head -1)" \
    "$(tini --version 2>&1 | head -1)" "$(dumb-init --version 2>&1 | head -1)"
