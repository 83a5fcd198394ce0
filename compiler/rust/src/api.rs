//! `api.rs`: the `Api` trait handlers implement, with each route's request
//! struct and error enum.

use gatic_ir::{Auth, ParamLocation, Route, ident};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::context::{Context, Scope, docs, type_ident, value_ident};

/// `<Route>Request`.
pub(crate) fn request_ident(route: &Route) -> Ident {
    format_ident!("{}Request", ident::rust_type(&route.name))
}

/// `<Route>Error`.
pub(crate) fn error_ident(route: &Route) -> Ident {
    format_ident!("{}Error", ident::rust_type(&route.name))
}

/// `<Route>Form`: a route's multipart form.
pub(crate) fn form_ident(route: &Route) -> Ident {
    format_ident!("{}Form", ident::rust_type(&route.name))
}

/// `<Route>Headers`: the response headers a route declares.
pub(crate) fn headers_ident(route: &Route) -> Ident {
    format_ident!("{}Headers", ident::rust_type(&route.name))
}

/// Every route the `Api` trait has a method for: the head's, then the ones
/// a version removed (served at the versions before their removal), each
/// with the date of the version that removed it.
pub(crate) fn handled_routes<'a>(cx: &Context<'a>) -> Vec<(&'a Route, Option<&'a str>)> {
    let mut out: Vec<(&Route, Option<&str>)> = cx.api.routes.iter().map(|r| (r, None)).collect();
    for (j, route) in cx.spec.retired_routes() {
        out.push((route, Some(cx.spec.versions[j].date.as_str())));
    }
    out
}

/// Whether any route checks credentials (so the trait has `authenticate`).
pub(crate) fn has_auth(cx: &Context) -> bool {
    // With `auth jwt`, bearer tokens are the server's to verify.
    let verified = |auth: &Auth| cx.spec.service.jwt.is_some() && *auth == Auth::Bearer;
    handled_routes(cx)
        .iter()
        .any(|(r, _)| r.auth != Auth::None && !verified(&r.auth))
}

