// The drive: every route of the users example (examples/users/users.gati)
// called through the generated Go SDK against a running server whose base
// URL is in GATI_TEST_BASE_URL, checking typed results and typed errors.
// Written by hand; run by gatic's drive test (compiler/sdk-go/tests/drive.rs).

package drive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/usersclient"
)

// recorder remembers the Gati-Version header of every request and response.
type recorder struct {
	mu     sync.Mutex
	sent   []string
	echoed []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, req.Header.Get("Gati-Version"))
	if resp != nil {
		r.echoed = append(r.echoed, resp.Header.Get("Gati-Version"))
	}
	return resp, err
}

// expect fails the test unless err is (or wraps) a T, which it returns.
func expect[T error](t *testing.T, what string, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("%s: want %T, got %v", what, target, err)
	}
	return target
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestDriveUsersExample(t *testing.T) {
	base := os.Getenv("GATI_TEST_BASE_URL")
	if base == "" {
		t.Skip("GATI_TEST_BASE_URL is not set: start the users example and point it there")
	}
	rec := &recorder{}
	httpClient := &http.Client{Transport: rec}
	options := []usersclient.ClientOption{
		usersclient.WithHTTPClient(httpClient),
		usersclient.WithTimeout(10 * time.Second),
	}
	anonymous := usersclient.NewUsersClient(base, options...)
	client := usersclient.NewUsersClient(base, append(options, usersclient.WithBearerToken("example-token"))...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Unique handles, so the drive also runs against a server that has seen it before.
	run := fmt.Sprintf("%x", time.Now().UnixNano()%0xfffffff)
	handle := func(name string) string { return name + "_" + run }
	email := func(name string) string { return name + "." + run + "@example.com" }

	// create_user: 401 without a token.
	ana := usersclient.NewUser{
		Handle:      handle("ana"),
		Email:       email("ana"),
		DisplayName: "Ana",
		Website:     usersclient.Ptr("https://ana.example.com"),
	}
	_, _, err := anonymous.CreateUser(ctx, ana, nil)
	if apiErr := expect[*usersclient.APIError](t, "create_user without a token", err); apiErr.StatusCode != 401 {
		t.Fatalf("create_user without a token: status %d, want 401", apiErr.StatusCode)
	}

	// create_user: 201 User with its Location; the first user of a fresh
	// server is an admin.
	key := &usersclient.CreateUserParams{IdempotencyKey: usersclient.Ptr("drive-" + run)}
	first, created, err := client.CreateUser(ctx, ana, key)
	must(t, "create_user", err)
	if first.ID == "" || first.Handle != ana.Handle || first.Email != ana.Email || first.DisplayName != "Ana" {
		t.Fatalf("create_user returned %+v", first)
	}
	if created == nil || created.Location != "/users/"+first.ID {
		t.Fatalf("create_user: headers %+v, want Location /users/%s", created, first.ID)
	}
	if first.Bio != nil || first.Website == nil || *first.Website != "https://ana.example.com" {
		t.Fatalf("create_user: bio %v, website %v", first.Bio, first.Website)
	}
	if first.CreatedAt.IsZero() || time.Since(first.CreatedAt) > time.Hour {
		t.Fatalf("create_user: created_at %v", first.CreatedAt)
	}
	fresh := first.Role == usersclient.RoleAdmin
	if !fresh {
		if first.Role != usersclient.RoleReader {
			t.Fatalf("create_user: role %q, want admin (fresh server) or reader", first.Role)
		}
		t.Logf("the server already had users: the first user is a reader, the last-admin check is skipped")
	}

	// A repeated Idempotency-Key returns the first response.
	again, replayed, err := client.CreateUser(ctx, ana, key)
	must(t, "create_user with a repeated Idempotency-Key", err)
	if again.ID != first.ID || again.Role != first.Role {
		t.Fatalf("a repeated Idempotency-Key created another user: %+v vs %+v", again, first)
	}
	if replayed.Location != created.Location {
		t.Fatalf("a repeated Idempotency-Key answered Location %q, want %q", replayed.Location, created.Location)
	}

	// Later users are readers.
	bob := usersclient.NewUser{Handle: handle("bob"), Email: email("bob"), DisplayName: "Bob", Bio: usersclient.Ptr("Hi, I'm Bob.")}
	second, createdBob, err := client.CreateUser(ctx, bob, nil)
	must(t, "create_user bob", err)
	if second.Role != usersclient.RoleReader || second.Bio == nil || *second.Bio != "Hi, I'm Bob." || second.Website != nil {
		t.Fatalf("create_user bob returned %+v", second)
	}
	if createdBob.Location != "/users/"+second.ID {
		t.Fatalf("create_user bob: Location %q, want /users/%s", createdBob.Location, second.ID)
	}

	// user_events: every user there now as an existing event, in the
	// store's order (by id), each with the user's id as its event id; without
	// follow the stream then ends.
	stream, err := anonymous.UserEvents(ctx, nil)
	must(t, "user_events", err)
	var listed []string
	for stream.Next() {
		event := stream.Event()
		if event.Change != usersclient.ChangeExisting || event.User.ID == "" || stream.LastEventID() != event.User.ID {
			t.Fatalf("user_events: a %q event of user %q with event id %q", event.Change, event.User.ID, stream.LastEventID())
		}
		listed = append(listed, event.User.ID)
	}
	must(t, "user_events to its end", stream.Err())
	must(t, "closing user_events", stream.Close())
	if !sort.StringsAreSorted(listed) || !contains(listed, first.ID) || !contains(listed, second.ID) {
		t.Fatalf("user_events listed %v, want ids in order with %s and %s", listed, first.ID, second.ID)
	}

	// With follow: the same existing events, then each change as it happens,
	// until the client closes the stream.
	follow, err := anonymous.UserEvents(ctx, &usersclient.UserEventsParams{Follow: usersclient.Ptr(true)})
	must(t, "user_events with follow", err)
	for i := range listed {
		if !follow.Next() {
			t.Fatalf("user_events with follow ended after %d events (%v), want %d", i, follow.Err(), len(listed))
		}
		if event := follow.Event(); event.Change != usersclient.ChangeExisting || event.User.ID != listed[i] {
			t.Fatalf("user_events with follow: event %d is a %q event of %s, want existing %s", i, event.Change, event.User.ID, listed[i])
		}
	}
	erin, _, err := client.CreateUser(ctx, usersclient.NewUser{Handle: handle("erin"), Email: email("erin"), DisplayName: "Erin"}, nil)
	must(t, "create_user erin", err)
	if !follow.Next() {
		t.Fatalf("user_events with follow ended instead of sending erin's creation: %v", follow.Err())
	}
	if event := follow.Event(); event.Change != usersclient.ChangeCreated || event.User.ID != erin.ID ||
		event.User.Handle != erin.Handle || follow.LastEventID() != erin.ID {
		t.Fatalf("user_events with follow: a %q event of %+v (id %q), want erin's creation", event.Change, event.User, follow.LastEventID())
	}
	must(t, "delete_user erin", client.DeleteUser(ctx, erin.ID))
	if !follow.Next() {
		t.Fatalf("user_events with follow ended instead of sending erin's deletion: %v", follow.Err())
	}
	if event := follow.Event(); event.Change != usersclient.ChangeDeleted || event.User.ID != erin.ID {
		t.Fatalf("user_events with follow: a %q event of %s, want erin's deletion", event.Change, event.User.ID)
	}
	// Close ends the open stream: Next then returns false, with no error.
	must(t, "closing user_events with follow", follow.Close())
	if follow.Next() || follow.Err() != nil {
		t.Fatalf("user_events with follow after Close: an event, or Err %v", follow.Err())
	}

	// 409 Taken, by handle and by email.
	clash := usersclient.NewUser{Handle: ana.Handle, Email: email("carol"), DisplayName: "Carol"}
	_, _, err = client.CreateUser(ctx, clash, nil)
	taken := expect[*usersclient.TakenError](t, "create_user with a taken handle", err)
	if taken.Field != "handle" || taken.StatusCode != 409 || taken.Problem.Status != 409 {
		t.Fatalf("taken handle: %+v, problem %+v", taken, taken.Problem)
	}
	if taken.Problem.Type != "urn:problem:users:taken" || taken.Problem.Title != "Taken" {
		t.Fatalf("taken handle: problem %+v", taken.Problem)
	}
	if apiErr := expect[*usersclient.APIError](t, "a declared error", err); apiErr.StatusCode != 409 {
		t.Fatalf("taken handle as *APIError: %d", apiErr.StatusCode)
	}
	clash = usersclient.NewUser{Handle: handle("carol"), Email: bob.Email, DisplayName: "Carol"}
	_, _, err = client.CreateUser(ctx, clash, nil)
	if taken := expect[*usersclient.TakenError](t, "create_user with a taken email", err); taken.Field != "email" {
		t.Fatalf("taken email: field %q", taken.Field)
	}

	// 422 with violations for a request that fails validation.
	_, _, err = client.CreateUser(ctx, usersclient.NewUser{Handle: "A!", Email: email("dave"), DisplayName: "Dave"}, nil)
	invalid := expect[*usersclient.APIError](t, "create_user with handle A!", err)
	if invalid.StatusCode != 422 || len(invalid.Problem.Violations) == 0 {
		t.Fatalf("handle A!: status %d, problem %+v", invalid.StatusCode, invalid.Problem)
	}
	var pointers []string
	for _, v := range invalid.Problem.Violations {
		pointers = append(pointers, v.Pointer)
	}
	if !contains(pointers, "/handle") {
		t.Fatalf("handle A!: violations %+v do not point at /handle", invalid.Problem.Violations)
	}
	var rejected *usersclient.RejectedError
	if errors.As(err, &rejected) {
		t.Fatalf("a validation failure decoded as the declared Rejected error")
	}

	// get_user: the user with its ETag, or 404 NotFound{id}.
	got, revision, err := client.GetUser(ctx, first.ID)
	must(t, "get_user", err)
	if got.ID != first.ID || got.Handle != first.Handle || !got.CreatedAt.Equal(first.CreatedAt) || got.Role != first.Role {
		t.Fatalf("get_user returned %+v, want %+v", got, first)
	}
	if revision == nil || revision.Etag == "" {
		t.Fatalf("get_user: headers %+v, want an ETag", revision)
	}
	_, unchanged, err := client.GetUser(ctx, first.ID)
	must(t, "get_user again", err)
	if unchanged.Etag != revision.Etag {
		t.Fatalf("get_user of an unchanged user: ETag %q, then %q", revision.Etag, unchanged.Etag)
	}
	_, before, err := client.GetUser(ctx, second.ID)
	must(t, "get_user bob", err)
	const missing = "00000000-0000-4000-8000-000000000000"
	_, _, err = client.GetUser(ctx, missing)
	notFound := expect[*usersclient.NotFoundError](t, "get_user of an unknown id", err)
	if notFound.ID != missing || notFound.StatusCode != 404 || notFound.Problem.Type != "urn:problem:users:not-found" {
		t.Fatalf("get_user of an unknown id: %+v, problem %+v", notFound, notFound.Problem)
	}

	// update_user: absent fields stay, a null bio removes it.
	updated, err := client.UpdateUser(ctx, second.ID, usersclient.UserPatch{DisplayName: usersclient.Ptr("Robert")})
	must(t, "update_user display_name", err)
	if updated.DisplayName != "Robert" || updated.Bio == nil || *updated.Bio != "Hi, I'm Bob." || updated.Handle != bob.Handle {
		t.Fatalf("update_user display_name returned %+v", updated)
	}
	if _, after, err := client.GetUser(ctx, second.ID); err != nil || after.Etag == "" || after.Etag == before.Etag {
		t.Fatalf("get_user after an update: headers %+v (%v), want an ETag other than %q", after, err, before.Etag)
	}
	updated, err = client.UpdateUser(ctx, second.ID, usersclient.UserPatch{Bio: usersclient.NullValue[string]()})
	must(t, "update_user bio null", err)
	if updated.Bio != nil || updated.DisplayName != "Robert" {
		t.Fatalf("update_user bio null returned %+v", updated)
	}
	updated, err = client.UpdateUser(ctx, second.ID, usersclient.UserPatch{Bio: usersclient.NullableValue("Back.")})
	must(t, "update_user bio", err)
	if updated.Bio == nil || *updated.Bio != "Back." {
		t.Fatalf("update_user bio returned %+v", updated)
	}
	_, err = client.UpdateUser(ctx, missing, usersclient.UserPatch{})
	if nf := expect[*usersclient.NotFoundError](t, "update_user of an unknown id", err); nf.ID != missing {
		t.Fatalf("update_user of an unknown id: id %q", nf.ID)
	}
	_, err = anonymous.UpdateUser(ctx, second.ID, usersclient.UserPatch{})
	if apiErr := expect[*usersclient.APIError](t, "update_user without a token", err); apiErr.StatusCode != 401 {
		t.Fatalf("update_user without a token: status %d", apiErr.StatusCode)
	}

	// put_avatar, get_avatar: bytes that are not UTF-8 come back exactly.
	const png = "\x89PNG\r\n\x1a\n"
	must(t, "put_avatar", client.PutAvatar(ctx, first.ID, bytes.NewReader([]byte(png))))
	avatar, err := anonymous.GetAvatar(ctx, first.ID)
	must(t, "get_avatar", err)
	if !bytes.Equal(avatar, []byte(png)) {
		t.Fatalf("get_avatar returned %q, want %q", avatar, png)
	}
	// A reader that cannot seek is streamed with chunked encoding.
	streamed := png + "chunked"
	must(t, "put_avatar from a one-shot reader", client.PutAvatar(ctx, first.ID, struct{ io.Reader }{strings.NewReader(streamed)}))
	if avatar, err = anonymous.GetAvatar(ctx, first.ID); err != nil || string(avatar) != streamed {
		t.Fatalf("get_avatar after a chunked upload returned %q (%v), want %q", avatar, err, streamed)
	}
	must(t, "put_avatar again", client.PutAvatar(ctx, first.ID, strings.NewReader(png)))
	err = anonymous.PutAvatar(ctx, first.ID, strings.NewReader(png))
	if apiErr := expect[*usersclient.APIError](t, "put_avatar without a token", err); apiErr.StatusCode != 401 {
		t.Fatalf("put_avatar without a token: status %d", apiErr.StatusCode)
	}
	err = client.PutAvatar(ctx, missing, strings.NewReader(png))
	if nf := expect[*usersclient.NotFoundError](t, "put_avatar of an unknown user", err); nf.ID != missing {
		t.Fatalf("put_avatar of an unknown user: id %q", nf.ID)
	}
	avatar, err = anonymous.GetAvatar(ctx, second.ID)
	if nf := expect[*usersclient.NotFoundError](t, "get_avatar of a user without one", err); nf.ID != second.ID || avatar != nil {
		t.Fatalf("get_avatar of a user without one: id %q, avatar %q", nf.ID, avatar)
	}
	if avatar, err = anonymous.GetAvatar(ctx, first.ID); err != nil || string(avatar) != png {
		t.Fatalf("get_avatar returned %q (%v), want %q", avatar, err, png)
	}

	// add_photo: a multipart form, its file's type checked by the server.
	photo, err := client.AddPhoto(ctx, first.ID, usersclient.AddPhotoForm{
		Photo:   usersclient.FilePart{Content: strings.NewReader(png), ContentType: "image/png", Filename: "cat.png"},
		Caption: usersclient.Ptr("A cat"),
	})
	must(t, "add_photo", err)
	if photo.ID == "" || photo.ContentType != "image/png" || photo.Size != 8 || photo.Caption == nil || *photo.Caption != "A cat" {
		t.Fatalf("add_photo returned %+v", photo)
	}
	if photo.Filename == nil || *photo.Filename != "cat.png" {
		t.Fatalf("add_photo: filename %v, want cat.png", photo.Filename)
	}
	// Without the optional caption, from a reader that cannot seek.
	photo, err = client.AddPhoto(ctx, first.ID, usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: struct{ io.Reader }{strings.NewReader(png)}, ContentType: "image/png"},
	})
	must(t, "add_photo without a caption", err)
	if photo.Caption != nil || photo.Filename != nil || photo.Size != 8 {
		t.Fatalf("add_photo without a caption returned %+v", photo)
	}
	_, err = client.AddPhoto(ctx, first.ID, usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: strings.NewReader("not an image"), ContentType: "text/plain", Filename: "notes.txt"},
	})
	if apiErr := expect[*usersclient.APIError](t, "add_photo of a text file", err); apiErr.StatusCode != 400 {
		t.Fatalf("add_photo of a text file: status %d, want 400 (problem %+v)", apiErr.StatusCode, apiErr.Problem)
	}
	_, err = client.AddPhoto(ctx, missing, usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: strings.NewReader(png), ContentType: "image/png"},
	})
	if nf := expect[*usersclient.NotFoundError](t, "add_photo for an unknown user", err); nf.ID != missing {
		t.Fatalf("add_photo for an unknown user: id %q", nf.ID)
	}
	_, err = anonymous.AddPhoto(ctx, first.ID, usersclient.AddPhotoForm{
		Photo: usersclient.FilePart{Content: strings.NewReader(png), ContentType: "image/png"},
	})
	if apiErr := expect[*usersclient.APIError](t, "add_photo without a token", err); apiErr.StatusCode != 401 {
		t.Fatalf("add_photo without a token: status %d", apiErr.StatusCode)
	}

	// get_card: the user's name and handle, as text.
	card, err := anonymous.GetCard(ctx, first.ID)
	must(t, "get_card", err)
	if want := first.DisplayName + " (@" + first.Handle + ")\n"; card != want {
		t.Fatalf("get_card returned %q, want %q", card, want)
	}
	card, err = anonymous.GetCard(ctx, missing)
	if nf := expect[*usersclient.NotFoundError](t, "get_card of an unknown user", err); nf.ID != missing || card != "" {
		t.Fatalf("get_card of an unknown user: id %q, card %q", nf.ID, card)
	}

	// create_post: 201 Post, tags default to [].
	text, err := client.CreatePost(ctx, first.ID, usersclient.NewPost{
		Title: "Hello",
		Body:  usersclient.PostBody{Text: &usersclient.TextBody{Markdown: "# Hello\n\nFirst post."}},
	})
	must(t, "create_post text", err)
	if text.ID == "" || text.AuthorID != first.ID || text.Title != "Hello" || text.Tags == nil || len(text.Tags) != 0 {
		t.Fatalf("create_post text returned %+v", text)
	}
	if text.Body.Tag() != "text" || text.Body.Text == nil || text.Body.Text.Markdown != "# Hello\n\nFirst post." || text.PublishedAt.IsZero() {
		t.Fatalf("create_post text body %+v", text.Body)
	}
	image, err := client.CreatePost(ctx, first.ID, usersclient.NewPost{
		Title: "A picture",
		Body: usersclient.PostBody{Image: &usersclient.ImageBody{
			ImageURL: "https://img.example.com/1.png", Caption: usersclient.Ptr("Sunset"), Width: 640,
		}},
		Tags: []string{"go", "photos"},
	})
	must(t, "create_post image", err)
	if image.Body.Image == nil || image.Body.Image.Width != 640 || image.Body.Image.Caption == nil ||
		*image.Body.Image.Caption != "Sunset" || image.Body.Text != nil || len(image.Tags) != 2 || image.Tags[0] != "go" {
		t.Fatalf("create_post image returned %+v (body %+v)", image, image.Body)
	}
	third, err := client.CreatePost(ctx, first.ID, usersclient.NewPost{
		Title: "Third", Body: usersclient.PostBody{Text: &usersclient.TextBody{Markdown: "3"}}, Tags: []string{"go"},
	})
	must(t, "create_post third", err)
	_, err = client.CreatePost(ctx, missing, usersclient.NewPost{Title: "x", Body: usersclient.PostBody{Text: &usersclient.TextBody{Markdown: "x"}}})
	if nf := expect[*usersclient.NotFoundError](t, "create_post for an unknown user", err); nf.ID != missing {
		t.Fatalf("create_post for an unknown user: id %q", nf.ID)
	}
	_, err = anonymous.CreatePost(ctx, first.ID, usersclient.NewPost{Title: "x", Body: usersclient.PostBody{Text: &usersclient.TextBody{Markdown: "x"}}})
	if apiErr := expect[*usersclient.APIError](t, "create_post without a token", err); apiErr.StatusCode != 401 {
		t.Fatalf("create_post without a token: status %d", apiErr.StatusCode)
	}

	// list_posts: newest first, paged by an opaque cursor, filtered by tag.
	page, err := anonymous.ListPosts(ctx, first.ID, nil)
	must(t, "list_posts", err)
	if ids(page.Items) != ids([]usersclient.Post{*third, *image, *text}) || page.NextCursor != nil {
		t.Fatalf("list_posts returned %s (next %v), want %s", ids(page.Items), page.NextCursor,
			ids([]usersclient.Post{*third, *image, *text}))
	}
	page, err = anonymous.ListPosts(ctx, first.ID, &usersclient.ListPostsParams{Limit: usersclient.Ptr(int32(2))})
	must(t, "list_posts limit 2", err)
	if ids(page.Items) != ids([]usersclient.Post{*third, *image}) || page.NextCursor == nil {
		t.Fatalf("list_posts limit 2 returned %s (next %v)", ids(page.Items), page.NextCursor)
	}
	page, err = anonymous.ListPosts(ctx, first.ID, &usersclient.ListPostsParams{Limit: usersclient.Ptr(int32(2)), Cursor: page.NextCursor})
	must(t, "list_posts next page", err)
	if ids(page.Items) != ids([]usersclient.Post{*text}) || page.NextCursor != nil {
		t.Fatalf("list_posts next page returned %s (next %v)", ids(page.Items), page.NextCursor)
	}
	page, err = anonymous.ListPosts(ctx, first.ID, &usersclient.ListPostsParams{Tag: usersclient.Ptr("go")})
	must(t, "list_posts tag go", err)
	if ids(page.Items) != ids([]usersclient.Post{*third, *image}) {
		t.Fatalf("list_posts tag go returned %s", ids(page.Items))
	}
	_, err = anonymous.ListPosts(ctx, first.ID, &usersclient.ListPostsParams{Limit: usersclient.Ptr(int32(0))})
	if apiErr := expect[*usersclient.APIError](t, "list_posts limit 0", err); apiErr.StatusCode != 400 && apiErr.StatusCode != 422 {
		t.Fatalf("list_posts limit 0: status %d", apiErr.StatusCode)
	}
	_, err = anonymous.ListPosts(ctx, missing, nil)
	if nf := expect[*usersclient.NotFoundError](t, "list_posts of an unknown user", err); nf.ID != missing {
		t.Fatalf("list_posts of an unknown user: id %q", nf.ID)
	}

	// delete_user: 204; then 404; 401 without a token; 422 for the last admin.
	err = anonymous.DeleteUser(ctx, second.ID)
	if apiErr := expect[*usersclient.APIError](t, "delete_user without a token", err); apiErr.StatusCode != 401 {
		t.Fatalf("delete_user without a token: status %d", apiErr.StatusCode)
	}
	must(t, "delete_user", client.DeleteUser(ctx, second.ID))
	_, _, err = client.GetUser(ctx, second.ID)
	expect[*usersclient.NotFoundError](t, "get_user of a deleted user", err)
	err = client.DeleteUser(ctx, second.ID)
	if nf := expect[*usersclient.NotFoundError](t, "delete_user of a deleted user", err); nf.ID != second.ID {
		t.Fatalf("delete_user of a deleted user: id %q", nf.ID)
	}
	if fresh {
		err = client.DeleteUser(ctx, first.ID)
		rejected := expect[*usersclient.RejectedError](t, "delete_user of the last admin", err)
		if rejected.Reason == "" || rejected.StatusCode != 422 || rejected.Problem.Type != "urn:problem:users:rejected" {
			t.Fatalf("delete_user of the last admin: %+v, problem %+v", rejected, rejected.Problem)
		}
	}

	// Every request carried the SDK's version; the server answers in it.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	echoed := 0
	if usersclient.APIVersion != "2025-06-01" {
		t.Fatalf("the SDK's APIVersion is %q, want the spec's last version 2025-06-01", usersclient.APIVersion)
	}
	for i, v := range rec.sent {
		if v != "2025-06-01" {
			t.Fatalf("request %d sent Gati-Version %q, want %q", i, v, usersclient.APIVersion)
		}
	}
	for i, v := range rec.echoed {
		if v == "" {
			continue
		}
		echoed++
		if v != usersclient.APIVersion {
			t.Fatalf("response %d was rendered at Gati-Version %q, want %q", i, v, usersclient.APIVersion)
		}
	}
	if echoed == 0 {
		t.Logf("the server does not echo Gati-Version yet; only the requests were checked")
	}
	t.Logf("drove %d requests", len(rec.sent))
}

func ids(posts []usersclient.Post) string {
	out := ""
	for _, p := range posts {
		out += p.ID + " "
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
