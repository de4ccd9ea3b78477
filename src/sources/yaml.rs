//! YAML with exact byte spans: the only module that touches the YAML crate.
//!
//! We build our own tree from `saphyr-parser` events instead of using a loader
//! because we need things no loader gives us: byte offsets (saphyr counts
//! characters), a map from every byte of a scalar's value back to the file
//! (escapes, folding and block indentation make them differ), YAML 1.1 merge
//! keys as docker-compose applies them, tags kept as data (`!reset`, `!Ref`),
//! duplicate keys reported instead of rejected, and alias expansion bounded
//! (billion laughs).
//!
//! Scalars stay strings: deciding whether `30` is a number is the consumer's
//! business (compose, Kubernetes and PyYAML disagree), so we only record the
//! [`Style`] so that `"30"` and `30` can be told apart. The one exception is
//! null (`~`, `null`, empty), which every YAML schema agrees on and which
//! compose gives a meaning (`command: null` keeps the image's CMD).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::diag::Problem;
use crate::span::{FileId, Span};

/// How many nodes alias expansion may create in one file before we stop
/// expanding (same budget as saphyr's loader; defeats "billion laughs").
pub const ALIAS_BUDGET: usize = 100_000;

/// Deepest nesting of collections we build; deeper input becomes a Problem.
pub const MAX_DEPTH: usize = 256;

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block scalar.
    Literal,
    /// `>` block scalar.
    Folded,
}

/// One stretch of a [`Text`]'s value and the source bytes it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece {
    value_start: usize,
    value_end: usize,
    src_start: usize,
    src_end: usize,
    /// The value bytes are a 1:1 copy of the source bytes (same length).
    /// Otherwise every value byte maps to the whole source range (an escape,
    /// a folded line break, a substituted variable).
    exact: bool,
}

/// A string value and an exact map from its bytes back to the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
    /// The whole scalar as written (quotes and block indicator included).
    pub span: Span,
    pub style: Style,
    /// Sorted by value offset and contiguous over `0..value.len()`.
    pieces: Vec<Piece>,
}

impl Text {
    /// A value copied verbatim from `span`. If `value` is not as long as the
    /// span, the value is taken to be derived from it: every sub-range maps to
    /// the whole span.
    #[must_use]
    pub fn new_literal(value: String, span: Span) -> Self {
        let exact = value.len() == span.len();
        let pieces = if value.is_empty() {
            Vec::new()
        } else {
            vec![Piece {
                value_start: 0,
                value_end: value.len(),
                src_start: span.start as usize,
                src_end: span.end as usize,
                exact,
            }]
        };
        Text {
            value,
            span,
            style: Style::Plain,
            pieces,
        }
    }

    /// A value computed from `span` (e.g. a default or a substitution): every
    /// sub-range maps to the whole span.
    #[must_use]
    pub fn new_mapped(value: String, span: Span) -> Self {
        let mut b = TextBuilder::new(span.file);
        b.push_mapped(&value, span);
        b.finish(span, Style::Plain)
    }

    /// The file bytes that produced `value[value_range]`. Exact where the
    /// value is a 1:1 copy of the source; a value byte without one source
    /// character (an escape, a folded line break) maps to the source range it
    /// came from. Out-of-range input is clamped; never panics.
    #[must_use]
    pub fn span_of(&self, value_range: Range<usize>) -> Span {
        let len = self.value.len();
        let start = value_range.start.min(len);
        let end = value_range.end.clamp(start, len);
        let Some(last) = self.pieces.last() else {
            return self.span;
        };
        let src_pos_start = |pos: usize| -> usize {
            match self.piece_at(pos) {
                Some(p) if p.exact => p.src_start + (pos - p.value_start),
                Some(p) => p.src_start,
                None => last.src_end,
            }
        };
        let from = src_pos_start(start);
        if end == start {
            return Span::new(self.span.file, from, from);
        }
        let to = match self.piece_at(end - 1) {
            Some(p) if p.exact => p.src_start + (end - p.value_start),
            Some(p) => p.src_end,
            None => last.src_end,
        };
        Span::new(self.span.file, from, to.max(from))
    }

    /// The piece containing value byte `pos`.
    fn piece_at(&self, pos: usize) -> Option<&Piece> {
        let idx = self.pieces.partition_point(|p| p.value_end <= pos);
        self.pieces
            .get(idx)
            .filter(|p| p.value_start <= pos && pos < p.value_end)
    }

    /// `value[range]` as its own `Text`, keeping the map to the file.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Text {
        let mut b = TextBuilder::new(self.span.file);
        b.push_text(self, range.clone());
        let span = self.span_of(range);
        b.finish(span, self.style)
    }

    /// Checks the map from value to file against the file's text: pieces
    /// cover the value contiguously, stay inside the file, and exact pieces
    /// copy the file's bytes. Used by tests; cheap enough to call anywhere.
    ///
    /// # Errors
    /// A description of the first inconsistency.
    pub fn verify_against(&self, source: &str) -> Result<(), String> {
        let mut next = 0;
        for p in &self.pieces {
            if p.value_start != next || p.value_end <= p.value_start {
                return Err(format!("piece {p:?} does not continue at {next}"));
            }
            if p.src_start > p.src_end || p.src_end > source.len() {
                return Err(format!("piece {p:?} outside the file"));
            }
            if p.exact {
                let v = self.value.as_bytes().get(p.value_start..p.value_end);
                let s = source.as_bytes().get(p.src_start..p.src_end);
                if v != s {
                    return Err(format!("exact piece {p:?} differs from the file"));
                }
            }
            next = p.value_end;
        }
        if next != self.value.len() && !self.pieces.is_empty() {
            return Err(format!(
                "pieces end at {next}, value is {} bytes",
                self.value.len()
            ));
        }
        Ok(())
    }

    /// True when every byte of the value is a 1:1 copy of the file (no
    /// escapes, folding or substitutions).
    #[must_use]
    pub fn is_verbatim(&self) -> bool {
        self.pieces.iter().all(|p| p.exact)
    }
}

