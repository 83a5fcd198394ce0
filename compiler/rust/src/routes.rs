//! `routes.rs`: the generated router. `resolve` is a `match` on the method
//! and the path's segments (no regex, no allocation); `authenticate` checks
//! a route's credential from the request head; `call` runs one route:
//! parameters, body, validation, handler, response (each route's handler
//! is generated in `handler.rs`).

use gatic_ir::{Auth, Method, PathSegment, Route, TyKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::BTreeSet;

use crate::context::{Context, Scope, lit_u64, value_ident};
use crate::handler::{Plan, handler, handler_ident, versioned_handler_ident};
use crate::validate::Checks;
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
    let resolvers = version_resolvers(history, &routes, &head_entries);
    // The old versions' handlers first, as the arms that call them ask for
    // them, then the head's: that is the order they register patterns in.
    let mut versioned_handlers = Vec::new();
    let call_body = call_body(history, &routes, head_count, &mut versioned_handlers);
    let call_request = (!routes.is_empty()).then(|| quote!(let request = ctx.request();));
    let handlers: Vec<TokenStream> = cx
        .api
        .routes
        .iter()
        .map(|route| handler(cx, checks, route, None))
        .collect();
    let resolver_fns = resolvers.iter().map(|r| &r.function);
    let openapi_at = openapi_at(cx);
    let versioned = history.versioned().then(|| versioned_fns(cx, &resolvers));
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

/// `Service::openapi_at`: each released version's document, served at
/// `/openapi/<date>.json`. Nothing for a spec without versions.
fn openapi_at(cx: &Context) -> TokenStream {
    if cx.spec.versions.is_empty() {
        return TokenStream::new();
    }
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
}

/// A resolver of old versions whose routes differ from the head's.
struct Resolver {
    /// The versions it routes (they all route alike).
    versions: Vec<usize>,
    /// Its function's name.
    name: proc_macro2::Ident,
    /// Its function.
    function: TokenStream,
}

/// The resolvers of the old versions whose routes differ from the head's (a
/// route moved, or not added yet); versions that route alike share one, and
/// versions that route as the head does need none.
fn version_resolvers(
    history: &History,
    routes: &[&Route],
    head_entries: &[Entry],
) -> Vec<Resolver> {
    let key = |entries: &[Entry]| -> Vec<(usize, Method, Vec<PathSegment>)> {
        entries
            .iter()
            .map(|e| (e.index, e.route.method, e.route.path.clone()))
            .collect()
    };
    let head_key = key(head_entries);
    let mut resolvers: Vec<Resolver> = Vec::new();
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
            Some(i) => resolvers[i].versions.push(k),
            None => {
                let name = format_ident!("resolve_{}", history.date(k).replace('-', "_"));
                let body = resolve(&entries);
                let doc = format!(" Routes a request at API version {}.", history.date(k));
                resolvers.push(Resolver {
                    versions: vec![k],
                    name: name.clone(),
                    function: quote! {
                        #[doc = #doc]
                        fn #name(method: &::hyper::Method, path: &str) -> runtime::Resolution {
                            #body
                        }
                    },
                });
                keys.push(this);
            }
        }
    }
    resolvers
}

/// The body of `Service::call`: a `match` on the route's index, one arm per
/// route (see [`call_arm`]); the old versions' handlers the arms call are
/// pushed onto `versioned_handlers`.
fn call_body(
    history: &History,
    routes: &[&Route],
    head_count: usize,
    versioned_handlers: &mut Vec<TokenStream>,
) -> TokenStream {
    let generic = if history.has_converters() {
        quote!(::<A>)
    } else {
        TokenStream::new()
    };
    let arms: Vec<TokenStream> = routes
        .iter()
        .copied()
        .enumerate()
        .map(|(i, route)| {
            let retired = i >= head_count;
            call_arm(history, &generic, i, route, retired, versioned_handlers)
        })
        .collect();
    if routes.is_empty() {
        return quote! {
            let _ = (route, ctx);
            runtime::Problem::new(404, "no such route").into_response()
        };
    }
    quote! {
        match route {
            #(#arms)*
            _ => runtime::Problem::new(404, "no such route").into_response(),
        }
    }
}

/// The arm of route `index` in `Service::call`. At each old version where
/// the route differs from the head's, the version's own handler (generated
/// here, with the conversions called with `generic`, and pushed onto
/// `versioned_handlers`); otherwise the head's handler. A `retired` route
/// is resolved only at the versions before its removal, so its last arm,
/// a 404, is never taken.
fn call_arm(
    history: &History,
    generic: &TokenStream,
    index: usize,
    route: &Route,
    retired: bool,
    versioned_handlers: &mut Vec<TokenStream>,
) -> TokenStream {
    let head_handler = handler_ident(route);
    let i = proc_macro2::Literal::usize_unsuffixed(index);
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
            generic,
        };
        let name = versioned_handler_ident(route, history.date(k));
        versioned_handlers.push(handler(cx_k, &checks_k, old, Some(&plan)));
        let k = proc_macro2::Literal::usize_unsuffixed(k);
        version_arms.push(quote! {
            ::std::option::Option::Some(#k) => self.#name(request, ctx).await,
        });
    }
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
}

