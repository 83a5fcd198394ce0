//! The formatter: one canonical layout for `.gati` files, what `gatic fmt`
//! writes.
//!
//! The layout is computed from pest's parse tree of the whole file rather
//! than from the AST. The tree holds every token in source order, and the
//! text between a rule's children holds its punctuation and its comments,
//! which the AST drops. Each comment stays where it was among the tokens:
//! on a line of its own above what follows it, at the end of the line it
//! ended, or between two tokens. The rules themselves are documented in
//! `specs/README.md` ("Formatting").
//!
//! The formatter knows the grammar only by its blocks (which rules hold
//! `{ … }` with one entry per line) and a few spacing rules, so syntax added
//! to `gati.pest` is laid out without changes here.
//!
//! Formatting never changes what a file means. [`format`] refuses a file
//! that does not parse, and checks its own output before returning it: the
//! output must parse to the same syntax tree (spans aside) and hold the same
//! comments in the same order, or it is refused as [`FormatError::Unsafe`].

use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use pest::Parser as _;
use pest::iterators::Pair;
use std::fmt;

use crate::parser::grammar::{GatiParser, Rule};

/// Lines are kept within this many columns where the layout has a choice:
/// a block written on one line stays there only if it fits.
pub const MAX_WIDTH: usize = 100;

/// Spaces per level of nesting.
const INDENT: usize = 2;

/// Why a file was not formatted.
#[derive(Clone, Debug)]
pub enum FormatError {
    /// The text does not parse: every diagnostic the parser reported.
    Syntax(Vec<Diagnostic>),
    /// The formatter could not lay the text out without changing what it
    /// means or moving a comment (a bug in the formatter): what went wrong.
    Unsafe(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(_) => write!(f, "the file has syntax errors"),
            FormatError::Unsafe(why) => write!(
                f,
                "the file cannot be formatted without changing it ({why}); this is a bug in the formatter"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats the text of one `.gati` file: the canonical layout, or why there
/// is none. `file` names the file in the parser's diagnostics.
pub fn format(file: FileId, text: &str) -> Result<String, FormatError> {
    let parsed = crate::parse(file, text);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(FormatError::Syntax(parsed.diagnostics));
    }
    let (out, comments) = layout(text).map_err(FormatError::Unsafe)?;
    let reparsed = crate::parse(file, &out);
    if let Some(d) = reparsed.diagnostics.iter().find(|d| d.is_error()) {
        return Err(FormatError::Unsafe(format!(
            "the formatted text does not parse: {}",
            d.message
        )));
    }
    if without_spans(&parsed.file) != without_spans(&reparsed.file) {
        return Err(FormatError::Unsafe(
            "the formatted text parses to a different syntax tree".to_string(),
        ));
    }
    let (_, after) = layout(&out).map_err(FormatError::Unsafe)?;
    let texts = |cs: &[Comment<'_>]| cs.iter().map(|c| c.text()).collect::<Vec<_>>();
    if texts(&comments) != texts(&after) {
        return Err(FormatError::Unsafe(
            "a comment would be lost or reordered".to_string(),
        ));
    }
    Ok(out)
}

/// The syntax tree as JSON with every span taken out, so trees of texts
/// laid out differently compare equal when they say the same.
fn without_spans(file: &crate::ast::File) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                let is_span = map.len() == 3
                    && ["file", "start", "end"]
                        .iter()
                        .all(|k| map.contains_key(*k));
                if is_span {
                    *value = serde_json::Value::Null;
                } else {
                    map.values_mut().for_each(strip);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(file).unwrap_or(serde_json::Value::Null);
    strip(&mut value);
    value
}

/// Lays out `text`, which parses without errors; also returns its comments.
fn layout(text: &str) -> Result<(String, Vec<Comment<'_>>), String> {
    let chunk = GatiParser::parse(Rule::chunk, text)
        .map_err(|e| format!("the file does not parse as a whole: {e}"))?
        .next()
        .ok_or("the parser returned nothing")?;
    let mut walker = Walker {
        src: text,
        comments: Vec::new(),
    };
    let tree = walker.file(chunk)?;
    let mut comments = walker.comments;
    for c in &mut comments {
        c.classify(text);
    }
    let mut out = Out::new(text, &comments, 0);
    out.file(&tree);
    let mut result = out.buf;
    let len = result.trim_end().len();
    result.truncate(len);
    if !result.is_empty() {
        result.push('\n');
    }
    Ok((result, comments))
}

// ---- The tree the layout works on ----------------------------------------

/// One token as written.
#[derive(Clone, Copy, Debug)]
struct Tok<'s> {
    text: &'s str,
    start: usize,
    end: usize,
    /// Written right after the token before it, without a space: the two
    /// are parts of one word (a path, an attribute's name, a range, a rate).
    glued: bool,
    /// No space after it: the `{` of a path parameter.
    tight: bool,
}

/// A `///` or `//!` line, with one space after the slashes.
#[derive(Clone, Debug)]
struct DocLine {
    text: String,
    start: usize,
    /// Where the line ends in the source.
    end: usize,
}

/// A block: `{`, entries one per line (or all on one line), `}`.
#[derive(Clone, Debug)]
struct Block<'s> {
    open: Tok<'s>,
    close: Tok<'s>,
    entries: Vec<Entry<'s>>,
    /// Whether the block may be written on one line (route blocks, version
    /// histories and change lists never are).
    may_be_flat: bool,
}

/// What the layout is made of.
#[derive(Clone, Debug)]
enum Piece<'s> {
    Tok(Tok<'s>),
    Doc(DocLine),
    Block(Block<'s>),
}

/// One entry of a block (a field, a setting, a clause, a change, …) or an
/// item of the file.
#[derive(Clone, Debug)]
struct Entry<'s> {
    pieces: Vec<Piece<'s>>,
    /// Where its first doc line or token starts.
    start: usize,
    /// Where its last token ends.
    end: usize,
    /// Whether a comma followed it.
    comma: bool,
    /// The rule that parses one such entry alone, to tell whether dropping
    /// the comma after it would join it with the next.
    alone: Option<Rule>,
}

/// The whole file.
#[derive(Clone, Debug, Default)]
struct Tree<'s> {
    docs: Vec<DocLine>,
    items: Vec<Entry<'s>>,
}

