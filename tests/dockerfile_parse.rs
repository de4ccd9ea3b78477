//! Dockerfile stages, instructions and spans.

use parity::sources::dockerfile::{self, Dockerfile, Instr, Stage};
use parity::sources::yaml::Text;
use parity::span::{FileId, Span};

const F: FileId = FileId(5);

fn parse(src: &str) -> Dockerfile {
    let d = dockerfile::parse(F, src);
    for stage in &d.stages {
        for t in texts(stage) {
            t.verify_against(src)
                .unwrap_or_else(|e| panic!("{:?}: {e}", t.value));
        }
    }
    d
}

fn texts(s: &Stage) -> Vec<&Text> {
    let mut out: Vec<&Text> = vec![&s.from];
    out.extend(s.workdir.iter());
    out.extend(s.env.iter().map(|(_, t)| t));
    for c in &s.copies {
        out.extend(c.sources.iter());
        out.push(&c.dest);
    }
    for i in [&s.cmd, &s.entrypoint].into_iter().flatten() {
        match i {
            Instr::Exec(ts) => out.extend(ts.iter()),
            Instr::Shell(t) => out.push(t),
        }
    }
    out.extend(s.stopsignal.iter());
    out.extend(s.expose.iter());
    out
}

fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

fn exec(i: &Option<Instr>) -> Vec<&str> {
    match i {
        Some(Instr::Exec(ts)) => ts.iter().map(|t| t.value.as_str()).collect(),
        other => panic!("not exec form: {other:?}"),
    }
}

fn shell(i: &Option<Instr>) -> &Text {
    match i {
        Some(Instr::Shell(t)) => t,
        other => panic!("not shell form: {other:?}"),
    }
}

fn env<'a>(s: &'a Stage, name: &str) -> &'a Text {
    s.env
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no ENV {name}"))
}

