//! Multipart forms (`body multipart { photo: file, caption?: string }`):
//! a `multipart/form-data` body, already read within the route's body
//! limit, split into its parts without copying their contents, then read
//! part by part as files or as values like query parameters.
//!
//! Bounded: at most [`MAX_PARTS`] parts, each part's head at most
//! [`MAX_PART_HEAD`] bytes; anything malformed is a 400, never a panic.

use bytes::Bytes;
use hyper::header::CONTENT_TYPE;

use super::codec::{FromParam, Request, param};
use super::problem::{Location, Problem, Violation, Violations};
use super::validate::push_key;

/// The most parts a form may have.
pub const MAX_PARTS: usize = 64;

/// The longest head (its `Content-Disposition` and `Content-Type` lines) a
/// part may have, in bytes.
pub const MAX_PART_HEAD: usize = 8 * 1024;

/// A file part: its bytes (shared with the request's body, not copied), the
/// name the client gave it and its media type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilePart {
    /// The file's name as the client sent it (`filename=`), if it did; a
    /// name to show, never a path to trust.
    pub filename: Option<String>,
    /// The part's `Content-Type` (`application/octet-stream` when absent).
    pub content_type: String,
    /// The file's contents.
    pub bytes: Bytes,
}

/// A parsed form: its parts, to be taken one by one.
#[derive(Debug, Default)]
pub struct Form {
    parts: Vec<RawPart>,
}

#[derive(Debug)]
struct RawPart {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    data: Bytes,
    taken: bool,
}

/// Splits a `multipart/form-data` body into its parts: 415 unless the
/// request says it is one (with a `boundary`), 400 when the body does not
/// follow RFC 7578 or has more than [`MAX_PARTS`] parts.
pub fn decode_multipart(request: &Request) -> Result<Form, Problem> {
    let content_type = request
        .parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut params = content_type.split(';');
    let essence = params.next().unwrap_or("").trim();
    let boundary = params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    });
    let boundary = match boundary {
        Some(b)
            if essence.eq_ignore_ascii_case("multipart/form-data")
                && !b.is_empty()
                && b.len() <= 70 =>
        {
            b
        }
        _ => {
            return Err(Problem::new(
                415,
                "expected Content-Type: multipart/form-data with a boundary",
            ));
        }
    };
    parse(&request.body, &boundary).map_err(|detail| Problem::new(400, detail))
}

/// The parts of `body`, delimited by `--boundary` lines.
fn parse(body: &Bytes, boundary: &str) -> Result<Form, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut form = Form::default();
    // The first delimiter may be preceded by a preamble, which is ignored.
    let Some(first) = find(body, delimiter, 0) else {
        return Err("the form has no part".to_owned());
    };
    let mut at = first + delimiter.len();
    loop {
        // After a delimiter: `--` ends the form; otherwise a line break, then
        // the part's head.
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(form);
        }
        at = skip_line_end(body, at).ok_or("a delimiter is not followed by a line break")?;
        let head_end = find(body, b"\r\n\r\n", at)
            .filter(|end| end - at <= MAX_PART_HEAD)
            .ok_or("a part's head is missing its end, or is too long")?;
        let head = std::str::from_utf8(&body[at..head_end])
            .map_err(|_| "a part's head is not UTF-8 text")?;
        let data_start = head_end + 4;
        let next = find(body, delimiter, data_start).ok_or("the form does not end")?;
        // The part's data ends before the line break that precedes the
        // delimiter.
        let data_end = next
            .checked_sub(2)
            .filter(|end| *end >= data_start && body.get(*end..next) == Some(b"\r\n"))
            .ok_or("a part's data does not end with a line break")?;
        if form.parts.len() == MAX_PARTS {
            return Err(format!("the form has more than {MAX_PARTS} parts"));
        }
        form.parts
            .push(part(head, body.slice(data_start..data_end))?);
        at = next + delimiter.len();
    }
}

/// One part from its head's lines and its data.
fn part(head: &str, data: Bytes) -> Result<RawPart, String> {
    let mut name = None;
    let mut filename = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let Some((field, value)) = line.split_once(':') else {
            return Err("a part's head has a line that is not a header".to_owned());
        };
        let field = field.trim();
        if field.eq_ignore_ascii_case("content-disposition") {
            let mut params = disposition_params(value).into_iter();
            if !params
                .next()
                .is_some_and(|(d, _)| d.eq_ignore_ascii_case("form-data"))
            {
                return Err("a part is not `Content-Disposition: form-data`".to_owned());
            }
            for (key, value) in params {
                // Browsers send `"`, CR and LF in names as `%22`, `%0D` and
                // `%0A` (the HTML standard's form encoding).
                let value = value
                    .replace("%22", "\"")
                    .replace("%0D", "\r")
                    .replace("%0A", "\n");
                match key.to_ascii_lowercase().as_str() {
                    "name" => name = Some(value),
                    "filename" => filename = Some(value),
                    _ => {}
                }
            }
        } else if field.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    let name = name.ok_or("a part has no name")?;
    Ok(RawPart {
        name,
        filename,
        content_type,
        data,
        taken: false,
    })
}