/// A plain comment (`//`, `////`, `/* */`) and where it stands.
#[derive(Clone, Debug)]
struct Comment<'s> {
    raw: &'s str,
    start: usize,
    /// Nothing but whitespace before it on its line.
    own_line: bool,
    /// The line ends after it: it is a `//` comment, or only whitespace
    /// follows it.
    ends_line: bool,
    /// A blank line separates it from what comes before it.
    blank_before: bool,
}

impl Comment<'_> {
    fn classify(&mut self, src: &str) {
        let end = self.start + self.raw.len();
        let line_start = src[..self.start].rfind('\n').map_or(0, |i| i + 1);
        self.own_line = src[line_start..self.start].chars().all(is_space);
        let rest_of_line = src[end..].split('\n').next().unwrap_or("");
        self.ends_line = self.raw.starts_with("//") || rest_of_line.chars().all(is_space);
        self.blank_before = blank_before(src, self.start);
    }

    /// The comment as written out: line breaks as `\n`, no trailing spaces.
    fn text(&self) -> String {
        self.raw
            .split('\n')
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{FEFF}')
}

/// Whether a blank line stands between `pos` and whatever precedes it.
fn blank_before(src: &str, pos: usize) -> bool {
    let before = &src[..pos];
    let trimmed = before.trim_end_matches(is_space);
    !trimmed.is_empty() && before[trimmed.len()..].matches('\n').count() >= 2
}

/// Rules whose text is `{ entries }` or ends with it.
fn is_block(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::settings_block
            | Rule::jwt_block
            | Rule::limits_block
            | Rule::record_body
            | Rule::fields_block
            | Rule::route_block
            | Rule::changes_block
            | Rule::enum_decl
            | Rule::union_decl
            | Rule::versions_decl
    )
}

/// Rules whose parts are written without spaces between them.
fn is_glued(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::path | Rule::path_segment | Rule::attr | Rule::rate_amount | Rule::range
    )
}

