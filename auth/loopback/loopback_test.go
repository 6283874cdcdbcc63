package loopback

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestListenerWait(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		query    url.Values
		wantCode string
		wantErr  func(error) bool
		status   int
	}{
		{"code", http.MethodGet, url.Values{"code": {"c1"}, "state": {"s"}}, "c1", nil, http.StatusOK},
		{"form_post", http.MethodPost, url.Values{"code": {"c2"}, "state": {"s"}}, "c2", nil, http.StatusOK},
		{"wrong state", http.MethodGet, url.Values{"code": {"c3"}, "state": {"other"}}, "",
			func(err error) bool { return errors.Is(err, ErrStateMismatch) }, http.StatusBadRequest},
		{"missing state", http.MethodGet, url.Values{"code": {"c4"}}, "",
			func(err error) bool { return errors.Is(err, ErrStateMismatch) }, http.StatusBadRequest},
		{"access denied", http.MethodGet, url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined.\r\nTrace ID: x"}, "state": {"s"}}, "",
			func(err error) bool {
				var de *DeniedError
				return errors.As(err, &de) && de.Code == "access_denied" && de.Description == "AADSTS65004: User declined."
			}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Listen(0, "s")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(l.RedirectURI(), "http://localhost:") || l.Port() == 0 {
				t.Fatalf("redirect URI %q", l.RedirectURI())
			}
			base := "http://127.0.0.1:" + strings.TrimPrefix(l.RedirectURI(), "http://localhost:")
			// A stray request (the favicon) does not end the wait.
			if resp, err := http.Get(base + "/favicon.ico"); err != nil || resp.StatusCode != http.StatusNotFound {
				t.Fatalf("favicon: %v %v", resp, err)
			}
			var resp *http.Response
			if tc.method == http.MethodPost {
				resp, err = http.PostForm(base+"/", tc.query)
			} else {
				resp, err = http.Get(base + "/?" + tc.query.Encode())
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("page status %d, want %d", resp.StatusCode, tc.status)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code, err := l.Wait(ctx)
			if tc.wantErr == nil && (err != nil || code != tc.wantCode) {
				t.Fatalf("Wait = %q, %v; want %q", code, err, tc.wantCode)
			}
			if tc.wantErr != nil && (code != "" || !tc.wantErr(err)) {
				t.Fatalf("Wait = %q, %v; want the error", code, err)
			}
		})
	}
}

func TestListenerWaitEndsWithContext(t *testing.T) {
	l, err := Listen(0, "s")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the deadline", err)
	}
	// The port is released.
	if _, err := http.Get("http://127.0.0.1:" + strings.TrimPrefix(l.RedirectURI(), "http://localhost:") + "/?code=x&state=s"); err == nil {
		t.Fatal("the listener still answers after Wait returned")
	}
}