/// Builds a [`Text`] piece by piece, for sources that transform text
/// (compose interpolation, Dockerfile line continuations, shell splitting).
#[derive(Debug)]
pub struct TextBuilder {
    file: FileId,
    value: String,
    pieces: Vec<Piece>,
}

impl TextBuilder {
    /// An empty builder for text of `file`.
    #[must_use]
    pub fn new(file: FileId) -> Self {
        TextBuilder {
            file,
            value: String::new(),
            pieces: Vec::new(),
        }
    }

    /// Appends `s`, which is written verbatim in the file at byte `src_start`.
    pub fn push_exact(&mut self, s: &str, src_start: usize) {
        self.push_piece(s, src_start, src_start + s.len(), true);
    }

    /// Appends `s`, which was derived from the file bytes in `src`.
    pub fn push_mapped(&mut self, s: &str, src: Span) {
        self.push_piece(s, src.start as usize, src.end as usize, false);
    }

    /// Appends `text.value[range]` with its map to the file.
    pub fn push_text(&mut self, text: &Text, range: Range<usize>) {
        let len = text.value.len();
        let start = range.start.min(len);
        let end = range.end.clamp(start, len);
        let Some(part) = text.value.get(start..end) else {
            // Not on a char boundary: keep the value, map it coarsely.
            let lossy = String::from_utf8_lossy(&text.value.as_bytes()[start..end]).into_owned();
            let span = text.span_of(start..end);
            self.push_mapped(&lossy, span);
            return;
        };
        if text.pieces.is_empty() {
            self.push_mapped(part, text.span);
            return;
        }
        for p in &text.pieces {
            let a = p.value_start.max(start);
            let b = p.value_end.min(end);
            if a >= b {
                continue;
            }
            let Some(chunk) = text.value.get(a..b) else {
                let span = text.span_of(a..b);
                let lossy = String::from_utf8_lossy(&text.value.as_bytes()[a..b]).into_owned();
                self.push_mapped(&lossy, span);
                continue;
            };
            if p.exact {
                self.push_exact(chunk, p.src_start + (a - p.value_start));
            } else {
                self.push_piece(chunk, p.src_start, p.src_end, false);
            }
        }
    }

    fn push_piece(&mut self, s: &str, src_start: usize, src_end: usize, exact: bool) {
        if s.is_empty() {
            return;
        }
        let value_start = self.value.len();
        self.value.push_str(s);
        let value_end = self.value.len();
        push_merged(
            &mut self.pieces,
            Piece {
                value_start,
                value_end,
                src_start,
                src_end,
                exact,
            },
        );
    }

    /// The value built so far.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The built text; `span` is the whole value's span, shown when the
    /// value as a whole is reported.
    #[must_use]
    pub fn finish(self, span: Span, style: Style) -> Text {
        debug_assert_eq!(self.file, span.file);
        Text {
            value: self.value,
            span,
            style,
            pieces: self.pieces,
        }
    }
}

/// Appends a piece, merging it into the previous one when both are exact and
/// contiguous in value and source.
fn push_merged(pieces: &mut Vec<Piece>, p: Piece) {
    if let Some(last) = pieces.last_mut()
        && last.exact
        && p.exact
        && last.value_end == p.value_start
        && last.src_end == p.src_start
    {
        last.value_end = p.value_end;
        last.src_end = p.src_end;
        return;
    }
    pieces.push(p);
}

/// A YAML node with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Where the node is written; for an alias (`*x`), the alias itself.
    pub span: Span,
    /// `!reset`, `!override`, `!Ref`, `!!str`... as written (`!!` for the
    /// core schema, `!<...>` for verbatim tags).
    pub tag: Option<String>,
    /// Set when this node came from an alias: the span of the `*x` that
    /// brought it here. Children of an alias keep the anchor's spans; values
    /// merged in by `<<: *x` carry the span of that `*x`.
    pub anchor_use: Option<Span>,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Scalar(Text),
    Seq(Vec<Node>),
    /// Keys are unique (duplicates were reported and the last kept) and
    /// merge keys have been applied.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value of the first entry whose key is the scalar `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The entry whose key is the scalar `key`.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.as_map()?.iter().find(|(k, _)| k.as_str() == Some(key))
    }

    /// The span of the key `key` in this mapping.
    #[must_use]
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entry(key).map(|(k, _)| k.span)
    }

    /// A scalar's value.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.as_text().map(|t| t.value.as_str())
    }

    /// A scalar's value with its map to the file.
    #[must_use]
    pub fn as_text(&self) -> Option<&Text> {
        match &self.kind {
            NodeKind::Scalar(t) => Some(t),
            _ => None,
        }
    }

    /// A sequence's items.
    #[must_use]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// A mapping's entries, in file order (merged entries where the `<<` was).
    #[must_use]
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// `~`, `null`, or nothing written.
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    fn null(span: Span) -> Node {
        Node {
            kind: NodeKind::Null,
            span,
            tag: None,
            anchor_use: None,
        }
    }
}