/// The rule that parses one entry of `rule` alone.
fn alone(rule: Rule) -> Option<Rule> {
    Some(match rule {
        Rule::setting | Rule::jwt_setting => Rule::setting_only,
        Rule::limit => Rule::limit_only,
        Rule::member | Rule::field => Rule::member_only,
        Rule::route_clause => Rule::clause_only,
        Rule::change => Rule::change_only,
        Rule::enum_value => Rule::enum_value_only,
        Rule::variant => Rule::variant_only,
        Rule::version_entry => Rule::version_only,
        _ => return None,
    })
}

/// Builds the layout tree from pest's pairs, collecting the comments.
struct Walker<'s> {
    src: &'s str,
    comments: Vec<Comment<'s>>,
}

impl<'s> Walker<'s> {
    fn file(&mut self, chunk: Pair<'s, Rule>) -> Result<Tree<'s>, String> {
        let mut tree = Tree::default();
        let mut pos = chunk.as_span().start();
        for child in chunk.into_inner() {
            let span = child.as_span();
            self.no_tokens(pos, span.start())?;
            match child.as_rule() {
                Rule::file_doc => tree.docs.push(doc_line(&child, "//!")),
                Rule::item => tree.items.push(self.entry(child)?),
                Rule::EOI => {}
                other => return Err(format!("unexpected {other:?} at the top level")),
            }
            pos = span.end();
        }
        self.no_tokens(pos, self.src.len())?;
        Ok(tree)
    }

    /// Lexes text that must hold only whitespace and comments.
    fn no_tokens(&mut self, from: usize, to: usize) -> Result<(), String> {
        match self.gap(from, to)?.first() {
            None => Ok(()),
            Some(t) => Err(format!("unexpected `{}` at byte {}", t.text, t.start)),
        }
    }

    fn entry(&mut self, pair: Pair<'s, Rule>) -> Result<Entry<'s>, String> {
        let alone = alone(pair.as_rule());
        let pieces = self.pieces(pair)?;
        let start = pieces.first().map(piece_start);
        let end = pieces.last().map(piece_end);
        let (Some(start), Some(end)) = (start, end) else {
            return Err("an empty entry".to_string());
        };
        Ok(Entry {
            pieces,
            start,
            end,
            comma: false,
            alone,
        })
    }

    fn pieces(&mut self, pair: Pair<'s, Rule>) -> Result<Vec<Piece<'s>>, String> {
        let rule = pair.as_rule();
        let span = pair.as_span();
        match rule {
            // A string's text is one token, whatever it holds.
            Rule::string => return Ok(vec![Piece::Tok(tok(pair.as_str(), span.start()))]),
            Rule::doc_comment => return Ok(vec![Piece::Doc(doc_line(&pair, "///"))]),
            Rule::file_doc => return Ok(vec![Piece::Doc(doc_line(&pair, "//!"))]),
            _ => {}
        }
        let children: Vec<Pair<'s, Rule>> = pair.into_inner().collect();
        if children.is_empty() {
            return self.leaf(span.start(), span.end());
        }
        if is_block(rule) {
            return self.block(rule, span.start(), span.end(), children);
        }
        let glued = is_glued(rule);
        let mut out: Vec<Piece<'s>> = Vec::new();
        let mut pos = span.start();
        for child in children {
            let child_span = child.as_span();
            for t in self.gap(pos, child_span.start())? {
                push(&mut out, vec![Piece::Tok(t)], glued);
            }
            let sub = self.pieces(child)?;
            push(&mut out, sub, glued);
            pos = child_span.end();
        }
        for t in self.gap(pos, span.end())? {
            push(&mut out, vec![Piece::Tok(t)], glued);
        }
        if rule == Rule::path_param {
            // `{id: uuid}`: no space inside the braces.
            if let Some(Piece::Tok(open)) = out.first_mut() {
                open.tight = true;
            }
            if let Some(Piece::Tok(close)) = out.last_mut() {
                close.glued = true;
            }
        }
        // A trailing comma in a list (`[a, b,]`, `{ id, }`) is dropped.
        let mut i = 0;
        while i + 1 < out.len() {
            let trailing = matches!(&out[i], Piece::Tok(t) if t.text == ",")
                && matches!(&out[i + 1], Piece::Tok(t) if matches!(t.text, "]" | "}" | ")" | ">"));
            if trailing {
                out.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(out)
    }

    /// A pair without children: one token, then whitespace and comments.
    fn leaf(&mut self, start: usize, end: usize) -> Result<Vec<Piece<'s>>, String> {
        let text = &self.src[start..end];
        let word = text.trim_end_matches(is_space);
        if word.is_empty() || word.contains(is_space) || word.contains("//") || word.contains("/*")
        {
            return Ok(self.gap(start, end)?.into_iter().map(Piece::Tok).collect());
        }
        let mut out = vec![Piece::Tok(tok(word, start))];
        out.extend(
            self.gap(start + word.len(), end)?
                .into_iter()
                .map(Piece::Tok),
        );
        Ok(out)
    }

    /// A block rule: the tokens before `{`, then the block.
    fn block(
        &mut self,
        rule: Rule,
        start: usize,
        end: usize,
        children: Vec<Pair<'s, Rule>>,
    ) -> Result<Vec<Piece<'s>>, String> {
        let mut state = BlockState::default();
        let mut pos = start;
        for child in children {
            let child_span = child.as_span();
            for t in self.gap(pos, child_span.start())? {
                state.token(t)?;
            }
            match (state.open, state.close) {
                (None, _) => state.head.extend(self.pieces(child)?),
                (Some(_), None) => state.entries.push(self.entry(child)?),
                (Some(_), Some(_)) => return Err(format!("text after the block of {rule:?}")),
            }
            pos = child_span.end();
        }
        for t in self.gap(pos, end)? {
            state.token(t)?;
        }
        let (Some(open), Some(close)) = (state.open, state.close) else {
            return Err(format!("a {rule:?} without braces"));
        };
        let mut out = state.head;
        out.push(Piece::Block(Block {
            open,
            close,
            entries: state.entries,
            may_be_flat: !matches!(
                rule,
                Rule::route_block | Rule::changes_block | Rule::versions_decl
            ),
        }));
        Ok(out)
    }

    /// Lexes the text between tokens of the tree: punctuation and keywords
    /// that the grammar does not name, whitespace, and comments (which are
    /// collected).
    fn gap(&mut self, from: usize, to: usize) -> Result<Vec<Tok<'s>>, String> {
        let src = self.src;
        let text = &src[from..to];
        let mut toks = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let rest = &text[i..];
            let Some(c) = rest.chars().next() else {
                break;
            };
            let len = if is_space(c) {
                c.len_utf8()
            } else if rest.starts_with("//") {
                let len = rest.find('\n').unwrap_or(rest.len());
                let raw = rest[..len].trim_end_matches(is_space);
                self.push_comment(raw, from + i);
                len
            } else if let Some(body) = rest.strip_prefix("/*") {
                let len = body
                    .find("*/")
                    .map(|j| j + 4)
                    .ok_or("an unclosed block comment")?;
                self.push_comment(&rest[..len], from + i);
                len
            } else if c.is_ascii_alphanumeric() || c == '_' {
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                toks.push(tok(&rest[..len], from + i));
                len
            } else {
                let len = ["->", "...", "..=", ".."]
                    .iter()
                    .find(|p| rest.starts_with(**p))
                    .map_or(1, |p| p.len());
                if len == 1 && !"{}[]()<>,:=|?.@/".contains(c) {
                    return Err(format!("unexpected `{c}` at byte {}", from + i));
                }
                toks.push(tok(&rest[..len], from + i));
                len
            };
            i += len;
        }
        Ok(toks)
    }

    fn push_comment(&mut self, raw: &'s str, start: usize) {
        self.comments.push(Comment {
            raw,
            start,
            own_line: false,
            ends_line: false,
            blank_before: false,
        });
    }
}

/// What a block rule has seen so far.
#[derive(Default)]
struct BlockState<'s> {
    head: Vec<Piece<'s>>,
    open: Option<Tok<'s>>,
    close: Option<Tok<'s>>,
    entries: Vec<Entry<'s>>,
}

