//! Inline suppressions: `# parity: ignore[PAR-T001] reason` in the scanned
//! files. A suppression applies to a finding when it sits on a line of either
//! end of the finding (its primary label or any related label), or, as a
//! comment alone on its line, on the line directly above an end. A reason is
//! required. Suppressions that suppress nothing are reported (`PAR-E002`), and
//! so are ones without a reason or with a syntax mistake (`PAR-E003`).
//!
//! Only real comments count: each format has its own comment detector, so a
//! `#` inside a quoted string (or a YAML block scalar) is not a suppression.

use crate::finding::{Finding, Label, Severity};
use crate::source_map::SourceMap;
use crate::span::{FileId, Span};

/// A rule that is not a policy: reported by parity itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetaRule {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub docs: &'static str,
}

/// `PAR-E002`: a suppression comment that matches no finding.
pub const UNUSED_SUPPRESSION: MetaRule = MetaRule {
    id: "PAR-E002",
    name: "unused-suppression",
    severity: Severity::Info,
    summary: "An inline `parity: ignore[...]` comment suppresses no finding.",
    docs: "docs/rules/PAR-E002.md",
};

/// `PAR-E003`: a suppression comment without a reason, or malformed.
pub const INVALID_SUPPRESSION: MetaRule = MetaRule {
    id: "PAR-E003",
    name: "invalid-suppression",
    severity: Severity::Info,
    summary: "An inline `parity: ignore[...]` comment has no reason or is malformed, so it suppresses nothing.",
    docs: "docs/rules/PAR-E003.md",
};

/// The rules parity reports about suppressions.
pub const META_RULES: &[MetaRule] = &[UNUSED_SUPPRESSION, INVALID_SUPPRESSION];

/// How comments are written in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentStyle {
    /// nginx: `#` at the start of a token, outside `"`/`'` strings.
    Nginx,
    /// YAML: `#` at the start of a line or after a space, outside quoted
    /// scalars and block scalars (`|`, `>`).
    Yaml,
    /// POSIX shell (Procfile, `.env`): `#` at the start of a word, outside quotes.
    Shell,
    /// Python: `#` outside string literals (triple-quoted ones included).
    Python,
    /// Dockerfile: only lines whose first character is `#` (a `#` after an
    /// instruction belongs to the instruction).
    Dockerfile,
    /// ini (uWSGI, supervisord, systemd): lines starting with `;` or `#`.
    Ini,
    /// No comments (JSON, XML).
    None,
}

impl CommentStyle {
    /// A guess from the file name, for files that discovery did not classify
    /// (files read because a config named them, e.g. nginx includes).
    #[must_use]
    pub fn for_path(path: &str) -> CommentStyle {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "py" => CommentStyle::Python,
            "yaml" | "yml" => CommentStyle::Yaml,
            "ini" | "cfg" | "service" => CommentStyle::Ini,
            "json" | "xml" => CommentStyle::None,
            "sh" | "env" => CommentStyle::Shell,
            _ if name.starts_with("dockerfile") || name.ends_with(".dockerfile") => {
                CommentStyle::Dockerfile
            }
            _ if name.starts_with("procfile") || name.starts_with(".env") => CommentStyle::Shell,
            _ => CommentStyle::Nginx,
        }
    }
}

/// A comment: `[start, end)` covers the marker to the end of the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Comment {
    start: usize,
    end: usize,
    /// Where the text after the marker starts.
    body: usize,
}

/// A `parity: ignore[...]` comment found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The whole comment.
    pub span: Span,
    /// Rule ids or id prefixes, as written.
    pub ids: Vec<String>,
    /// The reason; `None` when missing (the suppression then suppresses nothing).
    pub reason: Option<String>,
    /// The syntax mistake, if any (the suppression then suppresses nothing).
    pub malformed: Option<String>,
    /// Nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
}

impl Suppression {
    fn is_effective(&self) -> bool {
        self.malformed.is_none() && self.reason.is_some()
    }
}

/// The comments of a text, as the format's own reader sees them.
fn comments_of(text: &str, style: CommentStyle) -> Vec<Comment> {
    match style {
        CommentStyle::Nginx => scan_hash(text, &NGINX),
        CommentStyle::Yaml => scan_hash(text, &YAML),
        CommentStyle::Shell => scan_hash(text, &SHELL),
        CommentStyle::Python => scan_python(text),
        CommentStyle::Dockerfile => scan_line_comments(text, b"#"),
        CommentStyle::Ini => scan_line_comments(text, b";#"),
        CommentStyle::None => Vec::new(),
    }
}