/// Every document of a YAML stream, and what went wrong reading it.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlDocs {
    pub docs: Vec<Node>,
    pub problems: Vec<Problem>,
}

/// Parses a YAML stream. Never panics; a syntax error becomes a Problem and
/// the documents completed before it are kept.
#[must_use]
pub fn parse(file: FileId, text: &str) -> YamlDocs {
    // libyaml (hence docker compose, kubectl, PyYAML) does not check
    // indentation inside flow collections; saphyr follows the YAML 1.2 spec
    // and rejects e.g. a closing `]` written at the column of its key. Such
    // files are common, so on saphyr's "invalid indentation" (which it only
    // raises inside flow collections, where indentation means nothing) we
    // indent that line a little more and parse again, then map every span
    // back to the original text.
    let mut shift = Shift::default();
    loop {
        let patched = shift.apply(text);
        let (mut docs, error) = parse_once(file, &patched);
        if let Some((at, info)) = &error
            && info == "invalid indentation"
            && shift.retries < MAX_REINDENT
            && shift.retries.saturating_mul(text.len()) < REINDENT_WORK
            && starts_line(&patched, *at)
        {
            shift.indent_more(shift.to_original(*at));
            continue;
        }
        if let Some((at, info)) = error {
            let at = shift.to_original(at);
            let end = text
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .map_or(at, |c| at + c.len_utf8());
            docs.problems.push(Problem::parse(
                Span::new(file, at, end),
                format!("YAML syntax error: {info}"),
            ));
        }
        if !shift.is_empty() {
            shift.remap_docs(&mut docs);
        }
        return docs;
    }
}

/// How many times [`parse`] re-indents a flow line before giving up, and
/// how many bytes it may parse again in total doing so.
const MAX_REINDENT: usize = 400;
const REINDENT_WORK: usize = 64 << 20;

/// One pass of the parser over `text`: the documents, and the position (byte)
/// and message of the syntax error that stopped it.
fn parse_once(file: FileId, text: &str) -> (YamlDocs, Option<(usize, String)>) {
    let mut builder = TreeBuilder::new(file, text);
    let mut parser = Parser::new_from_str(text);
    let mut error = None;
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let start = builder.offsets.byte(span.start.index());
                let end = builder.offsets.byte(span.end.index());
                builder.on_event(event, start, end);
            }
            Err(err) => {
                let at = builder.offsets.byte(err.marker().index());
                error = Some((at, err.info().to_owned()));
                break;
            }
        }
    }
    let docs = YamlDocs {
        docs: builder.docs,
        problems: builder.problems,
    };
    (docs, error)
}

/// True when only spaces precede byte `at` on its line.
fn starts_line(text: &str, at: usize) -> bool {
    let Some(before) = text.get(..at) else {
        return false;
    };
    let line = before.rsplit('\n').next().unwrap_or(before);
    line.bytes().all(|b| b == b' ')
}

/// Spaces inserted into the text (see [`parse`]) and the map back.
#[derive(Default)]
struct Shift {
    /// `(original byte offset, spaces inserted there)`, sorted by offset.
    inserts: Vec<(usize, usize)>,
    retries: usize,
}

impl Shift {
    fn is_empty(&self) -> bool {
        self.inserts.is_empty()
    }

    fn apply<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if self.inserts.is_empty() {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 64);
        let mut last = 0;
        for &(pos, n) in &self.inserts {
            out.push_str(&text[last..pos]);
            out.extend(std::iter::repeat_n(' ', n));
            last = pos;
        }
        out.push_str(&text[last..]);
        std::borrow::Cow::Owned(out)
    }

    /// Indents the line at original offset `pos` further: one space the
    /// first time, doubling on each retry of the same line.
    fn indent_more(&mut self, pos: usize) {
        self.retries += 1;
        match self.inserts.iter_mut().find(|(p, _)| *p == pos) {
            Some((_, n)) => *n *= 2,
            None => {
                self.inserts.push((pos, 1));
                self.inserts.sort_unstable();
            }
        }
    }

    /// Maps a byte offset of the patched text back to the original; an
    /// inserted space maps to where it was inserted.
    fn to_original(&self, patched: usize) -> usize {
        let mut added = 0;
        for &(pos, n) in &self.inserts {
            let start = pos + added;
            if patched < start {
                break;
            }
            if patched < start + n {
                return pos;
            }
            added += n;
        }
        patched - added
    }

    fn span(&self, span: Span) -> Span {
        Span::new(
            span.file,
            self.to_original(span.start as usize),
            self.to_original(span.end as usize),
        )
    }

    fn remap_docs(&self, docs: &mut YamlDocs) {
        for doc in &mut docs.docs {
            self.remap_node(doc);
        }
        for p in &mut docs.problems {
            p.span = p.span.map(|s| self.span(s));
        }
    }

    fn remap_node(&self, node: &mut Node) {
        node.span = self.span(node.span);
        node.anchor_use = node.anchor_use.map(|s| self.span(s));
        match &mut node.kind {
            NodeKind::Null => {}
            NodeKind::Scalar(t) => {
                t.span = self.span(t.span);
                for p in &mut t.pieces {
                    p.src_start = self.to_original(p.src_start);
                    p.src_end = self.to_original(p.src_end);
                    if p.src_end - p.src_start != p.value_end - p.value_start {
                        p.exact = false;
                    }
                }
            }
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| self.remap_node(n)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                self.remap_node(k);
                self.remap_node(v);
            }),
        }
    }
}

