// Offline tests of the Go SDK generated from examples/users/users.gati:
// retries, timeouts, request and response headers, typed errors and the JSON
// of unions, enums and nullable fields, against httptest servers (no example
// server needed).
// Written by hand; gatic's toolchain test runs them with `go test -run Offline`.

package drive

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"example.com/usersclient"
)

const userJSON = `{"id":"7d3c8e8e-0f49-4c4e-9a62-1b1d2b0c0a01","handle":"ana","email":"ana@example.com",` +
	`"display_name":"Ana","bio":null,"role":"admin","created_at":"2025-06-01T12:00:00Z"}`

// userLocation is the Location of the user in userJSON, which create_user
// must answer with.
const userLocation = "/users/7d3c8e8e-0f49-4c4e-9a62-1b1d2b0c0a01"

// server answers with handler and counts the requests it gets.
func server(t *testing.T, handler func(n int32, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *int32) {
	t.Helper()
	var count int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(atomic.AddInt32(&count, 1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &count
}

func fastRetries() usersclient.ClientOption {
	return usersclient.WithRetries(3, time.Millisecond, 5*time.Millisecond)
}

func newUser() usersclient.NewUser {
	return usersclient.NewUser{Handle: "ana", Email: "ana@example.com", DisplayName: "Ana"}
}

func TestOfflinePostIsRetriedOn503WithRetryAfter(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Location", userLocation)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(userJSON))
	})
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	user, headers, err := client.CreateUser(context.Background(), newUser(), nil)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if user.Handle != "ana" || headers.Location != userLocation || *count != 2 {
		t.Fatalf("got %+v (%+v) after %d requests, want ana after 2", user, headers, *count)
	}
}

func TestOfflinePostIsNotRetriedOnPlain503(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	_, _, err := client.CreateUser(context.Background(), newUser(), nil)
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("want a 503 *APIError, got %v", err)
	}
	if *count != 1 {
		t.Fatalf("a POST without Retry-After was sent %d times, want 1", *count)
	}
}

func TestOfflinePostWithIdempotencyKeyIsRetried(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if r.Header.Get("Idempotency-Key") != "k1" {
			t.Errorf("Idempotency-Key = %q", r.Header.Get("Idempotency-Key"))
		}
		w.Header().Set("Location", userLocation)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(userJSON))
	})
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	params := &usersclient.CreateUserParams{IdempotencyKey: usersclient.Ptr("k1")}
	if _, _, err := client.CreateUser(context.Background(), newUser(), params); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if *count != 3 {
		t.Fatalf("sent %d times, want 3", *count)
	}
}

func TestOfflineGetIsRetriedThenGivesUp(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGatewayTimeout)
	})
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	_, _, err := client.GetUser(context.Background(), "x")
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 504 || *count != 3 {
		t.Fatalf("got %v after %d requests, want a 504 after 3", err, *count)
	}
}

func TestOfflineTimeoutPerAttempt(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithTimeout(50*time.Millisecond),
		usersclient.WithRetries(1, 0, 0))
	start := time.Now()
	_, _, err := client.GetUser(context.Background(), "x")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("the timeout did not stop the call")
	}
}

