//! `TestClient`: the service called in-process, without a socket, for the
//! tests of a handler crate. Requests go through the whole lifecycle —
//! routing, authentication, limits, decoding, validation, version
//! conversion, problems — exactly as they would over the network.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_service::Service as _;

use super::config::Config;
use super::server::{App, Service};

/// A client of the service that calls it in-process.
///
/// ```ignore
/// let client = TestClient::new(MyHandlers::default().into_service());
/// let created = client.post("/users").bearer("t").json(&new_user).send().await;
/// assert_eq!(created.status(), 201);
/// let user: User = created.json();
/// ```
pub struct TestClient<S> {
    app: App<S>,
}

impl<S: Service> TestClient<S> {
    /// A client of `service` with the default configuration (the spec's
    /// limits, the runtime's defaults elsewhere; the environment is not
    /// read).
    ///
    /// # Panics
    ///
    /// When the service's own declarations are inconsistent (a version
    /// header that is not a header name): generated services never are.
    pub fn new(service: S) -> TestClient<S> {
        match TestClient::with_config(service, &Config::default()) {
            Ok(client) => client,
            Err(error) => panic!("the service cannot run: {error}"),
        }
    }

    /// A client of `service` with `config`.
    pub fn with_config(service: S, config: &Config) -> std::io::Result<TestClient<S>> {
        Ok(TestClient {
            app: App::new(service, config)?,
        })
    }

    /// The service as a `tower::Service`, to call directly.
    pub fn app(&self) -> &App<S> {
        &self.app
    }

    /// A request with `method` to `target` (a path, with its query).
    pub fn request(&self, method: Method, target: &str) -> TestRequest<S> {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("localhost"));
        TestRequest {
            app: self.app.clone(),
            method,
            target: target.to_owned(),
            headers,
            body: Bytes::new(),
            error: None,
        }
    }

    /// A `GET` request.
    pub fn get(&self, target: &str) -> TestRequest<S> {
        self.request(Method::GET, target)
    }

    /// A `HEAD` request.
    pub fn head(&self, target: &str) -> TestRequest<S> {
        self.request(Method::HEAD, target)
    }

    /// A `POST` request.
    pub fn post(&self, target: &str) -> TestRequest<S> {
        self.request(Method::POST, target)
    }

    /// A `PUT` request.
    pub fn put(&self, target: &str) -> TestRequest<S> {
        self.request(Method::PUT, target)
    }

    /// A `PATCH` request.
    pub fn patch(&self, target: &str) -> TestRequest<S> {
        self.request(Method::PATCH, target)
    }

    /// A `DELETE` request.
    pub fn delete(&self, target: &str) -> TestRequest<S> {
        self.request(Method::DELETE, target)
    }

    /// An `OPTIONS` request (a CORS preflight, with `Origin` and
    /// `Access-Control-Request-Method` headers).
    pub fn options(&self, target: &str) -> TestRequest<S> {
        self.request(Method::OPTIONS, target)
    }
}

/// A request being built; [`TestRequest::send`] sends it.
pub struct TestRequest<S> {
    app: App<S>,
    method: Method,
    target: String,
    headers: HeaderMap,
    body: Bytes,
    /// The first thing that went wrong while building, reported by `send`.
    error: Option<String>,
}

impl<S: Service> TestRequest<S> {
    /// Adds a header (a repeated name adds another field).
    pub fn header(mut self, name: &str, value: &str) -> TestRequest<S> {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            _ => self.fail(format!("{name}: {value:?} is not a valid header")),
        }
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> TestRequest<S> {
        self.header(AUTHORIZATION.as_str(), &format!("Bearer {token}"))
    }

    /// Asks for API version `date` in the service's version header.
    pub fn version(self, date: &str) -> TestRequest<S> {
        let name = self.app.service().version_header();
        self.header(name, date)
    }

    /// `value` as the JSON body, with `Content-Type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> TestRequest<S> {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = Bytes::from(body);
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(error) => self.fail(format!("the body could not be serialized: {error}")),
        }
        self
    }

    /// `body` as the body, sent as is (set `Content-Type` with
    /// [`TestRequest::header`]).
    pub fn body(mut self, body: impl Into<Bytes>) -> TestRequest<S> {
        self.body = body.into();
        self
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// Sends the request and reads the whole response.
    ///
    /// # Panics
    ///
    /// When the request could not be built (an invalid header, a target
    /// that is not a path): the test is wrong, not the service.
    pub async fn send(self) -> TestResponse {
        if let Some(error) = self.error {
            panic!("TestRequest: {error}");
        }
        let mut request = match hyper::Request::builder()
            .method(self.method)
            .uri(self.target.as_str())
            .body(Full::new(self.body))
        {
            Ok(request) => request,
            Err(error) => panic!(
                "TestRequest: {:?} is not a request target: {error}",
                self.target
            ),
        };
        *request.headers_mut() = self.headers;
        let head = request.method() == Method::HEAD;
        let mut app = self.app;
        let Ok(response) = app.call(request).await;
        let (parts, body) = response.into_parts();
        let Ok(collected) = body.collect().await;
        // As on the wire: the answer to HEAD has the headers of a GET
        // (`Content-Length` included) and no body.
        let body = if head {
            Bytes::new()
        } else {
            collected.to_bytes()
        };
        TestResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }
}

/// A whole response.
#[derive(Clone, Debug)]
pub struct TestResponse {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of header `name`, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossily, for messages).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded from JSON as a `T`.
    ///
    /// # Panics
    ///
    /// When it is not a `T`, with the status and the body in the message.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        match serde_json::from_slice(&self.body) {
            Ok(value) => value,
            Err(error) => panic!(
                "the {} response's body is not a {}: {error}\n{}",
                self.status,
                std::any::type_name::<T>(),
                self.text()
            ),
        }
    }
}
