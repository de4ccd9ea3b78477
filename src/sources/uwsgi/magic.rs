//! Magic variables (`%d`, `%n`, `%p`, ...): uWSGI replaces every `%` plus one
//! byte in a config file's *raw text* before parsing it (`magic_sub` in
//! `core/utils.c`, run by `uwsgi_open_and_read`). Unknown letters become the
//! empty string, `%%` is `%`, `%(` stays `%(` (placeholders are expanded later).
//!
//! The substituted text keeps a map back to the file so readers can still give
//! byte spans, and remembers which bytes came from a variable parity cannot
//! know (the host name, the working directory...).

use std::ops::Range;

use crate::span::{FileId, Span};

/// What parity knows about one magic variable.
#[derive(Clone, Debug, PartialEq)]
pub enum Magic {
    Known(String),
    Unknown {
        reason: String,
        /// The value as a path relative to the process working directory,
        /// when it is one (`%d` of a file named relatively): enough to find an
        /// included file even though the absolute path is unknown.
        cwd_relative: Option<String>,
    },
}

impl Magic {
    fn unknown(reason: impl Into<String>) -> Magic {
        Magic::Unknown {
            reason: reason.into(),
            cwd_relative: None,
        }
    }
}

/// uWSGI's magic table (`uwsgi.magic_table`), per resolution.
#[derive(Clone, Debug)]
pub struct MagicTable {
    vals: Vec<Magic>,
    /// Upper-case copies (`%D`...) have been taken from the first config file.
    first_round: bool,
}

impl Default for MagicTable {
    fn default() -> Self {
        Self::new()
    }
}

const FILE_LETTERS: &[u8] = b"opsdcenxbij0123456789";

impl MagicTable {
    /// `init_magic_table` plus the process-wide values set in `uwsgi_setup`.
    #[must_use]
    pub fn new() -> MagicTable {
        let mut vals = vec![Magic::Known(String::new()); 256];
        set(&mut vals, b'%', Magic::Known("%".into()));
        set(&mut vals, b'(', Magic::Known("%(".into()));
        set(&mut vals, b'[', Magic::Known("\u{1b}".into()));
        let process = [
            (b'v', "%v is the process working directory"),
            (b'h', "%h is the host name"),
            (b't', "%t is the start-up time"),
            (b'T', "%T is the start-up time"),
            (b'V', "%V is the running uWSGI version"),
            (b'k', "%k is the number of CPU cores"),
            (b'u', "%u is the user id"),
            (b'U', "%U is the user name"),
            (b'g', "%g is the group id"),
            (b'G', "%G is the group name"),
        ];
        for (letter, why) in process {
            set(&mut vals, letter, Magic::unknown(why));
        }
        if let Some(v) = vals.get_mut(usize::from(b'v')) {
            *v = Magic::Unknown {
                reason: "%v is the process working directory".into(),
                cwd_relative: Some(String::new()),
            };
        }
        MagicTable {
            vals,
            first_round: false,
        }
    }

    /// A table for a file read on its own: its name is not known, so the
    /// file-derived variables are unknown, except `%x` (the section).
    #[must_use]
    pub fn standalone(section: Option<&str>) -> MagicTable {
        let mut t = MagicTable::new();
        for &letter in FILE_LETTERS {
            set(
                &mut t.vals,
                letter,
                Magic::unknown(format!(
                    "%{} depends on the name the file is loaded by",
                    letter as char
                )),
            );
        }
        set(
            &mut t.vals,
            b'x',
            Magic::Known(section.unwrap_or_default().to_string()),
        );
        t
    }

    #[must_use]
    pub fn get(&self, letter: u8) -> &Magic {
        // The table has 256 entries, so every byte indexes it.
        &self.vals[usize::from(letter)]
    }

    /// Whether upper-case copies were already taken (`uwsgi.magic_table_first_round`).
    #[must_use]
    pub fn first_round(&self) -> bool {
        self.first_round
    }

    pub fn set_first_round(&mut self, v: bool) {
        self.first_round = v;
    }