impl<'s> BlockState<'s> {
    fn token(&mut self, t: Tok<'s>) -> Result<(), String> {
        match (self.open.is_some(), self.close.is_some(), t.text) {
            (false, _, "{") => self.open = Some(t),
            (false, _, _) => self.head.push(Piece::Tok(t)),
            (true, false, ",") => match self.entries.last_mut() {
                Some(last) => last.comma = true,
                None => return Err(format!("a comma before any entry at byte {}", t.start)),
            },
            (true, false, "}") => self.close = Some(t),
            _ => return Err(format!("unexpected `{}` at byte {}", t.text, t.start)),
        }
        Ok(())
    }
}

fn tok(text: &str, start: usize) -> Tok<'_> {
    Tok {
        text,
        start,
        end: start + text.len(),
        glued: false,
        tight: false,
    }
}

fn doc_line(pair: &Pair<'_, Rule>, slashes: &str) -> DocLine {
    let text = pair.as_str().trim_end_matches(is_space);
    let rest = text.strip_prefix(slashes).unwrap_or(text);
    // The parser drops one space after the slashes, so adding it where it
    // is missing leaves the doc as it was.
    let text = if rest.is_empty() || rest.starts_with(' ') {
        format!("{slashes}{rest}")
    } else {
        format!("{slashes} {rest}")
    };
    let start = pair.as_span().start();
    DocLine {
        end: start + pair.as_str().trim_end_matches(is_space).len(),
        text,
        start,
    }
}