/// A `Content-Disposition` value's type and parameters: `form-data;
/// name="a"; filename="x;y \"z\".png"` gives `("form-data", "")`,
/// `("name", "a")`, `("filename", "x;y \"z\".png")`. A quoted value keeps
/// its `;` and loses the backslashes of its escapes (RFC 9110 §5.6.4).
fn disposition_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == ';' || c == '=' {
                break;
            }
            key.push(c);
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| *c == ' ') {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => break,
                        c => value.push(c),
                    }
                }
                // Anything after the closing quote, up to `;`, is ignored.
                while chars.peek().is_some_and(|c| *c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                value = value.trim().to_owned();
            }
        }
        out.push((key.trim().to_owned(), value));
        if chars.next().is_none() {
            return out;
        }
    }
}

/// Where `needle` first occurs in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The position after the line break at `at` (`\r\n`, or a bare `\n`).
fn skip_line_end(body: &[u8], at: usize) -> Option<usize> {
    match body.get(at..) {
        Some([b'\r', b'\n', ..]) => Some(at + 2),
        Some([b'\n', ..]) => Some(at + 1),
        _ => None,
    }
}

/// The JSON pointer of part `name`, as violations name it.
fn pointer(name: &str) -> String {
    let mut pointer = String::new();
    push_key(&mut pointer, name);
    pointer
}

impl Form {
    /// The part `name`, marked taken; a second part of that name is a
    /// violation.
    fn take(&mut self, name: &str, out: &mut Violations) -> Option<RawPart> {
        let mut found = self.parts.iter_mut().filter(|p| p.name == name && !p.taken);
        let first = found.next()?;
        first.taken = true;
        // The contents move out; the entry stays, marked taken.
        let part = RawPart {
            name: String::new(),
            filename: first.filename.take(),
            content_type: first.content_type.take(),
            data: std::mem::take(&mut first.data),
            taken: true,
        };
        // Repeats are one violation here, not also "unknown" in `finish`.
        let mut repeated = false;
        for again in found {
            again.taken = true;
            repeated = true;
        }
        if repeated {
            out.push(Violation {
                location: Location::Body,
                pointer: pointer(name),
                rule: "type",
                message: "is sent more than once".to_owned(),
            });
        }
        Some(part)
    }

    /// File part `name`, whose `Content-Type` must match `accept`
    /// (`image/png`, `image/*` or `*/*`).
    pub fn file(
        &mut self,
        name: &str,
        accept: &str,
        required: bool,
        out: &mut Violations,
    ) -> Option<FilePart> {
        let Some(part) = self.take(name, out) else {
            if required {
                out.push(Violation {
                    location: Location::Body,
                    pointer: pointer(name),
                    rule: "required",
                    message: "is required".to_owned(),
                });
            }
            return None;
        };
        let content_type = part
            .content_type
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let accepted = match accept.strip_suffix("/*") {
            Some("*") => true,
            Some(kind) => essence
                .split_once('/')
                .is_some_and(|(k, sub)| k == kind && !sub.is_empty()),
            None => essence == accept,
        };
        if !accepted {
            out.push(Violation {
                location: Location::Body,
                pointer: pointer(name),
                rule: "format",
                message: format!("must be a file of type {accept}"),
            });
            return None;
        }
        Some(FilePart {
            filename: part.filename,
            content_type,
            bytes: part.data,
        })
    }

    /// Value part `name`, read like a query parameter (UTF-8 text parsed as
    /// `T`).
    pub fn value<T: FromParam>(
        &mut self,
        name: &str,
        required: bool,
        out: &mut Violations,
    ) -> Option<T> {
        let part = self.take(name, out);
        let text = match &part {
            None => None,
            Some(part) => match std::str::from_utf8(&part.data) {
                Ok(text) => Some(text),
                Err(_) => {
                    out.push(Violation {
                        location: Location::Body,
                        pointer: pointer(name),
                        rule: "type",
                        message: "must be UTF-8 text".to_owned(),
                    });
                    return None;
                }
            },
        };
        param(text, Location::Body, name, required, out)
    }