/// The Rust type of a parameter's field in the request struct.
pub(crate) fn param_ty(cx: &Context, param: &gatic_ir::Param) -> TokenStream {
    // Parameters are never `null`; only absence is expressible.
    let mut ty = param.ty.clone();
    ty.nullable = false;
    let rust = cx.ty(&ty, Scope::Crate);
    let list = matches!(cx.resolve(&ty).kind, gatic_ir::TyKind::List(_));
    if param.optional && param.default.is_none() && !list {
        quote!(::std::option::Option<#rust>)
    } else {
        rust
    }
}

/// The Rust type a route's handler returns on success: a
/// `runtime::Reply` of the response value, which the handler may own or
/// share, with the route's declared response headers, or `()` for a route
/// with neither a response body nor headers.
pub(crate) fn success_ty(cx: &Context, route: &Route) -> TokenStream {
    let headers = (!route.response_headers.is_empty()).then(|| {
        let id = headers_ident(route);
        quote!(, crate::api::#id)
    });
    match (&route.returns, headers) {
        (Some(ty), headers) => {
            let ty = match route.returns_format {
                gatic_ir::BodyFormat::Bytes { .. } | gatic_ir::BodyFormat::Multipart { .. } => {
                    quote!(crate::runtime::Bytes)
                }
                gatic_ir::BodyFormat::Text { .. } => quote!(::std::string::String),
                gatic_ir::BodyFormat::Json => cx.ty(ty, Scope::Crate),
                gatic_ir::BodyFormat::EventStream => {
                    let event = cx.ty(ty, Scope::Crate);
                    quote!(crate::runtime::Events<#event>)
                }
            };
            quote!(crate::runtime::Reply<#ty #headers>)
        }
        (None, Some(headers)) => quote!(crate::runtime::Reply<() #headers>),
        (None, None) => quote!(()),
    }
}

/// The items of `api.rs`.
pub(crate) fn generate(cx: &Context, converters: bool) -> TokenStream {
    let handled = handled_routes(cx);
    let methods = handled.iter().map(|&(route, removed)| {
        let method = value_ident(&route.name);
        let request = request_ident(route);
        let error = error_ident(route);
        let success = success_ty(cx, route);
        let doc = match removed {
            None => {
                let mut text = route.doc.clone().unwrap_or_else(|| {
                    format!("Handles `{} {}`.", route.method.as_str(), route.path_template())
                });
                if let (Some(returns), Some(_)) = (&route.returns_doc, &route.returns) {
                    text.push_str(&format!("\n\nOn success: {returns}"));
                }
                docs(Some(&text), route.deprecated, String::new)
            }
            Some(date) => {
                let text = format!(
                    " Handles `{} {}`, which version {date} removed: only clients of earlier versions call it, with their requests converted to the head's types.",
                    route.method.as_str(),
                    route.path_template()
                );
                quote!(#[doc = #text])
            }
        };
        quote! {
            #doc
            fn #method(
                &self,
                ctx: &crate::runtime::Ctx,
                request: #request,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#success, #error>> + Send;
        }
    });
    let authenticate = has_auth(cx).then(|| match &cx.spec.service.principal {
        Some(principal) => {
            let principal = cx.named(principal, Scope::Crate);
            quote! {
                /// Finds who `credential` belongs to, for the route in `ctx`:
                /// the principal the handler then reads with
                /// `ctx.principal()`, or `Err(Denied::rejected(credential))`.
                /// It runs for every route that declares authentication, from
                /// the request's head alone: before the body is read and
                /// before the request takes an admission slot. A rejected
                /// credential counts against its address's budget of
                /// rejected credentials; a route's scopes are checked against
                /// the principal's after it returns.
                fn authenticate(
                    &self,
                    ctx: &crate::runtime::Ctx,
                    credential: crate::runtime::Credential<'_>,
                ) -> impl ::std::future::Future<
                    Output = ::std::result::Result<#principal, crate::runtime::Denied>,
                > + Send;
            }
        }
        None => quote! {
            /// Decides whether `credential` may call the route in `ctx`. It runs
            /// for every route that declares authentication, from the request's
            /// head alone: before the body is read and before the request takes
            /// an admission slot. A rejected credential counts against its
            /// address's budget of rejected credentials.
            fn authenticate(
                &self,
                ctx: &crate::runtime::Ctx,
                credential: crate::runtime::Credential<'_>,
            ) -> impl ::std::future::Future<Output = bool> + Send;
        },
    });
    let routes = handled.iter().map(|&(route, _)| route_items(cx, route));
    let doc = [
        format!(
            " The handlers of the {} API: implement it and pass it to `serve`.",
            cx.spec.service.title
        ),
        String::new(),
        " A handler answers `Ok(value.into())`: a [`Reply`](crate::runtime::Reply)".to_string(),
        " of the route's response type, from the value or from an `Arc` of it".to_string(),
        " (a shared value is serialized where it lies, not copied).".to_string(),
    ];
    // Clippy expects `new`, `to_*`, `as_*`, `into_*`, `is_*` and `from_*`
    // methods to take `self` in particular ways; handler methods are named
    // after the spec's routes and always take `&self`.
    let conventional = handled.iter().any(|(r, _)| {
        let name = ident::snake(&r.name);
        name == "new"
            || ["to_", "as_", "into_", "is_", "from_"]
                .iter()
                .any(|p| name.starts_with(p))
    });
    let allow = if conventional {
        quote!(#[allow(clippy::wrong_self_convention, reason = "handler methods are named after the spec's routes")])
    } else {
        TokenStream::new()
    };
    let principal = cx.spec.service.principal.as_ref().map(|name| {
        let ty = cx.named(name, Scope::Crate);
        let doc = format!(
            " The caller's [`{name}`](crate::types::{name}), as `Api::authenticate` returned it; `None` on a route that does not authenticate."
        );
        quote! {
            impl crate::runtime::Ctx {
                #[doc = #doc]
                pub fn principal(&self) -> ::std::option::Option<&#ty> {
                    self.principal_as()
                }
            }
        }
    });
    // Hand-written version converters are part of what the user implements:
    // the crate does not serve until they exist.
    let supertrait = converters.then(|| quote!(crate::versions::Converters+));
    quote! {
        //! The `Api` trait that handlers implement, and each route's request and error types.

        #(#[doc = #doc])*
        #allow
        pub trait Api: #supertrait Send + Sync + 'static {
            #(#methods)*
            #authenticate
        }

        #principal

        #(#routes)*
    }
}

fn route_items(cx: &Context, route: &Route) -> TokenStream {
    let request = request_ident(route);
    let error = error_ident(route);
    let mut fields = Vec::new();
    for param in &route.params {
        let id = value_ident(&param.name);
        let ty = param_ty(cx, param);
        let location = match param.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        };
        let doc = docs(param.doc.as_deref(), param.deprecated, || {
            format!("The `{}` {location} parameter.", param.wire_name)
        });
        fields.push(quote!(#doc pub #id: #ty,));
    }
    if let Some(body) = &route.body {
        let ty = match route.body_format {
            gatic_ir::BodyFormat::Bytes { .. } => quote!(crate::runtime::Bytes),
            gatic_ir::BodyFormat::Text { .. } => quote!(::std::string::String),
            gatic_ir::BodyFormat::Multipart { .. } => {
                let id = form_ident(route);
                quote!(crate::api::#id)
            }
            // The checker refuses a stream as a request body.
            gatic_ir::BodyFormat::Json | gatic_ir::BodyFormat::EventStream => {
                cx.ty(body, Scope::Crate)
            }
        };
        let doc = docs(route.body_doc.as_deref(), false, || {
            "The request body.".to_string()
        });
        fields.push(quote! {
            #doc
            pub body: #ty,
        });
    }
    let headers = (!route.response_headers.is_empty()).then(|| {
        let id = headers_ident(route);
        let doc = format!(
            " The response headers of `{}`, which its handler sets with `Reply::headers`.",
            route.name
        );
        let fields = route.response_headers.iter().map(|param| {
            let field = value_ident(&param.name);
            let ty = param_ty(cx, param);
            let doc = docs(param.doc.as_deref(), param.deprecated, || {
                format!("The `{}` response header.", param.wire_name)
            });
            quote!(#doc pub #field: #ty,)
        });
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            pub struct #id {
                #(#fields)*
            }
        }
    });
    let form = match &route.body_format {
        gatic_ir::BodyFormat::Multipart { parts } => {
            let id = form_ident(route);
            let doc = format!(" The multipart form `{}` takes.", route.name);
            let fields = parts.iter().map(|part| {
                let field = value_ident(&part.name);
                let inner = match &part.kind {
                    gatic_ir::PartKind::File { .. } => quote!(crate::runtime::FilePart),
                    gatic_ir::PartKind::Value { ty } => cx.ty(ty, Scope::Crate),
                };
                let ty = if part.optional {
                    quote!(::std::option::Option<#inner>)
                } else {
                    inner
                };
                let what = match &part.kind {
                    gatic_ir::PartKind::File { accept } => {
                        format!("The `{}` file ({accept}).", part.name)
                    }
                    gatic_ir::PartKind::Value { .. } => format!("The `{}` field.", part.name),
                };
                let doc = docs(part.doc.as_deref(), false, || what);
                quote!(#doc pub #field: #ty,)
            });
            Some(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #id {
                    #(#fields)*
                }
            })
        }
        _ => None,
    };
    let request_doc = format!(" The input of `{}`.", route.name);
    let error_doc = format!(" The errors `{}` may return.", route.name);
    let mut variants = Vec::new();
    let mut froms = Vec::new();
    for name in &route.errors {
        let variant = type_ident(name);
        let payload = cx.named(name, Scope::Crate);
        let def = cx.api.error(name);
        let doc = docs(def.and_then(|e| e.doc.as_deref()), false, || match def {
            Some(e) => format!("The `{}` error ({}).", e.name, e.status),
            None => format!("The `{name}` error."),
        });
        variants.push(quote!(#doc #variant(#payload),));
        froms.push(quote! {
            impl ::std::convert::From<#payload> for #error {
                fn from(error: #payload) -> Self {
                    #error::#variant(error)
                }
            }
        });
    }
    let allow = (route.errors.len() > 1).then(|| {
        quote! {
            #[allow(
                clippy::large_enum_variant,
                reason = "variants are the spec's error payloads; boxing them would change the API"
            )]
        }
    });
    quote! {
        #[doc = #request_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct #request {
            #(#fields)*
        }

        #[doc = #error_doc]
        #[derive(Debug, Clone, PartialEq)]
        #allow
        pub enum #error {
            #(#variants)*
        }

        #(#froms)*

        #headers

        #form
    }
}
