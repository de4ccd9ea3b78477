//! `parse_script` / `find_invocation*` on generated shell-like garbage: never a
//! panic, and every span stays inside the input.

use parity::sources::shell::{
    find_invocation, find_invocation_in_script, parse_script, split_words,
};
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

const PIECES: &[&str] = &[
    "gunicorn",
    " ",
    " ",
    "\n",
    "-t",
    "60",
    "app:app",
    "exec ",
    "sh -c ",
    "bash -lc ",
    "'",
    "\"",
    "\\",
    "\\\n",
    "$",
    "${",
    "}",
    "$(",
    ")",
    "(",
    "`",
    ";",
    "&&",
    "||",
    "|",
    "&",
    "<",
    ">",
    ">>",
    "<<",
    "<<-",
    "EOF",
    "#",
    "if ",
    "then ",
    "fi",
    "case ",
    " in ",
    "esac",
    ";;",
    "for ",
    "do ",
    "done",
    "{",
    "}",
    "function ",
    "A=1 ",
    "env ",
    "python -m ",
    "poetry run ",
    "tini -- ",
    "é",
    "\t",
    "2>&1",
    "$'",
    "export X=",
    "=",
    "--",
    "while ",
    "!",
    "\r",
];

fn within(s: Span, len: usize) -> bool {
    s.start <= s.end && (s.end as usize) <= len
}

#[test]
fn generated_scripts_never_panic_and_spans_stay_in_bounds() {
    let mut rng = XorShift(0xdead_beef_1234_5678);
    let mut parsed = 0;
    let mut found = 0;
    for _ in 0..20_000 {
        let n = rng.below(24);
        let s: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        let map = |r: std::ops::Range<usize>| Span::new(FileId(0), r.start, r.end);
        if let Ok(cmds) = parse_script(&s, &map) {
            parsed += 1;
            for c in &cmds {
                for w in c.words.iter().chain(c.assignments.iter().map(|(_, w)| w)) {
                    assert!(within(w.span, s.len()), "{s:?}");
                    for k in 0..=w.text.len() {
                        assert!(within(w.span_of(0..k), s.len()), "{s:?}");
                    }
                }
            }
        }
        if let Some(inv) = find_invocation_in_script(&s, &map, &["gunicorn"]) {
            found += 1;
            assert!(within(inv.program.span, s.len()), "{s:?}");
            assert!(inv.args.iter().all(|a| within(a.span, s.len())), "{s:?}");
        }
        if let Ok(words) = split_words(&s, &map) {
            let _ = find_invocation(&words, &["gunicorn"]);
        }
    }
    // The generator produces both parseable scripts and invocations.
    assert!(
        parsed > 1000 && found > 100,
        "parsed {parsed}, found {found}"
    );
}
