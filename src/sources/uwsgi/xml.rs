//! uWSGI's XML reader (`core/xmlconf.c`, libxml2 build, the one `pip install`
//! and the distributions produce).
//!
//! The document must be well-formed (uWSGI exits otherwise). The options are
//! the children of the root `<uwsgi>` element, or, when the root is something
//! else, of its first `<uwsgi>` child whose `id` matches the asked id (a
//! `<uwsgi>` without `id` always matches). Each child element is one option:
//! its name is the key, the content of its *first* child node is the value
//! (whitespace kept, a comment's text if the first child is a comment), `1`
//! when it is empty. A child whose `id` differs from the asked id is skipped;
//! a CDATA section directly inside `<uwsgi>` is an `eval` option; `<app>` is
//! turned into `mount`/`app` as uWSGI does. Other attributes are ignored
//! (`mode` only matters when uWSGI's `mode` option is already set, which it
//! never is while files are read).
//!
//! The parser is a small XML 1.0 well-formedness checker with libxml2's tree
//! shape: adjacent text and character references form one text node, CDATA,
//! comments and processing instructions are nodes of their own, line ends are
//! normalised to `\n`, attribute whitespace to spaces.

use std::ops::Range;

use super::{RawEntry, RawRead};

/// libxml2's default nesting limit (without `XML_PARSE_HUGE`), also parity's.
const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Element(Element),
    Text(String, Range<usize>),
    CData(String, Range<usize>),
    Comment(String, Range<usize>),
    /// A processing instruction and its data (`None` when empty).
    Pi(Option<String>, Range<usize>),
    /// A reference to an entity declared in the DTD (not expanded by uWSGI's
    /// libxml2 options): its replacement text when declared inline.
    EntityRef(Option<String>, Range<usize>),
}

#[derive(Debug, Clone, PartialEq)]
struct Element {
    name: String,
    name_range: Range<usize>,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    range: Range<usize>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Node {
    fn range(&self) -> Range<usize> {
        match self {
            Node::Element(e) => e.range.clone(),
            Node::Text(_, r)
            | Node::CData(_, r)
            | Node::Comment(_, r)
            | Node::Pi(_, r)
            | Node::EntityRef(_, r) => r.clone(),
        }
    }

    /// libxml2's `node->content`: `None` for elements (uWSGI then crashes in strdup).
    fn content(&self) -> Option<&str> {
        match self {
            Node::Text(s, _) | Node::CData(s, _) | Node::Comment(s, _) => Some(s),
            Node::Pi(s, _) | Node::EntityRef(s, _) => s.as_deref(),
            Node::Element(_) => None,
        }
    }
}

type Error = (Range<usize>, String);

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    latin1: bool,
    has_dtd: bool,
    /// Internal general entities declared in the DTD, with their literal value.
    entities: Vec<(String, String)>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic()
        || c == '_'
        || c == ':'
        || (c as u32) >= 0xC0 && c != '\u{D7}' && c != '\u{F7}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit() || c == '-' || c == '.' || c == '\u{B7}'
}

fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

