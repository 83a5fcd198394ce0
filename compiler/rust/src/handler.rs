//! The handlers of `routes.rs`: `Router::handle_<route>` runs one route
//! between admission and the response. It reads the request into the API's
//! input (parameters, then the body by its format, then refinements, then an
//! old version's values converted to the head's), calls the API in its
//! `handler` span, and answers: the success value encoded with its headers,
//! or the declared error's problem, converted back for an old version.

use gatic_ir::{BodyFormat, Param, ParamLocation, Route, Ty, TyKind, Value, ident};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::api::{error_ident, request_ident};
use crate::context::{Context, Scope, lit_u64, type_ident, value_ident};
use crate::types::{default_value, encode_shape, map_shape};
use crate::validate::{Checks, Expr};
use crate::versions::History;

/// How an old version's handler reaches the head: the version, the head
/// route, and the turbofish conversions are called with.
pub(crate) struct Plan<'p, 'c, 'a> {
    pub(crate) history: &'p History<'c, 'a>,
    pub(crate) k: usize,
    pub(crate) head: &'p Route,
    pub(crate) generic: &'p TokenStream,
}

impl Plan<'_, '_, '_> {
    /// One type per version from `k` to the head, picked from each version's route.
    fn tys(&self, pick: impl Fn(&Route) -> Option<Ty>) -> Option<Vec<Ty>> {
        (self.k..=self.history.head_index())
            .map(|j| self.history.route_shape_at(j, self.head).and_then(&pick))
            .collect()
    }
}

/// The name of the head's handler of `route`.
pub(crate) fn handler_ident(route: &Route) -> Ident {
    format_ident!("handle_{}", ident::snake(&route.name))
}

/// The name of the handler of `route` at the old version of `date`.
pub(crate) fn versioned_handler_ident(route: &Route, date: &str) -> Ident {
    format_ident!(
        "handle_{}_{}",
        ident::snake(&route.name),
        date.replace('-', "_")
    )
}

/// `Router::handle_<route>`: everything between admission and the response.
/// With a `plan`, the handler of an old version: `cx`, `checks` and `route`
/// are that version's, and values are converted to and from the head's types
/// around the call.
pub(crate) fn handler(
    cx: &Context,
    checks: &Checks,
    route: &Route,
    plan: Option<&Plan>,
) -> TokenStream {
    let head = plan.map_or(route, |p| p.head);
    Handler {
        cx,
        checks,
        route,
        head,
        plan,
    }
    .generate()
}

/// One handler being generated, which each of its stages reads.
struct Handler<'h, 'c, 'a> {
    /// The version's context (the head's, without a plan).
    cx: &'h Context<'a>,
    /// The version's checks.
    checks: &'h Checks<'c, 'a>,
    /// The route as the version defines it: what the request holds.
    route: &'h Route,
    /// The head's route: the API method, its input and its errors.
    head: &'h Route,
    /// How an old version's values reach the head; `None` at the head.
    plan: Option<&'h Plan<'h, 'c, 'a>>,
}

/// The statements that read the request into the API's input, as the
/// stages add them, and what they ask of the function around them.
#[derive(Default)]
struct Decoding {
    /// The statements, in order.
    body: TokenStream,
    /// Whether they read the request.
    uses_request: bool,
    /// Whether they collect violations, which then need declaring.
    violations: bool,
}

/// One parameter being read: the parameter, its local, its type without
/// the nullability its absence stands for, the `runtime::Location` it is
/// read from and the expression of its text there.
struct ParamRead<'p> {
    param: &'p Param,
    local: Ident,
    ty: Ty,
    location: TokenStream,
    text: TokenStream,
}

