// Package drive holds hand-written tests of the Go SDK generated from
// examples/users/users.gati: offline ones (httptest) and the drive of a
// running example server (GATI_TEST_BASE_URL). Offline tests of what that
// spec lacks use the SDKs of specs/valid/raw_bodies.gati and
// specs/valid/envelopes.gati. gatic's tests copy this folder next to the
// generated SDKs and add a go.mod whose replace directives point at them.
package drive
