// Offline tests of multipart forms, against httptest servers that read the
// form with mime/multipart: files and values in declaration order, absent
// optional parts left out, values rendered as query parameters are, names
// and filenames escaped, and retries only when every file's reader seeks.
// They use the SDKs generated from examples/users/users.gati and
// specs/valid/raw_bodies.gati.
// Written by hand; gatic's toolchain test runs them with `go test -run Offline`.

package drive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/galleryclient"
	"example.com/usersclient"
)

// photoJSON is a Photo as the users example answers add_photo.
const photoJSON = `{"id":"5b0c2a7e-7a34-4f0e-9d5c-3f5d2c1b0a99","filename":"cat.png","content_type":"image/png","size":8,"caption":"A cat"}`

// formPart is one part of a form as a test server read it.
type formPart struct {
	name        string
	filename    string
	hasFilename bool
	contentType string
	data        string
}

// form is what a test server saw of one multipart request.
type form struct {
	method string
	path   string
	// media is the request's media type, without its boundary.
	media  string
	length int64
	parts  []formPart
	// err is what went wrong reading the form, if anything did.
	err error
}

// recordForms returns a handler that reads every request's form with
// mime/multipart into seen before answering with answer.
func recordForms(seen *[]form, answer func(n int32, w http.ResponseWriter, r *http.Request)) func(int32, http.ResponseWriter, *http.Request) {
	var mu sync.Mutex
	return func(n int32, w http.ResponseWriter, r *http.Request) {
		got := form{method: r.Method, path: r.URL.Path, length: r.ContentLength}
		media, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		got.media = media
		if err == nil && params["boundary"] == "" {
			err = errors.New("no boundary")
		}
		if err == nil {
			got.parts, err = readParts(r)
		}
		got.err = err
		mu.Lock()
		*seen = append(*seen, got)
		mu.Unlock()
		answer(n, w, r)
	}
}

// readParts reads a request's form part by part, as a server streaming it would.
func readParts(r *http.Request) ([]formPart, error) {
	reader, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	var parts []formPart
	for {
		part, err := reader.NextPart()
		if err == io.EOF {
			return parts, nil
		}
		if err != nil {
			return parts, err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return parts, err
		}
		_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if err != nil {
			return parts, err
		}
		filename, hasFilename := params["filename"]
		parts = append(parts, formPart{
			name:        part.FormName(),
			filename:    filename,
			hasFilename: hasFilename,
			contentType: part.Header.Get("Content-Type"),
			data:        string(data),
		})
	}
}

// checkForm fails the test unless got is a well-formed form with want's parts.
func checkForm(t *testing.T, what string, got form, want []formPart) {
	t.Helper()
	if got.err != nil || got.media != "multipart/form-data" {
		t.Fatalf("%s: %s (%v), want a multipart/form-data body", what, got.media, got.err)
	}
	if len(got.parts) != len(want) {
		t.Fatalf("%s: %d parts %+v, want %+v", what, len(got.parts), got.parts, want)
	}
	for i := range want {
		if got.parts[i] != want[i] {
			t.Errorf("%s: part %d is %+v, want %+v", what, i, got.parts[i], want[i])
		}
	}
}

func answerPhoto(n int32, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write([]byte(photoJSON))
}

func TestOfflineFormFilesAndValues(t *testing.T) {
	var seen []form
	srv, _ := server(t, recordForms(&seen, answerPhoto))
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithBearerToken("tok"))
	ctx := context.Background()

	photo, err := client.AddPhoto(ctx, "u1", usersclient.AddPhotoForm{
		Photo:   usersclient.FilePart{Content: strings.NewReader(png), ContentType: "image/png", Filename: "cat.png"},
		Caption: usersclient.Ptr("A cat"),
	})
	if err != nil {
		t.Fatalf("AddPhoto: %v", err)
	}
	if photo.ContentType != "image/png" || photo.Size != 8 || photo.Caption == nil || *photo.Caption != "A cat" {
		t.Fatalf("AddPhoto returned %+v", photo)
	}
	// The caption is optional: nil leaves its part out. Without a filename
	// the file part has none.
	if _, err := client.AddPhoto(ctx, "u1", usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: bytes.NewReader([]byte(png)), ContentType: "image/png"},
	}); err != nil {
		t.Fatalf("AddPhoto without a caption: %v", err)
	}

	if len(seen) != 2 {
		t.Fatalf("the server saw %d requests, want 2", len(seen))
	}
	if seen[0].method != "POST" || seen[0].path != "/users/u1/photos" {
		t.Fatalf("AddPhoto sent %s %s", seen[0].method, seen[0].path)
	}
	checkForm(t, "AddPhoto", seen[0], []formPart{
		{name: "photo", filename: "cat.png", hasFilename: true, contentType: "image/png", data: png},
		{name: "caption", data: "A cat"},
	})
	checkForm(t, "AddPhoto without a caption", seen[1], []formPart{
		{name: "photo", contentType: "image/png", data: png},
	})
	// Files that seek have a known size: the form's length is sent.
	for i, f := range seen {
		if f.length <= int64(len(png)) {
			t.Errorf("request %d: Content-Length %d, want the whole form's", i, f.length)
		}
	}
}

