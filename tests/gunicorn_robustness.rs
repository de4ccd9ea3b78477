//! gunicorn parsing on generated garbage: never a panic.

use parity::sources::gunicorn::{ConfigFile, GunicornInputs, parse_args, parse_pyconf, resolve};
use parity::sources::shell::Word;
use parity::span::{FileId, Span};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

const ARGS: &[&str] = &[
    "-t",
    "--timeout",
    "--timeout=",
    "-t5",
    "-5",
    "0x10",
    "--keep",
    "--",
    "-",
    "",
    "-Dt",
    "-RDw",
    "--proxy-protocol",
    "-b",
    "a b",
    "-h",
    "--ver",
    "--threads",
    "99999999999999999999999999999999999999999",
    "-c",
    "g.py",
    "-kgevent",
    "--no-sendfile",
    "-m",
    "08",
    "é",
    "--bind=",
    "app:app",
    "-x",
    "--t",
];

const PY: &[&str] = &[
    "timeout",
    "workers",
    "keepalive",
    " = ",
    "\n",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "'",
    "\"",
    "1",
    "0x10",
    "-",
    "+",
    "*",
    "/",
    "//",
    "%",
    "**",
    "os.environ.get(",
    "os.getenv(",
    "int(",
    "if ",
    "else",
    "elif ",
    "    ",
    "def ",
    "return ",
    "import os",
    "from os import *",
    "multiprocessing.cpu_count()",
    "f\"",
    "{x}",
    "lambda",
    " or ",
    " and ",
    "not ",
    "==",
    "True",
    "None",
    "x",
    "+=",
    ":=",
    "try:",
    "except:",
    "for i in ",
    "match ",
    "case ",
    "_",
    "bind",
    ".append(",
    "globals()",
    "exec(",
    "\\",
    "#",
    "é",
    "1e400",
];

#[test]
fn generated_command_lines_never_panic() {
    let mut rng = XorShift(0x1234_5678_9abc_def1);
    for _ in 0..4_000 {
        let n = rng.below(8);
        let mut off = 0;
        let words: Vec<Word> = (0..n)
            .map(|_| {
                let t = ARGS[rng.below(ARGS.len())];
                let w = Word::new(t, Span::new(FileId(0), off, off + t.len()));
                off += t.len() + 1;
                w
            })
            .collect();
        let cli = parse_args(&words);
        let env_word = Word::new("--timeout '5 -w", Span::new(FileId(1), 0, 15));
        let r = resolve(&GunicornInputs {
            cli: &cli,
            cmd_args_env: (rng.below(3) == 0).then_some(&env_word),
            config: ConfigFile::Default { conf: None },
            env: &|k| {
                (k == "WEB_CONCURRENCY").then(|| ("x".to_string(), Span::new(FileId(2), 0, 1)))
            },
            anchor: Span::new(FileId(0), 0, off),
        });
        assert!(r.get("timeout").is_some());
    }
}

#[test]
fn generated_python_never_panics() {
    let mut rng = XorShift(0xfeed_face_cafe_beef);
    for _ in 0..2_000 {
        let n = rng.below(30);
        let text: String = (0..n).map(|_| PY[rng.below(PY.len())]).collect();
        let c = parse_pyconf(FileId(0), &text);
        for p in &c.problems {
            let s = p.span.unwrap();
            assert!(s.start <= s.end && s.end as usize <= text.len(), "{text:?}");
        }
        let _ = c.with_env(&|_| Some("7".into()));
    }
}