/// Converts saphyr's character indices to byte offsets.
struct CharOffsets {
    /// Byte offset of each char index; empty when the text is ASCII.
    table: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        CharOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Seq,
    Map,
}

/// A collection being built.
struct Frame {
    kind: FrameKind,
    anchor: usize,
    tag: Option<String>,
    /// Byte offset where the collection's content starts (after properties).
    start: usize,
    children: Vec<Node>,
    /// Height of the tallest child (to bound the tree's depth).
    child_height: usize,
}

/// An anchored node and what expanding it costs.
struct Anchored {
    node: Node,
    size: usize,
    height: usize,
}

struct TreeBuilder<'t> {
    file: FileId,
    text: &'t str,
    offsets: CharOffsets,
    stack: Vec<Frame>,
    /// >0 while skipping a subtree nested deeper than `MAX_DEPTH`.
    skip_depth: usize,
    skip_start: usize,
    anchors: HashMap<usize, Anchored>,
    alias_nodes: usize,
    budget_reported: bool,
    /// Use sites of aliases replaced by null (already reported).
    unexpanded: HashSet<Span>,
    root: Option<Node>,
    docs: Vec<Node>,
    problems: Vec<Problem>,
}

impl<'t> TreeBuilder<'t> {
    fn new(file: FileId, text: &'t str) -> Self {
        TreeBuilder {
            file,
            text,
            offsets: CharOffsets::new(text),
            stack: Vec::new(),
            skip_depth: 0,
            skip_start: 0,
            anchors: HashMap::new(),
            alias_nodes: 0,
            budget_reported: false,
            unexpanded: HashSet::new(),
            root: None,
            docs: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn on_event(&mut self, event: Event<'_>, start: usize, end: usize) {
        if self.skip_depth > 0 {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skip_depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.skip_depth -= 1;
                    if self.skip_depth == 0 {
                        let span = self.span(self.skip_start, end);
                        self.add(Node::null(span), 0, 1);
                    }
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = self.root.take() {
                    self.docs.push(root);
                }
                self.stack.clear();
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = self.scalar(&value, style, anchor, tag.as_deref(), start, end);
                self.add(node, anchor, 1);
            }
            Event::Alias(id) => self.alias(id, start, end),
            Event::SequenceStart(anchor, tag) => {
                self.open(FrameKind::Seq, anchor, tag.as_deref(), start, end);
            }
            Event::MappingStart(anchor, tag) => {
                self.open(FrameKind::Map, anchor, tag.as_deref(), start, end);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                // Flow collections end on a visible `]`/`}`; block ones end
                // where their last child ends (not at trailing comments).
                let last_child_end = frame
                    .children
                    .iter()
                    .filter(|c| c.span.start as usize >= frame.start)
                    .map(|c| c.span.end as usize)
                    .max()
                    .unwrap_or(frame.start);
                let flow = matches!(self.text.as_bytes().get(frame.start), Some(b'[' | b'{'));
                let close = match self.text.as_bytes().get(start) {
                    _ if !flow => last_child_end,
                    // The end event's span can run on over a trailing comment.
                    Some(b']' | b'}') => start + 1,
                    _ => end,
                };
                let span = self.span(frame.start, close.max(frame.start));
                let height = frame.child_height + 1;
                let kind = match frame.kind {
                    FrameKind::Seq => NodeKind::Seq(frame.children),
                    FrameKind::Map => NodeKind::Map(self.build_map(frame.children)),
                };
                let node = Node {
                    kind,
                    span,
                    tag: frame.tag,
                    anchor_use: None,
                };
                self.add(node, frame.anchor, height);
            }
        }
    }

    /// Starts a collection (or skips it when nested too deep).
    fn open(
        &mut self,
        kind: FrameKind,
        anchor: usize,
        tag: Option<&Tag>,
        start: usize,
        end: usize,
    ) {
        let content = if anchor != 0 || tag.is_some() {
            skip_properties(self.text, start, end)
        } else {
            start
        };
        if self.stack.len() >= MAX_DEPTH {
            self.problems.push(Problem::parse(
                self.span(content, end.max(content)),
                format!("YAML nested deeper than {MAX_DEPTH} levels; the rest is ignored"),
            ));
            self.skip_depth = 1;
            self.skip_start = content;
            return;
        }
        self.stack.push(Frame {
            kind,
            anchor,
            tag: tag.map(format_tag),
            start: content,
            children: Vec::new(),
            child_height: 0,
        });
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn add(&mut self, node: Node, anchor: usize, height: usize) {
        if anchor != 0 {
            let size = count_nodes(&node);
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size,
                    height,
                },
            );
        }
        match self.stack.last_mut() {
            Some(frame) => {
                frame.child_height = frame.child_height.max(height);
                frame.children.push(node);
            }
            None => self.root = Some(node),
        }
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) {
        let use_site = self.span(start, end);
        let Some(anchored) = self.anchors.get(&id) else {
            // The parser rejects unknown anchors, so this is an alias used
            // inside the node it names (`&a [*a]`).
            self.problems.push(Problem::parse(
                use_site,
                "alias refers to the node that contains it (recursive alias)",
            ));
            self.unexpanded.insert(use_site);
            self.add(Node::null(use_site), 0, 1);
            return;
        };
        if self.stack.len() + anchored.height > MAX_DEPTH + 1 {
            self.problems.push(Problem::parse(
                use_site,
                format!("alias expands deeper than {MAX_DEPTH} levels; not expanded"),
            ));
            self.unexpanded.insert(use_site);
            self.add(Node::null(use_site), 0, 1);
            return;
        }
        if self.alias_nodes + anchored.size > ALIAS_BUDGET {
            if !self.budget_reported {
                self.budget_reported = true;
                self.problems.push(Problem::parse(
                    use_site,
                    format!(
                        "aliases expand to more than {ALIAS_BUDGET} nodes (possible \"billion laughs\"); \
                         further aliases are not expanded"
                    ),
                ));
            }
            self.unexpanded.insert(use_site);
            self.add(Node::null(use_site), 0, 1);
            return;
        }
        self.alias_nodes += anchored.size;
        let height = anchored.height;
        let mut node = anchored.node.clone();
        node.span = use_site;
        node.anchor_use = Some(use_site);
        self.add(node, 0, height);
    }