    /// A violation for each part the form does not declare (after every
    /// declared one was taken): nothing a client sends is silently dropped.
    pub fn finish(&self, out: &mut Violations) {
        for part in self.parts.iter().filter(|p| !p.taken) {
            out.push(Violation {
                location: Location::Body,
                pointer: pointer(&part.name),
                rule: "unknown",
                message: "is not a part of this form".to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &'static [u8]) -> Request {
        let (parts, ()) = hyper::Request::builder()
            .method("POST")
            .uri("/f")
            .header("content-type", content_type)
            .body(())
            .unwrap_or_default()
            .into_parts();
        Request {
            parts,
            body: Bytes::from_static(body),
            params: super::super::codec::PathParams::new(),
        }
    }

    const BODY: &[u8] = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nA cat\r\n--XyZ\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n--XyZ--\r\n";

    #[test]
    fn files_and_values() {
        let request = request("multipart/form-data; boundary=XyZ", BODY);
        let Ok(mut form) = decode_multipart(&request) else {
            panic!("a valid form");
        };
        let mut out = Violations::new();
        let photo = form.file("photo", "image/*", true, &mut out);
        assert_eq!(
            photo,
            Some(FilePart {
                filename: Some("cat.png".into()),
                content_type: "image/png".into(),
                bytes: Bytes::from_static(b"\x89PNG\r\n\x1a\n"),
            })
        );
        assert_eq!(
            form.value::<String>("caption", false, &mut out).as_deref(),
            Some("A cat")
        );
        assert_eq!(form.value::<i64>("count", true, &mut out), Some(3));
        assert_eq!(form.value::<String>("missing", false, &mut out), None);
        form.finish(&mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn what_is_wrong_is_said() {
        let valid = request("multipart/form-data; boundary=XyZ", BODY);
        let Ok(mut form) = decode_multipart(&valid) else {
            panic!("a valid form");
        };
        let mut out = Violations::new();
        assert_eq!(form.file("photo", "image/jpeg", true, &mut out), None);
        assert_eq!(form.value::<bool>("count", true, &mut out), None);
        assert_eq!(form.file("avatar", "*/*", true, &mut out), None);
        form.finish(&mut out);
        let rules: Vec<&str> = out.kept().iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["format", "type", "required", "unknown"]);

        // A part sent twice is one violation, not also an unknown part.
        let twice = request(
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--\r\n",
        );
        let Ok(mut form) = decode_multipart(&twice) else {
            panic!("a valid form");
        };
        let mut out = Violations::new();
        assert_eq!(
            form.value::<String>("a", true, &mut out).as_deref(),
            Some("1")
        );
        form.finish(&mut out);
        let rules: Vec<&str> = out.kept().iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["type"]);

        let status = |ct: &str, body: &'static [u8]| {
            decode_multipart(&request(ct, body)).err().map(|p| p.status)
        };
        assert_eq!(status("application/json", BODY), Some(415));
        assert_eq!(
            status("multipart/form-data", BODY),
            Some(415),
            "no boundary"
        );
        assert_eq!(
            status("multipart/form-data; boundary=XyZ", b"--XyZ\r\nno head end"),
            Some(400)
        );
        assert_eq!(
            status("multipart/form-data; boundary=XyZ", b"nothing"),
            Some(400)
        );
        assert_eq!(
            status(
                "multipart/form-data; boundary=XyZ",
                b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"
            ),
            Some(400),
            "a part without a name"
        );
        assert_eq!(
            status(
                "multipart/form-data; boundary=XyZ",
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"
            ),
            Some(400)
        );
    }

    #[test]
    fn quoted_names_keep_their_semicolons_and_lose_their_escapes() {
        let params = disposition_params(r#"form-data; name="photo"; filename="a;b \"c\" \\d.png""#);
        assert_eq!(
            params,
            [
                ("form-data".to_owned(), String::new()),
                ("name".to_owned(), "photo".to_owned()),
                ("filename".to_owned(), r#"a;b "c" \d.png"#.to_owned()),
            ]
        );
        assert_eq!(disposition_params("form-data; name=plain")[1].1, "plain");
    }

    #[test]
    fn parts_are_bounded() {
        let mut body = Vec::new();
        for i in 0..=MAX_PARTS {
            body.extend_from_slice(
                format!("--b\r\nContent-Disposition: form-data; name=\"p{i}\"\r\n\r\nx\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(b"--b--\r\n");
        let body: &'static [u8] = Box::leak(body.into_boxed_slice());
        let answer = decode_multipart(&request("multipart/form-data; boundary=b", body));
        assert_eq!(answer.err().map(|p| p.status), Some(400));
    }
}