/// Appends `pieces`; inside a glued rule, their first token is glued to
/// what came before.
fn push<'s>(out: &mut Vec<Piece<'s>>, mut pieces: Vec<Piece<'s>>, glued: bool) {
    if glued
        && !out.is_empty()
        && let Some(Piece::Tok(first)) = pieces.first_mut()
    {
        first.glued = true;
    }
    out.append(&mut pieces);
}

fn piece_start(p: &Piece<'_>) -> usize {
    match p {
        Piece::Tok(t) => t.start,
        Piece::Doc(d) => d.start,
        Piece::Block(b) => b.open.start,
    }
}

fn piece_end(p: &Piece<'_>) -> usize {
    match p {
        Piece::Tok(t) => t.end,
        Piece::Doc(d) => d.end,
        Piece::Block(b) => b.close.end,
    }
}

/// Whether a space goes between two tokens on one line.
fn space_between(prev: &str, prev_tight: bool, next: &Tok<'_>) -> bool {
    if next.glued || prev_tight {
        return false;
    }
    if matches!(
        next.text,
        "," | ":" | ")" | "]" | ">" | "?" | "." | "(" | "<"
    ) {
        return false;
    }
    if matches!(prev, "(" | "[" | "<" | "@" | "..." | ".") {
        return false;
    }
    !(prev == "{" && next.text == "}")
}

// ---- Writing ---------------------------------------------------------------

/// What the current line ends with, for spacing.
#[derive(Clone, Copy, Debug)]
enum Prev<'s> {
    /// Nothing: the line is empty.
    Nothing,
    /// A token, and whether it wants no space after it.
    Tok(&'s str, bool),
    /// A block comment with code after it on the same line.
    Comment,
}

/// The text being written, and where the writing stands.
struct Out<'s, 'c> {
    src: &'s str,
    comments: &'c [Comment<'s>],
    /// The next comment to write.
    next: usize,
    buf: String,
    /// The indentation of the entries being written.
    indent: usize,
    /// Whether the current entry has begun its code: a line broken inside
    /// it continues one level deeper.
    cont: bool,
    /// The indentation the current line was started with.
    line_indent: usize,
    /// Whether nothing has been written on the current line.
    at_line_start: bool,
    prev: Prev<'s>,
}

