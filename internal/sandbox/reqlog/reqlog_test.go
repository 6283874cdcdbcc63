package reqlog_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/reqlog"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		path    string
		handler http.HandlerFunc
		want    string // the line after its timestamp, without the duration
	}{
		{"principal, status, substatus and charge", "/dbs/a/colls/b/docs/x", func(w http.ResponseWriter, r *http.Request) {
			reqlog.SetPrincipal(r.Context(), "oid-1")
			w.Header().Set("x-ms-substatus", "5301")
			w.Header().Set("x-ms-request-charge", "1.00")
			w.WriteHeader(http.StatusForbidden)
		}, "cosmos alice GET /dbs/a/colls/b/docs/x 403 5301 1.00"},
		{"unknown principal kept, implicit 200", "/", func(w http.ResponseWriter, r *http.Request) {
			reqlog.SetPrincipal(r.Context(), "someone")
			_, _ = w.Write([]byte("{}"))
		}, "cosmos someone GET / 200 - -"},
		{"anonymous", "/x", func(w http.ResponseWriter, r *http.Request) {}, "cosmos - GET /x 200 - -"},
		{"spaces cannot split a line's fields", "/a%20b", func(w http.ResponseWriter, r *http.Request) {
			reqlog.SetPrincipal(r.Context(), "two words\nnext")
		}, "cosmos two_words_next GET /a%20b 200 - -"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := reqlog.New(&buf, func(id string) string {
				if id == "oid-1" {
					return "alice"
				}
				return id
			})
			req := httptest.NewRequest(http.MethodGet, "https://127.0.0.1"+tc.path+"?secret=s3cr3t", nil)
			l.Wrap("cosmos", tc.handler).ServeHTTP(httptest.NewRecorder(), req)
			line := strings.TrimSuffix(buf.String(), "\n")
			f := strings.Fields(line)
			if len(f) != 9 || strings.Count(buf.String(), "\n") != 1 {
				t.Fatalf("line %q: want one line of 9 fields", line)
			}
			if got := strings.Join(f[1:8], " "); got != tc.want {
				t.Errorf("line = %q, want %q", got, tc.want)
			}
			if strings.Contains(line, "s3cr3t") {
				t.Error("the query string was logged")
			}
		})
	}
}
