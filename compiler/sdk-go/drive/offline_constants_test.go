// Offline tests of constant fields (`object: "charge"`) and records
// instantiated from generic ones (`Page<Charge>` is ChargePage), against
// httptest servers: a request built without the constant leaves it out, one
// that carries a decoded value sends it back as it is, and decoded responses
// and error payloads expose it. They use the SDK generated from
// specs/valid/envelopes.gati.
// Written by hand; gatic's toolchain test runs them with `go test -run Offline`.

package drive

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"example.com/paymentsclient"
)

const chargeJSON = `{"object":"charge","id":"ch_1","amount":500,"customer":"cus_1"}`

// recordBodies returns a handler that stores each request's body, parsed as
// a JSON object, in bodies before answering with status and answer.
func recordBodies(t *testing.T, bodies *[]map[string]interface{}, status int, contentType, answer string) func(int32, http.ResponseWriter, *http.Request) {
	return func(n int32, w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the request body: %v", err)
		}
		if len(raw) > 0 {
			var members map[string]interface{}
			if err := json.Unmarshal(raw, &members); err != nil {
				t.Errorf("the request body %q is not a JSON object: %v", raw, err)
			}
			*bodies = append(*bodies, members)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer))
	}
}

func TestOfflineConstantIsLeftOutOfARequestBuiltWithoutIt(t *testing.T) {
	var bodies []map[string]interface{}
	srv, _ := server(t, recordBodies(t, &bodies, http.StatusCreated, "application/json", chargeJSON))
	client := paymentsclient.NewPaymentsClient(srv.URL)
	charge, err := client.CreateCharge(context.Background(), paymentsclient.NewCharge{Amount: 500})
	if err != nil {
		t.Fatalf("CreateCharge: %v", err)
	}
	if len(bodies) != 1 {
		t.Fatalf("the server saw %d bodies, want 1", len(bodies))
	}
	if _, sent := bodies[0]["object"]; sent {
		t.Fatalf("a request built without the constant sent it: %v", bodies[0])
	}
	if bodies[0]["amount"] != 500.0 {
		t.Fatalf("sent %v, want amount 500", bodies[0])
	}
	if charge.Object != "charge" || charge.ID != "ch_1" {
		t.Fatalf("decoded %+v, want the charge ch_1 with Object \"charge\"", charge)
	}
}

func TestOfflineConstantFromAResponseIsSentBackAsItIs(t *testing.T) {
	var decoded paymentsclient.Charge
	if err := json.Unmarshal([]byte(chargeJSON), &decoded); err != nil {
		t.Fatalf("decoding a charge: %v", err)
	}
	if decoded.Object != "charge" {
		t.Fatalf("decoded Object %q, want \"charge\"", decoded.Object)
	}
	var bodies []map[string]interface{}
	srv, _ := server(t, recordBodies(t, &bodies, http.StatusCreated, "application/json", chargeJSON))
	client := paymentsclient.NewPaymentsClient(srv.URL)
	again := paymentsclient.NewCharge{Object: decoded.Object, Amount: decoded.Amount, Customer: decoded.Customer}
	if _, err := client.CreateCharge(context.Background(), again); err != nil {
		t.Fatalf("CreateCharge: %v", err)
	}
	want := map[string]interface{}{"object": "charge", "amount": 500.0, "customer": "cus_1"}
	if len(bodies) != 1 || len(bodies[0]) != len(want) {
		t.Fatalf("the server saw %v, want %v", bodies, want)
	}
	for name, value := range want {
		if bodies[0][name] != value {
			t.Fatalf("sent %v, want %v", bodies[0], want)
		}
	}
}

func TestOfflineInstantiatedRecordsDecodeWithTheirConstants(t *testing.T) {
	pages := `{"object":"list","has_more":false,"url":"/charges/pages","data":[` +
		`{"object":"list","has_more":true,"url":"/charges","data":[` + chargeJSON + `]}]}`
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pages))
	})
	client := paymentsclient.NewPaymentsClient(srv.URL)
	outer, err := client.PagesOfCharges(context.Background())
	if err != nil {
		t.Fatalf("PagesOfCharges: %v", err)
	}
	if outer.Object != "list" || len(outer.Data) != 1 {
		t.Fatalf("decoded %+v, want one page in a list", outer)
	}
	inner := outer.Data[0]
	if inner.Object != "list" || !inner.HasMore || len(inner.Data) != 1 || inner.Data[0].Object != "charge" {
		t.Fatalf("decoded the inner page %+v, want one charge in a list", inner)
	}
}

func TestOfflineErrorPayloadExposesItsConstant(t *testing.T) {
	problem := `{"type":"urn:problem:payments:not-found","title":"NotFound","status":404,"object":"error","id":"ch_9"}`
	srv, _ := server(t, func(n int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(problem))
	})
	client := paymentsclient.NewPaymentsClient(srv.URL)
	_, err := client.ChargeWithCustomer(context.Background(), "ch_9")
	var notFound *paymentsclient.NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("want a *NotFoundError, got %v", err)
	}
	if notFound.Object != "error" || notFound.ID != "ch_9" {
		t.Fatalf("decoded %+v, want Object \"error\" and ID ch_9", notFound)
	}
}
