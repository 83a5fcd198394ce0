// Package drive holds hand-written tests of the Go SDK generated from
// examples/users/users.gati: offline ones (httptest) and the drive of a
// running example server (GATI_TEST_BASE_URL). gatic's tests copy this folder
// next to the generated SDK and add a go.mod whose replace directive points
// at it.
package drive