impl<'s, 'c> Out<'s, 'c> {
    fn new(src: &'s str, comments: &'c [Comment<'s>], next: usize) -> Out<'s, 'c> {
        Out {
            src,
            comments,
            next,
            buf: String::new(),
            indent: 0,
            cont: false,
            line_indent: 0,
            at_line_start: true,
            prev: Prev::Nothing,
        }
    }

    fn file(&mut self, tree: &Tree<'s>) {
        for doc in &tree.docs {
            self.doc(doc);
        }
        let mut prev_simple = None;
        for (i, item) in tree.items.iter().enumerate() {
            let limit = tree.items.get(i + 1).map_or(self.src.len(), |n| n.start);
            let simple = self.is_one_line(item, limit);
            self.ensure_line_start();
            match prev_simple {
                // Items are separated by a blank line, except one-line
                // items without docs written together.
                Some(prev) if !(prev && simple) => self.blank_line(),
                None if !tree.docs.is_empty() => self.blank_line(),
                _ => {}
            }
            self.entry(item);
            self.flush_trailing(limit);
            prev_simple = Some(simple);
        }
        self.flush_trailing(self.src.len());
        self.cont = false;
        self.flush_before(self.src.len() + 1);
    }

    /// Whether `item` (without the comments above it) is written on one line.
    fn is_one_line(&self, item: &Entry<'s>, limit: usize) -> bool {
        let mut next = self.next;
        while self
            .comments
            .get(next)
            .is_some_and(|c| c.start < item.start)
        {
            next += 1;
        }
        let mut scratch = Out::new(self.src, self.comments, next);
        scratch.entry(item);
        scratch.flush_trailing(limit);
        !scratch.buf.trim_end().contains('\n')
    }

    /// Writes one entry of a block, or one item, on a line of its own.
    fn entry(&mut self, e: &Entry<'s>) {
        self.flush_trailing(e.start);
        self.ensure_line_start();
        self.cont = false;
        self.flush_before(e.start);
        if blank_before(self.src, e.start) {
            self.blank_line();
        }
        for piece in &e.pieces {
            match piece {
                Piece::Doc(d) => self.doc(d),
                Piece::Tok(t) => {
                    self.token(t);
                    self.cont = true;
                }
                Piece::Block(b) => {
                    self.block(b, false);
                    self.cont = true;
                }
            }
        }
    }

    fn doc(&mut self, d: &DocLine) {
        self.flush_before(d.start);
        self.ensure_line_start();
        self.start_line();
        self.buf.push_str(&d.text);
        self.newline();
    }

    fn block(&mut self, b: &Block<'s>, flat: bool) {
        let has_comments = self
            .comments
            .get(self.next..)
            .unwrap_or_default()
            .iter()
            .find(|c| c.start > b.open.start)
            .is_some_and(|c| c.start < b.close.start);
        if b.entries.is_empty() && !has_comments {
            self.token(&b.open);
            self.token(&b.close);
            return;
        }
        if flat || (!has_comments && self.fits_flat(b)) {
            self.token(&b.open);
            for (i, e) in b.entries.iter().enumerate() {
                if i > 0 {
                    self.comma();
                }
                for piece in &e.pieces {
                    match piece {
                        Piece::Tok(t) => self.token(t),
                        Piece::Block(inner) => self.block(inner, true),
                        // A block on one line has no doc lines.
                        Piece::Doc(d) => self.doc(d),
                    }
                }
            }
            self.token(&b.close);
            return;
        }
        self.token(&b.open);
        let open_indent = self.line_indent;
        let saved = (self.indent, self.cont);
        self.indent = open_indent + INDENT;
        for (i, e) in b.entries.iter().enumerate() {
            let next = b.entries.get(i + 1);
            self.entry(e);
            if let Some(next) = next
                && e.comma
                && self.joins(e, next)
            {
                self.comma();
            }
            self.flush_trailing(next.map_or(b.close.start, |n| n.start));
        }
        self.flush_trailing(b.close.start);
        self.cont = false;
        self.flush_before(b.close.start);
        self.indent = open_indent;
        self.ensure_line_start();
        self.token(&b.close);
        (self.indent, self.cont) = saved;
    }

    /// Whether `b`, written on one line in the source and without comments,
    /// fits on the current line.
    fn fits_flat(&self, b: &Block<'s>) -> bool {
        let one_line = b.may_be_flat
            && !self.src[b.open.start..b.close.end].contains('\n')
            && b.entries
                .iter()
                .all(|e| e.pieces.iter().all(|p| !matches!(p, Piece::Doc(_))));
        if !one_line {
            return false;
        }
        let mut scratch = Out::new(self.src, &[], 0);
        scratch.block(b, true);
        let width = scratch.buf.chars().count();
        let column = if self.at_line_start {
            self.indent + if self.cont { INDENT } else { 0 }
        } else {
            self.buf
                .rsplit('\n')
                .next()
                .map_or(0, |line| line.chars().count())
                + 1
        };
        column + width <= MAX_WIDTH
    }

    /// Whether `a` and `b`, one per line without a comma between them,
    /// would parse as one entry: then the comma stays.
    fn joins(&self, a: &Entry<'s>, b: &Entry<'s>) -> bool {
        let Some(rule) = a.alone else {
            return true;
        };
        match (self.src.get(a.start..a.end), self.src.get(b.start..b.end)) {
            (Some(a), Some(b)) => GatiParser::parse(rule, &format!("{a}\n{b}")).is_ok(),
            _ => true,
        }
    }

    fn comma(&mut self) {
        self.buf.push(',');
        self.prev = Prev::Tok(",", false);
    }

    fn token(&mut self, t: &Tok<'s>) {
        self.flush_before(t.start);
        if self.at_line_start {
            self.start_line();
        } else {
            let space = match self.prev {
                Prev::Nothing => false,
                Prev::Comment => true,
                Prev::Tok(prev, tight) => space_between(prev, tight, t),
            };
            if space {
                self.buf.push(' ');
            }
        }
        self.buf.push_str(t.text);
        self.prev = Prev::Tok(t.text, t.tight);
    }

    /// Writes the comments that end the current line in the source (those
    /// with code before them on their line), up to `limit`.
    fn flush_trailing(&mut self, limit: usize) {
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= limit || c.own_line {
                break;
            }
            self.next += 1;
            self.comment(c);
        }
    }

