package httpclient

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDebugHTTPLogsRedactedExchanges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-ms-activity-id", "act-1")
		w.Header().Set("x-ms-request-charge", "2.5")
		w.Header().Set("x-ms-substatus", "5302")
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	cases := []struct {
		name    string
		debug   bool
		want    []string
		notWant []string
	}{
		{"debug on", true,
			[]string{"debug: http POST " + srv.URL + "/dbs/shop/colls/orders/docs?code=[REDACTED]", "range=1", "-> 403 in", "x-ms-activity-id=act-1", "x-ms-request-charge=2.5", "x-ms-substatus=5302"},
			[]string{"s3cr3t", "eyJ", "Authorization"}},
		{"debug off", false, nil, []string{"debug:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var errOut bytes.Buffer
			o := Options{}
			if tc.debug {
				o.Debug = &errOut
			}
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL+"/dbs/shop/colls/orders/docs?code=s3cr3t", nil)
			req.Header.Set("Authorization", "type=aad&ver=1.0&sig=eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.c2ln")
			req.Header.Set("x-ms-documentdb-partitionkeyrangeid", "1")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := errOut.String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("debug output %q lacks %q", got, w)
				}
			}
			for _, n := range tc.notWant {
				if strings.Contains(got, n) {
					t.Errorf("debug output %q must not contain %q", got, n)
				}
			}
		})
	}
}
