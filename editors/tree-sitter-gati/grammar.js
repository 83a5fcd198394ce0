/**
 * @file The tree-sitter grammar of `.gati` API spec files.
 *
 * It follows `compiler/syntax/src/gati.pest`, the grammar the compiler
 * parses with, and `specs/README.md`, the language reference. It is meant for
 * editors (highlighting, folding, selection): it accepts every valid spec,
 * keeps doc comments as extras instead of attaching them to the item below,
 * and leaves the pest grammar's error productions to tree-sitter's own error
 * recovery. Where the pest grammar reads a word loosely so that the checker
 * can explain it (an HTTP method, a rate's options), this grammar asks for
 * what a valid spec holds.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// The primitive types (`specs/README.md`, "Primitives"), and `file`, the
// type of a multipart form's file field.
const PRIMITIVES = [
  'string', 'bool', 'int32', 'int64', 'float64', 'decimal', 'uuid', 'email',
  'url', 'date', 'datetime', 'duration', 'bytes', 'any', 'file',
];

// The methods the checker accepts.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * One or more `rule`s separated by commas.
 *
 * @param {RuleOrLiteral} rule
 * @returns {SeqRule}
 */
function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)));
}

/**
 * Zero or more `rule`s separated by commas, with an optional trailing comma.
 *
 * @param {RuleOrLiteral} rule
 * @returns {ChoiceRule}
 */
function commaList(rule) {
  return optional(seq(commaSep1(rule), optional(',')));
}

/**
 * A block: `rule`s between braces, each optionally followed by a comma (the
 * language separates them by newlines or commas).
 *
 * @param {RuleOrLiteral} rule
 * @returns {SeqRule}
 */
function block(rule) {
  return seq('{', repeat(seq(rule, optional(','))), '}');
}

