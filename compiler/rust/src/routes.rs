//! `routes.rs`: the generated router. `resolve` is a `match` on the method
//! and the path's segments (no regex, no allocation); `authenticate` checks
//! a route's credential from the request head; `call` runs one route:
//! parameters, body, validation, handler, response.

use gatic_ir::{Auth, Method, ParamLocation, PathSegment, Route, Ty, TyKind, Value, ident};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

use crate::api::{error_ident, request_ident};
use crate::context::{Context, Scope, lit_u64, type_ident, value_ident};
use crate::types::{default_value, encode_shape, map_shape};
use crate::validate::{Checks, Expr};
use crate::versions::History;

/// A route as one version routes it: the head route it reaches (by index)
/// and its definition at that version.
struct Entry<'r> {
    index: usize,
    route: &'r Route,
    head: &'r Route,
}

/// The items of `routes.rs`.
pub(crate) fn generate(cx: &Context, checks: &Checks, history: &History) -> TokenStream {
    // Each released version's document, served at `/openapi/<date>.json`.
    let openapi_at = if cx.spec.versions.is_empty() {
        TokenStream::new()
    } else {
        let arms = cx.spec.versions.iter().map(|v| {
            let date = &v.date;
            let file = format!("openapi/{date}.json");
            quote!(#date => ::std::option::Option::Some(include_str!(#file)),)
        });
        quote! {
            fn openapi_at(&self, date: &str) -> ::std::option::Option<&'static str> {
                match date {
                    #(#arms)*
                    _ => ::std::option::Option::None,
                }
            }
        }
    };

    // The head's routes, then the routes a version removed: the server
    // still serves those at the versions before their removal.
    let head_count = cx.api.routes.len();
    let routes: Vec<&Route> = cx
        .api
        .routes
        .iter()
        .chain(history.retired().iter().map(|(_, route)| *route))
        .collect();
    let count = proc_macro2::Literal::usize_unsuffixed(routes.len());
    let service_limits = &cx.spec.service.limits;
    let infos = routes.iter().map(|route| route_info(route, service_limits));
    let limits_fn = (*service_limits != gatic_ir::Limits::default()).then(|| {
        let limits = limits_literal(service_limits);
        quote! {
            fn limits(&self) -> runtime::RouteLimits {
                #limits
            }
        }
    });
    let authenticate_fn = authenticate(cx, &routes);
    let cors_fn = cors(cx, &routes, history.versioned());
    let (jwt_field, jwt_init, jwt_prepare, jwt_helper) = match jwt_parts(cx) {
        Some((field, init, prepare, helper)) => (field, init, prepare, helper),
        None => Default::default(),
    };
    let head_entries: Vec<Entry> = cx
        .api
        .routes
        .iter()
        .enumerate()
        .map(|(index, route)| Entry {
            index,
            route,
            head: route,
        })
        .collect();
    let head_resolve = resolve(&head_entries);

    // Old versions whose routes differ from the head's (a route moved, or
    // not added yet) get their own resolver; versions that route alike share one.
    let mut resolvers: Vec<(Vec<usize>, proc_macro2::Ident, TokenStream)> = Vec::new();
    let key = |entries: &[Entry]| -> Vec<(usize, Method, Vec<PathSegment>)> {
        entries
            .iter()
            .map(|e| (e.index, e.route.method, e.route.path.clone()))
            .collect()
    };
    let head_key = key(&head_entries);
    let mut keys: Vec<Vec<(usize, Method, Vec<PathSegment>)>> = Vec::new();
    for k in history.old_versions() {
        let entries: Vec<Entry> = routes
            .iter()
            .copied()
            .enumerate()
            .filter_map(|(index, head)| {
                history
                    .route_at(k, head)
                    .map(|route| Entry { index, route, head })
            })
            .collect();
        let this = key(&entries);
        if this == head_key {
            continue;
        }
        match keys.iter().position(|other| *other == this) {
            Some(i) => resolvers[i].0.push(k),
            None => {
                let name = format_ident!("resolve_{}", history.date(k).replace('-', "_"));
                let body = resolve(&entries);
                let doc = format!(" Routes a request at API version {}.", history.date(k));
                resolvers.push((
                    vec![k],
                    name.clone(),
                    quote! {
                        #[doc = #doc]
                        fn #name(method: &::hyper::Method, path: &str) -> runtime::Resolution {
                            #body
                        }
                    },
                ));
                keys.push(this);
            }
        }
    }
    let generic = if history.has_converters() {
        quote!(::<A>)
    } else {
        TokenStream::new()
    };
    let mut versioned_handlers = Vec::new();
    let arms: Vec<TokenStream> = routes
        .iter()
        .copied()
        .enumerate()
        .map(|(i, route)| {
            let head_handler = handler_ident(route);
            let retired = i >= head_count;
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            let mut version_arms = Vec::new();
            for k in history.old_versions() {
                let Some(old) = history.route_at(k, route) else {
                    continue;
                };
                if history.route_same(k, route) {
                    continue;
                }
                let cx_k = history.cx(k);
                let checks_k = Checks::new(cx_k);
                let plan = Plan {
                    history,
                    k,
                    head: route,
                    generic: &generic,
                };
                let name = versioned_handler_ident(route, history.date(k));
                versioned_handlers.push(handler(cx_k, &checks_k, old, Some(&plan)));
                let k = proc_macro2::Literal::usize_unsuffixed(k);
                version_arms.push(quote! {
                    ::std::option::Option::Some(#k) => self.#name(request, ctx).await,
                });
            }
            // A removed route is resolved only at the versions before its
            // removal, so the last arm is never taken for it.
            let otherwise = if retired {
                quote!(runtime::Problem::new(404, "no such route").into_response())
            } else {
                quote!(self.#head_handler(request, ctx).await)
            };
            if version_arms.is_empty() {
                quote!(#i => #otherwise,)
            } else {
                quote! {
                    #i => match ctx.version_index() {
                        #(#version_arms)*
                        _ => #otherwise,
                    },
                }
            }
        })
        .collect();
    let call_request = (!routes.is_empty()).then(|| quote!(let request = ctx.request();));
    let call_body = if routes.is_empty() {
        quote! {
            let _ = (route, ctx);
            runtime::Problem::new(404, "no such route").into_response()
        }
    } else {
        quote! {
            match route {
                #(#arms)*
                _ => runtime::Problem::new(404, "no such route").into_response(),
            }
        }
    };
    let handlers = cx
        .api
        .routes
        .iter()
        .map(|route| handler(cx, checks, route, None));
    let resolver_fns = resolvers.iter().map(|(_, _, f)| f);
    let versioned = history.versioned().then(|| {
        let resolve_at = (!resolvers.is_empty()).then(|| {
            let arms = resolvers.iter().map(|(ks, name, _)| {
                let ks = ks.iter().map(|k| proc_macro2::Literal::usize_unsuffixed(*k));
                quote!(#(#ks)|* => #name(method, path),)
            });
            quote! {
                fn resolve_at(&self, method: &::hyper::Method, path: &str, version: usize) -> runtime::Resolution {
                    match version {
                        #(#arms)*
                        _ => self.resolve(method, path),
                    }
                }
            }
        });
        // The spec's own version header, lowercase as the runtime wants it.
        let version_header = cx.spec.service.version_header.as_ref().map(|name| {
            let name = name.to_ascii_lowercase();
            quote! {
                fn version_header(&self) -> &'static str {
                    #name
                }
            }
        });
        quote! {
            fn versions(&self) -> &'static [runtime::VersionInfo] {
                &crate::versions::VERSIONS
            }

            #version_header

            #resolve_at
        }
    });
    let gatic_version = env!("CARGO_PKG_VERSION");
    let spec_hash = spec_hash(cx.spec);
    quote! {
        //! The router: matches requests to routes and runs their handlers.

        use crate::runtime;

        /// Every route, indexed by `runtime::Resolution::Route`.
        static ROUTES: [runtime::RouteInfo; #count] = [#(#infos),*];

        /// Serves an [`Api`](crate::api::Api) implementation: the
        /// [`runtime::Service`] that `runtime::run` drives.
        pub struct Router<A> {
            api: A,
            #jwt_field
        }

        impl<A: crate::api::Api> Router<A> {
            /// A router that hands requests to `api`.
            pub fn new(api: A) -> Self {
                Router { api, #jwt_init }
            }

            #(#handlers)*
            #(#versioned_handlers)*
        }

        #(#resolver_fns)*

        #jwt_helper

        impl<A: crate::api::Api> runtime::Service for Router<A> {
            fn routes(&self) -> &'static [runtime::RouteInfo] {
                &ROUTES
            }

            fn resolve(&self, method: &::hyper::Method, path: &str) -> runtime::Resolution {
                #head_resolve
            }

            async fn call(&self, route: usize, ctx: &runtime::Ctx) -> runtime::Response {
                #call_request
                #call_body
            }

            #authenticate_fn

            #jwt_prepare

            #cors_fn

            fn openapi(&self) -> ::std::option::Option<&'static str> {
                ::std::option::Option::Some(include_str!("openapi.json"))
            }

            #openapi_at

            #limits_fn

            #versioned

            fn build(&self) -> runtime::BuildInfo {
                runtime::BuildInfo {
                    gatic_version: #gatic_version,
                    spec_hash: #spec_hash,
                }
            }
        }
    }
}

