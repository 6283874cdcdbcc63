package query

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// serviceErr is the error azcosmos returns for a service answer.
func serviceErr(status int, sub, body string) error {
	u, _ := url.Parse("https://acct.documents.azure.com/dbs/db/colls/coll/docs")
	resp := &http.Response{
		StatusCode: status,
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:     http.Header{},
		Body:       io.NopCloser(bytes.NewBufferString(body)),
		Request:    &http.Request{Method: "POST", URL: u},
	}
	if sub != "" {
		resp.Header.Set("x-ms-substatus", sub)
	}
	return runtime.NewResponseErrorWithErrorCode(resp, resp.Status)
}

// TestAsRefusal: which answers to the cross-partition probe mean "merge
// it yourself", and whether they carry the plan.
func TestAsRefusal(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		refusal bool
		plan    string
	}{
		{"400/1004 with the plan", serviceErr(400, "1004", `{"code":"BadRequest","message":"cross partition query can not be directly served by the gateway","additionalErrorInfo":"{\"queryInfo\":{}}"}`), true, `{"queryInfo":{}}`},
		{"400/1004 without the plan", serviceErr(400, "1004", `{"code":"BadRequest","message":"no"}`), true, ""},
		{"non-VALUE aggregate refusal", serviceErr(400, "", `{"code":"BadRequest","message":"Cross partition query only supports 'VALUE <AggreateFunc>' for aggregates."}`), true, ""},
		{"gateway cannot serve it", serviceErr(400, "", `{"code":"BadRequest","message":"The provided cross partition query can not be directly served by the gateway."}`), true, ""},
		{"a syntax error is no refusal", serviceErr(400, "", `{"code":"BadRequest","message":"Syntax error, incorrect syntax near 'FORM'."}`), false, ""},
		{"403 is no refusal", serviceErr(403, "5301", `{"code":"Forbidden","message":"no"}`), false, ""},
		{"not a service answer", errors.New("dial tcp: refused"), false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := asRefusal(tc.err)
			var ref *Refusal
			if errors.As(got, &ref) != tc.refusal {
				t.Fatalf("asRefusal = %v (%T), refusal %v", got, got, tc.refusal)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("the service's error is not kept: %v", got)
			}
			if ref != nil && ref.PlanJSON != tc.plan {
				t.Errorf("plan %q, want %q", ref.PlanJSON, tc.plan)
			}
		})
	}
}

func TestIsRangeGone(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{serviceErr(410, "1002", `{}`), true},
		{serviceErr(410, "1007", `{}`), true},
		{serviceErr(410, "1008", `{}`), true},
		{serviceErr(410, "1000", `{}`), false},
		{serviceErr(404, "1002", `{}`), false},
		{errors.New("410"), false},
	}
	for _, tc := range tests {
		if got := isRangeGone(tc.err); got != tc.want {
			t.Errorf("isRangeGone(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