/// Every `parity: ignore` comment of one file.
#[must_use]
pub fn scan(file: FileId, text: &str, style: CommentStyle) -> Vec<Suppression> {
    let comments = comments_of(text, style);
    let mut out = Vec::new();
    for c in comments {
        let Some(body) = text.get(c.body..c.end) else {
            continue;
        };
        let Some(directive) = parse_directive(body) else {
            continue;
        };
        let line_start = text[..c.start].rfind('\n').map_or(0, |i| i + 1);
        let own_line = text[line_start..c.start].trim().is_empty();
        let (ids, reason, malformed) = match directive {
            Directive::Valid { ids, reason } => (ids, reason, None),
            Directive::Malformed(why) => (Vec::new(), None, Some(why)),
        };
        out.push(Suppression {
            span: Span::new(file, c.start, c.end),
            ids,
            reason,
            malformed,
            own_line,
        });
    }
    out
}

enum Directive {
    Valid {
        ids: Vec<String>,
        reason: Option<String>,
    },
    Malformed(String),
}

/// Reads `parity: ignore[ID, ...] reason` from a comment's text; `None` when
/// the comment is not addressed to parity.
fn parse_directive(body: &str) -> Option<Directive> {
    let rest = body.trim_start().strip_prefix("parity:")?.trim_start();
    let rest = rest.strip_prefix("ignore")?;
    let Some(list) = rest.trim_start().strip_prefix('[') else {
        return Some(Directive::Malformed(
            "expected `[RULE-ID]` after `parity: ignore`".into(),
        ));
    };
    let Some((ids, after)) = list.split_once(']') else {
        return Some(Directive::Malformed(
            "missing `]` after the rule ids".into(),
        ));
    };
    let ids: Vec<String> = ids.split(',').map(|s| s.trim().to_owned()).collect();
    if let Some(bad) = ids
        .iter()
        .find(|id| id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Some(Directive::Malformed(if bad.is_empty() {
            "an empty rule id in `[...]`".into()
        } else {
            format!("`{bad}` is not a rule id")
        }));
    }
    let reason = after
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '-' | ':' | '–' | '—'))
        .trim_end();
    Some(Directive::Valid {
        ids,
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SingleQuote {
    /// `\'` escapes (nginx).
    Backslash,
    /// `''` escapes (YAML).
    Doubled,
    /// No escapes (shell).
    Plain,
}

/// The lexical rules that decide where a `#` comment starts.
struct HashRules {
    /// Quotes open anywhere (shell), not only at the start of a token.
    quote_anywhere: bool,
    single: SingleQuote,
    /// A backslash outside quotes escapes the next character.
    backslash_outside: bool,
    /// Characters after which a token starts (besides whitespace).
    boundaries: &'static [u8],
    /// YAML block scalars: lines under a `|`/`>` header are content.
    block_scalars: bool,
}

const NGINX: HashRules = HashRules {
    quote_anywhere: false,
    single: SingleQuote::Backslash,
    backslash_outside: true,
    boundaries: b";{}",
    block_scalars: false,
};

const YAML: HashRules = HashRules {
    quote_anywhere: false,
    single: SingleQuote::Doubled,
    backslash_outside: false,
    boundaries: b"[{,",
    block_scalars: true,
};

const SHELL: HashRules = HashRules {
    quote_anywhere: true,
    single: SingleQuote::Plain,
    backslash_outside: true,
    boundaries: b";&|()<>",
    block_scalars: false,
};

fn line_end(b: &[u8], from: usize) -> usize {
    let end = b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p);
    // Leave a CR of a CRLF line ending out of the comment.
    if end > from && b.get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

fn indentation(b: &[u8], line_start: usize) -> usize {
    b[line_start..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count()
}

/// Whether `|`/`>` at `i` is a YAML block scalar header: indicators, then the
/// end of the line or a comment.
fn is_block_header(b: &[u8], i: usize) -> bool {
    let mut j = i + 1;
    while j < b.len() && matches!(b[j], b'+' | b'-' | b'0'..=b'9') {
        j += 1;
    }
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
        j += 1;
    }
    j >= b.len() || matches!(b[j], b'\n' | b'\r' | b'#')
}

/// The column that block scalar content must be indented beyond: the key
/// owning the scalar (`- run: |` -> the column of `run`), or the `-` of a
/// sequence item that is itself the scalar (`- |`).
fn block_parent_column(b: &[u8], line_start: usize, header: usize) -> usize {
    let mut j = line_start + indentation(b, line_start);
    let mut last_dash = None;
    while j < header && b[j] == b'-' && matches!(b.get(j + 1), Some(b' ' | b'\t')) {
        last_dash = Some(j);
        j += 1;
        while j < header && (b[j] == b' ' || b[j] == b'\t') {
            j += 1;
        }
    }
    if b.get(j..header).is_some_and(|head| head.contains(&b':')) {
        j - line_start
    } else {
        last_dash.map_or(j - line_start, |d| d - line_start)
    }
}

/// Comments that start with `#` at a token start, outside quotes. Works on
/// bytes: every character that matters is ASCII, and UTF-8 continuation bytes
/// never equal an ASCII byte.
fn scan_hash(text: &str, rules: &HashRules) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut at_token_start = true;
    let mut line_start = 0;
    // YAML: indentation of the block scalar header we are under.
    let mut block: Option<usize> = None;
    let mut pending_block: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' && (q == b'"' || rules.single == SingleQuote::Backslash) {
                i += 2;
                continue;
            }
            if c == q {
                if q == b'\''
                    && rules.single == SingleQuote::Doubled
                    && b.get(i + 1) == Some(&b'\'')
                {
                    i += 2;
                    continue;
                }
                quote = None;
                at_token_start = false;
            } else if c == b'\n' {
                line_start = i + 1;
            }
            i += 1;
            continue;
        }
        if i == line_start && rules.block_scalars {
            if let Some(h) = pending_block.take() {
                block = Some(h);
            }
            if let Some(h) = block {
                let end = line_end(b, i);
                let blank = b[i..end].iter().all(|c| c.is_ascii_whitespace());
                if blank || indentation(b, i) > h {
                    // Content: skip the whole line, newline included.
                    i = b[i..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(b.len(), |p| i + p + 1);
                    line_start = i;
                    continue;
                }
                block = None;
            }
        }
        match c {
            b'\n' => {
                i += 1;
                line_start = i;
                at_token_start = true;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                at_token_start = true;
            }
            b'#' if at_token_start => {
                let end = line_end(b, i);
                out.push(Comment {
                    start: i,
                    end,
                    body: i + 1,
                });
                i = end;
                continue;
            }
            b'"' | b'\'' if at_token_start || rules.quote_anywhere => {
                quote = Some(c);
            }
            b'\\' if rules.backslash_outside => {
                at_token_start = false;
                i += 2;
                continue;
            }
            b'|' | b'>' if rules.block_scalars && at_token_start && is_block_header(b, i) => {
                pending_block = Some(block_parent_column(b, line_start, i));
                at_token_start = false;
            }
            _ if rules.boundaries.contains(&c) => {
                at_token_start = true;
            }
            _ => {
                at_token_start = false;
            }
        }
        i += 1;
    }
    out
}

