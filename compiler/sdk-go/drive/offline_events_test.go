// Offline tests of event streams (`returns stream UserEvent`) against
// httptest servers: the event-stream parser (events in one chunk and split
// across chunks, CRLF and CR line endings, multi-line data, comments, ids,
// retry and unknown fields), error events, error responses before the
// stream, retries of the request but never of the stream, the timeout that
// bounds only the response head, Close and ctx ending the request, and the
// bound on one event's size (WithMaxEventBytes).
// Written by hand; gatic's toolchain test runs them with `go test -run Offline`.

package drive

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"example.com/usersclient"
)

// userEventJSON is a UserEvent of the user in userJSON with this change.
func userEventJSON(change string) string {
	return `{"change":"` + change + `","user":` + userJSON + `}`
}

// streamHead starts an event stream response.
func streamHead(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// send writes each chunk separately, flushing it and pausing after it, so
// the client reads them one at a time.
func send(w http.ResponseWriter, chunks ...string) {
	for _, chunk := range chunks {
		_, _ = w.Write([]byte(chunk))
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
	}
}

// seen is one event as a test reads it.
type seen struct {
	change usersclient.Change
	handle string
	lastID string
}

// readAll reads the stream to its end.
func readAll(stream *usersclient.EventStream[usersclient.UserEvent]) []seen {
	var out []seen
	for stream.Next() {
		e := stream.Event()
		out = append(out, seen{change: e.Change, handle: e.User.Handle, lastID: stream.LastEventID()})
	}
	return out
}

func TestOfflineEventStreamParsesTheFormat(t *testing.T) {
	existing, created, deleted := userEventJSON("existing"), userEventJSON("created"), userEventJSON("deleted")
	// The created event's JSON, split over data lines at its commas.
	multiLine := "data: " + strings.Replace(created, `","user":`, "\",\ndata: \"user\":", 1) + "\n\n"
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept"); !strings.HasPrefix(got, "text/event-stream") {
			t.Errorf("Accept = %q, want text/event-stream first", got)
		}
		if r.URL.Query().Get("follow") != "true" {
			t.Errorf("query %q, want follow=true", r.URL.RawQuery)
		}
		streamHead(w)
		send(w,
			// A byte order mark, a comment, then two events in one chunk,
			// the second without the space after its colons.
			"\xef\xbb\xbf: hello\nretry: 1000\nid: 1\ndata: "+existing+"\n\nid:2\ndata:"+existing+"\n\n",
			// One event split across three chunks, in the middle of its
			// field name, its JSON and its line ending, with CRLF endings.
			"id: 3\r\nda", "ta: "+existing[:20], existing[20:]+"\r", "\n\r\n",
			// Keep-alives between events.
			":\n\n", ":\n\n",
			// Multi-line data; an unknown field; no id, so the last one stays.
			"foo: bar\n"+multiLine,
			// CR line endings, and an event of another type, which is skipped.
			"event: other\rdata: {}\r\rid: 4\revent: message\rdata: "+deleted+"\r\r",
			// An id without data changes the last id but sends no event; a
			// NUL in an id is ignored.
			"id: 5\n\nid: 6\x00\n\n",
			"data: "+existing+"\n\n",
			// An event the server never finished is dropped.
			"data: "+existing+"\n",
		)
	})
	client := usersclient.NewUsersClient(srv.URL)
	stream, err := client.UserEvents(context.Background(), &usersclient.UserEventsParams{Follow: usersclient.Ptr(true)})
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if stream.LastEventID() != "" {
		t.Fatalf("LastEventID before any event: %q", stream.LastEventID())
	}
	got := readAll(stream)
	want := []seen{
		{usersclient.ChangeExisting, "ana", "1"},
		{usersclient.ChangeExisting, "ana", "2"},
		{usersclient.ChangeExisting, "ana", "3"},
		{usersclient.ChangeCreated, "ana", "3"},
		{usersclient.ChangeDeleted, "ana", "4"},
		{usersclient.ChangeExisting, "ana", "5"},
	}
	if len(got) != len(want) {
		t.Fatalf("read %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("Err after the server ended the stream: %v", err)
	}
	var zero usersclient.UserEvent
	if stream.Event() != zero || stream.Next() {
		t.Fatalf("after the end: event %+v, or Next returned true", stream.Event())
	}
	if stream.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("Header: %v", stream.Header())
	}
}

