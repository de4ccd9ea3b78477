//! No input makes the uWSGI readers or the resolver panic or hang: random
//! texts built from the characters each grammar cares about, fed to every
//! reader and through a resolution that includes files and placeholders.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parity::sources::shell::Word;
use parity::sources::uwsgi::{Format, UwsgiInputs, parse_file, resolve};
use parity::span::{FileId, Span};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

const PIECES: &[&str] = &[
    "[uwsgi]",
    "[",
    "]",
    "\n",
    "\r\n",
    " ",
    "\t",
    "=",
    ":",
    ": ",
    "#",
    ";",
    "%",
    "%(",
    ")",
    "$(",
    "@(",
    "%d",
    "%n",
    "%x",
    "%%",
    "harakiri",
    "socket",
    "ini",
    "include",
    "inherit",
    "if-env",
    "endif",
    "for",
    "end",
    "set-ph",
    "set",
    "x=1",
    "a",
    "30",
    "-",
    "- ",
    "uwsgi:",
    "  ",
    "{",
    "}",
    "\"",
    "\\",
    "\\u",
    "[1,",
    "true",
    "null",
    "1e9",
    "<uwsgi>",
    "</uwsgi>",
    "<",
    ">",
    "/>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&",
    "&amp;",
    "&#",
    ";",
    "id=\"p\"",
    "<?",
    "?>",
    "<!DOCTYPE",
    "é",
    "\u{0}",
    "\u{ff}",
    "a.ini",
    "b.yml",
    "c.json",
    "d.xml",
    "%(a + 1)",
    "%(a)",
    "a = y%(a)",
    "for-times = 50",
    "if-opt = harakiri",
    "$(H)",
    "strict = 1",
];

fn random_text(rng: &mut Rng) -> String {
    let n = rng.below(60);
    (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
}

#[test]
fn random_inputs_neither_panic_nor_hang() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = Instant::now();
    for round in 0..1000 {
        let texts: Vec<String> = (0..4).map(|_| random_text(&mut rng)).collect();
        for (i, format) in [Format::Ini, Format::Yaml, Format::Json, Format::Xml]
            .into_iter()
            .enumerate()
        {
            let text = &texts[i];
            let _ = parse_file(FileId(1), text, format, None);
            let _ = parse_file(FileId(1), text, format, Some("p"));
        }
        // The four texts are a.ini, b.yml, c.json, d.xml of one deployment.
        let files: Vec<(&str, Arc<str>)> = ["a.ini", "b.yml", "c.json", "d.xml"]
            .into_iter()
            .zip(texts.iter().map(|t| Arc::from(t.as_str())))
            .collect();
        let load = |p: &str| {
            let i = files.iter().position(|(n, _)| *n == p)?;
            let (n, t) = files.get(i)?;
            Some((
                FileId(10 + u32::try_from(i).ok()?),
                t.clone(),
                n.to_string(),
            ))
        };
        let env =
            |name: &str| (name == "H").then(|| ("%(a)".to_string(), Span::new(FileId(2), 0, 1)));
        let cmd = [
            "--ini", "a.ini", "--yaml", "b.yml:p", "-j", "c.json", "--xml", "d.xml:p", "a.ini",
        ];
        let args: Vec<Word> = cmd
            .iter()
            .map(|w| Word::new(*w, Span::new(FileId(0), 0, w.len())))
            .collect();
        let r = resolve(&UwsgiInputs {
            args: &args,
            env: &env,
            load: &load,
            anchor: Span::new(FileId(0), 0, 0),
        });
        assert!(r.settings.contains_key("harakiri"), "round {round}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn pathological_inputs() {
    let deep_json = format!(
        "{{\"uwsgi\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(
        parse_file(FileId(0), &deep_json, Format::Json, None)
            .problems
            .len(),
        1
    );
    let deep_xml = format!("<uwsgi>{}</uwsgi>", "<a>".repeat(100_000));
    assert_eq!(
        parse_file(FileId(0), &deep_xml, Format::Xml, None)
            .problems
            .len(),
        1
    );
    let many = "[uwsgi]\n".to_string() + &"harakiri = 1\n".repeat(50_000);
    assert_eq!(
        parse_file(FileId(0), &many, Format::Ini, None)
            .entries
            .len(),
        50_000
    );
    let percent = "%".repeat(100_000);
    let f = parse_file(FileId(0), &percent, Format::Ini, None);
    assert!(f.entries.is_empty());
}