#[test]
fn single_stage_basics() {
    let src = "\
# syntax=docker/dockerfile:1
FROM python:3.12-slim
workdir /app
COPY requirements.txt .
env PYTHONUNBUFFERED=1
EXPOSE 8000 9000/udp
STOPSIGNAL SIGINT
CMD [\"gunicorn\", \"app.wsgi\", \"-b\", \"0.0.0.0:8000\", \"--timeout\", \"60\"]
";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert_eq!(d.stages.len(), 1);
    let s = &d.stages[0];
    assert_eq!(s.from.value, "python:3.12-slim");
    assert_eq!(at(src, s.from.span), "python:3.12-slim");
    assert_eq!(s.workdir.as_ref().unwrap().value, "/app");
    assert_eq!(s.copies.len(), 1);
    assert_eq!(s.copies[0].sources[0].value, "requirements.txt");
    assert_eq!(s.copies[0].dest.value, ".");
    assert_eq!(env(s, "PYTHONUNBUFFERED").value, "1");
    let ports: Vec<&str> = s.expose.iter().map(|t| t.value.as_str()).collect();
    assert_eq!(ports, ["8000", "9000/udp"]);
    assert_eq!(s.stopsignal.as_ref().unwrap().value, "SIGINT");
    assert_eq!(
        exec(&s.cmd),
        [
            "gunicorn",
            "app.wsgi",
            "-b",
            "0.0.0.0:8000",
            "--timeout",
            "60"
        ]
    );
    let Some(Instr::Exec(args)) = &s.cmd else {
        panic!()
    };
    assert_eq!(at(src, args[5].span), "\"60\"");
    assert_eq!(at(src, args[5].span_of(0..2)), "60");
    assert!(at(src, s.span).starts_with("FROM python"));
    assert!(at(src, s.span).ends_with("\"60\"]"));
}

#[test]
fn shell_form_and_invalid_json_fall_back() {
    let src = "\
FROM x
CMD gunicorn app:app --timeout 30
ENTRYPOINT ['single', 'quotes']
";
    let d = parse(src);
    let s = &d.stages[0];
    // ENTRYPOINT after CMD in the same stage keeps that CMD.
    let cmd = shell(&s.cmd);
    assert_eq!(cmd.value, "gunicorn app:app --timeout 30");
    let i = cmd.value.find("30").unwrap();
    assert_eq!(at(src, cmd.span_of(i..i + 2)), "30");
    assert_eq!(shell(&s.entrypoint).value, "['single', 'quotes']");
}

#[test]
fn line_continuations_and_comments() {
    let src = "\
FROM python
CMD gunicorn app:app \\
# a comment inside the instruction
    --workers 4 \\

    --timeout 90
";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let cmd = shell(&d.stages[0].cmd);
    assert_eq!(
        cmd.value,
        "gunicorn app:app     --workers 4     --timeout 90"
    );
    let i = cmd.value.find("90").unwrap();
    assert_eq!(at(src, cmd.span_of(i..i + 2)), "90");
    let i = cmd.value.find("--workers").unwrap();
    assert_eq!(at(src, cmd.span_of(i..i + 11)), "--workers 4");
}

#[test]
fn exec_form_over_several_lines() {
    let src = "FROM x\nCMD [\"gunicorn\", \\\n     \"--timeout\", \"75\"]\n";
    let d = parse(src);
    assert_eq!(exec(&d.stages[0].cmd), ["gunicorn", "--timeout", "75"]);
    let Some(Instr::Exec(args)) = &d.stages[0].cmd else {
        panic!()
    };
    assert_eq!(at(src, args[2].span), "\"75\"");
}

#[test]
fn json_escapes_in_exec_form() {
    let src = "FROM x\nCMD [\"a\\\"b\", \"\\u00e9\", \"tab\\there\"]\n";
    let d = parse(src);
    assert_eq!(exec(&d.stages[0].cmd), ["a\"b", "é", "tab\there"]);
    let Some(Instr::Exec(args)) = &d.stages[0].cmd else {
        panic!()
    };
    assert_eq!(at(src, args[0].span_of(1..2)), "\\\"");
    assert_eq!(at(src, args[1].span_of(0..2)), "\\u00e9");
}

#[test]
fn escape_directive() {
    let src = "# escape=`\nFROM mcr.microsoft.com/windows\nWORKDIR C:\\app\nCMD python `\n    server.py\n";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let s = &d.stages[0];
    assert_eq!(shell(&s.cmd).value, "python     server.py");
    // With ` as escape, a backslash is an ordinary character.
    assert_eq!(s.workdir.as_ref().unwrap().value, "/C:\\app");
}

#[test]
fn directive_after_comment_is_a_comment() {
    let src = "# hello\n# escape=`\nFROM x\nCMD a \\\n  b\n";
    let d = parse(src);
    assert_eq!(shell(&d.stages[0].cmd).value, "a   b");
}

#[test]
fn env_forms() {
    let src = "\
FROM x
ENV A=1 B=\"two words\" C=three\\ words D='single $A'
ENV LEGACY value with  spaces
ENV E=$A F=${B}-x G=${MISSING:-dflt} H=${A:+set}
ENV A=changed I=$A
";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let s = &d.stages[0];
    assert_eq!(env(s, "B").value, "two words");
    assert_eq!(env(s, "C").value, "three words");
    assert_eq!(env(s, "D").value, "single $A");
    assert_eq!(env(s, "LEGACY").value, "value with  spaces");
    assert_eq!(env(s, "E").value, "1");
    // The substituted value points at where it is written.
    assert_eq!(at(src, env(s, "E").span_of(0..1)), "1");
    assert_eq!(env(s, "F").value, "two words-x");
    assert_eq!(env(s, "H").value, "set");
    // Same-line references see the value before the instruction.
    assert_eq!(env(s, "A").value, "changed");
    assert_eq!(env(s, "I").value, "1");
    // Unknown variables stay as written and are listed.
    assert_eq!(env(s, "G").value, "${MISSING:-dflt}");
    assert_eq!(d.unresolved.len(), 1);
    assert_eq!(d.unresolved[0].value, "MISSING");
    assert_eq!(at(src, d.unresolved[0].span), "${MISSING:-dflt}");
    let names: Vec<&str> = s.env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["A", "B", "C", "D", "LEGACY", "E", "F", "G", "H", "I"]
    );
}