impl Parser<'_> {
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, Error> {
        let end = (self.i + 1).min(self.b.len()).max(self.i);
        Err((self.i..end, msg.into()))
    }

    fn starts(&self, s: &[u8]) -> bool {
        self.b.get(self.i..self.i + s.len()) == Some(s)
    }

    /// The character at the cursor and its length in bytes.
    fn peek(&self) -> Result<Option<(char, usize)>, Error> {
        let Some(&b0) = self.b.get(self.i) else {
            return Ok(None);
        };
        if b0 < 0x80 || self.latin1 {
            return Ok(Some((char::from(b0), 1)));
        }
        let len = match b0 {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return self.err("Input is not proper UTF-8"),
        };
        match self
            .b
            .get(self.i..self.i + len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.chars().next())
        {
            Some(c) => Ok(Some((c, len))),
            None => self.err("Input is not proper UTF-8"),
        }
    }

    /// Next character with line ends normalised (`\r\n` and `\r` read as `\n`).
    fn next_char(&mut self) -> Result<Option<char>, Error> {
        let Some((c, len)) = self.peek()? else {
            return Ok(None);
        };
        if !is_xml_char(c) {
            return self.err(format!("invalid character U+{:04X}", c as u32));
        }
        self.i += len;
        if c == '\r' {
            if self.b.get(self.i) == Some(&b'\n') {
                self.i += 1;
            }
            return Ok(Some('\n'));
        }
        Ok(Some(c))
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.i;
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
        self.i > start
    }

    fn name(&mut self) -> Result<(String, Range<usize>), Error> {
        let start = self.i;
        let mut name = String::new();
        match self.peek()? {
            Some((c, len)) if is_name_start(c) => {
                name.push(c);
                self.i += len;
            }
            _ => return self.err("name expected"),
        }
        while let Some((c, len)) = self.peek()? {
            if !is_name_char(c) {
                break;
            }
            name.push(c);
            self.i += len;
        }
        Ok((name, start..self.i))
    }

    fn expect(&mut self, s: &[u8], what: &str) -> Result<(), Error> {
        if self.starts(s) {
            self.i += s.len();
            Ok(())
        } else {
            self.err(format!("{what} expected"))
        }
    }

    /// `&...;` after the `&`: the replacement text, or an entity reference node.
    fn reference(&mut self) -> Result<Result<String, (String, Option<String>)>, Error> {
        if self.starts(b"#") {
            self.i += 1;
            let hex = self.starts(b"x");
            if hex {
                self.i += 1;
            }
            let start = self.i;
            while self
                .b
                .get(self.i)
                .is_some_and(|c| c.is_ascii_alphanumeric())
            {
                self.i += 1;
            }
            let digits =
                std::str::from_utf8(self.b.get(start..self.i).unwrap_or_default()).unwrap_or("");
            let code = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok();
            self.expect(b";", "';'")?;
            return match code.and_then(char::from_u32).filter(|&c| is_xml_char(c)) {
                Some(c) => Ok(Ok(c.to_string())),
                None => self.err("invalid character reference"),
            };
        }
        let (name, _) = self.name()?;
        self.expect(b";", "';'")?;
        let predefined = match name.as_str() {
            "lt" => Some("<"),
            "gt" => Some(">"),
            "amp" => Some("&"),
            "apos" => Some("'"),
            "quot" => Some("\""),
            _ => None,
        };
        if let Some(p) = predefined {
            return Ok(Ok(p.to_string()));
        }
        let declared = self
            .entities
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone());
        if declared.is_some() || self.has_dtd {
            return Ok(Err((name, declared)));
        }
        self.err(format!("Entity '{name}' not defined"))
    }

    fn attr_value(&mut self) -> Result<String, Error> {
        let quote = match self.b.get(self.i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return self.err("attribute value expected"),
        };
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.b.get(self.i) {
                None => return self.err("unterminated attribute value"),
                Some(&q) if q == quote => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'<') => return self.err("'<' in attribute value"),
                Some(b'&') => {
                    self.i += 1;
                    match self.reference()? {
                        Ok(s) => out.push_str(&s),
                        Err((_, Some(v))) => out.push_str(&v),
                        Err((name, None)) => {
                            return self.err(format!("Entity '{name}' not defined"));
                        }
                    }
                }
                Some(_) => match self.next_char()? {
                    Some('\t' | '\n') => out.push(' '),
                    Some(c) => out.push(c),
                    None => return self.err("unterminated attribute value"),
                },
            }
        }
    }

    fn comment(&mut self) -> Result<Node, Error> {
        let start = self.i;
        self.i += 4;
        let mut text = String::new();
        loop {
            if self.starts(b"--") {
                if self.starts(b"-->") {
                    self.i += 3;
                    return Ok(Node::Comment(text, start..self.i));
                }
                return self.err("Double hyphen within comment");
            }
            match self.next_char()? {
                Some(c) => text.push(c),
                None => return self.err("Comment not terminated"),
            }
        }
    }

    fn pi(&mut self) -> Result<Node, Error> {
        let start = self.i;
        self.i += 2;
        let (target, _) = self.name()?;
        if target.eq_ignore_ascii_case("xml") {
            return self.err("XML declaration allowed only at the start of the document");
        }
        let had_ws = self.skip_ws();
        let mut data = String::new();
        loop {
            if self.starts(b"?>") {
                self.i += 2;
                break;
            }
            if !had_ws {
                return self.err("ParsePI: PI space expected");
            }
            match self.next_char()? {
                Some(c) => data.push(c),
                None => return self.err("PI not terminated"),
            }
        }
        Ok(Node::Pi((!data.is_empty()).then_some(data), start..self.i))
    }

    fn cdata(&mut self) -> Result<Node, Error> {
        let start = self.i;
        self.i += 9;
        let mut text = String::new();
        loop {
            if self.starts(b"]]>") {
                self.i += 3;
                return Ok(Node::CData(text, start..self.i));
            }
            match self.next_char()? {
                Some(c) => text.push(c),
                None => return self.err("CData section not finished"),
            }
        }
    }

    fn element(&mut self, depth: usize) -> Result<Element, Error> {
        if depth > MAX_DEPTH {
            return self.err(format!("Excessive depth in document: {MAX_DEPTH}"));
        }
        let start = self.i;
        self.i += 1;
        let (name, name_range) = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let ws = self.skip_ws();
            if self.starts(b"/>") {
                self.i += 2;
                return Ok(Element {
                    name,
                    name_range,
                    attrs,
                    children: Vec::new(),
                    range: start..self.i,
                });
            }
            if self.starts(b">") {
                self.i += 1;
                break;
            }
            if !ws {
                return self.err("attributes construct error");
            }
            let (attr, _) = self.name()?;
            self.skip_ws();
            self.expect(b"=", "'='")?;
            self.skip_ws();
            let value = self.attr_value()?;
            if attrs.iter().any(|(n, _)| *n == attr) {
                return self.err(format!("Attribute {attr} redefined"));
            }
            attrs.push((attr, value));
        }
        let mut children: Vec<Node> = Vec::new();
        loop {
            if self.i >= self.b.len() {
                return self.err(format!("Premature end of data in tag {name}"));
            }
            if self.starts(b"</") {
                self.i += 2;
                let (end_name, _) = self.name()?;
                if end_name != name {
                    return self.err(format!(
                        "Opening and ending tag mismatch: {name} and {end_name}"
                    ));
                }
                self.skip_ws();
                self.expect(b">", "'>'")?;
                return Ok(Element {
                    name,
                    name_range,
                    attrs,
                    children,
                    range: start..self.i,
                });
            }
            if self.starts(b"<!--") {
                children.push(self.comment()?);
            } else if self.starts(b"<![CDATA[") {
                children.push(self.cdata()?);
            } else if self.starts(b"<?") {
                children.push(self.pi()?);
            } else if self.starts(b"<!") {
                return self.err("invalid markup in content");
            } else if self.starts(b"<") {
                children.push(Node::Element(self.element(depth + 1)?));
            } else {
                let at = self.i;
                let piece = if self.starts(b"&") {
                    self.i += 1;
                    match self.reference()? {
                        Ok(s) => s,
                        Err((_, content)) => {
                            children.push(Node::EntityRef(content, at..self.i));
                            continue;
                        }
                    }
                } else {
                    if self.starts(b"]]>") {
                        return self.err("Sequence ']]>' not allowed in content");
                    }
                    match self.next_char()? {
                        Some(c) => c.to_string(),
                        None => continue,
                    }
                };
                // Adjacent character data forms one text node, as in libxml2.
                if let Some(Node::Text(text, range)) = children.last_mut() {
                    text.push_str(&piece);
                    range.end = self.i;
                } else {
                    children.push(Node::Text(piece, at..self.i));
                }
            }
        }
    }

    /// `<!DOCTYPE ...>`: skipped, but inline `<!ENTITY name "value">` are kept.
    fn doctype(&mut self) -> Result<(), Error> {
        self.has_dtd = true;
        self.i += 9;
        let mut in_subset = false;
        loop {
            match self.b.get(self.i) {
                None => return self.err("DOCTYPE improperly terminated"),
                Some(&q @ (b'"' | b'\'')) => {
                    self.i += 1;
                    while self.b.get(self.i).is_some_and(|&c| c != q) {
                        self.i += 1;
                    }
                    self.i += 1;
                }
                Some(b'[') if !in_subset => {
                    in_subset = true;
                    self.i += 1;
                }
                Some(b']') if in_subset => {
                    in_subset = false;
                    self.i += 1;
                }
                Some(b'>') if !in_subset => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'<') if in_subset && self.starts(b"<!--") => {
                    self.comment()?;
                }
                Some(b'<') if in_subset && self.starts(b"<!ENTITY") => {
                    self.i += 8;
                    self.skip_ws();
                    if self.starts(b"%") {
                        continue;
                    }
                    let (name, _) = self.name()?;
                    self.skip_ws();
                    if matches!(self.b.get(self.i), Some(b'"' | b'\'')) {
                        let value = self.attr_value()?;
                        self.entities.push((name, value));
                    }
                }
                Some(_) => self.i += 1,
            }
        }
    }

    fn misc(&mut self) -> Result<(), Error> {
        loop {
            self.skip_ws();
            if self.starts(b"<!--") {
                self.comment()?;
            } else if self.starts(b"<?") {
                self.pi()?;
            } else {
                return Ok(());
            }
        }
    }

    fn document(&mut self) -> Result<Element, Error> {
        if self.starts(b"\xEF\xBB\xBF") {
            self.i += 3;
        } else if self.starts(b"\xFE\xFF") || self.starts(b"\xFF\xFE") {
            return self.err("UTF-16 documents are not supported by parity");
        }
        if self.starts(b"<?xml")
            && matches!(
                self.b.get(self.i + 5),
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'?')
            )
        {
            let end = self
                .b
                .get(self.i..)
                .and_then(|r| r.windows(2).position(|w| w == b"?>"))
                .map(|p| self.i + p + 2);
            let Some(end) = end else {
                return self.err("XML declaration not finished");
            };
            let decl = String::from_utf8_lossy(self.b.get(self.i..end).unwrap_or_default())
                .to_ascii_lowercase();
            if let Some(enc) = decl.split("encoding").nth(1) {
                let enc: String = enc
                    .chars()
                    .skip_while(|c| matches!(c, ' ' | '=' | '"' | '\''))
                    .take_while(|c| !matches!(c, '"' | '\''))
                    .collect();
                match enc.as_str() {
                    "utf-8" | "utf8" | "us-ascii" | "ascii" => {}
                    "iso-8859-1" | "latin1" | "latin-1" | "iso_8859-1" => self.latin1 = true,
                    other => {
                        return self.err(format!("encoding {other} is not supported by parity"));
                    }
                }
            }
            self.i = end;
        }
        self.misc()?;
        if self.starts(b"<!DOCTYPE") {
            self.doctype()?;
            self.misc()?;
        }
        if self.i >= self.b.len() {
            return self.err("Document is empty");
        }
        if !self.starts(b"<") {
            return self.err("Start tag expected, '<' not found");
        }
        let root = self.element(0)?;
        self.misc()?;
        if self.i < self.b.len() {
            return self.err("Extra content at the end of the document");
        }
        Ok(root)
    }
}