/// Python: `#` outside string literals; strings may be triple-quoted and span lines.
fn scan_python(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // (quote byte, triple-quoted)
    let mut string: Option<(u8, bool)> = None;
    while i < b.len() {
        let c = b[i];
        match string {
            Some((q, triple)) => {
                if c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if !triple {
                        string = None;
                    } else if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                        string = None;
                        i += 3;
                        continue;
                    }
                } else if c == b'\n' && !triple {
                    // An unterminated string ends at the line (a syntax error in Python).
                    string = None;
                }
                i += 1;
            }
            None => match c {
                b'#' => {
                    let end = line_end(b, i);
                    out.push(Comment {
                        start: i,
                        end,
                        body: i + 1,
                    });
                    i = end;
                }
                b'"' | b'\'' => {
                    if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c) {
                        string = Some((c, true));
                        i += 3;
                    } else {
                        string = Some((c, false));
                        i += 1;
                    }
                }
                _ => i += 1,
            },
        }
    }
    out
}

/// Lines whose first non-blank character is one of `markers`.
fn scan_line_comments(text: &str, markers: &[u8]) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line_start = 0;
    while line_start < b.len() {
        let end = line_end(b, line_start);
        let first = line_start + indentation(b, line_start);
        if first < end && markers.contains(&b[first]) {
            out.push(Comment {
                start: first,
                end,
                body: first + 1,
            });
        }
        line_start = b[line_start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| line_start + p + 1);
    }
    out
}

