#!/usr/bin/env python3
"""Records what the real gunicorn (and Python's shlex/argparse, which gunicorn
uses) answers, for parity's tests. Run through scripts/record-gunicorn.sh.

Writes, under tests/recorded/gunicorn/:
  <case>.txt      for each tests/fixtures/gunicorn-oracle/<case>/: the values
                  `gunicorn --print-config` shows (or the exit status and error)
  argparse.json   gunicorn's own argparse parser on many argument vectors
  shlex.json      Python shlex.split on many strings (GUNICORN_CMD_ARGS rules)

Security: gunicorn executes config files and imports the app. Only run this on
parity's own fixtures (a stub app is written next to a temporary copy of each case).
"""
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "tests", "fixtures", "gunicorn-oracle")
OUT = os.path.join(ROOT, "tests", "recorded", "gunicorn")
KEYS = [
    "timeout", "graceful_timeout", "keepalive", "worker_class", "threads",
    "workers", "max_requests", "max_requests_jitter", "bind", "config",
]
APP = "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"


def header():
    import gunicorn
    return "# gunicorn %s, Python %d.%d.%d; recorded by scripts/record-gunicorn.sh\n" % (
        (gunicorn.__version__,) + tuple(sys.version_info[:3]))


def error_line(stderr):
    """The line gunicorn (or Python) ends with when it refuses to start."""
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    for l in reversed(lines):
        if l.startswith(("Error:", "gunicorn: error:")) or "Error:" in l.split(" ")[0]:
            return l
    return lines[-1] if lines else ""


def record_case(gunicorn_bin, name):
    src = os.path.join(CASES, name)
    with open(os.path.join(src, "cmd")) as f:
        argv = shlex.split(f.read())
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1",
           "LANG": "C.UTF-8"}
    env_path = os.path.join(src, "env")
    if os.path.exists(env_path):
        with open(env_path) as f:
            for line in f.read().splitlines():
                if line.strip() and not line.startswith("#"):
                    k, v = line.split("=", 1)
                    env[k] = v
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, "case")
        shutil.copytree(src, work)
        env["HOME"] = tmp
        with open(os.path.join(work, "app.py"), "w") as f:
            f.write(APP)
        assert argv[0] == "gunicorn", argv
        proc = subprocess.run([gunicorn_bin, "--print-config"] + argv[1:], cwd=work, env=env,
                              capture_output=True, text=True, timeout=60)
    printed = {}
    for line in proc.stdout.splitlines():
        if " = " in line:
            k, v = line.split(" = ", 1)
            printed[k.strip()] = v
    out = [header(), "exit = %d\n" % proc.returncode]
    if proc.returncode == 0:
        for k in KEYS:
            out.append("%s = %s\n" % (k, printed.get(k, "<missing>")))
    else:
        out.append("error = %s\n" % error_line(proc.stderr))
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.writelines(out)
    return proc.returncode


def write_json(name, cases):
    """One case per line, so a re-recording diffs readably."""
    with open(os.path.join(OUT, name), "w") as f:
        f.write('{"python": "%d.%d.%d", "cases": [\n' % sys.version_info[:3])
        f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        f.write("\n]}\n")


# -- argparse ---------------------------------------------------------------

