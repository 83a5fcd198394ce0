//! Positions and names: byte offsets to LSP positions (lines and UTF-16
//! code units) and back, and `file:` URIs to the paths the compiler reads
//! and back.

use lsp_types::{Position, Range, Uri};
use std::str::FromStr;

/// The position of byte `offset` in `text`: its line, and its column in
/// UTF-16 code units. An offset past the end is the end; one inside a
/// character is that character's start.
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count();
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
    }
}

/// The range of bytes `start..end` in `text`.
pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range {
        start: position(text, start),
        end: position(text, end.max(start)),
    }
}

/// The byte offset of `position` in `text`. A line past the last is the
/// end of the text; a column past the end of its line is the line's end
/// (before its line break); a column inside a character's two UTF-16 units
/// is that character's start.
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line = text[line_start..line_end]
        .strip_suffix('\r')
        .unwrap_or(&text[line_start..line_end]);
    let mut units = 0usize;
    for (i, c) in line.char_indices() {
        let next = units + c.len_utf16();
        if next > position.character as usize {
            return line_start + i;
        }
        units = next;
    }
    line_start + line.len()
}

/// The path a `file:` URI names, as the compiler is given it (`/`-joined;
/// `C:/…` on Windows). Any other URI (`untitled:…`) is its own text: such
/// a document is held in memory only.
pub fn uri_to_path(uri: &Uri) -> String {
    let text = uri.as_str();
    let Some(rest) = text.strip_prefix("file://") else {
        return text.to_string();
    };
    // `file://host/path`: the host (usually empty, or `localhost`) is dropped.
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => rest,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path);
    // `/C:/dir` is the Windows path `C:/dir`.
    let bytes = decoded.as_bytes();
    if bytes.len() >= 3 && bytes[0] == b'/' && bytes[1].is_ascii_alphabetic() && bytes[2] == b':' {
        decoded[1..].to_string()
    } else {
        decoded
    }
}

/// The `file:` URI of an absolute `path`; `None` for a relative one.
pub fn path_to_uri(path: &str) -> Option<Uri> {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let windows = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if !path.starts_with('/') && !windows {
        return None;
    }
    let mut uri = String::from("file://");
    if windows {
        uri.push('/');
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

/// `text` with its `%XX` escapes decoded (invalid escapes kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\nçé🎉x\r\nlast";
        assert_eq!(position(text, 0), pos(0, 0));
        assert_eq!(position(text, 3), pos(1, 0));
        // `ç` and `é` are two bytes and one unit each; `🎉` four bytes, two units.
        let x = text.find('x').expect("x");
        assert_eq!(position(text, x), pos(1, 4));
        assert_eq!(offset(text, pos(1, 4)), x);
        // Inside `🎉`: its start.
        assert_eq!(offset(text, pos(1, 3)), text.find('🎉').expect("emoji"));
        assert_eq!(
            position(text, text.find('🎉').expect("emoji") + 1),
            pos(1, 2)
        );
        // Past a line's end: before its `\r\n`.
        assert_eq!(offset(text, pos(1, 99)), x + 1);
        // Past the last line, past the end.
        assert_eq!(offset(text, pos(9, 0)), text.len());
        assert_eq!(position(text, 999), pos(2, 4));
        assert_eq!(offset(text, pos(2, 2)), text.len() - 2);
    }

    #[test]
    fn uris_and_paths_round_trip() {
        let uri = path_to_uri("/tmp/a b/ünï.gati").expect("absolute");
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%BCn%C3%AF.gati");
        assert_eq!(uri_to_path(&uri), "/tmp/a b/ünï.gati");
        let windows = Uri::from_str("file:///c%3A/specs/api.gati").expect("uri");
        assert_eq!(uri_to_path(&windows), "c:/specs/api.gati");
        assert_eq!(
            path_to_uri("c:/specs/api.gati").map(|u| u.as_str().to_string()),
            Some("file:///c:/specs/api.gati".to_string())
        );
        let untitled = Uri::from_str("untitled:Untitled-1").expect("uri");
        assert_eq!(uri_to_path(&untitled), "untitled:Untitled-1");
        assert!(path_to_uri("relative.gati").is_none());
    }
}
