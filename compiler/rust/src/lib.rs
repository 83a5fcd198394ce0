//! The Rust target: generates a hyper/tokio service crate from the IR.
//!
//! [`generate`] returns the files of the crate under `server/`; it does no IO
//! and is deterministic byte for byte. Rust code is built with `quote` and
//! formatted with `prettyplease`; the manifest comes from a template in
//! `targets/rust/`, and the runtime's source is embedded from
//! `runtime-template/src`.

mod api;
mod consts;
mod context;
mod handler;
mod manifest;
mod mock;
mod routes;
mod runtime;
mod types;
mod validate;
mod versions;

use std::collections::HashSet;
use std::sync::{Mutex, mpsc};

use gatic_ir::{OutputFile, Spec, ident};
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

use crate::context::Context;

pub use mock::MockCrate;

/// Settings of the Rust target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The generated crate's package name; `<service>-api` (kebab case) when `None`.
    pub crate_name: Option<String>,
}

/// One method of the generated `Converters` trait, which handler crates
/// must implement for every `changed from … via …` in the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConverterMethod {
    /// The converter's name in the spec (`via NAME`).
    pub via: String,
    /// The method's name: `NAME`, or `NAME_backward` for the reverse.
    pub name: String,
    /// The method's exact signature, as one line of Rust.
    pub signature: String,
}

/// The methods a handler crate must implement for the spec's hand-written
/// converters, forward before backward, in history order.
pub fn converter_methods(spec: &Spec) -> Vec<ConverterMethod> {
    let cx = Context::new(spec);
    versions::History::new(&cx).converter_methods()
}

/// The mock server of `spec` (`gatic mock`): a handler crate, `mock/`
/// beside the server crate `server/` that [`generate`] writes with the same
/// `config`, which answers every route with examples satisfying the spec's
/// refinements; and what those examples could not satisfy.
pub fn mock(spec: &Spec, config: &Config) -> MockCrate {
    mock::generate(spec, config)
}

/// The generated crate's package name when none is configured:
/// `<service>-api`, kebab-cased.
pub fn default_crate_name(service: &str) -> String {
    format!("{}-api", ident::kebab(service))
}

/// The files of the generated server crate, paths relative to the output folder.
pub fn generate(spec: &Spec, config: &Config) -> Vec<OutputFile> {
    let mut files = generate_crate(spec, config);
    // The head's OpenAPI document, served at `/openapi.json`, then each
    // version's, served at `/openapi/<date>.json`.
    let head = OutputFile {
        path: "server/src/openapi.json".to_string(),
        contents: gatic_openapi::document_text(spec, &spec.head, None),
    };
    let documents = std::iter::once(head).chain(spec.versions.iter().map(|version| OutputFile {
        path: format!("server/src/openapi/{}.json", version.date),
        contents: gatic_openapi::document_text(spec, &version.api, Some(&version.date)),
    }));
    // They follow the Rust sources and come before the runtime's files.
    let at = files
        .iter()
        .position(|f| f.path.starts_with("server/src/runtime"))
        .unwrap_or(files.len());
    files.splice(at..at, documents);
    files
}

/// The paths of the OpenAPI documents [`generate`] embeds in the crate,
/// beside the paths of the same documents from [`gatic_openapi::generate`]:
/// `(crate path, OpenAPI target path)`, the head's first.
pub fn embedded_documents(spec: &Spec) -> Vec<(String, String)> {
    std::iter::once((
        "server/src/openapi.json".to_string(),
        "openapi/openapi.json".to_string(),
    ))
    .chain(spec.versions.iter().map(|version| {
        (
            format!("server/src/openapi/{}.json", version.date),
            format!("openapi/{}.json", version.date),
        )
    }))
    .collect()
}