func TestOfflineEventStreamErrorEvent(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-1")
		streamHead(w)
		send(w, "id: a\ndata: "+userEventJSON("existing")+"\n\n",
			"event: error\ndata: {\"type\":\"about:blank\",\"title\":\"Not Acceptable\",\"status\":406,"+
				"\"detail\":\"the event cannot be sent in this version\"}\n\n",
			"data: "+userEventJSON("existing")+"\n\n")
	})
	client := usersclient.NewUsersClient(srv.URL)
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if got := readAll(stream); len(got) != 1 || got[0].lastID != "a" {
		t.Fatalf("read %+v, want one event before the error", got)
	}
	var apiErr *usersclient.APIError
	if !errors.As(stream.Err(), &apiErr) {
		t.Fatalf("Err = %v, want an *APIError", stream.Err())
	}
	if apiErr.StatusCode != 406 || apiErr.Problem.Status != 406 || apiErr.Problem.Detail != "the event cannot be sent in this version" {
		t.Fatalf("Err = %+v (problem %+v)", apiErr, apiErr.Problem)
	}
	if apiErr.RequestID() != "req-1" {
		t.Fatalf("RequestID = %q", apiErr.RequestID())
	}
}

func TestOfflineEventStreamErrorBeforeTheStream(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no token"}`))
	})
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	stream, err := client.UserEvents(context.Background(), nil)
	var apiErr *usersclient.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Problem.Detail != "no token" || stream != nil {
		t.Fatalf("got %v, %v; want a 401 *APIError and no stream", stream, err)
	}
	if atomic.LoadInt32(count) != 1 {
		t.Fatalf("a 401 was sent %d times, want 1", atomic.LoadInt32(count))
	}
}

func TestOfflineEventStreamRequestIsRetriedButTheStreamIsNot(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		streamHead(w)
		send(w, "id: 1\ndata: "+userEventJSON("existing")+"\n\n", "data: {\"cha")
		// The connection breaks in the middle of an event.
		panic(http.ErrAbortHandler)
	})
	client := usersclient.NewUsersClient(srv.URL, fastRetries())
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if got := readAll(stream); len(got) != 1 {
		t.Fatalf("read %+v, want one event", got)
	}
	if stream.Err() == nil || stream.LastEventID() != "1" {
		t.Fatalf("a broken stream: Err %v, LastEventID %q", stream.Err(), stream.LastEventID())
	}
	time.Sleep(50 * time.Millisecond)
	if atomic.LoadInt32(count) != 2 {
		t.Fatalf("%d requests, want 2: one retry of the 503, no reconnection", atomic.LoadInt32(count))
	}
}

func TestOfflineEventStreamTimeoutBoundsOnlyTheHead(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		streamHead(w)
		time.Sleep(300 * time.Millisecond)
		send(w, "data: "+userEventJSON("existing")+"\n\n")
		time.Sleep(200 * time.Millisecond)
		send(w, "data: "+userEventJSON("created")+"\n\n")
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithTimeout(100*time.Millisecond))
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if got := readAll(stream); len(got) != 2 || stream.Err() != nil {
		t.Fatalf("read %+v (%v), want two events well after the timeout", got, stream.Err())
	}
}

func TestOfflineEventStreamHeadTimeout(t *testing.T) {
	srv, count := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithTimeout(50*time.Millisecond), fastRetries())
	start := time.Now()
	_, err := client.UserEvents(context.Background(), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if time.Since(start) > time.Second || atomic.LoadInt32(count) != 3 {
		t.Fatalf("%d attempts in %v, want 3 timed-out attempts", atomic.LoadInt32(count), time.Since(start))
	}
}

func TestOfflineEventStreamCloseEndsTheRequest(t *testing.T) {
	ended := make(chan struct{})
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		streamHead(w)
		send(w, "data: "+userEventJSON("existing")+"\n\n")
		<-r.Context().Done()
		close(ended)
	})
	client := usersclient.NewUsersClient(srv.URL)
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	if !stream.Next() || stream.Event().Change != usersclient.ChangeExisting {
		t.Fatalf("no first event: %v", stream.Err())
	}
	// Close, from another goroutine, ends a Next that is waiting.
	var closed int32
	go func() {
		time.Sleep(50 * time.Millisecond)
		atomic.StoreInt32(&closed, 1)
		_ = stream.Close()
	}()
	if stream.Next() {
		t.Fatalf("Next returned an event after Close")
	}
	if atomic.LoadInt32(&closed) != 1 || stream.Err() != nil {
		t.Fatalf("Next returned before Close, or Err is %v", stream.Err())
	}
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Fatalf("the server's request did not end after Close")
	}
	if err := stream.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}