/// Reads the options of an XML text (after magic substitution); `id` is the
/// part after `:` in the file name.
pub(super) fn read(bytes: &[u8], id: Option<&str>) -> RawRead {
    let mut out = RawRead::default();
    let mut p = Parser {
        b: bytes,
        i: 0,
        latin1: false,
        has_dtd: false,
        entities: Vec::new(),
    };
    let root = match p.document() {
        Ok(root) => root,
        Err((r, msg)) => {
            out.problems
                .push((r, format!("could not parse XML: {msg} (uWSGI exits)")));
            return out;
        }
    };
    let element = if root.name == "uwsgi" {
        &root
    } else {
        let found = root.children.iter().find_map(|n| match n {
            Node::Element(e) if e.name == "uwsgi" => match (id, e.attr("id")) {
                (Some(want), Some(have)) if want != have => None,
                _ => Some(e),
            },
            _ => None,
        });
        let Some(found) = found else {
            out.problems.push((
                root.name_range.clone(),
                "invalid xml root element, <uwsgi> expected (uWSGI exits)".into(),
            ));
            return out;
        };
        found
    };
    out.section_found = true;
    for node in &element.children {
        match node {
            Node::CData(text, r) => out.entries.push(RawEntry {
                generated: true,
                key: "eval".into(),
                value: text.clone(),
                key_range: r.clone(),
                value_range: r.clone(),
                range: r.clone(),
            }),
            Node::Element(e) => {
                if let (Some(want), Some(have)) = (id, e.attr("id"))
                    && want != have
                {
                    continue;
                }
                if e.name == "app" {
                    app(e, &mut out);
                    continue;
                }
                let (value, value_range) = match e.children.first() {
                    None => ("1".to_string(), e.range.clone()),
                    Some(first) => match first.content() {
                        Some(v) => (v.to_string(), first.range()),
                        None => {
                            out.problems.push((
                                first.range(),
                                format!(
                                    "the first thing inside <{}> has no text: uWSGI crashes reading it",
                                    e.name
                                ),
                            ));
                            continue;
                        }
                    },
                };
                out.entries.push(RawEntry {
                    generated: false,
                    key: e.name.clone(),
                    value,
                    key_range: e.name_range.clone(),
                    value_range,
                    range: e.range.clone(),
                });
            }
            _ => {}
        }
    }
    out
}