func TestOfflineHeadersAndParameters(t *testing.T) {
	var seen []*http.Request
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Clone(context.Background()))
		switch {
		case strings.HasSuffix(r.URL.Path, "/posts"):
			_, _ = w.Write([]byte(`{"items":[]}`))
		default:
			w.Header().Set("ETag", `"1"`)
			_, _ = w.Write([]byte(userJSON))
		}
	})
	client := usersclient.NewUsersClient(srv.URL+"/", usersclient.WithBearerToken("tok"),
		usersclient.WithHeader("X-Extra", "1"))
	ctx := context.Background()
	if _, _, err := client.GetUser(ctx, "a b/c"); err != nil {
		t.Fatal(err)
	}
	limit := int32(5)
	params := &usersclient.ListPostsParams{Limit: &limit, Tag: usersclient.Ptr("go")}
	if _, err := client.ListPosts(ctx, "u1", params); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateUser(ctx, "u1", usersclient.UserPatch{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range seen {
		if got := r.Header.Get("Gati-Version"); got != "2025-06-01" {
			t.Errorf("%s %s: Gati-Version = %q", r.Method, r.URL, got)
		}
		if r.Header.Get("X-Extra") != "1" {
			t.Errorf("%s %s: the extra header is missing", r.Method, r.URL)
		}
	}
	if seen[0].URL.EscapedPath() != "/users/a%20b%2Fc" {
		t.Errorf("path = %q", seen[0].URL.EscapedPath())
	}
	if seen[0].Header.Get("Authorization") != "" {
		t.Errorf("get_user is public, but the token was sent")
	}
	if q := seen[1].URL.RawQuery; q != "limit=5&tag=go" {
		t.Errorf("query = %q", q)
	}
	if seen[2].Header.Get("Authorization") != "Bearer tok" || seen[2].Method != "PATCH" {
		t.Errorf("update_user: %s with Authorization %q", seen[2].Method, seen[2].Header.Get("Authorization"))
	}
	if seen[2].Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", seen[2].Header.Get("Content-Type"))
	}
}

func TestOfflineTypedErrors(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("X-Request-Id", "req-1")
		switch r.Method {
		case "GET":
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"type":"urn:problem:users:not-found","title":"NotFound","status":404,"id":"u9"}`))
		case "DELETE":
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"type":"urn:problem:users:rejected","title":"Rejected","status":422,"reason":"last admin"}`))
		default:
			w.WriteHeader(422)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"1 violation",` +
				`"violations":[{"location":"body","pointer":"/handle","rule":"pattern","message":"bad"}]}`))
		}
	})
	client := usersclient.NewUsersClient(srv.URL)
	ctx := context.Background()

	_, _, err := client.GetUser(ctx, "u9")
	var notFound *usersclient.NotFoundError
	if !errors.As(err, &notFound) || notFound.ID != "u9" || notFound.StatusCode != 404 || notFound.RequestID() != "req-1" {
		t.Fatalf("want *NotFoundError{ID: u9}, got %#v", err)
	}
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Problem.Title != "NotFound" {
		t.Fatalf("a declared error is not an *APIError: %v", err)
	}

	err = client.DeleteUser(ctx, "u1")
	var rejected *usersclient.RejectedError
	if !errors.As(err, &rejected) || rejected.Reason != "last admin" {
		t.Fatalf("want *RejectedError, got %v", err)
	}

	_, _, err = client.CreateUser(ctx, newUser(), nil)
	if errors.As(err, &rejected) {
		t.Fatalf("a validation failure decoded as the declared Rejected error: %v", err)
	}
	if !errors.As(err, &apiErr) || len(apiErr.Problem.Violations) != 1 || apiErr.Problem.Violations[0].Pointer != "/handle" {
		t.Fatalf("want an *APIError with one violation, got %v", err)
	}
	if !strings.Contains(err.Error(), "/handle") {
		t.Fatalf("the message does not name the violation: %v", err)
	}
}

func TestOfflineResponseHeaders(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST":
			// Header names are case-insensitive: sent in lowercase, read all the same.
			w.Header()["location"] = []string{userLocation}
			w.WriteHeader(http.StatusCreated)
		case strings.HasSuffix(r.URL.Path, "/u1"):
			w.Header().Set("ETag", `"abc"`)
		}
		// /users/u2 answers without its ETag.
		_, _ = w.Write([]byte(userJSON))
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithBearerToken("tok"), fastRetries())
	ctx := context.Background()

	user, created, err := client.CreateUser(ctx, newUser(), nil)
	if err != nil || created == nil || created.Location != userLocation || user.Handle != "ana" {
		t.Fatalf("CreateUser: %+v, headers %+v, error %v", user, created, err)
	}
	user, revision, err := client.GetUser(ctx, "u1")
	if err != nil || revision == nil || revision.Etag != `"abc"` || user.Handle != "ana" {
		t.Fatalf("GetUser: %+v, headers %+v, error %v", user, revision, err)
	}

	// A success response without a required header fails like a body that
	// does not decode: a plain error, no result, and no retry.
	before := *count
	user, revision, err = client.GetUser(ctx, "u2")
	if err == nil || user != nil || revision != nil {
		t.Fatalf("GetUser without an ETag: %+v, headers %+v, error %v", user, revision, err)
	}
	var apiErr *usersclient.APIError
	if errors.As(err, &apiErr) {
		t.Fatalf("a missing header decoded as an *APIError: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "decoding the GET /users/u2 response") || !strings.Contains(msg, "ETag") {
		t.Fatalf("the error does not say what failed: %v", err)
	}
	if *count-before != 1 {
		t.Fatalf("a response without its header was retried: %d requests", *count-before)
	}
}

func TestOfflineTaggedUnion(t *testing.T) {
	post := usersclient.NewPost{Title: "Hi", Body: usersclient.PostBody{Text: &usersclient.TextBody{Markdown: "*hi*"}}}
	data, err := json.Marshal(post)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"title":"Hi","body":{"kind":"text","markdown":"*hi*"}}` {
		t.Fatalf("JSON = %s", data)
	}
	var body usersclient.PostBody
	if err := json.Unmarshal([]byte(`{"width":3,"kind":"image","image_url":"https://x/y.png"}`), &body); err != nil {
		t.Fatal(err)
	}
	if body.Image == nil || body.Image.Width != 3 || body.Text != nil || body.Tag() != "image" {
		t.Fatalf("decoded %+v", body)
	}
	// A variant added to the API later survives a round trip.
	if err := json.Unmarshal([]byte(`{"kind":"video","url":"v"}`), &body); err != nil {
		t.Fatal(err)
	}
	if body.Tag() != "video" || body.Image != nil {
		t.Fatalf("unknown variant: %+v", body)
	}
	if again, _ := json.Marshal(body); string(again) != `{"kind":"video","url":"v"}` {
		t.Fatalf("unknown variant re-encoded as %s", again)
	}
	if _, err := json.Marshal(usersclient.PostBody{}); err == nil {
		t.Fatal("a union with no variant set encoded")
	}
}