    /// `config_magic_table_fill`: the per-file variables for a file loaded by
    /// `filename` (as named, `:section` suffix included).
    pub fn fill(&mut self, filename: &str) {
        let (path, section) = match filename.rfind(':') {
            Some(i) => (&filename[..i], Some(&filename[i + 1..])),
            None => (filename, None),
        };
        // `%o` shares the name's buffer, which every reader cuts at the
        // section's `:` before the text is substituted.
        set(&mut self.vals, b'o', Magic::Known(path.to_string()));
        if has_scheme(filename) || filename == "-" {
            return;
        }
        if !(section.is_some() && path.is_empty()) {
            self.fill_path(path);
        }
        set(
            &mut self.vals,
            b'x',
            Magic::Known(section.unwrap_or_default().to_string()),
        );
        if !self.first_round {
            for (upper, lower) in [
                (b'O', b'o'),
                (b'D', b'd'),
                (b'S', b's'),
                (b'P', b'p'),
                (b'C', b'c'),
                (b'E', b'e'),
                (b'N', b'n'),
                (b'X', b'x'),
                (b'I', b'i'),
                (b'J', b'j'),
            ] {
                let v = self.get(lower).clone();
                set(&mut self.vals, upper, v);
            }
            self.first_round = true;
        }
    }

    fn fill_path(&mut self, path: &str) {
        let absolute = path.starts_with('/');
        // realpath(): lexical normalisation is exact when no symlink is involved.
        let normal = normalise(path);
        let vals = &mut self.vals;
        set(vals, b'b', Magic::unknown("%b is the uWSGI binary path"));
        set(vals, b'i', Magic::unknown("%i is the file's inode number"));
        set(
            vals,
            b'j',
            Magic::unknown("%j is a hash of the file's full path"),
        );
        for d in b'0'..=b'9' {
            set(vals, d, Magic::Known(String::new()));
        }
        let Some(normal) = normal else {
            for letter in [b'p', b's', b'd', b'c', b'e', b'n'] {
                set(
                    vals,
                    letter,
                    Magic::unknown(format!(
                        "%{} of {path} depends on the working directory",
                        letter as char
                    )),
                );
            }
            return;
        };
        let (dir, base) = match normal.rfind('/') {
            Some(i) => (&normal[..=i], &normal[i + 1..]),
            None => ("", normal.as_str()),
        };
        set(vals, b's', Magic::Known(base.to_string()));
        let (ext, stem) = match base.rfind('.') {
            Some(i) => (&base[i + 1..], &base[..i]),
            None => ("", base),
        };
        set(vals, b'e', Magic::Known(ext.to_string()));
        set(vals, b'n', Magic::Known(stem.to_string()));
        if absolute {
            set(vals, b'p', Magic::Known(normal.clone()));
            set(vals, b'd', Magic::Known(dir.to_string()));
            let trimmed = dir.strip_suffix('/').unwrap_or(dir);
            let last = trimmed.rfind('/').map_or("", |i| &trimmed[i + 1..]);
            set(vals, b'c', Magic::Known(last.to_string()));
            for (i, part) in trimmed
                .split('/')
                .filter(|p| !p.is_empty())
                .take(10)
                .enumerate()
            {
                set(vals, b'0' + i as u8, Magic::Known(part.to_string()));
            }
        } else {
            let why =
                |letter: char| format!("%{letter} of {path} depends on the working directory");
            set(
                vals,
                b'p',
                Magic::Unknown {
                    reason: why('p'),
                    cwd_relative: Some(normal.clone()),
                },
            );
            set(
                vals,
                b'd',
                Magic::Unknown {
                    reason: why('d'),
                    cwd_relative: Some(dir.to_string()),
                },
            );
            let trimmed = dir.strip_suffix('/').unwrap_or(dir);
            if trimmed.is_empty() {
                set(vals, b'c', Magic::unknown(why('c')));
            } else {
                let last = trimmed.rfind('/').map_or(trimmed, |i| &trimmed[i + 1..]);
                set(vals, b'c', Magic::Known(last.to_string()));
            }
            for d in b'0'..=b'9' {
                set(vals, d, Magic::unknown(why(d as char)));
            }
        }
    }
}

fn set(vals: &mut [Magic], letter: u8, m: Magic) {
    if let Some(slot) = vals.get_mut(usize::from(letter)) {
        *slot = m;
    }
}

/// uWSGI's URL schemes for config files (`uwsgi_setup_schemes`).
#[must_use]
pub fn has_scheme(name: &str) -> bool {
    [
        "emperor", "http", "data", "sym", "section", "fd", "exec", "call", "callint",
    ]
    .iter()
    .any(|s| {
        name.strip_prefix(s)
            .is_some_and(|rest| rest.starts_with("://"))
    })
}

/// Lexical `realpath` of a path: `.` and `..` removed, slashes collapsed.
/// `None` when the result depends on the working directory beyond a prefix
/// (a relative path climbing above its start, or naming a directory).
fn normalise(path: &str) -> Option<String> {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !absolute {
                    return None;
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return None;
    }
    let joined = parts.join("/");
    Some(if absolute {
        format!("/{joined}")
    } else {
        joined
    })
}