/// The files of the generated server crate without the OpenAPI documents it
/// embeds (see [`embedded_documents`]), for a caller that already has them
/// from the OpenAPI target; otherwise as [`generate`].
pub fn generate_crate(spec: &Spec, config: &Config) -> Vec<OutputFile> {
    let cx = Context::new(spec);
    let header = cx.header("//");
    // Rust files are formatted item by item on worker threads while the
    // next file is generated (see `Formatter`).
    let (manifest, formatted) = Formatter::run(&header, |formatter| {
        let checks = validate::Checks::new(&cx);
        let history = versions::History::new(&cx);

        let lib_path = formatter.reserve("server/src/lib.rs");
        formatter.send("server/src/types.rs", types::generate(&cx));
        let validate_path = formatter.reserve("server/src/validate.rs");
        formatter.send(
            "server/src/api.rs",
            api::generate(&cx, history.has_converters()),
        );
        // Checks register regex patterns as they are generated (types'
        // first, then routes', then old versions'); `validate.rs` declares
        // them all, so it is assembled last. The router asks for the version
        // conversions it calls, so `versions.rs` comes after it.
        let impls = checks.impls();
        formatter.send(
            "server/src/routes.rs",
            routes::generate(&cx, &checks, &history),
        );
        if history.versioned() {
            formatter.send("server/src/versions.rs", history.generate());
        }
        formatter.fill(validate_path, validate::generate(&cx, impls));
        formatter.fill(lib_path, lib_rs(&cx, &history));

        let crate_name = config
            .crate_name
            .clone()
            .unwrap_or_else(|| default_crate_name(&spec.service.name));
        let description = format!(
            "The {} API service, generated by gatic.",
            spec.service.title
        );
        manifest::render(
            &spec.source,
            &crate_name,
            &description,
            !cx.patterns().is_empty(),
            spec.service.jwt.is_some(),
            context::Crates::of(spec),
        )
    });

    let mut files = vec![OutputFile {
        path: "server/Cargo.toml".to_string(),
        contents: manifest,
    }];
    files.extend(formatted);
    // The runtime's files, copied: they say which gatic copied them.
    let copied = format!(
        "// Copied by gatic {} from its runtime, for {}. Do not edit.\n",
        env!("CARGO_PKG_VERSION"),
        spec.source
    );
    for (name, contents) in runtime::FILES {
        files.push(OutputFile {
            path: runtime::output_path(name),
            contents: format!("{copied}{}", runtime::without_tests(contents)),
        });
    }
    files
}

/// Formats generated Rust files on worker threads, so printing overlaps
/// generation and uses every core.
///
/// prettyplease prints a file as its inner attributes followed by each item
/// in turn, every item ending with a line break at the top level, so a file
/// prints the same as the concatenation of its items printed alone. Each
/// file's tokens are therefore cut into runs of whole items of bounded size,
/// sent as text (token streams cannot cross threads), parsed and printed on
/// their own. Small syntax trees keep memory low, and the work spreads
/// evenly across workers. A run that does not parse on its own (a cut in the
/// wrong place, which the conservative cutting rules should never make) sends
/// its file back to be parsed and printed whole.
struct Formatter {
    jobs: mpsc::Sender<Job>,
    /// The files in output order: their paths and how many runs each has.
    files: Vec<(&'static str, usize)>,
}

/// One run of whole items of one file, as text.
struct Job {
    file: usize,
    run: usize,
    text: String,
}

/// One run after printing: its source text, and its printed text when it
/// parsed on its own.
#[derive(Clone)]
struct Printed {
    source: String,
    printed: Option<String>,
}

/// The size of source text, in bytes, past which a run of items is cut.
const RUN_BYTES: usize = 16 * 1024;

impl Formatter {
    /// Runs `generate` with a formatter, then waits for every file to be
    /// printed; returns what `generate` returned and the files, each with
    /// `header` before its text, in the order they were sent or reserved.
    fn run<T>(header: &str, generate: impl FnOnce(&mut Formatter) -> T) -> (T, Vec<OutputFile>) {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Mutex::new(receiver);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (value, files, printed) = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| scope.spawn(|| work(&receiver)))
                .collect();
            let mut formatter = Formatter {
                jobs: sender,
                files: Vec::new(),
            };
            let value = generate(&mut formatter);
            let Formatter { jobs, files } = formatter;
            // Closing the queue lets the workers finish.
            drop(jobs);
            let mut printed: Vec<(usize, usize, Printed)> = Vec::new();
            for handle in handles {
                match handle.join() {
                    Ok(done) => printed.extend(done),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            (value, files, printed)
        });
        let mut runs: Vec<Vec<Option<Printed>>> =
            files.iter().map(|(_, count)| vec![None; *count]).collect();
        for (file, run, text) in printed {
            runs[file][run] = Some(text);
        }
        let out = files
            .iter()
            .zip(runs)
            .map(|((path, _), runs)| {
                let runs: Vec<Printed> = runs.into_iter().flatten().collect();
                let mut contents = header.to_string();
                if runs.iter().all(|run| run.printed.is_some()) {
                    contents.extend(runs.into_iter().filter_map(|run| run.printed));
                } else {
                    // Some run did not parse alone: print the file whole.
                    let source: Vec<String> = runs.into_iter().map(|run| run.source).collect();
                    match print(&source.join(" ")) {
                        Ok(printed) => contents.push_str(&printed),
                        // The tokens come from this crate's quotes; invalid
                        // Rust is a bug here.
                        Err(error) => {
                            panic!("gatic-rust generated invalid Rust for {path}: {error}")
                        }
                    }
                }
                OutputFile {
                    path: path.to_string(),
                    contents,
                }
            })
            .collect();
        (value, out)
    }

