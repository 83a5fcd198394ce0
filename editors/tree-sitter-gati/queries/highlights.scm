; Highlights for `.gati` files. Each node gets one capture: the patterns do
; not overlap, so editors that prefer the first match and editors that prefer
; the last agree.

; Comments.

(comment) @comment
(block_comment) @comment
(doc_comment) @comment.documentation
(file_doc_comment) @comment.documentation

; Keywords: items, clauses, settings and changes.

[
  "use"
  "service"
  "type"
  "enum"
  "union"
  "error"
  "route"
  "versions"
] @keyword

[
  "body"
  "path"
  "query"
  "header"
  "cookie"
  "returns"
  "errors"
  "limits"
  "auth"
  "headers"
  "without"
  "scopes"
  "keys"
  "env"
  "rate"
  "burst"
  "per"
] @keyword

(raw_payload
  [
    "bytes"
    "text"
    "multipart"
    "stream"
  ] @keyword)

[
  "added"
  "removed"
  "renamed"
  "moved"
  "from"
  "made"
  "optional"
  "required"
  "refined"
  "changed"
  "via"
  "default"
  "fallback"
  "deprecated"
  "since"
  "sunset"
] @keyword

(map_clause
  "map" @keyword)

(http_method) @keyword

; Types.

(primitive_type) @type.builtin

(map_type
  "map" @type.builtin)

(type_identifier) @type

; Names.

(route_declaration
  name: (identifier) @function)

(route_target
  name: (identifier) @function)

(via_clause
  converter: (identifier) @function)

(service_declaration
  name: (identifier) @module)

(field
  name: (identifier) @property)

(variant
  name: (identifier) @property)

(member_target
  member: (identifier) @property)

(derived_type
  field: (identifier) @property)

(setting
  name: (identifier) @property)

(pair
  key: (identifier) @property)

(enum_value
  name: (identifier) @constant)

(path_parameter
  name: (identifier) @variable.parameter)

(attribute
  "@" @attribute
  name: (identifier) @attribute)

; Literals.

(string) @string

(escape_sequence) @string.escape

(path_literal) @string.special.path

[
  (number)
  (size)
  (duration)
  (date)
] @number

(unit) @number

(boolean) @boolean

(null) @constant.builtin

; Operators and punctuation.

[
  "->"
  "="
  "|"
  "..."
  ".."
  "..="
] @operator

(optional_mark) @operator

(range
  "<" @operator)

[
  "{"
  "}"
  "["
  "]"
  "("
  ")"
] @punctuation.bracket

(type_parameters
  [
    "<"
    ">"
  ] @punctuation.bracket)

(type_arguments
  [
    "<"
    ">"
  ] @punctuation.bracket)

(map_type
  [
    "<"
    ">"
  ] @punctuation.bracket)

[
  ","
  ":"
  "."
  "/"
] @punctuation.delimiter