/// One run of the substituted text.
#[derive(Clone, Debug)]
struct Piece {
    out: Range<usize>,
    src: Range<usize>,
    /// Byte `i` of `out` is byte `i` of `src`.
    literal: bool,
    unknown: Option<Magic>,
}

/// A config file's text after magic substitution, with the map back to the file.
#[derive(Clone, Debug)]
pub struct Substituted {
    pub file: FileId,
    pub bytes: Vec<u8>,
    pieces: Vec<Piece>,
    src_len: usize,
}

/// `magic_sub` over `text`. `add_zero`: the reader appended a NUL before
/// substituting (ini, yaml, json do; xml does not), so a `%` at the very end
/// is followed by a byte and disappears.
#[must_use]
pub fn substitute(file: FileId, text: &[u8], table: &MagicTable, add_zero: bool) -> Substituted {
    let mut bytes = Vec::with_capacity(text.len());
    let mut pieces: Vec<Piece> = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    let flush = |bytes: &mut Vec<u8>, pieces: &mut Vec<Piece>, from: usize, to: usize| {
        if to > from {
            let out = bytes.len();
            bytes.extend_from_slice(text.get(from..to).unwrap_or_default());
            pieces.push(Piece {
                out: out..bytes.len(),
                src: from..to,
                literal: true,
                unknown: None,
            });
        }
    };
    while i < text.len() {
        if text.get(i) == Some(&b'%') && (i + 1 < text.len() || add_zero) {
            flush(&mut bytes, &mut pieces, lit_start, i);
            let letter = text.get(i + 1).copied().unwrap_or(0);
            let src_end = (i + 2).min(text.len());
            let out = bytes.len();
            match table.get(letter) {
                Magic::Known(v) => {
                    bytes.extend_from_slice(v.as_bytes());
                    pieces.push(Piece {
                        out: out..bytes.len(),
                        src: i..src_end,
                        literal: false,
                        unknown: None,
                    });
                }
                m @ Magic::Unknown { .. } => {
                    // Keep `%d` in the text; the range is marked unknown.
                    bytes.extend_from_slice(text.get(i..src_end).unwrap_or_default());
                    pieces.push(Piece {
                        out: out..bytes.len(),
                        src: i..src_end,
                        literal: false,
                        unknown: Some(m.clone()),
                    });
                }
            }
            i = src_end;
            lit_start = i;
        } else {
            i += 1;
        }
    }
    flush(&mut bytes, &mut pieces, lit_start, text.len());
    Substituted {
        file,
        bytes,
        pieces,
        src_len: text.len(),
    }
}

impl Substituted {
    /// The file offset where substituted byte `pos` starts.
    fn src_start(&self, pos: usize) -> usize {
        let idx = self.pieces.partition_point(|p| p.out.end <= pos);
        // Skip substitutions that produced nothing: they start nowhere.
        for p in self.pieces.iter().skip(idx) {
            if p.out.is_empty() {
                continue;
            }
            return if p.literal {
                p.src.start + (pos.saturating_sub(p.out.start))
            } else {
                p.src.start
            };
        }
        self.src_len
    }

    /// The file offset where substituted byte `pos - 1` ends.
    fn src_end(&self, pos: usize) -> usize {
        if pos == 0 {
            return self.pieces.first().map_or(0, |p| p.src.start);
        }
        let idx = self.pieces.partition_point(|p| p.out.end < pos);
        match self.pieces.get(idx) {
            Some(p) if p.literal => p.src.start + (pos - p.out.start),
            Some(p) => p.src.end,
            None => self.src_len,
        }
    }

    /// File span of the substituted byte range `r`.
    #[must_use]
    pub fn span(&self, r: Range<usize>) -> Span {
        let start = self.src_start(r.start);
        if r.is_empty() {
            return Span::new(self.file, start, start);
        }
        let end = self.src_end(r.end).max(start);
        Span::new(self.file, start, end)
    }

    /// The first unknown magic variable inside `r`, if any.
    #[must_use]
    pub fn unknown_in(&self, r: Range<usize>) -> Option<&Magic> {
        let idx = self.pieces.partition_point(|p| p.out.end <= r.start);
        self.pieces
            .iter()
            .skip(idx)
            .take_while(|p| p.out.start < r.end)
            .find_map(|p| p.unknown.as_ref())
    }