    /// Takes the place of a file in the output whose tokens come later.
    fn reserve(&mut self, path: &'static str) -> usize {
        self.files.push((path, 0));
        self.files.len() - 1
    }

    /// Queues the file at `path`, next in the output order.
    fn send(&mut self, path: &'static str, tokens: TokenStream) {
        let file = self.reserve(path);
        self.fill(file, tokens);
    }

    /// Queues the tokens of a reserved file, in runs of whole items.
    fn fill(&mut self, file: usize, tokens: TokenStream) {
        let mut run = String::new();
        let mut item = TokenStream::new();
        let mut assigned = false;
        for tree in tokens {
            let ends = match &tree {
                TokenTree::Punct(p) if p.as_char() == ';' => true,
                TokenTree::Punct(p) if p.as_char() == '=' => {
                    assigned = true;
                    false
                }
                // A braced body ends an item unless the item has an
                // initializer (`static X: T = T { … };`), which ends at `;`.
                // Any other `=` outside brackets (a `where` clause's
                // `Item = T`) only joins the item to the next one, which
                // prints the same.
                TokenTree::Group(g) => g.delimiter() == Delimiter::Brace && !assigned,
                _ => false,
            };
            item.extend([tree]);
            if ends {
                push_item(&mut run, std::mem::take(&mut item));
                assigned = false;
                if run.len() >= RUN_BYTES {
                    self.queue(file, std::mem::take(&mut run));
                }
            }
        }
        push_item(&mut run, item);
        if !run.is_empty() || self.files[file].1 == 0 {
            self.queue(file, run);
        }
    }

    /// Queues the next run of `file`.
    fn queue(&mut self, file: usize, text: String) {
        let run = self.files[file].1;
        self.files[file].1 += 1;
        // The workers stop only once this sender is dropped, so they are
        // still receiving.
        let _ = self.jobs.send(Job { file, run, text });
    }
}

/// Appends the text of `item` to `run`.
fn push_item(run: &mut String, item: TokenStream) {
    if item.is_empty() {
        return;
    }
    if !run.is_empty() {
        run.push(' ');
    }
    run.push_str(&item.to_string());
}

/// A worker: prints runs from the queue until it closes.
fn work(jobs: &Mutex<mpsc::Receiver<Job>>) -> Vec<(usize, usize, Printed)> {
    let mut done = Vec::new();
    loop {
        let next = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = next else {
            return done;
        };
        let printed = match print(&job.text) {
            Ok(printed) => Printed {
                source: job.text,
                printed: Some(printed),
            },
            Err(_) => Printed {
                source: job.text,
                printed: None,
            },
        };
        done.push((job.file, job.run, printed));
    }
}

/// Rust source text parsed and printed by prettyplease.
fn print(text: &str) -> Result<String, syn::Error> {
    syn::parse_str::<syn::File>(text).map(|file| prettyplease::unparse(&file))
}

