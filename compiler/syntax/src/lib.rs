//! The `.gati` source model: files and spans, diagnostics as data and their
//! renderings, the AST, the parser that produces it, and the formatter.

pub mod ast;
pub mod codes;
pub mod diagnostic;
pub mod fmt;
pub mod parser;
pub mod render;
pub mod source;
pub mod symbols;

pub use diagnostic::{Diagnostic, Severity};
pub use parser::{Parsed, parse};
pub use source::{FileId, SourceFile, SourceMap, Span};