func TestOfflineEnumKeepsUnknownValues(t *testing.T) {
	var user usersclient.User
	if err := json.Unmarshal([]byte(strings.Replace(userJSON, `"admin"`, `"owner"`, 1)), &user); err != nil {
		t.Fatal(err)
	}
	if user.Role != "owner" || user.Role.IsKnown() || !usersclient.RoleAdmin.IsKnown() {
		t.Fatalf("role = %q", user.Role)
	}
	if user.CreatedAt.Year() != 2025 || user.Bio != nil {
		t.Fatalf("decoded %+v", user)
	}
}

func TestOfflineNullableFields(t *testing.T) {
	cases := []struct {
		patch usersclient.UserPatch
		want  string
	}{
		{usersclient.UserPatch{}, `{}`},
		{usersclient.UserPatch{Bio: usersclient.NullValue[string]()}, `{"bio":null}`},
		{usersclient.UserPatch{Bio: usersclient.NullableValue("x"), DisplayName: usersclient.Ptr("A")}, `{"display_name":"A","bio":"x"}`},
	}
	for _, c := range cases {
		data, err := json.Marshal(c.patch)
		if err != nil || string(data) != c.want {
			t.Errorf("%+v encoded as %s (%v), want %s", c.patch, data, err, c.want)
		}
	}
	var patch usersclient.UserPatch
	if err := json.Unmarshal([]byte(`{"bio":null}`), &patch); err != nil || !patch.Bio.IsSet() || !patch.Bio.IsNull() {
		t.Fatalf("null bio decoded as %#v (%v)", patch.Bio, err)
	}
	if err := json.Unmarshal([]byte(`{"bio":"b"}`), &patch); err != nil {
		t.Fatal(err)
	}
	if v, ok := patch.Bio.Get(); !ok || v != "b" {
		t.Fatalf("bio decoded as %#v", patch.Bio)
	}
}