/// The statement that leaves the input's labeled block with `answer`: the
/// handler reads its request before its future exists (the runtime has
/// already authenticated it, from the head, in `authenticate`), so the
/// future holds only the typed input, and early answers leave as `Err`.
fn exit(answer: TokenStream) -> TokenStream {
    quote!(break 'input ::std::result::Result::Err(#answer))
}

/// Leaves the input's block with the problem `problem` in scope.
fn exit_problem() -> TokenStream {
    exit(quote!(problem.into_response()))
}

/// Leaves the input's block with a problem of `status` listing every
/// violation collected, as a statement.
fn exit_invalid(status: u16) -> TokenStream {
    let status = proc_macro2::Literal::u16_unsuffixed(status);
    let exit = exit(quote!(
        runtime::Problem::invalid(#status, violations).into_response()
    ));
    quote!(#exit;)
}

/// The local a parameter is read into.
fn param_local(param: &Param) -> Ident {
    format_ident!("param_{}", ident::snake(&param.name))
}

impl Handler<'_, '_, '_> {
    /// The handler: its input read in a labeled block (the `decode` span,
    /// then the conversions), and the API's answer encoded in the future.
    /// A route that reads nothing builds its input directly.
    fn generate(&self) -> TokenStream {
        let name = match self.plan {
            Some(p) => versioned_handler_ident(self.head, p.history.date(p.k)),
            None => handler_ident(self.route),
        };
        let mut decoding = Decoding::default();
        let param_checks = self.params(&mut decoding);
        let body_checks = self.body(&mut decoding);
        if let Some(validation) = validation(&body_checks, &param_checks) {
            decoding.violations = true;
            decoding.body.extend(validation);
        }
        let convert = self.convert_forward();
        let ok = self.success_arm();
        let error_arms = self.error_arms();
        let request_param = if decoding.uses_request || self.etag() {
            quote!(request)
        } else {
            quote!(_request)
        };
        let method = value_ident(&self.head.name);
        // The handler in its `handler` span.
        let answer = quote! {
            let handler = runtime::handler_span(ctx);
            match handler.end_with(self.api.#method(ctx, input).await) {
                #ok
                ::std::result::Result::Err(error) => match error {
                    #(#error_arms)*
                },
            }
        };
        let input = self.input();
        let (input, unwrap) = if decoding.body.is_empty() && convert.is_empty() {
            (input, TokenStream::new())
        } else {
            let violations_decl = decoding
                .violations
                .then(|| quote!(let mut violations = runtime::Violations::new();));
            let body = decoding.body;
            // Reading the parameters and the body is the `decode` span.
            (
                quote! {
                    'input: {
                        let decode = runtime::decode_span(ctx);
                        #violations_decl
                        #body
                        decode.end();
                        #convert
                        ::std::result::Result::Ok(#input)
                    }
                },
                quote! {
                    let input = match input {
                        ::std::result::Result::Ok(input) => input,
                        ::std::result::Result::Err(answer) => return answer,
                    };
                },
            )
        };
        quote! {
            fn #name<'a>(
                &'a self,
                #request_param: &'a runtime::Request,
                ctx: &'a runtime::Ctx,
            ) -> impl ::std::future::Future<Output = runtime::Response> + Send + 'a {
                let input = #input;
                async move {
                    #unwrap
                    #answer
                }
            }
        }
    }

    /// The API's input: the head's request type, from the parameters' locals
    /// and the body.
    fn input(&self) -> TokenStream {
        let request_ty = request_ident(self.head);
        let fields = self.head.params.iter().map(|param| {
            let id = value_ident(&param.name);
            let local = param_local(param);
            quote!(#id: #local)
        });
        let body_field = self.head.body.as_ref().map(|_| quote!(body));
        let all_fields = fields.chain(body_field);
        quote!(crate::api::#request_ty { #(#all_fields),* })
    }

    /// Parameters: every one parsed, then a 400 with every failure. Adds
    /// the reading to `out`; returns the parameters' refinement checks,
    /// which run later together with the body's.
    fn params(&self, out: &mut Decoding) -> TokenStream {
        let route = self.route;
        if route
            .params
            .iter()
            .any(|p| p.location == ParamLocation::Query)
        {
            out.body
                .extend(quote!(let query = runtime::Query::parse(request);));
        }
        let mut refinement_checks = TokenStream::new();
        let mut required = Vec::new();
        let mut path_index = 0usize;
        for param in &route.params {
            out.uses_request = true;
            let mut ty = param.ty.clone();
            ty.nullable = false;
            let (location, text) = param_source(param, &mut path_index);
            let read = ParamRead {
                param,
                local: param_local(param),
                ty,
                location,
                text,
            };
            let resolved = self.cx.resolve(&read.ty);
            let list = matches!(resolved.kind, TyKind::List(_));
            match (resolved.kind, param.location) {
                (TyKind::List(item), ParamLocation::Query) => {
                    out.body.extend(self.query_list(&read, item));
                }
                _ => {
                    let (statement, is_required) = self.single_param(&read);
                    out.body.extend(statement);
                    if is_required {
                        required.push(read.local.clone());
                    }
                }
            }
            refinement_checks.extend(self.param_refinements(&read, list));
        }
        out.body.extend(unwrap_required(&required));
        if !route.params.is_empty() {
            out.violations = true;
            let invalid_400 = exit_invalid(400);
            out.body.extend(quote! {
                if !violations.is_empty() {
                    #invalid_400
                }
            });
        }
        refinement_checks
    }

    /// A query parameter that is a list: every occurrence of its key, each
    /// parsed as an item. None at all takes the default, or is the
    /// runtime's own `required` violation (for the same pointer and
    /// message) when the parameter is required.
    fn query_list(&self, read: &ParamRead, item: &Ty) -> TokenStream {
        let ParamRead {
            param,
            local,
            location,
            ..
        } = read;
        let wire = &param.wire_name;
        let item_ty = self.cx.ty(item, Scope::Crate);
        let mut statements = quote! {
            let mut #local: ::std::vec::Vec<#item_ty> = ::std::vec::Vec::new();
            for text in query.get_all(#wire) {
                if let ::std::option::Option::Some(item) = runtime::param(
                    ::std::option::Option::Some(text),
                    #location,
                    #wire,
                    true,
                    &mut violations,
                ) {
                    #local.push(item);
                }
            }
        };
        if let Some(default) = &param.default {
            let default = default_value(self.cx, default, &read.ty, false, Scope::Crate);
            statements.extend(quote! {
                if #local.is_empty() {
                    #local = #default;
                }
            });
        } else if !param.optional {
            statements.extend(quote! {
                if #local.is_empty() {
                    let _: ::std::option::Option<#item_ty> =
                        runtime::param(::std::option::Option::None, #location, #wire, true, &mut violations);
                }
            });
        }
        statements
    }

    /// A parameter read once: parsed from its text (a declared header whose
    /// value is not visible ASCII is a 400, not an absent header), its
    /// default taken when absent (`unwrap_or` for a cheap one). The
    /// statement, and whether the parameter is required, so still an
    /// `Option` to unwrap once every parameter is read.
    fn single_param(&self, read: &ParamRead) -> (TokenStream, bool) {
        let ParamRead {
            param,
            local,
            ty,
            location,
            text,
        } = read;
        let wire = &param.wire_name;
        let rust = self.cx.ty(ty, Scope::Crate);
        let is_required = !param.optional && param.default.is_none();
        let parse = if param.location == ParamLocation::Header {
            quote!(runtime::header_param(request, #wire, #is_required, &mut violations))
        } else {
            quote!(runtime::param(#text, #location, #wire, #is_required, &mut violations))
        };
        let default = param.default.as_ref().map(|v| {
            (
                default_value(self.cx, v, ty, false, Scope::Crate),
                is_cheap(v),
            )
        });
        let (parse, local_ty) = match default {
            Some((default, true)) => (quote!(#parse.unwrap_or(#default)), rust),
            Some((default, false)) => (quote!(#parse.unwrap_or_else(|| #default)), rust),
            None => (parse, quote!(::std::option::Option<#rust>)),
        };
        (quote!(let #local: #local_ty = #parse;), is_required)
    }

    /// A parameter's refinement checks, at its wire name and relocated to
    /// its location; inside its `Option` when it may be absent without a
    /// default (a `list` is empty instead). Empty when there are none.
    fn param_refinements(&self, read: &ParamRead, list: bool) -> TokenStream {
        let ParamRead {
            param,
            local,
            ty,
            location,
            ..
        } = read;
        let wire = &param.wire_name;
        let wrapped = param.optional && param.default.is_none() && !list;
        let inner = self.checks.value(
            Expr::Place(quote!(#local)),
            ty,
            false,
            1,
            usize::from(wrapped),
        );
        if inner.is_empty() {
            return inner;
        }
        quote! {
            let start = out.mark();
            {
                let at = &at.field(#wire);
                #inner
            }
            out.relocate(start, #location);
        }
    }

    /// The body: decoded by the runtime (415, 400 or 422 on failure) as its
    /// format says. Adds the decoding to `out`; returns the body's
    /// refinement checks (a JSON body's; empty for the other formats).
    fn body(&self, out: &mut Decoding) -> TokenStream {
        let Some(ty) = &self.route.body else {
            return TokenStream::new();
        };
        out.uses_request = true;
        match &self.route.body_format {
            BodyFormat::Multipart { parts } => {
                out.violations = true;
                out.body.extend(self.multipart_body(parts));
                TokenStream::new()
            }
            // A raw body: as it arrived (bytes), or checked to be UTF-8 (text).
            BodyFormat::Bytes { media } => {
                out.body.extend(raw_body(
                    quote!(runtime::Bytes),
                    quote!(runtime::decode_bytes),
                    media,
                ));
                TokenStream::new()
            }
            BodyFormat::Text { media } => {
                out.body.extend(raw_body(
                    quote!(::std::string::String),
                    quote!(runtime::decode_text),
                    media,
                ));
                TokenStream::new()
            }
            BodyFormat::Json | BodyFormat::EventStream => {
                out.body.extend(self.json_body(ty));
                self.checks
                    .value(Expr::Place(quote!(body)), ty, false, 1, 0)
            }
        }
    }

    /// A multipart form: each declared part taken by name (files by media
    /// type, values like query parameters), every other part a violation;
    /// 400 with them all, then the form's struct from the parts.
    fn multipart_body(&self, parts: &[gatic_ir::Part]) -> TokenStream {
        let invalid_400 = exit_invalid(400);
        let form_ty = crate::api::form_ident(self.head);
        let mut reads = Vec::new();
        let mut unwraps = Vec::new();
        let mut fields = Vec::new();
        for part in parts {
            let local = format_ident!("part_{}", ident::snake(&part.name));
            let field = value_ident(&part.name);
            let name = &part.name;
            let required = !part.optional;
            match &part.kind {
                gatic_ir::PartKind::File { accept } => {
                    reads.push(
                        quote!(let #local = form.file(#name, #accept, #required, &mut violations);),
                    );
                }
                gatic_ir::PartKind::Value { ty } => {
                    let rust = self.cx.ty(ty, Scope::Crate);
                    reads.push(quote!(let #local: ::std::option::Option<#rust> = form.value(#name, #required, &mut violations);));
                }
            }
            if required {
                unwraps.push(quote! {
                    let ::std::option::Option::Some(#local) = #local else {
                        #invalid_400
                    };
                });
            }
            fields.push(quote!(#field: #local));
        }
        let exit_problem = exit_problem();
        quote! {
            let mut form = match runtime::decode_multipart(request) {
                ::std::result::Result::Ok(form) => form,
                ::std::result::Result::Err(problem) => #exit_problem,
            };
            #(#reads)*
            form.finish(&mut violations);
            if !violations.is_empty() {
                #invalid_400
            }
            #(#unwraps)*
            let body = crate::api::#form_ty { #(#fields),* };
        }
    }

    /// A JSON body of type `ty`. Records check their own map fields; a body
    /// that is a map (or holds one outside a record) decodes through its
    /// shape, so a repeated key is refused as in a record's field.
    fn json_body(&self, ty: &Ty) -> TokenStream {
        let cx = self.cx;
        let rust = cx.ty(ty, Scope::Crate);
        let decode = if is_object(cx, ty) {
            quote!(runtime::decode_json_object)
        } else if let Some(shape) = map_shape(cx, ty, false, Scope::Crate, 0) {
            quote!(runtime::decode_json_shaped::<#shape>)
        } else {
            quote!(runtime::decode_json)
        };
        let exit_problem = exit_problem();
        quote! {
            let body: #rust = match #decode(request) {
                ::std::result::Result::Ok(body) => body,
                ::std::result::Result::Err(problem) => #exit_problem,
            };
        }
    }

    /// An old version's values, converted forward to the head's types, each
    /// step in a `convert` span (after the `decode` span has ended): every
    /// parameter whose type changed, then the body. A value the head cannot
    /// represent is the version's request problem. Empty at the head.
    fn convert_forward(&self) -> TokenStream {
        let mut convert = TokenStream::new();
        let Some(plan) = self.plan else {
            return convert;
        };
        let date = plan.history.date(plan.k);
        let unconvertible = exit(quote!(error.request_problem(#date)));
        for param in &self.route.params {
            let local = param_local(param);
            let tys = plan.tys(|r| {
                let p = r.params.iter().find(|p| p.name == param.name)?;
                let mut ty = p.ty.clone();
                let list = matches!(ty.kind, TyKind::List(_));
                ty.nullable = p.optional && p.default.is_none() && !list;
                Some(ty)
            });
            let chain = tys.and_then(|tys| {
                plan.history
                    .forward_chain(plan.k, &tys, quote!(#local), plan.generic, true)
            });
            if let Some(chain) = chain {
                convert.extend(quote! {
                    let #local = match runtime::try_convert(move || { #chain }) {
                        ::std::result::Result::Ok(value) => value,
                        ::std::result::Result::Err(error) => #unconvertible,
                    };
                });
            }
        }
        let chain = plan.tys(|r| r.body.clone()).and_then(|tys| {
            plan.history
                .forward_chain(plan.k, &tys, quote!(body), plan.generic, true)
        });
        if let Some(chain) = chain {
            convert.extend(quote! {
                let body = match runtime::try_convert(move || { #chain }) {
                    ::std::result::Result::Ok(value) => value,
                    ::std::result::Result::Err(error) => #unconvertible,
                };
            });
        }
        convert
    }

    /// The old version's date; `None` at the head.
    fn date(&self) -> Option<&str> {
        self.plan.map(|p| p.history.date(p.k))
    }

    /// A response value of an old version, converted back from the head's
    /// type (`tys` from the version to the head); `traced` puts each step in
    /// a `convert` span (not for events, which are converted after the
    /// request's span has ended). `None` at the head, or when no step
    /// changes the type.
    fn back(&self, tys: Option<Vec<Ty>>, value: TokenStream, traced: bool) -> Option<TokenStream> {
        let plan = self.plan?;
        plan.history
            .backward_chain(plan.k, &tys?, value, plan.generic, traced)
    }

    /// The success body's types from the version to the head.
    fn returns_tys(&self) -> Option<Vec<Ty>> {
        self.plan.and_then(|p| p.tys(|r| r.returns.clone()))
    }

    /// The success response of `value` (a reference to the returned value)
    /// as the route's format says: serialized JSON (through its shape when
    /// it holds a scalar the runtime writes), raw bytes shared rather than
    /// copied, text copied once; empty without a body.
    fn respond(&self, value: TokenStream) -> TokenStream {
        let status = lit_u64(u64::from(self.route.status));
        match (&self.route.returns, &self.route.returns_format) {
            // The checker refuses multipart responses.
            (None, _) | (Some(_), BodyFormat::Multipart { .. }) => {
                quote!(runtime::empty_response(#status))
            }
            (Some(ty), BodyFormat::Json) => match encode_shape(self.cx, ty, false, Scope::Crate) {
                Some(shape) => quote!(runtime::json_response(
                    #status,
                    &runtime::Encoded::<#shape>::new(#value),
                )),
                None => quote!(runtime::json_response(#status, #value)),
            },
            (Some(_), BodyFormat::Bytes { media }) => {
                quote!(runtime::raw_response(#status, #media, ::std::clone::Clone::clone(#value)))
            }
            // Streams are answered in `stream_arm`, where the events are taken out.
            (Some(_), BodyFormat::EventStream) => quote!(runtime::empty_response(500)),
            (Some(_), BodyFormat::Text { media }) => {
                let content_type = format!("{media}; charset=utf-8");
                quote!(runtime::raw_response(
                    #status,
                    #content_type,
                    runtime::Bytes::from(::std::string::String::clone(#value)),
                ))
            }
        }
    }

    /// The statements that write the head's declared response headers from
    /// `headers` into `out`. A version's clients get the head's headers
    /// too: a header a client does not know is one it ignores. An optional
    /// header without a default is written only when set; a UUID, date or
    /// decimal is written by the runtime, through its shape.
    fn declared_headers(&self) -> Vec<TokenStream> {
        let head_cx = self
            .plan
            .map_or(self.cx, |p| p.history.cx(p.history.head_index()));
        self.head
            .response_headers
            .iter()
            .map(|param| {
                let name = param.wire_name.to_ascii_lowercase();
                let field = value_ident(&param.name);
                let list = matches!(self.cx.resolve(&param.ty).kind, TyKind::List(_));
                let mut ty = param.ty.clone();
                ty.nullable = false;
                let text =
                    |value: TokenStream| match encode_shape(head_cx, &ty, false, Scope::Crate) {
                        Some(shape) => quote!(&runtime::Encoded::<#shape>::new(#value)),
                        None => value,
                    };
                if param.optional && param.default.is_none() && !list {
                    let value = text(quote!(value));
                    quote! {
                        if let ::std::option::Option::Some(value) = &headers.#field {
                            runtime::put_header(out, #name, #value)?;
                        }
                    }
                } else {
                    let value = text(quote!(&headers.#field));
                    quote!(runtime::put_header(out, #name, #value)?;)
                }
            })
            .collect()
    }

    /// Whether the head declares response headers.
    fn has_headers(&self) -> bool {
        !self.head.response_headers.is_empty()
    }

    /// Whether a `GET` answers `If-None-Match` with a 304: when it declares
    /// an `ETag` response header.
    fn etag(&self) -> bool {
        self.route.method == gatic_ir::Method::Get
            && self
                .head
                .response_headers
                .iter()
                .any(|p| p.wire_name.eq_ignore_ascii_case("etag"))
    }

    /// The success answer around `response`: the declared headers written
    /// (a header that cannot be written is the handler's problem), then any
    /// the handler added, then the `ETag` comparison when there is one.
    fn finish(&self, response: TokenStream) -> TokenStream {
        let response = if self.has_headers() {
            let declared = self.declared_headers();
            quote! {{
                let mut response = #response;
                let out = response.headers_mut();
                let written = (|| -> ::std::result::Result<(), runtime::Problem> {
                    #(#declared)*
                    ::std::result::Result::Ok(())
                })();
                match written {
                    ::std::result::Result::Ok(()) => response,
                    ::std::result::Result::Err(problem) => return problem.into_response(),
                }
            }}
        } else {
            response
        };
        let response = quote!(extra.finish(#response));
        if self.etag() {
            quote!(runtime::not_modified(request, #response))
        } else {
            response
        }
    }

    /// The statement that splits the handler's `Reply` into its value, its
    /// declared headers (none without any) and what the handler added.
    fn split(&self) -> TokenStream {
        if self.has_headers() {
            quote!(let (value, headers, extra) = reply.split();)
        } else {
            quote!(let (value, (), extra) = reply.split();)
        }
    }

    /// The `match` arm of the API's success, by what the route returns: a
    /// stream, a value, headers alone, or nothing.
    fn success_arm(&self) -> TokenStream {
        let stream =
            self.route.returns.is_some() && self.route.returns_format == BodyFormat::EventStream;
        match (&self.route.returns, self.has_headers()) {
            (Some(_), _) if stream => self.stream_arm(),
            (Some(_), _) => self.value_arm(),
            (None, true) => {
                let answer = self.finish(self.respond(TokenStream::new()));
                quote! {
                    ::std::result::Result::Ok(reply) => {
                        let (_, headers, extra) = reply.split();
                        #answer
                    }
                }
            }
            (None, false) => {
                let status = lit_u64(u64::from(self.route.status));
                quote!(::std::result::Result::Ok(()) => runtime::empty_response(#status),)
            }
        }
    }

    /// The success arm of a stream: its events are written one by one as
    /// they come, each converted back first for an old version; an event
    /// the version cannot represent ends the stream with an `error` event.
    /// A handler that shares its `Events` elsewhere has none to give.
    fn stream_arm(&self) -> TokenStream {
        // An event that is a scalar the runtime writes goes through its
        // shape, as a JSON body does.
        let json = match self
            .route
            .returns
            .as_ref()
            .and_then(|ty| encode_shape(self.cx, ty, false, Scope::Crate))
        {
            Some(shape) => {
                quote!(runtime::event_json(&runtime::Encoded::<#shape>::new(&event)))
            }
            None => quote!(runtime::event_json(&event)),
        };
        let date = self.date();
        let encode = match self.back(self.returns_tys(), quote!(event), false) {
            Some(chain) => quote! {
                move |event| match runtime::try_convert(move || { #chain }) {
                    ::std::result::Result::Ok(event) => #json,
                    ::std::result::Result::Err(error) => {
                        ::std::result::Result::Err(error.event_problem(#date))
                    }
                }
            },
            None => quote!(|event| #json),
        };
        let answer = self.finish(quote!(runtime::event_stream(
            value.into_owned().unwrap_or_default(),
            #encode,
        )));
        let split = self.split();
        quote! {
            ::std::result::Result::Ok(reply) => {
                #split
                #answer
            }
        }
    }

    /// The success arm of a value: the handler's `Reply` is serialized
    /// where it lies at the head; an old version's conversion takes the
    /// value out (copying it only if the handler shares it), and a value
    /// the version cannot represent is its response problem.
    fn value_arm(&self) -> TokenStream {
        let split = self.split();
        match self.back(self.returns_tys(), quote!(value.into_inner()), true) {
            Some(chain) => {
                let date = self.date();
                let answer = self.finish(self.respond(quote!(&value)));
                quote! {
                    ::std::result::Result::Ok(reply) => {
                        #split
                        match runtime::try_convert(move || { #chain }) {
                            ::std::result::Result::Ok(value) => #answer,
                            ::std::result::Result::Err(error) => error.response_problem(#date),
                        }
                    }
                }
            }
            None => {
                let answer = self.finish(self.respond(quote!(&*value)));
                quote! {
                    ::std::result::Result::Ok(reply) => {
                        #split
                        #answer
                    }
                }
            }
        }
    }

    /// One `match` arm per error the head route declares: its problem, with
    /// the payload converted back first for an old version.
    fn error_arms(&self) -> Vec<TokenStream> {
        let error_ty = error_ident(self.head);
        self.head
            .errors
            .iter()
            .map(|name| self.error_arm(&error_ty, name))
            .collect()
    }

    /// The arm of error `name` (a variant of `error_ty`): a problem of the
    /// error's status and URI, its payload the body.
    fn error_arm(&self, error_ty: &Ident, name: &str) -> TokenStream {
        let cx = self.cx;
        let variant = type_ident(name);
        let status = lit_u64(u64::from(cx.api.error(name).map_or(500, |e| e.status)));
        let uri = gatic_ir::wire::problem_type(&cx.spec.service.name, name);
        let tys = self.plan.and_then(|p| {
            (p.k..=p.history.head_index())
                .map(|j| {
                    p.history.api(j).error(name).map(|_| Ty {
                        kind: TyKind::Named(name.to_string()),
                        nullable: false,
                        refinements: gatic_ir::Refinements::default(),
                    })
                })
                .collect::<Option<Vec<Ty>>>()
        });
        match self.back(tys, quote!(payload), true) {
            Some(chain) => {
                let date = self.date();
                quote! {
                    crate::api::#error_ty::#variant(payload) => match runtime::try_convert(move || { #chain }) {
                        ::std::result::Result::Ok(payload) => {
                            runtime::declared_problem(#status, #uri, #name, &payload)
                        }
                        ::std::result::Result::Err(error) => error.response_problem(#date),
                    },
                }
            }
            None => quote! {
                crate::api::#error_ty::#variant(payload) => {
                    runtime::declared_problem(#status, #uri, #name, &payload)
                }
            },
        }
    }
}

/// Where a parameter is read from: its `runtime::Location`, and the
/// expression of its text there. Path parameters are read by position, in
/// the order `path_index` counts.
fn param_source(param: &Param, path_index: &mut usize) -> (TokenStream, TokenStream) {
    let wire = &param.wire_name;
    match param.location {
        ParamLocation::Path => {
            let i = proc_macro2::Literal::usize_unsuffixed(*path_index);
            *path_index += 1;
            (
                quote!(runtime::Location::Path),
                quote!(::std::option::Option::Some(&*runtime::path_param(request, #i))),
            )
        }
        ParamLocation::Query => (quote!(runtime::Location::Query), quote!(query.get(#wire))),
        ParamLocation::Header => (
            quote!(runtime::Location::Header),
            quote!(runtime::header(request, #wire)),
        ),
        ParamLocation::Cookie => (
            quote!(runtime::Location::Cookie),
            quote!(runtime::cookie(request, #wire)),
        ),
    }
}

/// The statement that unwraps the required parameters' `Option`s once all
/// are read, answering 400 with every violation when one is missing.
fn unwrap_required(required: &[Ident]) -> TokenStream {
    let invalid_400 = exit_invalid(400);
    match required {
        [] => TokenStream::new(),
        [local] => quote! {
            let ::std::option::Option::Some(#local) = #local else { #invalid_400 };
        },
        _ => {
            let patterns = required
                .iter()
                .map(|l| quote!(::std::option::Option::Some(#l)));
            quote! {
                let (#(#patterns),*) = (#(#required),*) else { #invalid_400 };
            }
        }
    }
}

/// A raw body of Rust type `rust`, read by the runtime's `decode` for its
/// media type.
fn raw_body(rust: TokenStream, decode: TokenStream, media: &str) -> TokenStream {
    let exit_problem = exit_problem();
    quote! {
        let body: #rust = match #decode(request, #media) {
            ::std::result::Result::Ok(body) => body,
            ::std::result::Result::Err(problem) => #exit_problem,
        };
    }
}

/// The refinements of the body and the parameters (the body's first),
/// answered with a 422 listing every violation; `None` without any.
fn validation(body_checks: &TokenStream, param_checks: &TokenStream) -> Option<TokenStream> {
    if body_checks.is_empty() && param_checks.is_empty() {
        return None;
    }
    let invalid_422 = exit_invalid(422);
    Some(quote! {
        {
            let at = &runtime::Pointer::Root;
            let out = &mut violations;
            #body_checks
            #param_checks
        }
        if !violations.is_empty() {
            #invalid_422
        }
    })
}

/// Whether a default is cheap enough for `unwrap_or` (clippy prefers it
/// there) rather than `unwrap_or_else`.
fn is_cheap(value: &Value) -> bool {
    matches!(
        value,
        Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Enum(_) | Value::Null
    )
}

/// Whether values of `ty` are JSON objects whose serde decoder would also
/// take an array: records and tagged unions, through aliases.
fn is_object(cx: &Context, ty: &gatic_ir::Ty) -> bool {
    let mut ty = ty;
    for _ in 0..64 {
        let TyKind::Named(name) = &ty.kind else {
            return false;
        };
        match cx.api.ty(name).map(|d| &d.kind) {
            Some(gatic_ir::TypeDefKind::Record { .. }) => return true,
            Some(gatic_ir::TypeDefKind::Union { tag, .. }) => return tag.is_some(),
            Some(gatic_ir::TypeDefKind::Alias { target }) => ty = target,
            _ => return false,
        }
    }
    false
}