/// The `Service` methods of a versioned spec: the version table, the
/// spec's own version header (lowercase, as the runtime wants it) when it
/// names one, and `resolve_at` when an old version routes differently.
fn versioned_fns(cx: &Context, resolvers: &[Resolver]) -> TokenStream {
    let resolve_at = (!resolvers.is_empty()).then(|| {
        let arms = resolvers.iter().map(|r| {
            let ks = r
                .versions
                .iter()
                .map(|k| proc_macro2::Literal::usize_unsuffixed(*k));
            let name = &r.name;
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
/// to a second `match` that finds the `Allow` set (see [`allow_arms`]).
fn resolve(routes: &[Entry]) -> TokenStream {
    if routes.is_empty() {
        return quote! {
            let _ = (method, path);
            runtime::Resolution::NotFound
        };
    }
    let shapes: Vec<Vec<Option<&str>>> = routes.iter().map(|r| shape_of(r.route)).collect();
    let depth =
        proc_macro2::Literal::usize_unsuffixed(shapes.iter().map(Vec::len).max().unwrap_or(1));
    let any_params = routes.iter().any(|r| {
        r.route
            .path
            .iter()
            .any(|s| matches!(s, PathSegment::Param(_)))
    });

    let mut order: Vec<usize> = (0..routes.len()).collect();
    order.sort_by_key(|&i| specificity(&shapes[i]));
    let route_arms: Vec<TokenStream> = order
        .iter()
        .map(|&i| route_arm(&routes[i], &shapes[i]))
        .collect();
    // Concrete paths come first in `order`; after their arms, each one's
    // unguarded 405.
    let concrete_count = order
        .iter()
        .take_while(|&&i| shapes[i].iter().all(Option::is_some))
        .count();
    let mut concrete_shapes: Vec<Vec<Option<&str>>> = Vec::new();
    for &i in &order[..concrete_count] {
        if !concrete_shapes.contains(&shapes[i]) {
            concrete_shapes.push(shapes[i].clone());
        }
    }
    let concrete_arms = concrete_shapes.iter().map(|shape| {
        let pattern = pattern_of(shape);
        let methods: Vec<Method> = routes
            .iter()
            .zip(&shapes)
            .filter(|(_, s)| *s == shape)
            .map(|(r, _)| r.route.method)
            .collect();
        let allow = allow_header(methods);
        quote!([#(#pattern),*] => runtime::Resolution::MethodNotAllowed(#allow),)
    });
    let (first_arms, rest_arms) = route_arms.split_at(concrete_count);

    let allow_arms = allow_arms(routes, &shapes, &concrete_shapes);
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

/// The arm of one route (of path `shape`) in `resolve`: its segments'
/// pattern guarded by its method, resolving to the route's index with its
/// path parameters. Parameters are in the head path's order (the handler
/// reads them by position), wherever this version's path puts them; a
/// parameter that does not fit is no route at all.
fn route_arm(entry: &Entry, shape: &[Option<&str>]) -> TokenStream {
    let pattern = pattern_of(shape);
    let method = method_const(entry.route.method);
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
}

/// The arms of the `match` that finds the `Allow` set of a path no route
/// takes with its method: one arm per intersection of path shapes (see
/// [`shape_closure`]), most specific first, allowing the methods of every
/// route whose shape covers it, so a path matching several templated
/// shapes (`/users/{id}/posts` and `/{kind}/me/posts`) is allowed every
/// method of each of them. Concrete paths were answered before.
fn allow_arms(
    routes: &[Entry],
    shapes: &[Vec<Option<&str>>],
    concrete_shapes: &[Vec<Option<&str>>],
) -> Vec<TokenStream> {
    let mut closure = shape_closure(shapes);
    let mut route_buckets = Buckets::default();
    for (i, shape) in shapes.iter().enumerate() {
        route_buckets.add(i, shape);
    }
    closure.sort_by_key(|shape| specificity(shape));
    closure.retain(|shape| !concrete_shapes.contains(shape));
    closure
        .iter()
        .map(|shape| {
            let pattern = pattern_of(shape);
            let methods: Vec<Method> = route_buckets
                .meeting(shape)
                .filter(|&i| covers(&shapes[i], shape))
                .map(|i| routes[i].route.method)
                .collect();
            let allow = allow_header(methods);
            quote!([#(#pattern),*] => runtime::Resolution::MethodNotAllowed(#allow),)
        })
        .collect()
}

/// Every shape, and every non-empty intersection of shapes, each once, in
/// the order found. Shapes are bucketed by length and first segment, so
/// each is compared only with those it can intersect (the same first
/// literal, or a parameter there): linear in the number of routes when
/// their paths start differently.
fn shape_closure<'s>(shapes: &[Vec<Option<&'s str>>]) -> Vec<Vec<Option<&'s str>>> {
    let mut closure: Vec<Vec<Option<&str>>> = Vec::new();
    let mut known: BTreeSet<Vec<Option<&str>>> = BTreeSet::new();
    let mut buckets = Buckets::default();
    for shape in shapes {
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
    closure
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