    /// Writes every comment before `pos`.
    fn flush_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= pos {
                break;
            }
            self.next += 1;
            self.comment(c);
        }
    }

    fn comment(&mut self, c: &Comment<'s>) {
        if c.own_line {
            self.ensure_line_start();
            if c.blank_before {
                self.blank_line();
            }
            self.start_line();
        } else if self.at_line_start {
            self.start_line();
        } else {
            self.buf.push(' ');
        }
        self.buf.push_str(&c.text());
        if c.ends_line {
            self.newline();
        } else {
            self.prev = Prev::Comment;
        }
    }

    fn start_line(&mut self) {
        if self.at_line_start {
            let indent = self.indent + if self.cont { INDENT } else { 0 };
            self.buf.extend(std::iter::repeat_n(' ', indent));
            self.line_indent = indent;
            self.at_line_start = false;
        }
    }

    fn newline(&mut self) {
        let len = self.buf.trim_end_matches(' ').len();
        self.buf.truncate(len);
        self.buf.push('\n');
        self.at_line_start = true;
        self.prev = Prev::Nothing;
    }

    fn ensure_line_start(&mut self) {
        if !self.at_line_start {
            self.newline();
        }
    }

    /// Ends the line and leaves one blank line, except at the start of the
    /// file or of a block, and never two.
    fn blank_line(&mut self) {
        self.ensure_line_start();
        let after_open = self.buf.trim_end_matches('\n').ends_with('{');
        if !self.buf.is_empty() && !self.buf.ends_with("\n\n") && !after_open {
            self.buf.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format(FileId(0), text) {
            Ok(out) => out,
            Err(e) => panic!("{e}: {e:?}\n{text}"),
        }
    }

    #[test]
    fn spacing_is_canonical() {
        let text = "type  User{id :uuid @readonly\n  tags : [ string @len( 1 ..= 30 ) ] = [ ]\n  m: map < string , int32 >}\nroute  get GET /users/{ id : uuid }/x  ->User|NotFound\n";
        assert_eq!(
            fmt(text),
            "type User {\n  id: uuid @readonly\n  tags: [string @len(1..=30)] = []\n  m: map<string, int32>\n}\n\nroute get GET /users/{id: uuid}/x -> User | NotFound\n"
        );
    }

    #[test]
    fn blocks_on_one_line_stay_there_and_others_get_one_entry_per_line() {
        let text =
            "type A { a: int32, b: string, }\ntype B {\n  a: int32, b: string\n}\nenum E {x,y}\n";
        assert_eq!(
            fmt(text),
            "type A { a: int32, b: string }\n\ntype B {\n  a: int32\n  b: string\n}\n\nenum E { x, y }\n"
        );
    }

    #[test]
    fn route_blocks_are_never_on_one_line() {
        assert_eq!(
            fmt("route r GET /r -> T { auth none, limits { timeout 1s } }\n"),
            "route r GET /r -> T {\n  auth none\n  limits { timeout 1s }\n}\n"
        );
    }

    #[test]
    fn a_block_too_wide_for_one_line_is_broken() {
        let fields: Vec<String> = (0..12).map(|i| format!("field_{i}: string")).collect();
        let text = format!("type Wide {{ {} }}\n", fields.join(", "));
        let out = fmt(&text);
        assert!(out.starts_with("type Wide {\n  field_0: string\n"), "{out}");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn comments_stay_where_they_were() {
        let text = "// top\n\n/// Doc.\ntype A { // after the brace\n  // above a\n  a: int32 // after a\n\n  /* block */ b: string\n  c: /* inline */ bool\n  // dangling\n}\n// the end\n";
        assert_eq!(
            fmt(text),
            "// top\n\n/// Doc.\ntype A { // after the brace\n  // above a\n  a: int32 // after a\n\n  /* block */ b: string\n  c: /* inline */ bool\n  // dangling\n}\n// the end\n"
        );
    }

    #[test]
    fn a_comment_inside_an_entry_breaks_the_line() {
        let text = "type A {\n  a: // why\n  int32\n}\n";
        let out = fmt(text);
        assert_eq!(out, "type A {\n  a: // why\n    int32\n}\n");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn a_comment_before_a_brace_keeps_the_block_on_one_line() {
        let out = fmt("type X // c\n{ a: int32 }\n");
        assert_eq!(out, "type X // c\n  { a: int32 }\n");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn line_breaks_tabs_and_a_byte_order_mark_are_normalized() {
        assert_eq!(
            fmt("\u{FEFF}type A {\r\n\ta: int32 \r\n}\r\n/* x \r\n  y */\r\n"),
            "type A {\n  a: int32\n}\n/* x\n  y */\n"
        );
    }

    #[test]
    fn one_line_items_written_together_stay_together() {
        let text = "type A = string\ntype B = string\n\n\n\ntype C = string\n/// Doc.\ntype D = string\ntype E { a: int32 }\n";
        assert_eq!(
            fmt(text),
            "type A = string\ntype B = string\n\ntype C = string\n\n/// Doc.\ntype D = string\n\ntype E { a: int32 }\n"
        );
    }

    #[test]
    fn doc_comments_get_a_space_after_the_slashes() {
        assert_eq!(
            fmt("//!File.\n///Doc.\n///\n///   Indented.\ntype A = string\n"),
            "//! File.\n\n/// Doc.\n///\n///   Indented.\ntype A = string\n"
        );
    }

    #[test]
    fn a_comma_that_keeps_two_entries_apart_stays() {
        // Without the comma, `per client` would become the rate's option.
        let text = "service s {\n  limits {\n    rate 10/s burst 20, per client\n  }\n}\n";
        let out = fmt(text);
        assert_eq!(
            out,
            "service s {\n  limits {\n    rate 10/s burst 20,\n    per client\n  }\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn syntax_errors_are_refused_with_the_parsers_diagnostics() {
        match format(FileId(0), "type A {\n  a string\n}\n") {
            Err(FormatError::Syntax(diagnostics)) => assert!(!diagnostics.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_files_stay_empty() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("// only a comment"), "// only a comment\n");
    }
}