    fn scalar(
        &mut self,
        value: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        start: usize,
        end: usize,
    ) -> Node {
        let tag = tag.map(format_tag);
        let content = if anchor != 0 || tag.is_some() {
            skip_properties(self.text, start, end)
        } else {
            start
        };
        // A core-schema tag (`!!str`) decides the type; a local tag
        // (`!reset`) leaves a plain null a null, which is how compose reads
        // `key: !reset` and `key: !reset null`.
        let is_null = match tag.as_deref() {
            Some("!!null") => true,
            Some(t) if t.starts_with("!!") || t.starts_with("!<") => false,
            _ => {
                style == ScalarStyle::Plain && matches!(value, "" | "~" | "null" | "Null" | "NULL")
            }
        };
        if is_null {
            // An empty scalar's event span can sit on a neighbouring token.
            let end = if value.is_empty() { content } else { end };
            return Node {
                kind: NodeKind::Null,
                span: self.span(content, end.max(content)),
                tag,
                anchor_use: None,
            };
        }
        let text = build_text(
            self.file,
            self.text,
            value,
            style,
            content,
            end.max(content),
        );
        Node {
            span: text.span,
            kind: NodeKind::Scalar(text),
            tag,
            anchor_use: None,
        }
    }

    /// Pairs up a mapping's children, applies merge keys and resolves
    /// duplicate keys.
    fn build_map(&mut self, children: Vec<Node>) -> Vec<(Node, Node)> {
        let mut pairs = Vec::with_capacity(children.len() / 2);
        let mut it = children.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        let explicit: HashSet<String> = pairs
            .iter()
            .filter(|(k, _)| !is_merge_key(k))
            .filter_map(|(k, _)| k.as_str().map(str::to_owned))
            .collect();
        let mut out: Vec<(Node, Node)> = Vec::with_capacity(pairs.len());
        // Index in `out` of each scalar key.
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut merged: HashSet<String> = HashSet::new();
        for (k, v) in pairs {
            if is_merge_key(&k) {
                self.merge_into(v, &explicit, &mut merged, &mut index, &mut out);
                continue;
            }
            match k.as_str().map(str::to_owned) {
                Some(name) => {
                    if let Some(&i) = index.get(&name) {
                        self.problems.push(Problem::parse(
                            k.span,
                            format!(
                                "duplicate key {name:?} in mapping; the last value is used \
                                 (docker compose and kubectl reject this file)"
                            ),
                        ));
                        if let Some(slot) = out.get_mut(i) {
                            *slot = (k, v);
                        }
                    } else {
                        index.insert(name, out.len());
                        out.push((k, v));
                    }
                }
                None => out.push((k, v)),
            }
        }
        out
    }

    /// Applies one `<<` entry: YAML 1.1 merge, as docker compose does it.
    /// Keys written in the mapping win over merged ones; among merge
    /// sources, earlier ones win.
    fn merge_into(
        &mut self,
        value: Node,
        explicit: &HashSet<String>,
        merged: &mut HashSet<String>,
        index: &mut HashMap<String, usize>,
        out: &mut Vec<(Node, Node)>,
    ) {
        let sources = match value.kind {
            NodeKind::Map(_) => vec![value],
            NodeKind::Seq(items) => items,
            // An alias that was not expanded (budget, recursion) was reported already.
            NodeKind::Null if self.unexpanded.contains(&value.span) => return,
            _ => {
                self.problems.push(Problem::parse(
                    value.span,
                    "merge key `<<` needs a mapping or a list of mappings",
                ));
                return;
            }
        };
        for source in sources {
            let use_site = source.anchor_use;
            let NodeKind::Map(entries) = source.kind else {
                if self.unexpanded.contains(&source.span) {
                    continue;
                }
                self.problems.push(Problem::parse(
                    source.span,
                    "merge key `<<` needs a mapping or a list of mappings",
                ));
                continue;
            };
            for (k, mut v) in entries {
                if let Some(name) = k.as_str() {
                    if explicit.contains(name) || merged.contains(name) {
                        continue;
                    }
                    merged.insert(name.to_owned());
                    index.insert(name.to_owned(), out.len());
                }
                if v.anchor_use.is_none() {
                    v.anchor_use = use_site;
                }
                out.push((k, v));
            }
        }
    }
}