/// What [`apply`] needs to know about the rules of the run.
#[derive(Clone, Copy, Debug)]
pub struct SuppressOptions<'a> {
    /// Every rule id that exists (policies and [`META_RULES`]).
    pub known_rules: &'a [&'a str],
    /// The rules evaluated in this run: a suppression for a rule that did not
    /// run is not reported as unused.
    pub ran_rules: &'a [&'a str],
    /// Severity of `PAR-E002` reports; `None` when that rule is not selected.
    pub unused: Option<Severity>,
    /// Severity of `PAR-E003` reports; `None` when that rule is not selected.
    pub invalid: Option<Severity>,
}

/// First and last line of a label.
fn lines_of(map: &SourceMap, span: Span) -> (u32, u32) {
    let file = map.get(span.file);
    let first = file.line_col(span.start).line;
    let last = file
        .line_col(span.end.saturating_sub(1).max(span.start))
        .line;
    (first, last)
}

/// Marks the findings that a suppression in `files` matches (sets
/// [`Finding::suppressed`]) and appends `PAR-E002`/`PAR-E003` findings for
/// suppressions that match nothing or are invalid.
pub fn apply(
    findings: &mut Vec<Finding>,
    files: &[(FileId, CommentStyle)],
    map: &SourceMap,
    options: &SuppressOptions<'_>,
) {
    struct Found {
        s: Suppression,
        line: u32,
        used: Vec<bool>,
    }
    let mut found: Vec<Found> = files
        .iter()
        .flat_map(|&(file, style)| scan(file, &map.get(file).text, style))
        .map(|s| Found {
            line: map.get(s.span.file).line_col(s.span.start).line,
            used: vec![false; s.ids.len()],
            s,
        })
        .collect();
    if found.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        if f.suppressed.is_some() {
            continue;
        }
        let mut reason = None;
        for label in std::iter::once(&f.primary).chain(&f.related) {
            let (first, last) = lines_of(map, label.span);
            for sup in found.iter_mut().filter(|x| {
                x.s.span.file == label.span.file
                    && x.s.is_effective()
                    && ((first..=last).contains(&x.line) || (x.s.own_line && x.line + 1 == first))
            }) {
                for (k, id) in sup.s.ids.iter().enumerate() {
                    if f.rule.starts_with(id.as_str()) {
                        sup.used[k] = true;
                        if reason.is_none() {
                            reason.clone_from(&sup.s.reason);
                        }
                    }
                }
            }
        }
        f.suppressed = reason;
    }
    for x in found {
        if !x.s.is_effective() {
            let Some(severity) = options.invalid else {
                continue;
            };
            let why =
                x.s.malformed
                    .clone()
                    .unwrap_or_else(|| "no reason given".to_owned());
            findings.push(meta_finding(
                &INVALID_SUPPRESSION,
                severity,
                x.s.span,
                format!("this suppression is ignored: {why}"),
                "suppression ignored".into(),
                "Write `# parity: ignore[RULE-ID] reason` (several ids separated by commas). The reason \
                 is required: it says why the disagreement is acceptable here, for the next reader."
                    .into(),
            ));
            continue;
        }
        let Some(severity) = options.unused else {
            continue;
        };
        let mut notes = Vec::new();
        for (id, used) in x.s.ids.iter().zip(&x.used) {
            if *used {
                continue;
            }
            let matches = |ids: &[&str]| ids.iter().any(|r| r.starts_with(id.as_str()));
            if !matches(options.known_rules) {
                notes.push(format!("`{id}` is not a rule"));
            } else if matches(options.ran_rules) {
                notes.push(format!("no {id} finding starts or ends here"));
            }
        }
        if notes.is_empty() {
            continue;
        }
        findings.push(meta_finding(
            &UNUSED_SUPPRESSION,
            severity,
            x.s.span,
            format!("this suppression matches no finding: {}", notes.join("; ")),
            "suppresses nothing".into(),
            "Remove it, or move it: a suppression applies to findings that start or end on its line, \
             or, written alone on its line, on the line below. `parity check --format json` shows \
             where each finding starts and ends."
                .into(),
        ));
    }
}