/// `<app mountpoint=... | domain=...>`: a `mount` option then an empty `app`.
fn app(e: &Element, out: &mut RawRead) {
    let mut push = |key: &str, value: String, value_range: Range<usize>| {
        out.entries.push(RawEntry {
            generated: true,
            key: key.into(),
            value,
            key_range: e.name_range.clone(),
            value_range,
            range: e.range.clone(),
        });
    };
    let target = match e.children.as_slice() {
        [] => None,
        [only] if only.content().is_some() => only.content().map(|c| (c, only.range())),
        [_, second, ..] => match second {
            Node::Element(inner) => inner
                .children
                .first()
                .and_then(|n| n.content().map(|c| (c, n.range()))),
            _ => None,
        },
        [_] => {
            return;
        }
    };
    match target {
        Some((app_target, range)) => {
            let value = if let Some(mp) = e.attr("mountpoint") {
                format!("{mp}={app_target}")
            } else if let Some(domain) = e.attr("domain") {
                format!("{domain}|={app_target}")
            } else {
                app_target.to_string()
            };
            push("mount", value, range);
            push("app", String::new(), e.range.clone());
        }
        None if e.children.is_empty() => push("app", String::new(), e.range.clone()),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str, id: Option<&str>) -> Vec<(String, String)> {
        read(text.as_bytes(), id)
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    #[test]
    fn children_of_the_root_are_options() {
        let text = "<?xml version=\"1.0\"?>\n<uwsgi>\n  <socket>:3031</socket>\n  <master/>\n  <harakiri> 30 </harakiri>\n  <!-- c -->\n  <env>A=&lt;b&gt;&#65;</env>\n</uwsgi>\n";
        assert_eq!(
            pairs(text, None),
            vec![
                ("socket".into(), ":3031".into()),
                ("master".into(), "1".into()),
                ("harakiri".into(), " 30 ".into()),
                ("env".into(), "A=<b>A".into()),
            ]
        );
    }

    #[test]
    fn first_child_content_is_the_value() {
        let text =
            "<uwsgi><a><!-- note -->30</a><b>\r\n  x\r\n</b><c><![CDATA[<y>]]></c><d></d></uwsgi>";
        assert_eq!(
            pairs(text, None),
            vec![
                ("a".into(), " note ".into()),
                ("b".into(), "\n  x\n".into()),
                ("c".into(), "<y>".into()),
                ("d".into(), "1".into()),
            ]
        );
        let r = read(b"<uwsgi><a><b>1</b></a></uwsgi>", None);
        assert!(r.entries.is_empty());
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn ids_select_stanzas_and_options() {
        let text = "<all><pippo/><uwsgi id=\"one\"><http>:1</http></uwsgi><uwsgi id=\"two\"><http>:2</http></uwsgi><uwsgi><socket>:3</socket></uwsgi></all>";
        assert_eq!(pairs(text, None), vec![("http".into(), ":1".into())]);
        assert_eq!(pairs(text, Some("two")), vec![("http".into(), ":2".into())]);
        assert_eq!(
            pairs(text, Some("three")),
            vec![("socket".into(), ":3".into())]
        );
        let text = "<uwsgi id=\"x\"><a id=\"p\">1</a><a id=\"q\">2</a><b>3</b></uwsgi>";
        assert_eq!(
            pairs(text, Some("p")),
            vec![("a".into(), "1".into()), ("b".into(), "3".into())]
        );
        assert_eq!(pairs(text, None).len(), 3);
        let r = read(b"<config><x/></config>", None);
        assert!(!r.section_found);
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn app_elements_become_mounts() {
        let text = "<uwsgi>\n<app mountpoint=\"/\">\n  <module>a:b</module>\n</app>\n<app mountpoint=\"/f\">c:d</app>\n<app domain=\"h\">\n<x>e</x></app>\n<app/>\n</uwsgi>";
        assert_eq!(
            pairs(text, None),
            vec![
                ("mount".into(), "/=a:b".into()),
                ("app".into(), String::new()),
                ("mount".into(), "/f=c:d".into()),
                ("app".into(), String::new()),
                ("mount".into(), "h|=e".into()),
                ("app".into(), String::new()),
                ("app".into(), String::new()),
            ]
        );
    }

    #[test]
    fn cdata_in_the_stanza_is_eval() {
        assert_eq!(
            pairs("<uwsgi><![CDATA[print(1)]]></uwsgi>", None),
            vec![("eval".into(), "print(1)".into())]
        );
    }

    #[test]
    fn malformed_documents_are_problems() {
        for bad in [
            "",
            "<uwsgi>",
            "<uwsgi><a></b></uwsgi>",
            "<uwsgi><a>&nope;</a></uwsgi>",
            "<uwsgi><a x='1' x='2'/></uwsgi>",
            "<uwsgi/><extra/>",
            "<uwsgi><!-- a -- b --></uwsgi>",
            "<uwsgi>\u{1}</uwsgi>",
            "<uwsgi><?xml x?></uwsgi>",
            "<uwsgi><a>]]></a></uwsgi>",
            "text",
        ] {
            let r = read(bad.as_bytes(), None);
            assert_eq!(r.problems.len(), 1, "{bad:?}");
            assert!(r.entries.is_empty(), "{bad:?}");
        }
        assert_eq!(read(b"<uwsgi><a>\xff</a></uwsgi>", None).problems.len(), 1);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!(
            "<uwsgi>{}{}</uwsgi>",
            "<a>".repeat(5000),
            "</a>".repeat(5000)
        );
        assert_eq!(read(deep.as_bytes(), None).problems.len(), 1);
    }

    #[test]
    fn dtd_entities() {
        let text = "<!DOCTYPE uwsgi [<!ENTITY t \"42\">]><uwsgi><harakiri>&t;</harakiri><x a=\"&t;\"/></uwsgi>";
        assert_eq!(
            pairs(text, None),
            vec![("harakiri".into(), "42".into()), ("x".into(), "1".into())]
        );
    }

    #[test]
    fn latin1_declaration() {
        let r = read(
            b"<?xml version='1.0' encoding='ISO-8859-1'?><uwsgi><a>\xe9</a></uwsgi>",
            None,
        );
        assert_eq!(r.entries[0].value, "\u{e9}");
    }

    #[test]
    fn ranges_point_at_name_and_text() {
        let text = "<uwsgi>\n  <harakiri>30</harakiri>\n</uwsgi>";
        let r = read(text.as_bytes(), None);
        let e = &r.entries[0];
        assert_eq!(&text[e.key_range.clone()], "harakiri");
        assert_eq!(&text[e.value_range.clone()], "30");
        assert_eq!(&text[e.range.clone()], "<harakiri>30</harakiri>");
    }
}