    /// For a value written as `<unknown magic var><rest>` (e.g. `%dbase.ini`),
    /// the value relative to the working directory, when the variable has one.
    #[must_use]
    pub fn cwd_relative(&self, r: Range<usize>) -> Option<String> {
        let idx = self.pieces.partition_point(|p| p.out.end <= r.start);
        let first = self.pieces.get(idx)?;
        let Some(Magic::Unknown {
            cwd_relative: Some(prefix),
            ..
        }) = &first.unknown
        else {
            return None;
        };
        if first.out.start != r.start || self.unknown_in(first.out.end..r.end).is_some() {
            return None;
        }
        let rest = String::from_utf8_lossy(self.bytes.get(first.out.end..r.end)?);
        Some(join_cwd_relative(prefix, &rest))
    }

    /// The substituted bytes of `r` as text (invalid UTF-8 replaced).
    #[must_use]
    pub fn text(&self, r: Range<usize>) -> String {
        String::from_utf8_lossy(self.bytes.get(r).unwrap_or_default()).into_owned()
    }
}

/// `prefix` is relative to the working directory ("" = the directory itself).
#[must_use]
pub fn join_cwd_relative(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.trim_start_matches('/').to_string()
    } else {
        format!("{prefix}{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(text: &str, table: &MagicTable) -> Substituted {
        substitute(FileId(0), text.as_bytes(), table, true)
    }

    #[test]
    fn unknown_letters_vanish_and_specials_stay() {
        let t = MagicTable::new();
        let s = sub("a = 50%x 5%%y %(ph)\n", &t);
        assert_eq!(s.text(0..s.bytes.len()), "a = 50 5%y %(ph)\n");
        // `%` then newline: both go, the next line is joined.
        let s = sub("a = 5%\nb = 1", &t);
        assert_eq!(s.text(0..s.bytes.len()), "a = 5b = 1");
        // A `%` at the end eats the NUL uWSGI appended.
        assert_eq!(sub("x%", &t).bytes, b"x");
        assert_eq!(substitute(FileId(0), b"x%", &t, false).bytes, b"x%");
    }

    #[test]
    fn file_variables_from_an_absolute_name() {
        let mut t = MagicTable::new();
        t.fill("/srv/app/conf/uwsgi.ini:prod");
        let s = sub("%p|%d|%s|%n|%e|%c|%x|%o|%0|%2|%D", &t);
        assert_eq!(
            s.text(0..s.bytes.len()),
            "/srv/app/conf/uwsgi.ini|/srv/app/conf/|uwsgi.ini|uwsgi|ini|conf|prod|/srv/app/conf/uwsgi.ini|srv|conf|/srv/app/conf/"
        );
    }

    #[test]
    fn relative_names_leave_directory_variables_unknown() {
        let mut t = MagicTable::new();
        t.fill("conf/app.yml");
        let s = sub("ini = %dbase.ini\nn = %n\nc = %c", &t);
        assert_eq!(
            s.text(0..s.bytes.len()),
            "ini = %dbase.ini\nn = app\nc = conf"
        );
        assert!(s.unknown_in(6..16).is_some());
        assert!(s.unknown_in(17..24).is_none());
        assert_eq!(s.cwd_relative(6..16).as_deref(), Some("conf/base.ini"));
        let mut t = MagicTable::new();
        t.fill("app.ini");
        let s = sub("%dbase.ini %vx.ini", &t);
        assert_eq!(s.cwd_relative(0..10).as_deref(), Some("base.ini"));
        assert_eq!(s.cwd_relative(11..18).as_deref(), Some("x.ini"));
        assert!(matches!(t.get(b'c'), Magic::Unknown { .. }));
    }

    #[test]
    fn upper_case_copies_come_from_the_first_file() {
        let mut t = MagicTable::new();
        t.fill("/a/first.ini");
        t.fill("/b/second.ini");
        let s = sub("%N %n", &t);
        assert_eq!(s.text(0..s.bytes.len()), "first second");
    }

    #[test]
    fn spans_map_back_through_substitutions() {
        let mut t = MagicTable::new();
        t.fill("/srv/uwsgi.ini");
        let text = "chdir = %d\nharakiri = 30\n";
        let s = sub(text, &t);
        let out = s.text(0..s.bytes.len());
        assert_eq!(out, "chdir = /srv/\nharakiri = 30\n");
        let value = out.find("/srv/").unwrap_or(0);
        assert_eq!(s.span(value..value + 5).range(), 8..10);
        let h = out.find("30").unwrap_or(0);
        assert_eq!(
            s.span(h..h + 2).range(),
            text.find("30").map_or(0..0, |i| i..i + 2)
        );
    }

    #[test]
    fn schemes_are_recognised() {
        assert!(has_scheme("exec://cat x.ini"));
        assert!(has_scheme("http://example.com/x.ini"));
        assert!(!has_scheme("conf/x.ini"));
        assert!(!has_scheme("httpx://a"));
    }
}
