package cosmos

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The retry policy retries transient failures with the service's delay,
// within a bounded budget, and never retries client errors.
func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int // answered in turn; the last one repeats
		retryMs   string
		wantCalls int32
		wantOK    bool
	}{
		{"503 then ok", []int{503, 503, 200}, "", 3, true},
		{"500 then ok", []int{500, 200}, "", 2, true},
		{"408 then ok", []int{408, 200}, "", 2, true},
		{"throttled then ok", []int{429, 429, 429, 200}, "5", 4, true},
		{"always 503: bounded", []int{503}, "1", 4, false},
		{"400", []int{400}, "", 1, false},
		{"401", []int{401}, "", 1, false},
		{"403", []int{403}, "", 1, false},
		{"404", []int{404}, "", 1, false},
		{"retry-after beyond the cap", []int{429, 200}, "60000", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1)) - 1
				st := tt.statuses[min(n, len(tt.statuses)-1)]
				if tt.retryMs != "" {
					w.Header().Set("x-ms-retry-after-ms", tt.retryMs)
				}
				if st != 200 {
					w.WriteHeader(st)
					return
				}
				w.Write([]byte(`{"PartitionKeyRanges":[{"id":"0","minInclusive":"","maxExclusive":"FF"}]}`))
			}))
			defer srv.Close()
			c, err := NewClient(srv.URL+"/", Credentials{Method: "key", Key: "a2V5"}, &Options{HTTPClient: srv.Client(), MaxRetries: 3})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err = c.PartitionKeyRanges(ctx, "db", "coll")
			if (err == nil) != tt.wantOK || calls.Load() != tt.wantCalls {
				t.Fatalf("err %v after %d calls; want ok=%v after %d", err, calls.Load(), tt.wantOK, tt.wantCalls)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		header, value string
		want          time.Duration
	}{
		{"x-ms-retry-after-ms", "150", 150 * time.Millisecond},
		{"retry-after-ms", "20", 20 * time.Millisecond},
		{"Retry-After", "2", 2 * time.Second},
		{"Retry-After", "soon", 0},
		{"x-other", "5", 0},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{}}
		resp.Header.Set(tt.header, tt.value)
		if got := retryAfter(resp); got != tt.want {
			t.Errorf("%s: %s = %v, want %v", tt.header, tt.value, got, tt.want)
		}
	}
	if retryAfter(nil) != 0 {
		t.Error("no response has no delay")
	}
}

// A request detached from the caller's cancellation (as azcosmos does for
// the account metadata) stops retrying when the caller's context ends.
func TestRetryStopsWithTheCaller(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL+"/", Credentials{Method: "key", Key: "a2V5"}, &Options{HTTPClient: srv.Client(), MaxRetries: 9})
	if err != nil {
		t.Fatal(err)
	}
	caller, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.PartitionKeyRanges(context.WithoutCancel(WithCaller(caller)), "db", "coll")
	if d := time.Since(start); err == nil || d > 3*time.Second || calls.Load() > 3 {
		t.Fatalf("err %v after %s and %d calls; want a prompt failure", err, d, calls.Load())
	}
}