/// The principal's field that names the caller in the access log (and so
/// in `gatic sunset-report`): the first of `sub`, `id` and `name` that is a
/// required, non-null string, UUID or integer.
fn principal_id_field(cx: &Context<'_>) -> Option<&'static str> {
    use gatic_ir::{Primitive as P, TypeDefKind};
    let principal = cx.spec.service.principal.as_deref()?;
    let TypeDefKind::Record { fields } = &cx.api.ty(principal)?.kind else {
        return None;
    };
    ["sub", "id", "name"].into_iter().find(|name| {
        fields.iter().any(|f| {
            f.name == *name
                && !f.optional
                && !f.ty.nullable
                && matches!(
                    f.ty.kind,
                    TyKind::Primitive(P::String | P::Email | P::Uuid | P::Int32 | P::Int64)
                )
        })
    })
}

/// A hash of what the spec means (its IR, without the path it was read
/// from), for the `gati_build_info` metric: 16 hex digits of FNV-1a, so two
/// builds of the same spec say the same, wherever they ran.
fn spec_hash(spec: &gatic_ir::Spec) -> String {
    let mut spec = spec.clone();
    spec.source = String::new();
    let text = serde_json::to_string(&spec).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn handler_ident(route: &Route) -> proc_macro2::Ident {
    format_ident!("handle_{}", ident::snake(&route.name))
}

fn versioned_handler_ident(route: &Route, date: &str) -> proc_macro2::Ident {
    format_ident!(
        "handle_{}_{}",
        ident::snake(&route.name),
        date.replace('-', "_")
    )
}

/// How an old version's handler reaches the head: the version, the head
/// route, and the turbofish conversions are called with.
struct Plan<'p, 'c, 'a> {
    history: &'p History<'c, 'a>,
    k: usize,
    head: &'p Route,
    generic: &'p TokenStream,
}

impl Plan<'_, '_, '_> {
    /// One type per version from `k` to the head, picked from each version's route.
    fn tys(&self, pick: impl Fn(&Route) -> Option<Ty>) -> Option<Vec<Ty>> {
        (self.k..=self.history.head_index())
            .map(|j| self.history.route_shape_at(j, self.head).and_then(&pick))
            .collect()
    }
}

