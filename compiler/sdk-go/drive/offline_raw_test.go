// Offline tests of bodies that are not JSON, against httptest servers:
// uploads streamed from an io.Reader (replayed on retries only when the
// reader seeks), text bodies, bytes and text results, and the content type
// a caller names for a wildcard media type. They use the SDKs generated from
// examples/users/users.gati and specs/valid/raw_bodies.gati.
// Written by hand; gatic's toolchain test runs them with `go test -run Offline`.

package drive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"example.com/galleryclient"
	"example.com/usersclient"
)

// png is the start of every PNG file: eight bytes that are not UTF-8.
const png = "\x89PNG\r\n\x1a\n"

// upload is what a test server saw of one request.
type upload struct {
	method      string
	path        string
	contentType string
	accept      string
	length      int64
	body        string
}

// recordUploads returns a handler that records every request into seen
// before answering with answer.
func recordUploads(t *testing.T, seen *[]upload, answer func(n int32, w http.ResponseWriter, r *http.Request)) func(int32, http.ResponseWriter, *http.Request) {
	var mu sync.Mutex
	return func(n int32, w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the request body: %v", err)
		}
		mu.Lock()
		*seen = append(*seen, upload{
			method:      r.Method,
			path:        r.URL.Path,
			contentType: r.Header.Get("Content-Type"),
			accept:      r.Header.Get("Accept"),
			length:      r.ContentLength,
			body:        string(data),
		})
		mu.Unlock()
		answer(n, w, r)
	}
}

// oneShot hides every method of a reader but Read, as a network stream's.
type oneShot struct{ io.Reader }

func TestOfflineRawBodies(t *testing.T) {
	var seen []upload
	srv, _ := server(t, recordUploads(t, &seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "PUT":
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/avatar"):
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte(png))
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("Ana (@ana)\n"))
		}
	}))
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithBearerToken("tok"))
	ctx := context.Background()

	if err := client.PutAvatar(ctx, "u1", bytes.NewReader([]byte(png))); err != nil {
		t.Fatalf("PutAvatar: %v", err)
	}
	avatar, err := client.GetAvatar(ctx, "u1")
	if err != nil || !bytes.Equal(avatar, []byte(png)) {
		t.Fatalf("GetAvatar: %q (%v), want %q", avatar, err, png)
	}
	card, err := client.GetCard(ctx, "u1")
	if err != nil || card != "Ana (@ana)\n" {
		t.Fatalf("GetCard: %q (%v)", card, err)
	}
	// A reader that cannot seek is streamed with chunked encoding.
	if err := client.PutAvatar(ctx, "u1", oneShot{strings.NewReader(png)}); err != nil {
		t.Fatalf("PutAvatar from a one-shot reader: %v", err)
	}
	// A nil reader is an empty body.
	if err := client.PutAvatar(ctx, "u1", nil); err != nil {
		t.Fatalf("PutAvatar(nil): %v", err)
	}

	want := []upload{
		{method: "PUT", path: "/users/u1/avatar", contentType: "image/png", accept: "application/json, application/problem+json", length: 8, body: png},
		{method: "GET", path: "/users/u1/avatar", accept: "image/png, application/problem+json"},
		{method: "GET", path: "/users/u1/card", accept: "text/plain, application/problem+json"},
		{method: "PUT", path: "/users/u1/avatar", contentType: "image/png", accept: "application/json, application/problem+json", length: -1, body: png},
		{method: "PUT", path: "/users/u1/avatar", contentType: "image/png", accept: "application/json, application/problem+json", length: 0},
	}
	if len(seen) != len(want) {
		t.Fatalf("the server saw %d requests, want %d: %+v", len(seen), len(want), seen)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("request %d: got %+v, want %+v", i, seen[i], want[i])
		}
	}
}