func TestOfflineFormValuesAsText(t *testing.T) {
	var seen []form
	srv, _ := server(t, recordForms(&seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"p1","size":4}`))
	}))
	client := galleryclient.NewGalleryClient(srv.URL)
	ctx := context.Background()
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0}

	picture, err := client.UploadPicture(ctx, galleryclient.UploadPictureForm{
		File:   galleryclient.FilePart{Content: bytes.NewReader(jpeg), ContentType: "image/jpeg", Filename: `a\b "c".jpg`},
		Copies: galleryclient.Ptr(int32(3)),
		Public: true,
	})
	if err != nil || picture.ID != "p1" || picture.Size != 4 {
		t.Fatalf("UploadPicture: %+v (%v)", picture, err)
	}
	// A required value is sent even when it is the zero value; an empty
	// ContentType of a wildcard part is application/octet-stream; a nil
	// Content is an empty file; a filename cannot break the part's head.
	if _, err := client.UploadPicture(ctx, galleryclient.UploadPictureForm{
		File:    galleryclient.FilePart{Filename: "two\r\nlines.png"},
		Caption: galleryclient.Ptr("Le café, 100%"),
	}); err != nil {
		t.Fatalf("UploadPicture with an empty file: %v", err)
	}

	if len(seen) != 2 {
		t.Fatalf("the server saw %d requests, want 2", len(seen))
	}
	checkForm(t, "UploadPicture", seen[0], []formPart{
		{name: "file", filename: `a\b "c".jpg`, hasFilename: true, contentType: "image/jpeg", data: string(jpeg)},
		{name: "copies", data: "3"},
		{name: "public", data: "true"},
	})
	checkForm(t, "UploadPicture with an empty file", seen[1], []formPart{
		{name: "file", filename: "two%0D%0Alines.png", hasFilename: true, contentType: "application/octet-stream"},
		{name: "caption", data: "Le café, 100%"},
		{name: "public", data: "false"},
	})
}

func TestOfflineFormIsRetriedWhenEveryFileSeeks(t *testing.T) {
	var seen []form
	srv, count := server(t, recordForms(&seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		// A POST is retried when the server turned it away with Retry-After.
		if n < 3 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		answerPhoto(n, w, r)
	}))
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	// Each attempt sends the file from where the caller left the reader.
	reader := strings.NewReader("skip:" + png)
	if _, err := reader.Seek(int64(len("skip:")), io.SeekStart); err != nil {
		t.Fatal(err)
	}
	_, err := client.AddPhoto(context.Background(), "u1", usersclient.AddPhotoForm{
		Photo:   usersclient.FilePart{Content: reader, ContentType: "image/png"},
		Caption: usersclient.Ptr("A cat"),
	})
	if err != nil {
		t.Fatalf("AddPhoto: %v", err)
	}
	if *count != 3 || len(seen) != 3 {
		t.Fatalf("sent %d times, want 3", *count)
	}
	for i, f := range seen {
		checkForm(t, fmt.Sprintf("attempt %d", i+1), f, []formPart{
			{name: "photo", contentType: "image/png", data: png},
			{name: "caption", data: "A cat"},
		})
		if f.length != seen[0].length || f.length <= 0 {
			t.Errorf("attempt %d: Content-Length %d, want %d", i+1, f.length, seen[0].length)
		}
	}
}

func TestOfflineFormWithAOneShotFileIsSentOnce(t *testing.T) {
	var seen []form
	srv, count := server(t, recordForms(&seen, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	_, err := client.AddPhoto(context.Background(), "u1", usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: oneShot{strings.NewReader(png)}, ContentType: "image/png"},
	})
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("want a 503 *APIError, got %v", err)
	}
	if *count != 1 || len(seen) != 1 {
		t.Fatalf("sent %d times, want once", *count)
	}
	// A reader of unknown size is streamed with chunked encoding.
	if seen[0].length != -1 {
		t.Errorf("Content-Length %d, want none (chunked)", seen[0].length)
	}
	checkForm(t, "AddPhoto from a one-shot reader", seen[0], []formPart{
		{name: "photo", contentType: "image/png", data: png},
	})
}

func TestOfflineFormErrors(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/problem+json")
		if strings.Contains(r.URL.Path, "/u9/") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"type":"urn:problem:users:not-found","title":"NotFound","status":404,"id":"u9"}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Bad Request","status":400,"violations":[{"location":"body","pointer":"/photo","rule":"format","message":"must be a file of type image/*"}]}`))
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithTimeout(5*time.Second))
	ctx := context.Background()
	_, err := client.AddPhoto(ctx, "u9", usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: strings.NewReader(png), ContentType: "image/png"},
	})
	var notFound *usersclient.NotFoundError
	if !errors.As(err, &notFound) || notFound.ID != "u9" || notFound.StatusCode != 404 {
		t.Fatalf("AddPhoto of an unknown user: %v; want a *NotFoundError", err)
	}
	_, err = client.AddPhoto(ctx, "u1", usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: strings.NewReader("hello"), ContentType: "text/plain"},
	})
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || len(apiErr.Problem.Violations) != 1 ||
		apiErr.Problem.Violations[0].Pointer != "/photo" {
		t.Fatalf("AddPhoto of a text file: %v; want a 400 *APIError", err)
	}
}