/// `<<` written plain (a quoted `"<<"` is an ordinary key).
fn is_merge_key(k: &Node) -> bool {
    match (&k.kind, k.tag.as_deref()) {
        (NodeKind::Scalar(t), None) => t.style == Style::Plain && t.value == "<<",
        (NodeKind::Scalar(t), Some("!!merge")) => t.value == "<<",
        _ => false,
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Null | NodeKind::Scalar(_) => 1,
        NodeKind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        NodeKind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

fn format_tag(tag: &Tag) -> String {
    match tag.handle.as_str() {
        "!" => format!("!{}", tag.suffix),
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
        "" => format!("!<{}>", tag.suffix),
        handle => format!("{handle}{}", tag.suffix),
    }
}

/// Skips node properties (`&anchor`, `!tag`, whitespace, comments) at the
/// start of an event span; returns where the content starts.
fn skip_properties(text: &str, start: usize, end: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    while i < end {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'&') => {
                while i < end && !matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n') | None) {
                    i += 1;
                }
            }
            Some(b'!') => {
                if b.get(i + 1) == Some(&b'<') {
                    while i < end && b.get(i) != Some(&b'>') {
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < end
                        && !matches!(
                            b.get(i),
                            Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}')
                                | None
                        )
                    {
                        i += 1;
                    }
                }
            }
            Some(b'#') => {
                while i < end && !matches!(b.get(i), Some(b'\n') | None) {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    // Only ever move to a char boundary.
    let mut i = i.min(end).min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Builds the `Text` of a scalar whose content (after properties) spans
/// `start..end` in `text` and whose parsed value is `value`.
fn build_text(
    file: FileId,
    text: &str,
    value: &str,
    style: ScalarStyle,
    start: usize,
    end: usize,
) -> Text {
    let b = text.as_bytes();
    let (style, span, src, mode) = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let single = style == ScalarStyle::SingleQuoted;
            let quote = if single { b'\'' } else { b'"' };
            let inner_start = if b.get(start) == Some(&quote) {
                start + 1
            } else {
                start
            };
            let inner_end = if end > inner_start && b.get(end - 1) == Some(&quote) {
                end - 1
            } else {
                end
            };
            let (style, mode) = if single {
                (Style::SingleQuoted, Mode::Single)
            } else {
                (Style::DoubleQuoted, Mode::Double)
            };
            (
                style,
                Span::new(file, start, end),
                inner_start..inner_end,
                mode,
            )
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let style = if style == ScalarStyle::Literal {
                Style::Literal
            } else {
                Style::Folded
            };
            let (indicator, content) = block_header(text, start);
            let trimmed_end = text[..end.min(text.len())]
                .trim_end_matches([' ', '\t', '\r', '\n'])
                .len()
                .max(indicator);
            (
                style,
                Span::new(file, indicator, trimmed_end),
                content..end.max(content),
                Mode::Block,
            )
        }
        ScalarStyle::Plain => (
            Style::Plain,
            Span::new(file, start, end),
            start..end,
            Mode::Plain,
        ),
    };
    let pieces = align(value, text, src, mode);
    Text {
        value: value.to_owned(),
        span,
        style,
        pieces,
    }
}

/// Finds a block scalar's indicator (`|`, `>`) and the offset where its
/// content lines begin (the line after the header). saphyr's span starts at
/// the indicator when the scalar has properties, else at the first non-blank
/// content line, so the header is then the last non-blank line before it.
fn block_header(text: &str, start: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let start = start.min(b.len());
    let line_start_of = |pos: usize| text[..pos].rfind('\n').map_or(0, |i| i + 1);
    if matches!(b.get(start), Some(b'|' | b'>')) {
        let line_end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        return (start, line_end);
    }
    let mut line_start = line_start_of(start);
    while line_start > 0 {
        let prev_end = line_start - 1;
        let prev_start = line_start_of(prev_end);
        let line = &text[prev_start..prev_end];
        if line.trim().is_empty() {
            line_start = prev_start;
            continue;
        }
        if let Some(ind) = find_indicator(line.as_bytes()) {
            return (prev_start + ind, line_start);
        }
        break;
    }
    (start, line_start_of(start))
}

/// Position of a block scalar header (`|` or `>`, then up to two
/// indentation/chomping characters, then only a comment) in one line.
fn find_indicator(line: &[u8]) -> Option<usize> {
    (0..line.len()).find(|&i| {
        if !matches!(line.get(i), Some(b'|' | b'>')) {
            return false;
        }
        if i > 0 && !matches!(line.get(i - 1), Some(b' ' | b'\t')) {
            return false;
        }
        let mut j = i + 1;
        while j < line.len() && j <= i + 2 && matches!(line.get(j), Some(b'0'..=b'9' | b'+' | b'-'))
        {
            j += 1;
        }
        let rest = &line[j..];
        let rest = rest.trim_ascii();
        rest.is_empty() || rest.first() == Some(&b'#')
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Single,
    Double,
    Block,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Maps each byte of `value` to the source bytes in `src` it came from by
/// walking both together. Characters that are copied match exactly;
/// whitespace runs (folding, indentation) are aligned by [`align_space`];
/// escapes map to their source. Whatever cannot be aligned maps to the rest
/// of the source range, so the result always covers the whole value.
fn align(value: &str, text: &str, src: Range<usize>, mode: Mode) -> Vec<Piece> {
    let v = value.as_bytes();
    let t = text.as_bytes();
    let src_end = src.end.min(t.len());
    let mut pieces = Vec::new();
    let mut i = 0;
    let mut s = src.start.min(src_end);
    while i < v.len() && s < src_end {
        let c = t[s];
        if mode == Mode::Double && c == b'\\' {
            match decode_escape(&t[s..src_end]) {
                Escape::LineBreak(len) => {
                    s += len;
                    continue;
                }
                Escape::Char(ch, len) => {
                    let mut buf = [0u8; 4];
                    let enc = ch.encode_utf8(&mut buf).as_bytes();
                    if v[i..].starts_with(enc) {
                        push_merged(&mut pieces, piece(i, i + enc.len(), s, s + len, false));
                        i += enc.len();
                        s += len;
                        continue;
                    }
                    break;
                }
                Escape::Invalid => break,
            }
        }
        if mode == Mode::Single && c == b'\'' && t.get(s + 1) == Some(&b'\'') && v[i] == b'\'' {
            push_merged(&mut pieces, piece(i, i + 1, s, s + 2, false));
            i += 1;
            s += 2;
            continue;
        }
        if is_space(c) || is_space(v[i]) {
            let r_len = t[s..src_end].iter().take_while(|&&b| is_space(b)).count();
            if r_len == 0 {
                break;
            }
            let w_len = v[i..]
                .iter()
                .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\n'))
                .count();
            align_space(&v[i..i + w_len], i, &t[s..s + r_len], s, &mut pieces);
            i += w_len;
            s += r_len;
            continue;
        }
        if c == v[i] {
            push_merged(&mut pieces, piece(i, i + 1, s, s + 1, true));
            i += 1;
            s += 1;
            continue;
        }
        break;
    }
    if i < v.len() {
        // Could not follow the source any further: the rest of the value
        // maps to the rest of the source range.
        let s = s.min(src_end);
        push_merged(&mut pieces, piece(i, v.len(), s, src_end, false));
    }
    pieces
}

fn piece(
    value_start: usize,
    value_end: usize,
    src_start: usize,
    src_end: usize,
    exact: bool,
) -> Piece {
    Piece {
        value_start,
        value_end,
        src_start,
        src_end,
        exact,
    }
}

/// Aligns a whitespace run of the value (`w`, at value offset `vi`) with a
/// whitespace run of the source (`r`, at byte `si`).
fn align_space(w: &[u8], vi: usize, r: &[u8], si: usize, pieces: &mut Vec<Piece>) {
    if w.is_empty() {
        return;
    }
    if w == r {
        push_merged(pieces, piece(vi, vi + w.len(), si, si + r.len(), true));
        return;
    }
    let w_breaks = w.contains(&b'\n');
    let r_breaks = r.iter().any(|&b| b == b'\n' || b == b'\r');
    if !w_breaks && r_breaks {
        // Line folding: the value's space (or nothing) stands for the break.
        push_merged(pieces, piece(vi, vi + w.len(), si, si + r.len(), false));
        return;
    }
    // Indentation kept in the value is the end of the source run.
    let mut q = 0;
    while q < w.len()
        && q < r.len()
        && w[w.len() - 1 - q] == r[r.len() - 1 - q]
        && w[w.len() - 1 - q] != b'\n'
    {
        q += 1;
    }
    let w_head = &w[..w.len() - q];
    let r_head_len = r.len() - q;
    let mut pos = 0;
    for (j, &ch) in w_head.iter().enumerate() {
        match r[pos..r_head_len].iter().position(|&b| b == ch) {
            Some(k) => {
                let at = pos + k;
                push_merged(
                    pieces,
                    piece(vi + j, vi + j + 1, si + at, si + at + 1, true),
                );
                pos = at + 1;
            }
            None => {
                push_merged(
                    pieces,
                    piece(vi + j, vi + j + 1, si + pos, si + r_head_len, false),
                );
            }
        }
    }
    if q > 0 {
        push_merged(
            pieces,
            piece(
                vi + w_head.len(),
                vi + w.len(),
                si + r_head_len,
                si + r.len(),
                true,
            ),
        );
    }
}

enum Escape {
    /// The character and the escape's length in the source.
    Char(char, usize),
    /// `\` at the end of a line: joins lines without a space.
    LineBreak(usize),
    Invalid,
}

/// Decodes one double-quoted escape at the start of `s` (which starts with `\`).
fn decode_escape(s: &[u8]) -> Escape {
    let Some(&e) = s.get(1) else {
        return Escape::Invalid;
    };
    let simple = match e {
        b'0' => Some('\0'),
        b'a' => Some('\u{7}'),
        b'b' => Some('\u{8}'),
        b't' | b'\t' => Some('\t'),
        b'n' => Some('\n'),
        b'v' => Some('\u{b}'),
        b'f' => Some('\u{c}'),
        b'r' => Some('\r'),
        b'e' => Some('\u{1b}'),
        b' ' => Some(' '),
        b'"' => Some('"'),
        b'/' => Some('/'),
        b'\\' => Some('\\'),
        b'N' => Some('\u{85}'),
        b'_' => Some('\u{a0}'),
        b'L' => Some('\u{2028}'),
        b'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Escape::Char(ch, 2);
    }
    let digits = match e {
        b'\n' => return Escape::LineBreak(2),
        b'\r' => return Escape::LineBreak(if s.get(2) == Some(&b'\n') { 3 } else { 2 }),
        b'x' => 2,
        b'u' => 4,
        b'U' => 8,
        _ => return Escape::Invalid,
    };
    let Some(hex) = s.get(2..2 + digits) else {
        return Escape::Invalid;
    };
    let code = std::str::from_utf8(hex)
        .ok()
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .and_then(char::from_u32);
    match code {
        Some(ch) => Escape::Char(ch, 2 + digits),
        None => Escape::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(0);

    fn one(src: &str) -> Node {
        let docs = parse(F, src);
        assert!(docs.problems.is_empty(), "{:?}", docs.problems);
        assert_eq!(docs.docs.len(), 1);
        docs.docs.into_iter().next().unwrap()
    }

    fn at(src: &str, span: Span) -> &str {
        &src[span.range()]
    }

    #[test]
    fn text_constructors_and_builder() {
        let src = "say hello world";
        let exact = Text::new_literal("hello".into(), Span::new(F, 4, 9));
        assert!(exact.is_verbatim());
        assert_eq!(at(src, exact.span_of(1..3)), "el");
        let mapped = Text::new_mapped("30".into(), Span::new(F, 10, 15));
        assert!(!mapped.is_verbatim());
        assert_eq!(at(src, mapped.span_of(0..1)), "world");

        let mut b = TextBuilder::new(F);
        b.push_exact("say ", 0);
        b.push_text(&exact, 0..5);
        b.push_mapped("=", Span::new(F, 9, 10));
        b.push_text(&mapped, 0..2);
        assert_eq!(b.value(), "say hello=30");
        let t = b.finish(Span::new(F, 0, 15), Style::Plain);
        assert_eq!(at(src, t.span_of(0..9)), "say hello");
        assert_eq!(at(src, t.span_of(9..10)), " ");
        assert_eq!(at(src, t.span_of(10..12)), "world");
        assert_eq!(at(src, t.span_of(6..11)), "llo world");
        t.verify_against(src).unwrap();
        let s = t.slice(4..9);
        assert_eq!(s.value, "hello");
        assert_eq!(at(src, s.span), "hello");
        assert_eq!(at(src, s.span_of(0..1)), "h");
        // Out-of-range and empty ranges are clamped, never a panic.
        assert_eq!(t.span_of(50..60), Span::new(F, 15, 15));
        let (from, to) = (5, 2);
        assert_eq!(t.span_of(from..to), Span::new(F, 5, 5));
    }

    #[test]
    fn plain_scalar_spans_are_bytes() {
        let src = "é: ü\nk: v\n";
        let doc = one(src);
        let v = doc.get("k").unwrap();
        assert_eq!(at(src, v.span), "v");
        assert_eq!(at(src, doc.key_span("k").unwrap()), "k");
        assert_eq!(at(src, doc.get("é").unwrap().span), "ü");
    }

    #[test]
    fn span_of_plain_multiline() {
        let src = "k: gunicorn\n  --timeout 30\n";
        let doc = one(src);
        let t = doc.get("k").unwrap().as_text().unwrap();
        assert_eq!(t.value, "gunicorn --timeout 30");
        let i = t.value.find("30").unwrap();
        assert_eq!(at(src, t.span_of(i..i + 2)), "30");
        // The folded space maps to the line break it replaced.
        assert_eq!(at(src, t.span_of(8..9)), "\n  ");
    }

    #[test]
    fn span_of_quoted() {
        let src = "a: 'it''s 30'\nb: \"t\\tx 40\"\n";
        let doc = one(src);
        let a = doc.get("a").unwrap().as_text().unwrap();
        assert_eq!(a.value, "it's 30");
        assert_eq!(a.style, Style::SingleQuoted);
        assert_eq!(at(src, a.span), "'it''s 30'");
        assert_eq!(at(src, a.span_of(2..3)), "''");
        assert_eq!(at(src, a.span_of(5..7)), "30");
        let b = doc.get("b").unwrap().as_text().unwrap();
        assert_eq!(b.value, "t\tx 40");
        assert_eq!(at(src, b.span_of(1..2)), "\\t");
        assert_eq!(at(src, b.span_of(4..6)), "40");
        assert_eq!(at(src, b.span_of(0..6)), "t\\tx 40");
    }
}