module.exports = grammar({
  name: 'gati',

  word: $ => $.identifier,

  extras: $ => [
    /[\s\uFEFF]/,
    $.comment,
    $.block_comment,
    $.doc_comment,
    $.file_doc_comment,
  ],

  conflicts: $ => [
    // `-> T | null` makes `T` nullable; `-> T | NotFound` lists an error.
    [$._type_expression, $.nullable_type],
  ],

  rules: {
    source_file: $ => repeat($._item),

    _item: $ => choice(
      $.use_declaration,
      $.service_declaration,
      $.type_declaration,
      $.enum_declaration,
      $.union_declaration,
      $.error_declaration,
      $.route_declaration,
      $.versions_declaration,
    ),

    // ---- Comments -------------------------------------------------------

    // `//` and `////` lines; `///` and `//!` are documentation.
    comment: _ => token(choice(
      seq('//', optional(seq(/[^/!\n]/, /[^\n]*/))),
      seq('////', /[^\n]*/),
    )),
    block_comment: _ => token(seq('/*', /[^*]*\*+([^/*][^*]*\*+)*/, '/')),
    doc_comment: _ => token(seq('///', optional(seq(/[^/\n]/, /[^\n]*/)))),
    file_doc_comment: _ => token(seq('//!', /[^\n]*/)),

    // ---- Items ----------------------------------------------------------

    use_declaration: $ => seq('use', field('path', $.string)),

    service_declaration: $ => seq(
      'service',
      field('name', $.identifier),
      field('body', $.settings_block),
    ),

    type_declaration: $ => seq(
      'type',
      field('name', $._type_name),
      optional(field('parameters', $.type_parameters)),
      repeat($.attribute),
      choice(
        field('body', $.record_body),
        seq('=', field('value', choice($.derived_type, $.type_alias))),
      ),
    ),

    type_parameters: $ => seq('<', commaSep1($._type_name), optional(','), '>'),

    // `= User without { id, created_at }`.
    derived_type: $ => seq(
      field('base', $._type_name),
      'without',
      '{',
      commaList(field('field', $.identifier)),
      '}',
    ),

    type_alias: $ => seq($._type_expression, repeat($.attribute)),

    record_body: $ => block(choice($.spread, $.field)),

    spread: $ => seq('...', field('type', $._type_name)),

    field: $ => seq(
      field('name', $.identifier),
      optional($.optional_mark),
      ':',
      field('type', $._type_expression),
      repeat($.attribute),
      optional(seq('=', field('default', $._literal))),
    ),

    optional_mark: _ => '?',

    enum_declaration: $ => seq(
      'enum',
      field('name', $._type_name),
      repeat($.attribute),
      field('body', $.enum_body),
    ),

    enum_body: $ => block($.enum_value),

    enum_value: $ => seq(field('name', $.identifier), repeat($.attribute)),

    union_declaration: $ => seq(
      'union',
      field('name', $._type_name),
      repeat($.attribute),
      field('body', $.union_body),
    ),

    union_body: $ => block($.variant),

    variant: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $._type_expression),
    ),

    error_declaration: $ => seq(
      'error',
      field('name', $._type_name),
      field('status', $._literal),
      optional(field('body', $.record_body)),
    ),

    // ---- Service settings -----------------------------------------------

    settings_block: $ => block($._setting),

    _setting: $ => choice($.auth_setting, $.limits_setting, $.setting),

    setting: $ => seq(field('name', $.identifier), field('value', $._setting_value)),

    _setting_value: $ => choice(
      $.settings_block,
      $.string,
      $.date,
      $.size,
      $.duration,
      $.number,
      $.boolean,
      $.null,
      $.list,
      $.identifier,
    ),

    auth_setting: $ => seq('auth', $._auth_spec),

    // `auth bearer`, `auth api_key "X-Api-Key" -> Caller scopes ["a"]`,
    // `auth jwt { … } -> Caller`, or `auth scopes ["a"]`.
    _auth_spec: $ => choice(
      $.auth_scopes,
      seq(
        field('scheme', $.identifier),
        optional(field('name', $.string)),
        optional($.jwt_block),
        optional($.auth_principal),
        optional($.auth_scopes),
      ),
    ),

    jwt_block: $ => block(choice($.jwt_keys, $.setting)),

    jwt_keys: $ => seq('keys', 'env', field('variable', choice($.identifier, $.string))),

    auth_principal: $ => seq('->', field('type', $._type_name)),

    auth_scopes: $ => seq('scopes', '[', commaList($.string), ']'),

    limits_setting: $ => seq('limits', $.limits_block),

    limits_block: $ => block(choice($.rate_limit, $.setting)),

    // `rate 100/s burst 200 per client`.
    rate_limit: $ => seq('rate', $.rate, repeat($.rate_option)),

    rate: $ => seq(
      field('amount', $.number),
      optional(seq(token.immediate('/'), optional(field('unit', alias($._immediate_identifier, $.unit))))),
    ),

    rate_option: $ => seq(choice('burst', 'per'), field('value', $._literal)),

    // ---- Types ----------------------------------------------------------

    _type_expression: $ => choice($._type_atom, $.nullable_type),

    nullable_type: $ => seq($._type_atom, '|', $.null),

    _type_atom: $ => choice(
      $.list_type,
      $.map_type,
      $.generic_type,
      $.constant_type,
      $.primitive_type,
      $._type_name,
    ),

    list_type: $ => seq('[', field('item', $._type_expression), repeat($.attribute), ']'),

    map_type: $ => seq(
      'map',
      '<',
      field('key', $._type_expression),
      ',',
      field('value', $._type_expression),
      repeat($.attribute),
      '>',
    ),

    // `Page<Charge>`: a generic record with its type arguments.
    generic_type: $ => seq(field('name', $._type_name), $.type_arguments),

    type_arguments: $ => seq('<', commaSep1($._type_expression), optional(','), '>'),

    // `object: "charge"`: a field that always holds this string.
    constant_type: $ => $.string,

    primitive_type: _ => choice(...PRIMITIVES),

    _type_name: $ => alias($.identifier, $.type_identifier),

    // ---- Attributes -----------------------------------------------------

    // `@readonly`, `@len(1..=100)`: no space after `@` or before `(`.
    attribute: $ => seq(
      '@',
      field('name', alias($._immediate_identifier, $.identifier)),
      optional($.attribute_arguments),
    ),

    attribute_arguments: $ => seq(
      token.immediate('('),
      commaList(choice($.range, $._literal)),
      ')',
    ),

    // `1..=100`, `..=254`, `1..`, `0<..1`.
    range: $ => seq(
      optional(field('start', $.number)),
      optional('<'),
      choice('..=', '..'),
      optional(field('end', $.number)),
    ),

    _immediate_identifier: _ => token.immediate(/[A-Za-z_][A-Za-z0-9_]*/),

    // ---- Routes ---------------------------------------------------------

    route_declaration: $ => seq(
      'route',
      field('name', $.identifier),
      field('method', $.http_method),
      field('path', $.path),
      repeat($.attribute),
      optional($.arrow),
      optional(field('body', $.route_block)),
    ),

    http_method: _ => choice(...METHODS),

    // `/`, `/users/{id: uuid}/avatar`: no spaces between the segments.
    path: $ => seq(
      '/',
      optional(seq(
        $._path_segment,
        repeat(seq(token.immediate('/'), $._path_segment)),
      )),
    ),

    _path_segment: $ => choice($.path_literal, $.path_parameter),

    // Above keywords: `/type` is a segment, not the item keyword `type`.
    path_literal: _ => token.immediate(prec(1, /[A-Za-z0-9._~-]+/)),

    path_parameter: $ => seq(
      token.immediate('{'),
      field('name', $.identifier),
      optional(seq(':', field('type', $._type_expression), repeat($.attribute))),
      '}',
    ),

    // `-> User | NotFound`: the success type, then errors.
    arrow: $ => seq(
      '->',
      field('type', $._type_expression),
      repeat(seq('|', field('error', $._type_name))),
    ),

    route_block: $ => block($._route_clause),

    _route_clause: $ => choice(
      $.body_clause,
      $.path_clause,
      $.query_clause,
      $.header_clause,
      $.cookie_clause,
      $.returns_clause,
      $.errors_clause,
      $.limits_clause,
      $.auth_clause,
    ),

    body_clause: $ => seq(
      'body',
      choice($.raw_payload, field('type', $._type_expression)),
      repeat($.attribute),
    ),

    // `bytes "image/png"`, `text`, `text "text/csv"`, `multipart { … }`,
    // `stream Event`: bodies that are not JSON.
    raw_payload: $ => choice(
      seq('bytes', field('media_type', $.string)),
      seq('text', optional(field('media_type', $.string))),
      seq('multipart', field('fields', $.fields_block)),
      seq('stream', field('type', $._type_expression)),
    ),

    path_clause: $ => seq('path', $.fields_block),

    query_clause: $ => seq('query', $.fields_block),

    header_clause: $ => seq('header', choice($.fields_block, $.field)),

    cookie_clause: $ => seq('cookie', choice($.fields_block, $.field)),

    fields_block: $ => block($.field),

    // `returns 201 Charge headers { location: url }`.
    returns_clause: $ => seq(
      'returns',
      choice(
        seq(
          field('status', $.number),
          optional(choice($.raw_payload, field('type', $._type_expression))),
        ),
        $.raw_payload,
        field('type', $._type_expression),
      ),
      optional($.response_headers),
    ),

    response_headers: $ => seq('headers', $.fields_block),

    // A trailing comma belongs to the clause: `errors A, B,` then `}`.
    errors_clause: $ => prec.right(seq(
      'errors',
      commaSep1(field('error', $._type_name)),
      optional(','),
    )),

    limits_clause: $ => seq('limits', $.limits_block),

    auth_clause: $ => seq('auth', $._auth_spec),

    // ---- Versions -------------------------------------------------------

    versions_declaration: $ => seq('versions', field('body', $.versions_block)),

    versions_block: $ => block($.version),

    version: $ => seq(
      field('date', $.date),
      optional(field('title', $.string)),
      repeat(choice($.deprecation, $.sunset)),
      optional(field('changes', $.changes_block)),
    ),

    deprecation: $ => seq('deprecated', optional(seq('since', field('date', $.date)))),

    sunset: $ => seq('sunset', field('date', $.date)),

    changes_block: $ => block($.change),

    change: $ => seq(
      field('target', choice($.route_target, $.type_target, $.member_target)),
      field('kind', $._change_kind),
    ),

    route_target: $ => seq('route', field('name', $.identifier)),

    type_target: $ => seq('type', field('name', $._type_name)),

    // `Customer.fax: string | null`: a member, with its old type when it
    // was removed.
    member_target: $ => seq(
      field('type', $._type_name),
      '.',
      field('member', $.identifier),
      optional(seq(':', field('member_type', $._type_expression), repeat($.attribute))),
    ),

    _change_kind: $ => choice(
      $.added,
      $.removed,
      $.renamed,
      $.moved,
      $.made_optional,
      $.made_required,
      $.refined,
      $.retyped,
      $.converted,
    ),

    added: $ => seq('added', repeat(choice($.default_clause, $.fallback_clause))),

    removed: $ => seq(
      'removed',
      repeat(choice($.default_clause, $.map_clause, $.via_clause)),
      optional($.retired_route),
    ),

    // A removed route's declaration as it was.
    retired_route: $ => seq(
      field('method', $.http_method),
      field('path', $.path),
      repeat($.attribute),
      optional($.arrow),
      optional(field('body', $.route_block)),
    ),

    renamed: $ => seq('renamed', 'from', field('from', $.identifier)),

    moved: $ => seq('moved', 'from', field('method', $.http_method), field('path', $.path)),

    made_optional: $ => seq('made', 'optional', optional($.default_clause)),

    made_required: $ => seq('made', 'required', optional($.default_clause)),

    refined: $ => seq('refined', 'from', repeat1($.attribute)),

    retyped: $ => seq(
      'changed',
      'from',
      field('from', $._type_expression),
      repeat($.attribute),
      optional($.via_clause),
    ),

    // `type Charge changed via charge_v3`.
    converted: $ => seq('changed', $.via_clause),

    default_clause: $ => seq('default', field('value', $._literal)),

    fallback_clause: $ => seq('fallback', field('value', $.identifier)),

    map_clause: $ => seq('map', field('value', $.identifier)),

    via_clause: $ => seq('via', field('converter', $.identifier)),

    // ---- Literals -------------------------------------------------------

    _literal: $ => choice(
      $.string,
      $.date,
      $.size,
      $.duration,
      $.number,
      $.boolean,
      $.null,
      $.list,
      $.object,
      $.identifier,
    ),

    list: $ => seq('[', commaList($._literal), ']'),

    object: $ => seq('{', commaList($.pair), '}'),

    pair: $ => seq(field('key', $.identifier), ':', field('value', $._literal)),

    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence)),
      token.immediate('"'),
    ),

    string_content: _ => token.immediate(prec(1, /[^"\\\n]+/)),

    escape_sequence: _ => token.immediate(seq(
      '\\',
      choice(/["\\/nrt0]/, /u\{[0-9a-fA-F]{1,6}\}/),
    )),

    date: _ => /\d{4}-\d{2}-\d{2}/,

    size: _ => /\d+(KiB|MiB|GiB|KB|MB|GB|B)/,

    duration: _ => /\d+(ms|s|m|h)/,

    number: _ => /-?\d+(\.\d+)?([eE][+-]?\d+)?/,

    boolean: _ => choice('true', 'false'),

    null: _ => 'null',

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});