#[test]
fn args_in_from_env_and_workdir() {
    let src = "\
ARG PY=3.12
ARG BASE=python:${PY}-slim
ARG NODEFAULT
FROM $BASE AS build
ARG PY
ARG TIMEOUT=30
ENV GUNICORN_CMD_ARGS=\"--timeout $TIMEOUT\" VER=$PY
WORKDIR /srv/$NODEFAULT
";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let s = &d.stages[0];
    assert_eq!(s.from.value, "python:3.12-slim");
    assert_eq!(s.name.as_deref(), Some("build"));
    let g = env(s, "GUNICORN_CMD_ARGS");
    assert_eq!(g.value, "--timeout 30");
    // The number maps to the ARG default that sets it.
    assert_eq!(g.span_of(10..12), {
        let i = src.find("TIMEOUT=30").unwrap() + 8;
        Span::new(F, i, i + 2)
    });
    assert_eq!(env(s, "VER").value, "3.12");
    assert_eq!(s.workdir.as_ref().unwrap().value, "/srv/$NODEFAULT");
    assert_eq!(d.unresolved[0].value, "NODEFAULT");
}

#[test]
fn stage_args_need_redeclaring() {
    let src = "ARG V=1\nFROM x\nENV A=$V\nARG V\nENV B=$V\n";
    let d = parse(src);
    let s = &d.stages[0];
    assert_eq!(env(s, "A").value, "$V");
    assert_eq!(env(s, "B").value, "1");
}

#[test]
fn relative_workdir_accumulates() {
    let src = "FROM x\nWORKDIR /a\nWORKDIR b\nWORKDIR c/\nWORKDIR ../d\n";
    let d = parse(src);
    let w = d.stages[0].workdir.as_ref().unwrap();
    assert_eq!(w.value, "/a/b/d");

    let src = "FROM x\nWORKDIR /app\nWORKDIR src\n";
    let d = parse(src);
    let w = d.stages[0].workdir.as_ref().unwrap();
    assert_eq!(w.value, "/app/src");
    assert_eq!(at(src, w.span_of(0..4)), "/app");
    assert_eq!(at(src, w.span_of(5..8)), "src");
}