fn meta_finding(
    rule: &MetaRule,
    severity: Severity,
    span: Span,
    message: String,
    label: String,
    help: String,
) -> Finding {
    Finding {
        rule: rule.id.to_owned(),
        name: rule.name.to_owned(),
        severity,
        message,
        help,
        primary: Label { span, text: label },
        related: Vec::new(),
        docs: Some(rule.docs.to_owned()),
        suppressed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comments(text: &str, style: CommentStyle) -> Vec<&str> {
        let c = comments_of(text, style);
        c.iter().map(|c| &text[c.start..c.end]).collect()
    }

    #[test]
    fn nginx_comments_start_at_a_token_outside_quotes() {
        let t = "a b; # one\nadd_header X \"# not\" '#not'; c#d; e;#two\r\nreturn 200 \"x\n# still a string\";";
        assert_eq!(comments(t, CommentStyle::Nginx), vec!["# one", "#two"]);
        assert_eq!(comments("a \\# b # c", CommentStyle::Nginx), vec!["# c"]);
    }

    #[test]
    fn yaml_comments_skip_quotes_and_block_scalars() {
        let t = "a: 'it''s # not' # one\nb: x#y\nc: it's # two\nd: |\n  # content\n  more # content\n\ne: \"q\\\" # not\" # three\n";
        assert_eq!(
            comments(t, CommentStyle::Yaml),
            vec!["# one", "# two", "# three"]
        );
        let t = "- run: >- # header\n    # content\n  x: 1 # after\n";
        assert_eq!(comments(t, CommentStyle::Yaml), vec!["# header", "# after"]);
    }

    #[test]
    fn shell_python_dockerfile_ini() {
        assert_eq!(
            comments("web: gunicorn a'#b' \"#c\" x#y # real", CommentStyle::Shell),
            vec!["# real"]
        );
        let py = "x = '#no'\ns = \"\"\"\n# in a docstring\n\"\"\" # yes\nt = 'a\\'#' # also\n";
        assert_eq!(comments(py, CommentStyle::Python), vec!["# yes", "# also"]);
        let df = "# top\nRUN echo # not a Dockerfile comment\n  # indented\n";
        assert_eq!(
            comments(df, CommentStyle::Dockerfile),
            vec!["# top", "# indented"]
        );
        let ini = "[uwsgi]\n; semi\nharakiri = 30 ; not at line start\n# hash\n";
        assert_eq!(comments(ini, CommentStyle::Ini), vec!["; semi", "# hash"]);
    }

    #[test]
    fn directives() {
        let t = "# parity: ignore[PAR-T001, PAR-S] known -- fine\n# parity: ignore[PAR-T001]\n\
                 # parity: ignore PAR-T001 x\n# parity: ignore[PAR-T001 x\n# something else\n\
                 x  # parity:ignore[ PAR-T001 ]: because\n";
        let s = scan(FileId(0), t, CommentStyle::Nginx);
        assert_eq!(s.len(), 5);
        assert_eq!(s[0].ids, vec!["PAR-T001", "PAR-S"]);
        assert_eq!(s[0].reason.as_deref(), Some("known -- fine"));
        assert!(s[0].own_line);
        assert_eq!(s[1].reason, None);
        assert!(s[1].malformed.is_none());
        assert!(s[2].malformed.is_some());
        assert!(s[3].malformed.is_some());
        assert_eq!(s[4].ids, vec!["PAR-T001"]);
        assert_eq!(s[4].reason.as_deref(), Some("because"));
        assert!(!s[4].own_line);
    }

    fn finding(rule: &str, span: Span) -> Finding {
        Finding {
            rule: rule.into(),
            name: "x".into(),
            severity: Severity::Error,
            message: String::new(),
            help: String::new(),
            primary: Label {
                span,
                text: String::new(),
            },
            related: Vec::new(),
            docs: None,
            suppressed: None,
        }
    }

    #[test]
    fn placement_a_trailing_comment_covers_its_own_line_only() {
        let text = "a 1;  # parity: ignore[PAR-T001] trailing, line 1
                    b 2;
                    # parity: ignore[PAR-T] alone, line 3
                    c 3;
                    d 4;
";
        let mut map = SourceMap::new();
        let file = map.add("n.conf".into(), "n.conf".into(), text.as_bytes());
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            Span::new(file, start, start + needle.len())
        };
        let mut findings = vec![
            finding("PAR-T001", at("a 1")),
            finding("PAR-T001", at("b 2")),
            finding("PAR-T002", at("c 3")),
            finding("PAR-T001", at("d 4")),
            finding("PAR-S004", at("c 3")),
        ];
        let known = ["PAR-T001", "PAR-T002", "PAR-S004", "PAR-E002", "PAR-E003"];
        apply(
            &mut findings,
            &[(file, CommentStyle::Nginx)],
            &map,
            &SuppressOptions {
                known_rules: &known,
                ran_rules: &known[..3],
                unused: Some(Severity::Info),
                invalid: Some(Severity::Info),
            },
        );
        let reasons: Vec<Option<&str>> = findings.iter().map(|f| f.suppressed.as_deref()).collect();
        assert_eq!(
            reasons,
            vec![
                Some("trailing, line 1"),
                None, // the line-1 comment follows code: it does not reach line 2
                Some("alone, line 3"),
                None, // two lines below
                None, // another family
            ]
        );
        // Both comments were used: no PAR-E002.
        assert_eq!(findings.len(), 5);
    }

    #[test]
    fn unused_ids_are_named_and_unknown_ones_called_out() {
        let text = "# parity: ignore[PAR-T001, PAR-Z9, PAR-S004] why
x 1;
";
        let mut map = SourceMap::new();
        let file = map.add("n.conf".into(), "n.conf".into(), text.as_bytes());
        let start = text.find("x 1").unwrap();
        let mut findings = vec![finding("PAR-T001", Span::new(file, start, start + 3))];
        let known = ["PAR-T001", "PAR-S004"];
        apply(
            &mut findings,
            &[(file, CommentStyle::Nginx)],
            &map,
            &SuppressOptions {
                known_rules: &known,
                // PAR-S004 did not run: not reported.
                ran_rules: &known[..1],
                unused: Some(Severity::Info),
                invalid: None,
            },
        );
        assert_eq!(findings[0].suppressed.as_deref(), Some("why"));
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[1].rule, "PAR-E002");
        assert_eq!(
            findings[1].message,
            "this suppression matches no finding: `PAR-Z9` is not a rule"
        );
    }

    #[test]
    fn styles_from_names() {
        assert_eq!(
            CommentStyle::for_path("conf/gunicorn_conf.py"),
            CommentStyle::Python
        );
        assert_eq!(
            CommentStyle::for_path("deploy/uwsgi.ini"),
            CommentStyle::Ini
        );
        assert_eq!(
            CommentStyle::for_path("nginx/snippets/proxy.inc"),
            CommentStyle::Nginx
        );
        assert_eq!(
            CommentStyle::for_path("Dockerfile.prod"),
            CommentStyle::Dockerfile
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "#",
            "'",
            "\"\\",
            "a: |",
            "a: |\n",
            "x = '''",
            "\\",
            "é#é",
            "\r\n#\r\n",
            "# parity: ignore[",
            "# parity: ignore[]x",
        ] {
            for style in [
                CommentStyle::Nginx,
                CommentStyle::Yaml,
                CommentStyle::Shell,
                CommentStyle::Python,
                CommentStyle::Dockerfile,
                CommentStyle::Ini,
            ] {
                let _ = scan(FileId(0), t, style);
            }
        }
        // Every short string over the characters that matter: the scanners end and do not panic.
        let alphabet: Vec<char> = " \n\r\t#'\"\\|>-:;[{,é".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut r = seed;
            for _ in 0..(r % 24) {
                r = r.rotate_left(5).wrapping_mul(0x2545_f491_4f6c_dd1d);
                t.push(alphabet[(r % alphabet.len() as u64) as usize]);
            }
            for style in [
                CommentStyle::Nginx,
                CommentStyle::Yaml,
                CommentStyle::Shell,
                CommentStyle::Python,
                CommentStyle::Dockerfile,
                CommentStyle::Ini,
            ] {
                for s in scan(FileId(0), &t, style) {
                    assert!(t.get(s.span.range()).is_some(), "{t:?}");
                }
            }
        }
    }
}
