//! `shell::split_words` against Python's `shlex.split` (recorded in
//! `tests/recorded/gunicorn/shlex.json` by `scripts/record-gunicorn.sh`: the
//! splitter gunicorn applies to `GUNICORN_CMD_ARGS`), against the `shlex`
//! crate on generated inputs where the two implementations define the same
//! rules, and for span exactness.

use parity::sources::shell::{Word, split_words};
use parity::span::{FileId, Span};
use serde_json::Value as Json;

const F: FileId = FileId(0);

fn split(s: &str) -> Result<Vec<Word>, String> {
    split_words(s, &|r| Span::new(F, r.start, r.end)).map_err(|e| e.message)
}

#[test]
fn agrees_with_python_shlex_split() {
    let doc: Json = serde_json::from_str(include_str!("recorded/gunicorn/shlex.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() > 3000);
    let mut mismatches = Vec::new();
    for case in cases {
        let input = case[0].as_str().unwrap();
        let got = split(input);
        let ok = match (&got, &case[1]) {
            (Ok(words), Json::Array(want)) => {
                words.len() == want.len()
                    && words
                        .iter()
                        .zip(want)
                        .all(|(w, x)| x.as_str() == Some(w.text.as_str()))
            }
            (Err(msg), Json::Null) => Some(msg.as_str()) == case[2].as_str(),
            _ => false,
        };
        if !ok {
            mismatches.push(format!(
                "{input:?}: {:?} want {}",
                got.map(|ws| ws.into_iter().map(|w| w.text).collect::<Vec<_>>()),
                case
            ));
        }
    }
    eprintln!(
        "shlex oracle (Python {}): {} inputs, {} mismatches",
        doc["python"],
        cases.len(),
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// A small deterministic generator (no dependency needed).
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

/// The `shlex` crate follows sh rather than Python where they differ:
/// `#` comments, `\r` as a word character, backslash-newline, and `\$`/`` \` ``
/// inside double quotes. Inputs avoid those characters.
#[test]
fn agrees_with_the_shlex_crate_on_generated_inputs() {
    let alphabet = [
        'a', 'b', ' ', ' ', '\t', '\'', '"', '\\', '=', '-', 'é', 'x', ':',
    ];
    let mut rng = XorShift(0x5eed_1234_abcd_0001);
    let mut compared = 0;
    for _ in 0..20_000 {
        let len = rng.below(14);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let ours = split(&s)
            .ok()
            .map(|ws| ws.into_iter().map(|w| w.text).collect::<Vec<_>>());
        let theirs = shlex::split(&s);
        assert_eq!(ours, theirs, "{s:?}");
        compared += 1;
    }
    assert_eq!(compared, 20_000);
}

#[test]
fn spans_are_exact_for_literal_text() {
    let mut rng = XorShift(99);
    let alphabet = ['a', 'b', ' ', '\'', '"', '\\', '-', '=', 'é', '$'];
    for _ in 0..5_000 {
        let len = rng.below(16);
        let s: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let Ok(words) = split(&s) else { continue };
        for w in &words {
            // The whole-word span covers the word's source, quotes included.
            let src = &s[w.span.range()];
            if !w.is_quoted() {
                assert_eq!(src, w.text, "{s:?}");
            }
            // Every character maps to source text that produced it: itself when
            // literal, or an escape / quoted sequence containing it.
            for (i, c) in w.text.char_indices() {
                let piece = &s[w.span_of(i..i + c.len_utf8()).range()];
                assert!(piece.contains(c), "{s:?}: {c:?} maps to {piece:?}");
            }
        }
    }
}

#[test]
fn gunicorn_cmd_args_example_maps_into_the_variable() {
    // GUNICORN_CMD_ARGS="--timeout '15' --bind='127.0.0.1:9000'" set at byte 200 of some file.
    let value = "--timeout '15' --bind='127.0.0.1:9000'";
    let words = split_words(value, &|r| Span::new(F, 200 + r.start, 200 + r.end)).unwrap();
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["--timeout", "15", "--bind=127.0.0.1:9000"]);
    assert_eq!(words[1].span, Span::new(F, 210, 214));
    assert_eq!(words[1].span_of(0..2), Span::new(F, 211, 213));
    assert_eq!(words[2].span_of(7..16), Span::new(F, 223, 232));
}