/// `Service::authenticate`: each route that authenticates takes its
/// credential from the head (a 401 with `WWW-Authenticate` when there is
/// none) and asks `Api::authenticate`; the runtime calls it before the body
/// is read and before admission. With a principal, `Api::authenticate`
/// returns it, routes that require scopes check them (403 without), and the
/// runtime hands it to the handler's context. `None` when no route
/// authenticates.
fn authenticate(cx: &Context, routes: &[&Route]) -> Option<TokenStream> {
    let jwt = cx.spec.service.jwt.is_some();
    let mut schemes: Vec<(TokenStream, Vec<usize>)> = Vec::new();
    // Routes whose bearer token the server verifies itself (`auth jwt`).
    let mut verified: Vec<usize> = Vec::new();
    let mut judged = false;
    for (i, route) in routes.iter().enumerate() {
        let take = match &route.auth {
            Auth::None => continue,
            Auth::Bearer => quote!(runtime::bearer(request)?),
            Auth::ApiKey { header } => quote!(runtime::api_key(request, #header)?),
        };
        let index = i;
        if jwt && route.auth == Auth::Bearer {
            verified.push(index);
        } else {
            judged = true;
        }
        match schemes
            .iter_mut()
            .find(|(t, _)| t.to_string() == take.to_string())
        {
            Some((_, indices)) => indices.push(index),
            None => schemes.push((take, vec![index])),
        }
    }
    if schemes.is_empty() {
        return None;
    }
    let arms = schemes.iter().map(|(take, indices)| {
        let pattern = index_pattern(indices);
        quote!(#pattern => #take,)
    });
    // What a JWT route makes of its verified token: the principal from its
    // claims, or nothing without one.
    let from_token = match &cx.spec.service.principal {
        Some(name) => {
            let ty = cx.named(name, Scope::Crate);
            let fields: Vec<String> = match cx
                .api
                .types
                .iter()
                .find(|t| t.name == *name)
                .map(|t| &t.kind)
            {
                Some(gatic_ir::TypeDefKind::Record { fields }) => {
                    fields.iter().map(|f| f.name.clone()).collect()
                }
                _ => Vec::new(),
            };
            quote! {{
                let claims = self.jwt_claims(credential)?;
                let principal: #ty = ::serde_json::from_value(runtime::principal_claims(claims, &[#(#fields),*]))
                    .map_err(|_| runtime::Denied::rejected(credential))?;
                principal
            }}
        }
        None => quote! {{
            self.jwt_claims(credential)?;
        }},
    };
    let judge = match &cx.spec.service.principal {
        Some(_) => quote!(self.api.authenticate(ctx, credential).await?),
        None => quote! {
            if !self.api.authenticate(ctx, credential).await {
                return ::std::result::Result::Err(runtime::Denied::rejected(credential));
            }
        },
    };
    let verified_pattern = index_pattern(&verified);
    let decide = match (verified.is_empty(), judged) {
        (true, _) => judge,
        (false, false) => from_token,
        (false, true) => quote! {
            match route {
                #verified_pattern => #from_token,
                _ => #judge,
            }
        },
    };
    let accept = match &cx.spec.service.principal {
        None => quote! {
            #decide;
            ::std::result::Result::Ok(runtime::Caller::of(credential))
        },
        Some(_) => {
            let mut scoped: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
            for (i, route) in routes.iter().enumerate() {
                if route.scopes.is_empty() || route.auth == Auth::None {
                    continue;
                }
                let index = i;
                match scoped.iter_mut().find(|(s, _)| *s == route.scopes) {
                    Some((_, indices)) => indices.push(index),
                    None => scoped.push((route.scopes.clone(), vec![index])),
                }
            }
            let check = (!scoped.is_empty()).then(|| {
                let arms = scoped.iter().map(|(scopes, indices)| {
                    let pattern = index_pattern(indices);
                    quote!(#pattern => &[#(#scopes),*],)
                });
                quote! {
                    let required: &[&str] = match route {
                        #(#arms)*
                        _ => &[],
                    };
                    let missing: ::std::vec::Vec<&str> = required
                        .iter()
                        .filter(|scope| !principal.scopes.iter().any(|held| held == *scope))
                        .copied()
                        .collect();
                    if !missing.is_empty() {
                        return ::std::result::Result::Err(runtime::Denied::insufficient_scope(
                            credential, &missing,
                        ));
                    }
                }
            });
            let with_id = principal_id_field(cx).map(|field| {
                let field = value_ident(field);
                quote!(.with_principal_id(&principal.#field))
            });
            quote! {
                let principal = #decide;
                #check
                ::std::result::Result::Ok(
                    runtime::Caller::of(credential)
                        #with_id
                        .with_principal(principal),
                )
            }
        }
    };
    Some(quote! {
        async fn authenticate<'a>(
            &'a self,
            route: usize,
            ctx: &'a runtime::Ctx,
        ) -> ::std::result::Result<runtime::Caller<'a>, runtime::Denied> {
            let request = ctx.request();
            let credential = match route {
                #(#arms)*
                _ => return ::std::result::Result::Ok(runtime::Caller::ANONYMOUS),
            };
            #accept
        }
    })
}

/// A `match` pattern for route indices (ascending): runs of three or more
/// as ranges (`0..=2 | 5`), as clippy prefers.
fn index_pattern(indices: &[usize]) -> TokenStream {
    let mut parts: Vec<TokenStream> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        let (start, end) = (
            proc_macro2::Literal::usize_unsuffixed(indices[i]),
            proc_macro2::Literal::usize_unsuffixed(indices[j]),
        );
        if j - i >= 2 {
            parts.push(quote!(#start..=#end));
        } else {
            for &index in &indices[i..=j] {
                let one = proc_macro2::Literal::usize_unsuffixed(index);
                parts.push(quote!(#one));
            }
        }
        i = j + 1;
    }
    quote!(#(#parts)|*)
}

/// With `auth jwt`: the router's verifier field, its `Service::prepare`
/// (which loads the keys at startup, so a server without them does not
/// start), and the helper that verifies a token.
fn jwt_parts(cx: &Context) -> Option<(TokenStream, TokenStream, TokenStream, TokenStream)> {
    let jwt = cx.spec.service.jwt.as_ref()?;
    let (issuer, audience, keys_env) = (&jwt.issuer, &jwt.audience, &jwt.keys_env);
    let algorithms = &jwt.algorithms;
    let leeway = jwt.leeway_s.unwrap_or(60);
    let field = quote! {
        /// The keys bearer tokens are verified with, loaded by `prepare`.
        jwt: ::std::sync::OnceLock<runtime::JwtVerifier>,
    };
    let init = quote!(jwt: ::std::sync::OnceLock::new(),);
    let prepare = quote! {
        fn prepare(&self) -> ::std::io::Result<()> {
            if self.jwt.get().is_none() {
                let verifier = runtime::JwtVerifier::from_env(JWT)?;
                let _ = self.jwt.set(verifier);
            }
            ::std::result::Result::Ok(())
        }
    };
    let helper = quote! {
        /// How bearer tokens are verified (`auth jwt` in the spec): build a
        /// verifier from a JWKS document with
        /// `runtime::JwtVerifier::from_jwks(text, JWT)`.
        pub const JWT: runtime::JwtSettings = runtime::JwtSettings {
            issuer: #issuer,
            audience: #audience,
            keys_env: #keys_env,
            algorithms: &[#(#algorithms),*],
            leeway_s: #leeway,
        };

        impl<A: crate::api::Api> Router<A> {
            /// A router that hands requests to `api` and verifies bearer
            /// tokens with `verifier`, rather than with the keys of the
            /// JWKS file that the environment names (for keys kept
            /// elsewhere, and for tests).
            pub fn with_jwt(api: A, verifier: runtime::JwtVerifier) -> Self {
                let jwt = ::std::sync::OnceLock::new();
                let _ = jwt.set(verifier);
                Router { api, jwt }
            }

            /// The claims of a bearer token that a known key signed, which has
            /// not expired and was issued for this API; a 401 otherwise.
            fn jwt_claims(
                &self,
                credential: runtime::Credential<'_>,
            ) -> ::std::result::Result<::serde_json::Map<::std::string::String, ::serde_json::Value>, runtime::Denied> {
                let ::std::option::Option::Some(verifier) = self.jwt.get() else {
                    return ::std::result::Result::Err(runtime::Denied::Missing(runtime::Problem::new(
                        503,
                        "the keys that verify tokens are not loaded",
                    )));
                };
                verifier
                    .verify(credential.secret())
                    .map_err(|_| runtime::Denied::rejected(credential))
            }
        }
    };
    Some((field, init, prepare, helper))
}

/// `Service::cors`: the spec's origins, and the request and response
/// headers the API uses, so that a preflight allows exactly what the SDKs
/// send and a page can read what the API answers with. Generated for every
/// service, with no origins when the spec has no `cors` block, so that
/// `GATI_CORS_ORIGINS` can turn CORS on per deployment.
fn cors(cx: &Context, routes: &[&Route], versioned: bool) -> TokenStream {
    let policy = cx.spec.service.cors.clone().unwrap_or_default();
    let version_header = versioned.then(|| cx.spec.service.version_header().to_ascii_lowercase());
    let mut headers: Vec<String> = vec!["content-type".into(), "x-request-id".into()];
    let add = |list: &mut Vec<String>, name: String| {
        if !list.contains(&name) {
            list.push(name);
        }
    };
    for route in routes {
        match &route.auth {
            Auth::None => {}
            Auth::Bearer => add(&mut headers, "authorization".into()),
            Auth::ApiKey { header } => add(&mut headers, header.to_ascii_lowercase()),
        }
        for param in &route.params {
            if param.location == gatic_ir::ParamLocation::Header {
                add(&mut headers, param.wire_name.to_ascii_lowercase());
            }
        }
    }
    let mut expose: Vec<String> = vec!["x-request-id".into()];
    // The routes' declared response headers, which the SDKs read.
    for route in routes {
        for header in &route.response_headers {
            add(&mut expose, header.wire_name.to_ascii_lowercase());
        }
    }
    if let Some(name) = &version_header {
        add(&mut headers, name.clone());
        add(&mut expose, name.clone());
        add(&mut expose, "deprecation".into());
        add(&mut expose, "sunset".into());
    }
    for name in ["retry-after", "www-authenticate"] {
        add(&mut expose, name.into());
    }
    for name in &policy.headers {
        add(&mut headers, name.clone());
    }
    for name in &policy.expose {
        add(&mut expose, name.clone());
    }
    let methods: Vec<String> = if policy.methods.is_empty() {
        ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
            .into_iter()
            .filter(|m| routes.iter().any(|r| r.method.as_str() == *m))
            .map(String::from)
            .collect()
    } else {
        policy.methods.clone()
    };
    let origins = &policy.origins;
    let methods = methods.join(", ");
    let headers = headers.join(", ");
    let expose = expose.join(", ");
    let max_age = proc_macro2::Literal::u32_unsuffixed(
        u32::try_from(policy.max_age_s.unwrap_or(600)).unwrap_or(u32::MAX),
    );
    let credentials = policy.credentials;
    quote! {
        fn cors(&self) -> &'static runtime::CorsPolicy {
            static CORS: runtime::CorsPolicy = runtime::CorsPolicy {
                origins: &[#(#origins),*],
                methods: #methods,
                headers: #headers,
                expose: #expose,
                max_age_s: #max_age,
                credentials: #credentials,
            };
            &CORS
        }
    }
}

/// A `runtime::RouteLimits` literal.
fn limits_literal(limits: &gatic_ir::Limits) -> TokenStream {
    if *limits == gatic_ir::Limits::default() {
        return quote!(runtime::RouteLimits::NONE);
    }
    let opt32 = |v: Option<u32>| match v {
        Some(n) => {
            let n = lit_u64(u64::from(n));
            quote!(::std::option::Option::Some(#n))
        }
        None => quote!(::std::option::Option::None),
    };
    let opt64 = |v: Option<u64>| match v {
        Some(n) => {
            let n = lit_u64(n);
            quote!(::std::option::Option::Some(#n))
        }
        None => quote!(::std::option::Option::None),
    };
    let concurrency = opt32(limits.concurrency);
    let queue = opt32(limits.queue);
    let body = opt64(limits.body);
    let timeout = opt64(limits.timeout_ms);
    let rate = match &limits.rate {
        Some(rate) => {
            let requests = lit_u64(u64::from(rate.requests));
            let per_ms = lit_u64(rate.per_ms);
            let burst = lit_u64(u64::from(rate.burst));
            quote!(::std::option::Option::Some(runtime::RateLimit {
                requests: #requests,
                per_ms: #per_ms,
                burst: #burst,
            }))
        }
        None => quote!(::std::option::Option::None),
    };
    quote! {
        runtime::RouteLimits {
            concurrency: #concurrency,
            queue: #queue,
            body: #body,
            timeout_ms: #timeout,
            rate: #rate,
        }
    }
}

/// A route's `runtime::RouteInfo`. The IR's route limits already hold the
/// service's where the route sets none; the runtime gets only the route's
/// own (those that differ from the service's), because it applies the
/// service's itself, after the environment's: a route that inherits the
/// service's `concurrency` shares the service-wide gate rather than getting
/// a gate of its own.
fn route_info(route: &Route, service: &gatic_ir::Limits) -> TokenStream {
    let name = &route.name;
    let method = route.method.as_str();
    let path = route.path_template();
    let auth = route.auth != Auth::None;
    let limits = gatic_ir::Limits {
        concurrency: own(route.limits.concurrency, service.concurrency),
        queue: own(route.limits.queue, service.queue),
        body: own(route.limits.body, service.body),
        timeout_ms: own(route.limits.timeout_ms, service.timeout_ms),
        rate: own(route.limits.rate, service.rate),
    };
    let limits = limits_literal(&limits);
    quote! {
        runtime::RouteInfo {
            name: #name,
            method: #method,
            path: #path,
            auth: #auth,
            limits: #limits,
        }
    }
}

/// A route's own value of a limit: `None` where it is the service's.
fn own<T: PartialEq>(value: Option<T>, inherited: Option<T>) -> Option<T> {
    value.filter(|v| inherited.as_ref() != Some(v))
}

/// The body of `resolve`: split the path into a fixed array of segments,
/// then one `match` arm per route, most specific path first (fewest
/// parameters, then literals leftmost), guarded by the method. A path with no
/// parameter is OpenAPI's "concrete path", matched before every templated
/// one whatever the method: after its routes' arms, an unguarded arm answers
/// 405 with only its own methods, so `PATCH /users/me` is not taken by
/// `PATCH /users/{id}` (the document the server serves lists no PATCH on
/// `/users/me`). Any other path that no route takes with this method falls
/// to a second `match` that finds the `Allow` set: one arm per intersection
/// of path shapes, so a path matching several templated shapes
/// (`/users/{id}/posts` and `/{kind}/me/posts`) is allowed every method of
/// each of them.
fn resolve(routes: &[Entry]) -> TokenStream {
    if routes.is_empty() {
        return quote! {
            let _ = (method, path);
            runtime::Resolution::NotFound
        };
    }
    let depth = proc_macro2::Literal::usize_unsuffixed(
        routes
            .iter()
            .map(|r| shape_of(r.route).len())
            .max()
            .unwrap_or(1),
    );
    let any_params = routes.iter().any(|r| {
        r.route
            .path
            .iter()
            .any(|s| matches!(s, PathSegment::Param(_)))
    });

    let mut order: Vec<usize> = (0..routes.len()).collect();
    order.sort_by_key(|&i| specificity(&shape_of(routes[i].route)));
    let concrete = |shape: &[Option<&str>]| shape.iter().all(Option::is_some);
    let route_arms = order.iter().map(|&i| {
        let entry = &routes[i];
        let shape = shape_of(entry.route);
        let pattern = pattern_of(&shape);
        let method = method_const(entry.route.method);
        // Parameters in the head path's order (the handler reads them by
        // position), wherever this version's path puts them.
        let params: Vec<usize> = entry
            .head
            .path
            .iter()
            .filter_map(|s| match s {
                PathSegment::Param(p) => entry
                    .route
                    .path
                    .iter()
                    .position(|t| *t == PathSegment::Param(p.clone())),
                PathSegment::Literal(_) => None,
            })
            .collect();
        let index = proc_macro2::Literal::usize_unsuffixed(entry.index);
        let resolution = if params.is_empty() {
            quote!(runtime::Resolution::Route(#index, runtime::PathParams::new()))
        } else {
            let pushes = params.iter().map(|&k| {
                let k = proc_macro2::Literal::usize_unsuffixed(k);
                quote! {
                    if !params.push(starts[#k], starts[#k] + segments[#k].len()) {
                        return runtime::Resolution::NotFound;
                    }
                }
            });
            quote! {{
                let mut params = runtime::PathParams::new();
                #(#pushes)*
                runtime::Resolution::Route(#index, params)
            }}
        };
        quote!([#(#pattern),*] if *method == ::hyper::Method::#method => #resolution,)
    });
    let route_arms: Vec<TokenStream> = route_arms.collect();
    // Concrete paths come first in `order`; after their arms, each one's
    // unguarded 405.
    let concrete_count = order
        .iter()
        .take_while(|&&i| concrete(&shape_of(routes[i].route)))
        .count();
    let mut concrete_shapes: Vec<Vec<Option<&str>>> = Vec::new();
    for &i in &order[..concrete_count] {
        let shape = shape_of(routes[i].route);
        if !concrete_shapes.contains(&shape) {
            concrete_shapes.push(shape);
        }
    }
    let concrete_arms = concrete_shapes.iter().map(|shape| {
        let pattern = pattern_of(shape);
        let methods: Vec<Method> = routes
            .iter()
            .filter(|r| shape_of(r.route) == *shape)
            .map(|r| r.route.method)
            .collect();
        let allow = allow_header(methods);
        quote!([#(#pattern),*] => runtime::Resolution::MethodNotAllowed(#allow),)
    });
    let (first_arms, rest_arms) = route_arms.split_at(concrete_count);

    // Every shape, and every non-empty intersection of shapes, with the
    // methods of all routes whose shape covers it. Shapes are bucketed by
    // length and first segment, so each is compared only with those it can
    // intersect (the same first literal, or a parameter there): linear in
    // the number of routes when their paths start differently.
    let shapes: Vec<Vec<Option<&str>>> = routes.iter().map(|r| shape_of(r.route)).collect();
    let mut closure: Vec<Vec<Option<&str>>> = Vec::new();
    let mut known: BTreeSet<Vec<Option<&str>>> = BTreeSet::new();
    let mut buckets = Buckets::default();
    for shape in &shapes {
        if known.insert(shape.clone()) {
            buckets.add(closure.len(), shape);
            closure.push(shape.clone());
        }
    }
    // A new intersection can only come from a pair involving a shape added
    // in the previous round.
    let mut fresh: Vec<usize> = (0..closure.len()).collect();
    while !fresh.is_empty() {
        let mut next = Vec::new();
        for &a in &fresh {
            for b in buckets.meeting(&closure[a]) {
                if let Some(c) = intersect(&closure[a], &closure[b])
                    && known.insert(c.clone())
                {
                    next.push(c);
                }
            }
        }
        fresh = Vec::new();
        for c in next {
            buckets.add(closure.len(), &c);
            fresh.push(closure.len());
            closure.push(c);
        }
    }
    let mut route_buckets = Buckets::default();
    for (i, shape) in shapes.iter().enumerate() {
        route_buckets.add(i, shape);
    }
    closure.sort_by_key(|shape| specificity(shape));
    // A concrete route's path was answered above.
    closure.retain(|shape| !concrete_shapes.contains(shape));
    let allow_arms = closure.iter().map(|shape| {
        let pattern = pattern_of(shape);
        let methods: Vec<Method> = route_buckets
            .meeting(shape)
            .filter(|&i| covers(&shapes[i], shape))
            .map(|i| routes[i].route.method)
            .collect();
        let allow = allow_header(methods);
        quote!([#(#pattern),*] => runtime::Resolution::MethodNotAllowed(#allow),)
    });

    let allow_arms: Vec<TokenStream> = allow_arms.collect();
    // Without a templated path there is no `Allow` set left to find.
    let fallback = if allow_arms.is_empty() {
        quote!(_ => runtime::Resolution::NotFound,)
    } else {
        quote! {
            _ => match segments {
                #(#allow_arms)*
                _ => runtime::Resolution::NotFound,
            },
        }
    };
    let (starts_decl, starts_record) = if any_params {
        (
            quote! {
                let mut starts = [0; #depth];
                let mut start = 1;
            },
            quote! {
                starts[index] = start;
                start += segment.len() + 1;
            },
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    quote! {
        let ::std::option::Option::Some(rest) = path.strip_prefix('/') else {
            return runtime::Resolution::NotFound;
        };
        let mut segments = [""; #depth];
        #starts_decl
        let mut count = 0;
        for (index, segment) in rest.split('/').enumerate() {
            if index == #depth {
                return runtime::Resolution::NotFound;
            }
            segments[index] = segment;
            #starts_record
            count = index + 1;
        }
        let segments = &segments[..count];
        match segments {
            #(#first_arms)*
            #(#concrete_arms)*
            #(#rest_arms)*
            #fallback
        }
    }
}

/// An `Allow` header's value for these methods, each once, in order; the
/// runtime serves HEAD with every GET route.
fn allow_header(mut methods: Vec<Method>) -> String {
    methods.sort();
    methods.dedup();
    methods
        .iter()
        .flat_map(|m| match m {
            Method::Get => vec!["GET", "HEAD"],
            m => vec![m.as_str()],
        })
        .fold(Vec::new(), |mut allowed, m| {
            if !allowed.contains(&m) {
                allowed.push(m);
            }
            allowed
        })
        .join(", ")
}

/// Sort key for path shapes: fewer parameters first, then literals leftmost.
fn specificity(shape: &[Option<&str>]) -> (usize, Vec<bool>) {
    (
        shape.iter().filter(|s| s.is_none()).count(),
        shape.iter().map(Option::is_none).collect(),
    )
}

/// A slice pattern for a shape: literals as string patterns, parameters as `_`.
fn pattern_of(shape: &[Option<&str>]) -> Vec<TokenStream> {
    shape
        .iter()
        .map(|s| match s {
            Some(l) => quote!(#l),
            None => quote!(_),
        })
        .collect()
}

/// Shapes (by index) grouped by length and first segment (`None` for a
/// parameter), to find the shapes another one may intersect.
#[derive(Default)]
struct Buckets<'a> {
    by_start: std::collections::BTreeMap<(usize, Option<&'a str>), Vec<usize>>,
}

impl<'a> Buckets<'a> {
    fn add(&mut self, index: usize, shape: &[Option<&'a str>]) {
        let first = shape.first().copied().flatten();
        self.by_start
            .entry((shape.len(), first))
            .or_default()
            .push(index);
    }

    /// The shapes that may intersect (or cover) `shape`: same length, and the
    /// same first literal or a parameter first, on either side.
    fn meeting(&self, shape: &[Option<&'a str>]) -> impl Iterator<Item = usize> + '_ {
        let len = shape.len();
        let first = shape.first().copied().flatten();
        let params = self.by_start.get(&(len, None)).into_iter().flatten();
        let same: Box<dyn Iterator<Item = &usize>> = match first {
            Some(_) => Box::new(self.by_start.get(&(len, first)).into_iter().flatten()),
            None => Box::new(
                self.by_start
                    .range((len, Some(""))..)
                    .take_while(move |((l, _), _)| *l == len)
                    .flat_map(|(_, v)| v.iter()),
            ),
        };
        params.chain(same).copied()
    }
}

/// The shape of the paths both `a` and `b` match, if any.
fn intersect<'a>(a: &[Option<&'a str>], b: &[Option<&'a str>]) -> Option<Vec<Option<&'a str>>> {
    let disjoint = a.len() != b.len()
        || a.iter()
            .zip(b)
            .any(|(x, y)| matches!((x, y), (Some(l), Some(m)) if l != m));
    if disjoint {
        return None;
    }
    a.iter()
        .zip(b)
        .map(|(x, y)| match (x, y) {
            (Some(l), Some(m)) if l == m => Some(Some(*l)),
            (Some(_), Some(_)) => None,
            (Some(l), None) | (None, Some(l)) => Some(Some(*l)),
            (None, None) => Some(None),
        })
        .collect()
}

/// Whether every path `inner` matches is also matched by `outer`.
fn covers(outer: &[Option<&str>], inner: &[Option<&str>]) -> bool {
    outer.len() == inner.len() && outer.iter().zip(inner).all(|(o, i)| o.is_none() || o == i)
}

/// The path with parameters blanked out; the root path is one empty segment.
fn shape_of(route: &Route) -> Vec<Option<&str>> {
    if route.path.is_empty() {
        return vec![Some("")];
    }
    route
        .path
        .iter()
        .map(|s| match s {
            PathSegment::Literal(l) => Some(l.as_str()),
            PathSegment::Param(_) => None,
        })
        .collect()
}

fn method_const(method: Method) -> proc_macro2::Ident {
    format_ident!("{}", method.as_str())
}

/// `Router::handle_<route>`: everything between admission and the response.
/// With a `plan`, the handler of an old version: `cx`, `checks` and `route`
/// are that version's, and values are converted to and from the head's types
/// around the call.
fn handler(cx: &Context, checks: &Checks, route: &Route, plan: Option<&Plan>) -> TokenStream {
    let head = plan.map_or(route, |p| p.head);
    let name = match plan {
        Some(p) => versioned_handler_ident(head, p.history.date(p.k)),
        None => handler_ident(route),
    };
    let mut body = TokenStream::new();
    let mut uses_request = false;
    // The handler reads its request before its future exists (the runtime
    // has already authenticated it, from the head, in `authenticate`): the
    // future then holds only the typed input, not the request, and early
    // answers leave the labeled block as `Err`.
    let exit = |answer: TokenStream| quote!(break 'input ::std::result::Result::Err(#answer));
    let exit_problem = exit(quote!(problem.into_response()));

    // Parameters: parse all of them, then answer 400 with every failure.
    let mut refinement_checks = TokenStream::new();
    let needs_violations_for_params = !route.params.is_empty();
    if route
        .params
        .iter()
        .any(|p| p.location == ParamLocation::Query)
    {
        body.extend(quote!(let query = runtime::Query::parse(request);));
    }
    let mut required = Vec::new();
    let mut path_index = 0usize;
    for param in &route.params {
        uses_request = true;
        let local = format_ident!("param_{}", ident::snake(&param.name));
        let wire = &param.wire_name;
        let mut ty = param.ty.clone();
        ty.nullable = false;
        let resolved = cx.resolve(&ty);
        let (location, text) = match param.location {
            ParamLocation::Path => {
                let i = proc_macro2::Literal::usize_unsuffixed(path_index);
                path_index += 1;
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
        };
        let has_default = param.default.is_some();
        let default = param
            .default
            .as_ref()
            .map(|v| (default_value(cx, v, &ty, false, Scope::Crate), is_cheap(v)));
        if let (TyKind::List(item), ParamLocation::Query) = (resolved.kind, param.location) {
            let item_ty = cx.ty(item, Scope::Crate);
            body.extend(quote! {
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
            });
            if let Some((default, _)) = default {
                body.extend(quote! {
                    if #local.is_empty() {
                        #local = #default;
                    }
                });
            } else if !param.optional {
                // The runtime's own `required` violation, for the same pointer and message.
                body.extend(quote! {
                    if #local.is_empty() {
                        let _: ::std::option::Option<#item_ty> =
                            runtime::param(::std::option::Option::None, #location, #wire, true, &mut violations);
                    }
                });
            }
        } else {
            let rust = cx.ty(&ty, Scope::Crate);
            let is_required = !param.optional && !has_default;
            // A declared header whose value is not visible ASCII is a 400,
            // not an absent header.
            let parse = if param.location == ParamLocation::Header {
                quote!(runtime::header_param(request, #wire, #is_required, &mut violations))
            } else {
                quote!(runtime::param(#text, #location, #wire, #is_required, &mut violations))
            };
            let (parse, local_ty) = match default {
                Some((default, true)) => (quote!(#parse.unwrap_or(#default)), rust),
                Some((default, false)) => (quote!(#parse.unwrap_or_else(|| #default)), rust),
                None => (parse, quote!(::std::option::Option<#rust>)),
            };
            body.extend(quote!(let #local: #local_ty = #parse;));
            if is_required {
                required.push(local.clone());
            }
        }
        // Refinements, checked later together with the body's.
        let wrapped = param.optional && !has_default && !matches!(resolved.kind, TyKind::List(_));
        let inner = checks.value(
            Expr::Place(quote!(#local)),
            &ty,
            false,
            1,
            usize::from(wrapped),
        );
        if !inner.is_empty() {
            refinement_checks.extend(quote! {
                let start = out.mark();
                {
                    let at = &at.field(#wire);
                    #inner
                }
                out.relocate(start, #location);
            });
        }
    }
    let invalid_400 = exit(quote!(
        runtime::Problem::invalid(400, violations).into_response()
    ));
    let invalid_400 = quote!(#invalid_400;);
    match required.len() {
        0 => {}
        1 => {
            let local = &required[0];
            body.extend(quote! {
                let ::std::option::Option::Some(#local) = #local else { #invalid_400 };
            });
        }
        _ => {
            let patterns = required
                .iter()
                .map(|l| quote!(::std::option::Option::Some(#l)));
            body.extend(quote! {
                let (#(#patterns),*) = (#(#required),*) else { #invalid_400 };
            });
        }
    }
    if needs_violations_for_params {
        body.extend(quote! {
            if !violations.is_empty() {
                #invalid_400
            }
        });
    }

    // The body: decoded by the runtime (415, 400 or 422 on failure).
    let mut body_checks = TokenStream::new();
    let mut form_violations = false;
    if let (Some(_), gatic_ir::BodyFormat::Multipart { parts }) = (&route.body, &route.body_format)
    {
        // A multipart form: each declared part taken by name (files by
        // media type, values like query parameters), every other part a
        // violation; 400 with them all.
        uses_request = true;
        form_violations = true;
        let form_ty = crate::api::form_ident(head);
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
                    let rust = cx.ty(ty, Scope::Crate);
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
        body.extend(quote! {
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
        });
    } else if let (
        Some(_),
        gatic_ir::BodyFormat::Bytes { media } | gatic_ir::BodyFormat::Text { media },
    ) = (&route.body, &route.body_format)
    {
        // A raw body: as it arrived (bytes), or checked to be UTF-8 (text).
        uses_request = true;
        let (rust, decode) = match &route.body_format {
            gatic_ir::BodyFormat::Text { .. } => {
                (quote!(::std::string::String), quote!(runtime::decode_text))
            }
            _ => (quote!(runtime::Bytes), quote!(runtime::decode_bytes)),
        };
        body.extend(quote! {
            let body: #rust = match #decode(request, #media) {
                ::std::result::Result::Ok(body) => body,
                ::std::result::Result::Err(problem) => #exit_problem,
            };
        });
    } else if let Some(ty) = &route.body {
        uses_request = true;
        let rust = cx.ty(ty, Scope::Crate);
        // Records check their own map fields; a body that is a map (or holds
        // one outside a record) decodes through its shape, so a repeated key
        // is refused as in a record's field.
        let decode = if is_object(cx, ty) {
            quote!(runtime::decode_json_object)
        } else if let Some(shape) = map_shape(cx, ty, false, Scope::Crate, 0) {
            quote!(runtime::decode_json_shaped::<#shape>)
        } else {
            quote!(runtime::decode_json)
        };
        body.extend(quote! {
            let body: #rust = match #decode(request) {
                ::std::result::Result::Ok(body) => body,
                ::std::result::Result::Err(problem) => #exit_problem,
            };
        });
        body_checks = checks.value(Expr::Place(quote!(body)), ty, false, 1, 0);
    }

    // Refinements of the body and the parameters: 422 with every violation.
    let needs_validation = !body_checks.is_empty() || !refinement_checks.is_empty();
    if needs_validation {
        let invalid_422 = exit(quote!(
            runtime::Problem::invalid(422, violations).into_response()
        ));
        body.extend(quote! {
            {
                let at = &runtime::Pointer::Root;
                let out = &mut violations;
                #body_checks
                #refinement_checks
            }
            if !violations.is_empty() {
                #invalid_422;
            }
        });
    }
    let violations_decl = (needs_violations_for_params || needs_validation || form_violations)
        .then(|| quote!(let mut violations = runtime::Violations::new();));

    // An old version's values, converted forward to the head's types, each
    // step in a `convert` span (after the `decode` span has ended).
    let mut convert = TokenStream::new();
    if let Some(plan) = plan {
        let date = plan.history.date(plan.k);
        let unconvertible = exit(quote!(error.request_problem(#date)));
        for param in &route.params {
            let local = format_ident!("param_{}", ident::snake(&param.name));
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
    }

    // The handler, and its answer.
    let request_ty = request_ident(head);
    let fields = head.params.iter().map(|param| {
        let id = value_ident(&param.name);
        let local = format_ident!("param_{}", ident::snake(&param.name));
        quote!(#id: #local)
    });
    let body_field = head.body.as_ref().map(|_| quote!(body));
    let all_fields = fields.chain(body_field);
    let method = value_ident(&head.name);
    let status = lit_u64(u64::from(route.status));
    // Responses of an old version, converted back from the head's types;
    // `traced` puts each step in a `convert` span (not for events, which
    // are converted after the request's span has ended).
    let back = |tys: Option<Vec<Ty>>, value: TokenStream, traced: bool| -> Option<TokenStream> {
        let plan = plan?;
        plan.history
            .backward_chain(plan.k, &tys?, value, plan.generic, traced)
    };
    let date = plan.map(|p| p.history.date(p.k));
    // The success answer: the value serialized (converted back first for an
    // old version), then the route's declared headers and any the handler
    // added. A version's clients get the head's headers too: a header a
    // client does not know is one it ignores.
    let respond = |value: TokenStream| match (&route.returns, &route.returns_format) {
        // The checker refuses multipart responses.
        (None, _) | (Some(_), gatic_ir::BodyFormat::Multipart { .. }) => {
            quote!(runtime::empty_response(#status))
        }
        // A body that holds a scalar the runtime writes goes through its shape.
        (Some(ty), gatic_ir::BodyFormat::Json) => match encode_shape(cx, ty, false, Scope::Crate) {
            Some(shape) => quote!(runtime::json_response(
                #status,
                &runtime::Encoded::<#shape>::new(#value),
            )),
            None => quote!(runtime::json_response(#status, #value)),
        },
        // A raw body: bytes shared, not copied; text copied once.
        (Some(_), gatic_ir::BodyFormat::Bytes { media }) => {
            quote!(runtime::raw_response(#status, #media, ::std::clone::Clone::clone(#value)))
        }
        // Streams are answered below, where the events are taken out.
        (Some(_), gatic_ir::BodyFormat::EventStream) => quote!(runtime::empty_response(500)),
        (Some(_), gatic_ir::BodyFormat::Text { media }) => {
            let content_type = format!("{media}; charset=utf-8");
            quote!(runtime::raw_response(
                #status,
                #content_type,
                runtime::Bytes::from(::std::string::String::clone(#value)),
            ))
        }
    };
    let head_cx = plan.map_or(cx, |p| p.history.cx(p.history.head_index()));
    let declared = head.response_headers.iter().map(|param| {
        let name = param.wire_name.to_ascii_lowercase();
        let field = value_ident(&param.name);
        let list = matches!(cx.resolve(&param.ty).kind, TyKind::List(_));
        // A UUID, date or decimal is written by the runtime, through its shape.
        let mut ty = param.ty.clone();
        ty.nullable = false;
        let text = |value: TokenStream| match encode_shape(head_cx, &ty, false, Scope::Crate) {
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
    });
    let has_headers = !head.response_headers.is_empty();
    let etag = route.method == gatic_ir::Method::Get
        && head
            .response_headers
            .iter()
            .any(|p| p.wire_name.eq_ignore_ascii_case("etag"));
    let finish = |response: TokenStream| -> TokenStream {
        let response = if has_headers {
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
        if etag {
            quote!(runtime::not_modified(request, #response))
        } else {
            response
        }
    };
    let split = if has_headers {
        quote!(let (value, headers, extra) = reply.split();)
    } else {
        quote!(let (value, (), extra) = reply.split();)
    };
    let stream =
        route.returns.is_some() && route.returns_format == gatic_ir::BodyFormat::EventStream;
    let ok = match (&route.returns, has_headers) {
        // A stream's events are written one by one as they come, each
        // converted back first for an old version; an event the version
        // cannot represent ends the stream with an `error` event.
        (Some(_), _) if stream => {
            // An event that is a scalar the runtime writes goes through its
            // shape, as a JSON body does.
            let json = match route
                .returns
                .as_ref()
                .and_then(|ty| encode_shape(cx, ty, false, Scope::Crate))
            {
                Some(shape) => {
                    quote!(runtime::event_json(&runtime::Encoded::<#shape>::new(&event)))
                }
                None => quote!(runtime::event_json(&event)),
            };
            let encode = match back(
                plan.and_then(|p| p.tys(|r| r.returns.clone())),
                quote!(event),
                false,
            ) {
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
            // A handler that shares its `Events` elsewhere has none to give.
            let answer = finish(quote!(runtime::event_stream(
                value.into_owned().unwrap_or_default(),
                #encode,
            )));
            quote! {
                ::std::result::Result::Ok(reply) => {
                    #split
                    #answer
                }
            }
        }
        // The handler's `Reply` is serialized where it lies at the head; an
        // old version's conversion takes the value out (copying it only if
        // the handler shares it).
        (Some(_), _) => match back(
            plan.and_then(|p| p.tys(|r| r.returns.clone())),
            quote!(value.into_inner()),
            true,
        ) {
            Some(chain) => {
                let answer = finish(respond(quote!(&value)));
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
                let answer = finish(respond(quote!(&*value)));
                quote! {
                    ::std::result::Result::Ok(reply) => {
                        #split
                        #answer
                    }
                }
            }
        },
        (None, true) => {
            let answer = finish(respond(TokenStream::new()));
            quote! {
                ::std::result::Result::Ok(reply) => {
                    let (_, headers, extra) = reply.split();
                    #answer
                }
            }
        }
        (None, false) => quote!(::std::result::Result::Ok(()) => runtime::empty_response(#status),),
    };
    let error_ty = error_ident(head);
    let error_arms = head.errors.iter().map(|name| {
        let variant = type_ident(name);
        let status = lit_u64(u64::from(cx.api.error(name).map_or(500, |e| e.status)));
        let uri = format!(
            "urn:problem:{}:{}",
            ident::kebab(&cx.spec.service.name),
            ident::kebab(name)
        );
        let tys = plan.and_then(|p| {
            (p.k..=p.history.head_index())
                .map(|j| {
                    p.history.api(j).error(name).map(|_| Ty {
                        kind: TyKind::Named(name.clone()),
                        nullable: false,
                        refinements: gatic_ir::Refinements::default(),
                    })
                })
                .collect::<Option<Vec<Ty>>>()
        });
        match back(tys, quote!(payload), true) {
            Some(chain) => quote! {
                crate::api::#error_ty::#variant(payload) => match runtime::try_convert(move || { #chain }) {
                    ::std::result::Result::Ok(payload) => {
                        runtime::declared_problem(#status, #uri, #name, &payload)
                    }
                    ::std::result::Result::Err(error) => error.response_problem(#date),
                },
            },
            None => quote! {
                crate::api::#error_ty::#variant(payload) => {
                    runtime::declared_problem(#status, #uri, #name, &payload)
                }
            },
        }
    });
    let request_param = if uses_request || etag {
        quote!(request)
    } else {
        quote!(_request)
    };
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
    let input = quote!(crate::api::#request_ty { #(#all_fields),* });
    let (input, unwrap) = if body.is_empty() && convert.is_empty() {
        (input, TokenStream::new())
    } else {
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