func TestOfflineEventStreamCloseDropsEventsReadAhead(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		streamHead(w)
		event := "data: " + userEventJSON("existing") + "\n\n"
		send(w, event+event+event)
		<-r.Context().Done()
	})
	client := usersclient.NewUsersClient(srv.URL)
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	if !stream.Next() {
		t.Fatalf("no first event: %v", stream.Err())
	}
	_ = stream.Close()
	if stream.Next() || stream.Err() != nil {
		t.Fatalf("after Close: an event, or Err %v", stream.Err())
	}
}

func TestOfflineEventStreamContextEndsIt(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		streamHead(w)
		<-r.Context().Done()
	})
	client := usersclient.NewUsersClient(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := client.UserEvents(ctx, nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	time.AfterFunc(50*time.Millisecond, cancel)
	if stream.Next() || !errors.Is(stream.Err(), context.Canceled) {
		t.Fatalf("after ctx was canceled: Err %v, want context.Canceled", stream.Err())
	}
}

func TestOfflineEventStreamBadResponses(t *testing.T) {
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("follow") == "true" {
			// Not an event stream at all.
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(userEventJSON("existing")))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		send(w, "data: {\"change\": 7}\n\n", "data: "+userEventJSON("existing")+"\n\n")
	})
	client := usersclient.NewUsersClient(srv.URL)
	if _, err := client.UserEvents(context.Background(), &usersclient.UserEventsParams{Follow: usersclient.Ptr(true)}); err == nil ||
		!strings.Contains(err.Error(), "not text/event-stream") {
		t.Fatalf("a JSON response: got %v, want an error", err)
	}
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if stream.Next() || stream.Err() == nil || !strings.Contains(stream.Err().Error(), "decoding an event") {
		t.Fatalf("an event that does not decode: Err %v", stream.Err())
	}
}

// hungUp waits for the server to see the client close the request.
func hungUp(t *testing.T, ended <-chan struct{}) {
	t.Helper()
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
		t.Fatalf("the server's request did not end")
	}
}

func TestOfflineEventStreamLineLongerThanMaxEventBytes(t *testing.T) {
	ended := make(chan struct{})
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		streamHead(w)
		// One whole event, then a line that never ends, in pieces.
		send(w, "id: 1\ndata: "+userEventJSON("existing")+"\n\n",
			"data: "+strings.Repeat("x", 400), strings.Repeat("x", 400), strings.Repeat("x", 400))
		<-r.Context().Done()
		close(ended)
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithMaxEventBytes(1024))
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if got := readAll(stream); len(got) != 1 || got[0].lastID != "1" {
		t.Fatalf("read %+v, want the one event before the long line", got)
	}
	if err := stream.Err(); err == nil || !strings.HasSuffix(err.Error(), "reading the event stream: an event exceeded 1024 bytes") {
		t.Fatalf("Err = %v, want an event that exceeded 1024 bytes", err)
	}
	hungUp(t, ended)
}

func TestOfflineEventStreamDataLinesAddingUpPastMaxEventBytes(t *testing.T) {
	ended := make(chan struct{})
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		streamHead(w)
		// Short lines, never a blank one: 10 chunks of 170 bytes.
		for i := 0; i < 10 && r.Context().Err() == nil; i++ {
			send(w, strings.Repeat("data: 1234567890\n", 10))
		}
		<-r.Context().Done()
		close(ended)
	})
	client := usersclient.NewUsersClient(srv.URL, usersclient.WithMaxEventBytes(1024))
	stream, err := client.UserEvents(context.Background(), nil)
	if err != nil {
		t.Fatalf("UserEvents: %v", err)
	}
	defer stream.Close()
	if got := readAll(stream); len(got) != 0 {
		t.Fatalf("read %+v, want no event", got)
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "an event exceeded 1024 bytes") {
		t.Fatalf("Err = %v, want an event that exceeded 1024 bytes", err)
	}
	hungUp(t, ended)
}