#[test]
fn multi_stage_inheritance_and_copy_from() {
    let src = "\
FROM python:3.12 AS base
WORKDIR /app
ENV PORT=8000
STOPSIGNAL SIGQUIT
CMD [\"gunicorn\", \"app\"]

FROM node:20 as assets
RUN npm ci

from BASE AS final
COPY --from=assets --chown=app:app /build/static ./static
COPY --link [\"a.txt\", \"b.txt\", \"/dest/\"]
ADD https://example.com/x.tgz /opt/
ENTRYPOINT [\"/entrypoint.sh\"]
";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert_eq!(d.stages.len(), 3);
    assert_eq!(d.stages[1].base_stage, None);
    let last = d.stages.last().unwrap();
    assert_eq!(last.base_stage, Some(0));
    assert_eq!(last.name.as_deref(), Some("final"));
    assert_eq!(last.workdir.as_ref().unwrap().value, "/app");
    assert_eq!(env(last, "PORT").value, "8000");
    assert_eq!(last.stopsignal.as_ref().unwrap().value, "SIGQUIT");
    // ENTRYPOINT clears the CMD inherited from the base stage.
    assert!(last.cmd.is_none());
    assert_eq!(exec(&last.entrypoint), ["/entrypoint.sh"]);
    assert_eq!(last.copies.len(), 3);
    assert_eq!(last.copies[0].from.as_deref(), Some("assets"));
    assert_eq!(last.copies[0].sources[0].value, "/build/static");
    assert_eq!(last.copies[0].dest.value, "./static");
    let srcs: Vec<&str> = last.copies[1]
        .sources
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(srcs, ["a.txt", "b.txt"]);
    assert!(last.copies[2].add);
    assert_eq!(d.stages[0].cmd.as_ref().map(|_| ()), Some(()));
    assert!(at(src, d.stages[0].span).ends_with("\"app\"]"));
}

#[test]
fn heredocs_do_not_break_parsing() {
    let src = "\
FROM python
RUN <<EOF
apt-get update
CMD this is not an instruction
EOF
COPY <<-CONF /app/gunicorn.conf.py
\ttimeout = 45
\tCONF
RUN <<A cat > /x && <<'B' cat > /y
a
A
b
B
CMD [\"gunicorn\"]
";
    let d = parse(src);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let s = &d.stages[0];
    assert_eq!(exec(&s.cmd), ["gunicorn"]);
    let c = &s.copies[0];
    assert_eq!(c.dest.value, "/app/gunicorn.conf.py");
    assert_eq!(c.heredocs.len(), 1);
    assert_eq!(c.heredocs[0].0, "CONF");
    let body = &c.heredocs[0].1;
    assert_eq!(body.value, "timeout = 45\n");
    assert_eq!(at(src, body.span_of(10..12)), "45");
}

#[test]
fn unterminated_heredoc_is_a_problem() {
    let d = parse("FROM x\nRUN <<EOF\necho\n");
    assert_eq!(d.problems.len(), 1);
    assert!(d.problems[0].message.contains("heredoc"));
}

#[test]
fn errors_are_problems() {
    let src = "CMD [\"x\"]\nFROM\nFROM a\nFROBNICATE x\nCOPY onlyone\nENV\n";
    let d = parse(src);
    let msgs: Vec<&str> = d.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(d.problems.len(), 5, "{msgs:?}");
    assert!(msgs[0].contains("before the first FROM"));
    assert!(msgs[1].contains("FROM requires"));
    assert!(msgs[2].contains("unknown instruction: FROBNICATE"));
    assert_eq!(at(src, d.problems[2].span.unwrap()), "FROBNICATE");
    assert!(msgs[3].contains("COPY requires"));
    assert!(msgs[4].contains("ENV requires"));
}

#[test]
fn crlf_and_multibyte() {
    let src = "FROM x\r\nLABEL d=\"é\"\r\nCMD [\"ü\", \"--timeout\", \"20\"]\r\n";
    let d = parse(src);
    let Some(Instr::Exec(args)) = &d.stages[0].cmd else {
        panic!()
    };
    assert_eq!(args[0].value, "ü");
    assert_eq!(at(src, args[2].span), "\"20\"");
}

#[test]
fn substituted_whitespace_splits_words() {
    let src = "FROM x\nARG PORTS=\"80 443\"\nEXPOSE $PORTS \"8 9\"\n";
    let d = parse(src);
    let ports: Vec<&str> = d.stages[0]
        .expose
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    assert_eq!(ports, ["80", "443", "8 9"]);
}

#[test]
fn random_input_never_panics() {
    let tokens = [
        "FROM",
        "CMD",
        "ENV",
        "ARG",
        "COPY",
        "WORKDIR",
        " ",
        "\n",
        "\\",
        "`",
        "\"",
        "'",
        "$",
        "${",
        "}",
        "[",
        "]",
        ",",
        "=",
        "<<EOF",
        "EOF",
        "a",
        "é",
        "#",
        "# escape=`",
        "\r\n",
        ":-",
        "--from=",
        "AS",
        "\\u00",
        "\t",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..20_000 {
        let mut src = String::new();
        for _ in 0..(3 + round % 40) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            src.push_str(tokens[(seed % tokens.len() as u64) as usize]);
        }
        let d = parse(&src);
        for p in &d.problems {
            assert!(p.span.unwrap().end as usize <= src.len());
        }
    }
}