func TestOfflineRawErrorsAreProblems(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"type":"urn:problem:users:not-found","title":"NotFound","status":404,"id":"u9"}`))
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithBearerToken("tok"))
	ctx := context.Background()
	avatar, err := client.GetAvatar(ctx, "u9")
	var notFound *usersclient.NotFoundError
	if !errors.As(err, &notFound) || notFound.ID != "u9" || avatar != nil {
		t.Fatalf("GetAvatar: %q, %v; want a *NotFoundError", avatar, err)
	}
	card, err := client.GetCard(ctx, "u9")
	if !errors.As(err, &notFound) || card != "" {
		t.Fatalf("GetCard: %q, %v; want a *NotFoundError", card, err)
	}
	err = client.PutAvatar(ctx, "u9", strings.NewReader(png))
	if !errors.As(err, &notFound) || notFound.StatusCode != 404 {
		t.Fatalf("PutAvatar: %v; want a *NotFoundError", err)
	}
}

func TestOfflineSeekableBodyIsRewoundForRetries(t *testing.T) {
	var seen []upload
	srv, count := server(t, recordUploads(t, &seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	// The upload starts where the caller left the reader, on every attempt.
	reader := strings.NewReader("skip:" + png)
	if _, err := reader.Seek(int64(len("skip:")), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := client.PutAvatar(context.Background(), "u1", reader); err != nil {
		t.Fatalf("PutAvatar: %v", err)
	}
	if *count != 3 {
		t.Fatalf("sent %d times, want 3", *count)
	}
	for i, u := range seen {
		if u.body != png || u.length != int64(len(png)) {
			t.Errorf("attempt %d sent %q (Content-Length %d), want %q", i+1, u.body, u.length, png)
		}
	}
}

func TestOfflineOneShotBodyIsNotRetried(t *testing.T) {
	var seen []upload
	srv, count := server(t, recordUploads(t, &seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		// Even a request turned away with Retry-After cannot be sent again.
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	err := client.PutAvatar(context.Background(), "u1", oneShot{strings.NewReader(png)})
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("want a 503 *APIError, got %v", err)
	}
	if *count != 1 || len(seen) != 1 || seen[0].body != png {
		t.Fatalf("sent %d times (%+v), want once", *count, seen)
	}
}

func TestOfflineWildcardContentType(t *testing.T) {
	var seen []upload
	srv, _ := server(t, recordUploads(t, &seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/caption"):
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("Le café"))
		case strings.HasSuffix(r.URL.Path, ".csv"):
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			_, _ = w.Write([]byte("id\n1\n"))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	client := galleryclient.NewGalleryClient(srv.URL)
	ctx := context.Background()

	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0}
	if err := client.PutPicture(ctx, "p1", bytes.NewReader(jpeg), "image/jpeg"); err != nil {
		t.Fatalf("PutPicture: %v", err)
	}
	caption, err := client.PutCaption(ctx, "p1", "Le café")
	if err != nil || caption != "Le café" {
		t.Fatalf("PutCaption: %q (%v)", caption, err)
	}
	export, err := client.Export(ctx)
	if err != nil || export != "id\n1\n" {
		t.Fatalf("Export: %q (%v)", export, err)
	}
	// bytes without a media type is still JSON: a base64 string.
	if err := client.PutThumbnail(ctx, "p1", jpeg); err != nil {
		t.Fatalf("PutThumbnail: %v", err)
	}

	want := []upload{
		{method: "PUT", path: "/pictures/p1", contentType: "image/jpeg", length: 4, body: string(jpeg)},
		{method: "PUT", path: "/pictures/p1/caption", contentType: "text/plain; charset=utf-8", length: int64(len("Le café")), body: "Le café"},
		{method: "GET", path: "/pictures.csv"},
		{method: "PUT", path: "/pictures/p1/thumbnail", contentType: "application/json", length: 10, body: `"/9j/4A=="`},
	}
	if len(seen) != len(want) {
		t.Fatalf("the server saw %d requests, want %d: %+v", len(seen), len(want), seen)
	}
	for i := range want {
		seen[i].accept = ""
		if seen[i] != want[i] {
			t.Errorf("request %d: got %+v, want %+v", i, seen[i], want[i])
		}
	}
}
