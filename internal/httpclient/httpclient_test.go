package httpclient

import (
	"context"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func TestNewTrustsTheCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	cases := []struct {
		name    string
		caFile  string
		file    []byte
		readErr error
		wantErr string // "" = the request succeeds
		reqErr  bool   // construction works but the server is not trusted
	}{
		{name: "bundle trusted", caFile: "ca.pem", file: caPEM},
		{name: "no bundle: sandbox CA unknown", reqErr: true},
		{name: "unreadable bundle", caFile: "gone.pem", readErr: fs.ErrNotExist, wantErr: "cannot read CA bundle gone.pem"},
		{name: "not PEM", caFile: "junk.pem", file: []byte("junk"), wantErr: "holds no PEM certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reads := 0
			c, err := New(Options{CAFile: tc.caFile, ReadFile: func(name string) ([]byte, error) {
				reads++
				if name != tc.caFile {
					t.Errorf("read %q, want %q", name, tc.caFile)
				}
				return tc.file, tc.readErr
			}})
			wantReads := 0
			if tc.caFile != "" {
				wantReads = 1
			}
			if reads != wantReads {
				t.Errorf("CA bundle read %d times, want %d", reads, wantReads)
			}
			if tc.wantErr != "" {
				var e *errs.Error
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.As(err, &e) || e.Kind != errs.KindUsage {
					t.Fatalf("New: %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
			resp, err := c.Do(req)
			if tc.reqErr {
				if err == nil {
					resp.Body.Close()
					t.Fatal("request to an untrusted server succeeded")
				}
				return
			}
			if err != nil {
				t.Fatalf("request with the CA bundle: %v", err)
			}
			resp.Body.Close()
		})
	}
}