def argparse_cases():
    from gunicorn.config import Config
    parser = Config(prog="gunicorn").parser()
    opts = list(parser._option_string_actions)
    cases = []
    for o in opts:
        if o in ("-h", "--help", "-v", "--version"):
            continue
        cases += [[o, "5"], [o + "=5"], [o]]
        if not o.startswith("--"):
            cases.append([o + "5"])
        else:
            for n in range(3, len(o)):
                cases.append([o[:n], "5"])
                cases.append([o[:n] + "=5"])
    cases += [
        ["-t", " 45 "], ["-t", "010"], ["-t", "0x10"], ["-t", "-5"], ["-t", "+5"], ["-t", "1_0"],
        ["-t", "1__0"], ["-t", "\u0663"], ["-t", "\u00b2"], ["-t", ""], ["-t", "5.0"], ["-t", "1e3"],
        ["-Dt60"], ["-Dt", "60"], ["-tD"], ["-RDw3"], ["-Dx"], ["-D=1"], ["-t=60"], ["-Dt=60"],
        ["app", "-t", "5", "extra"], ["-t", "5", "app", "extra"], ["app", "extra", "-t", "5"],
        ["--", "-t", "5"], ["-t", "5", "--", "app"], ["app", "--", "-t"], ["-t", "--", "5"],
        ["--proxy-protocol", "app"], ["--proxy-protocol", "-t", "5"], ["--proxy-protocol="],
        ["-b", "-x"], ["-b", "-5"], ["-b", "-5.5"], ["-b", "-x y"], ["-b", "a", "-b", "b"],
        ["--bind=a", "--b", "c"], ["-m", "022"], ["-m", "0o22"], ["-m", "08"], ["-m", "8"],
        ["--no-sendfile"], ["--reload=1"], ["--check-config=yes"], ["-"], ["a b"], ["--timeout=5=6"],
        ["-t", "5", "-t", "7"], ["-x"], ["--nope", "5"], ["-T", "5"], ["--TIMEOUT", "5"],
        ["--limit-request-field-size", "5"], ["--keep-alive=", "5"], ["--bind="],
        ["-h"], ["--help"], ["-v"], ["--version"], ["-t", "5", "-h"], ["-x", "-h"], ["-t", "x", "-h"],
        ["-c", "x.py", "--config=y.py"], ["-e", "A=B", "-e", "C=D"], ["-kgevent"], ["-b0.0.0.0:80"],
    ]
    pool = ["-t", "5", "-5", "--keep", "--keep-alive", "app:app", "--", "-x", "-D", "-Dt5", "--reload",
            "--reload=1", "-b", "--bind=x", "--proxy-protocol", "a b", "", "-", "--t", "--max",
            "-w", "3", "--threads=2", "-k", "gthread", "--timeout=9", "-c", "g.py", "0x10", "-R"]
    rng = random.Random(20261121)
    for _ in range(1500):
        cases.append([rng.choice(pool) for _ in range(rng.randint(0, 6))])
    out = []
    import contextlib
    import io
    for argv in cases:
        p = Config(prog="gunicorn").parser()
        err = io.StringIO()
        res = {"argv": argv}
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                ns = p.parse_args(argv)
        except SystemExit as e:
            res["exit"] = e.code
            # Keep trailing spaces: "unrecognized arguments: -x " lists an empty argument.
            lines = err.getvalue().rstrip("\n").splitlines()
            res["error"] = lines[-1].split("gunicorn: error: ", 1)[-1] if lines else ""
            out.append(res)
            continue
        d = vars(ns)
        res["exit"] = 0
        res["positionals"] = d.pop("args")
        res["options"] = {k: v for k, v in d.items() if v is not None}
        out.append(res)
    write_json("argparse.json", out)
    return len(out)


# -- shlex ------------------------------------------------------------------

def shlex_cases():
    fixed = [
        "", " ", "a", "a b", "  a  b  ", "'a b'", '"a b"', "a'b'c", 'a"b"c', "'a'\"b\"", "''", '""',
        "a '' b", "\\", "a\\", "a\\ b", "\\'", '\\"', '"\\""', "'\\''", '"\\\\"', '"\\a"', "'\\a'",
        "a\\\nb", '"a\\\nb"', "a\rb", "a\tb", "a\nb", "#a b", "a #b", "$HOME", "'$HOME'", '"$HOME"',
        "--timeout '15' --bind='127.0.0.1:9000'", "--timeout 90 --max-requests 1000", "'unclosed",
        '"unclosed', "a'", "é ü", "a\u00a0b", "a\x0bb", "x=\"1 2\"", "--log-config-dict '{\"a\": 1}'",
    ]
    alphabet = ["a", "b", " ", " ", "\t", "\n", "\r", "'", '"', "\\", "$", "#", "=", "-", "é", "x"]
    rng = random.Random(7)
    cases = fixed + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
                     for _ in range(3000)]
    out = []
    for s in cases:
        try:
            out.append([s, shlex.split(s)])
        except ValueError as e:
            out.append([s, None, str(e)])
    write_json("shlex.json", out)
    return len(out)


def main():
    gunicorn_bin = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    names = sorted(n for n in os.listdir(CASES) if os.path.isdir(os.path.join(CASES, n)))
    for n in names:
        rc = record_case(gunicorn_bin, n)
        print("%-40s exit %d" % (n, rc))
    print("print-config cases: %d" % len(names))
    print("argparse cases: %d" % argparse_cases())
    print("shlex cases: %d" % shlex_cases())


if __name__ == "__main__":
    main()