/// `lib.rs`: the crate's docs, its modules in a fixed order, re-exports and `serve`.
fn lib_rs(cx: &Context, history: &versions::History) -> TokenStream {
    let service = &cx.spec.service;
    let head = cx.spec.versions.last().map(|v| v.date.as_str());
    let mut docs = vec![match head {
        Some(date) => format!(" The {} API, version {date}.", service.title),
        None => format!(" The {} API.", service.title),
    }];
    if let Some(doc) = service.doc.as_deref().filter(|d| !d.trim().is_empty()) {
        docs.push(String::new());
        docs.extend(doc.lines().map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        }));
    }
    docs.push(String::new());
    docs.push(" Generated by gatic: implement [`Api`] and call [`serve`].".to_string());

    // Re-export the trait, the runtime's entry types, every user type and
    // every route's request and error type, skipping any name already taken
    // (still reachable through its module).
    let mut taken: HashSet<String> = ident::rust_names::ROOT_EXPORTS
        .iter()
        .map(|name| name.to_string())
        .collect();
    if history.has_converters() {
        taken.insert(ident::rust_names::CONVERTERS.into());
    }
    let mut reexport = |name: String| -> bool { taken.insert(name) };
    let mut type_names = Vec::new();
    for name in cx
        .api
        .types
        .iter()
        .map(|t| &t.name)
        .chain(cx.api.errors.iter().map(|e| &e.name))
    {
        let id = context::type_ident(name);
        if reexport(id.to_string()) {
            type_names.push(id);
        }
    }
    let mut api_names = Vec::new();
    for (route, _) in api::handled_routes(cx) {
        let headers = (!route.response_headers.is_empty()).then(|| api::headers_ident(route));
        let form = matches!(route.body_format, gatic_ir::BodyFormat::Multipart { .. })
            .then(|| api::form_ident(route));
        for id in [api::request_ident(route), api::error_ident(route)]
            .into_iter()
            .chain(headers)
            .chain(form)
        {
            if reexport(id.to_string()) {
                api_names.push(id);
            }
        }
    }
    let types_use = (!type_names.is_empty()).then(|| quote!(pub use types::{#(#type_names),*};));
    // The constant fields' types (`consts::Charge`); no type or error is
    // named `consts`, since their names are PascalCase.
    let consts_use = (!cx.consts().is_empty()).then(|| {
        quote!(
            pub use types::consts;
        )
    });
    let version = head.map(|date| {
        quote! {
            /// The API's head version: the date of its newest release.
            pub const API_VERSION: &str = #date;
        }
    });
    let versions_mod = history.versioned().then(|| {
        quote!(
            pub mod versions;
        )
    });
    let converters_use = history.has_converters().then(|| {
        quote!(
            pub use versions::Converters;
        )
    });
    // The crates whose types the API's fields are, so that a handler crate
    // names the very same types (`api::uuid::Uuid`).
    let crates = context::Crates::of(cx.spec);
    let scalar_crates = [
        crates.time.then(|| {
            quote!(
                pub use ::time;
            )
        }),
        crates.uuid.then(|| {
            quote!(
                pub use ::uuid;
            )
        }),
        crates.rust_decimal.then(|| {
            quote!(
                #[cfg(feature = "rust_decimal")]
                pub use ::rust_decimal;
            )
        }),
    ];
    quote! {
        #(#![doc = #docs])*
        #![deny(missing_docs)]

        pub mod types;
        mod validate;
        pub mod api;
        pub mod routes;
        #versions_mod
        pub mod runtime;

        pub use api::{Api, #(#api_names),*};
        #converters_use
        pub use runtime::{Config, Ctx, Reply};
        #types_use
        #consts_use
        #(#scalar_crates)*

        #version

        /// Serves `api` with `config` until SIGTERM or SIGINT, then drains
        /// in-flight requests.
        pub fn serve<A: api::Api>(api: A, config: runtime::Config) -> ::std::io::Result<()> {
            runtime::run(routes::Router::new(api), config)
        }

        /// [`serve`], with every request and response passing through
        /// `layer`: any `tower` layer, or a `tower::ServiceBuilder` stack of
        /// them (`tower-http`'s CORS, compression, trace, set-header…). It
        /// sees the runtime's own answers (404, 413, 429, 503…) too.
        pub fn serve_with<A: api::Api, L: runtime::Wrap<routes::Router<A>>>(
            api: A,
            config: runtime::Config,
            layer: L,
        ) -> ::std::io::Result<()> {
            runtime::run_with(routes::Router::new(api), config, layer)
        }

        /// A client that calls `api` in-process, without a socket, through
        /// the whole request lifecycle: for tests.
        pub fn test_client<A: api::Api>(api: A) -> runtime::TestClient<routes::Router<A>> {
            runtime::TestClient::new(routes::Router::new(api))
        }
    }
}
