package httpclient

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/redact"
)

// debugTransport logs one line per HTTP exchange for --debug: method, URL,
// status, duration and the Cosmos DB headers that matter when reporting a
// problem. It never logs Authorization or bodies, and redacts the URL.
type debugTransport struct {
	next http.RoundTripper
	mu   sync.Mutex // requests run in parallel (one per partition range)
	w    io.Writer
	now  func() time.Time
}

// debugHeaders are worth quoting in a support case; none holds a secret.
var debugHeaders = []string{"x-ms-activity-id", "x-ms-substatus", "x-ms-request-charge", "x-ms-item-count", "x-ms-retry-after-ms"}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := d.now()
	resp, err := d.next.RoundTrip(req)
	elapsed := d.now().Sub(start).Round(time.Millisecond)
	line := fmt.Sprintf("debug: http %s %s", req.Method, redact.Secrets(req.URL.String()))
	if rng := req.Header.Get("x-ms-documentdb-partitionkeyrangeid"); rng != "" {
		line += " range=" + rng
	}
	if req.Header.Get("x-ms-cosmos-is-query-plan-request") != "" {
		line += " (query plan)"
	}
	if err != nil {
		line += fmt.Sprintf(" -> error after %v: %s", elapsed, redact.Secrets(err.Error()))
	} else {
		line += fmt.Sprintf(" -> %d in %v", resp.StatusCode, elapsed)
		for _, h := range debugHeaders {
			if v := resp.Header.Get(h); v != "" {
				line += " " + h + "=" + v
			}
		}
		if resp.Header.Get("x-ms-continuation") != "" {
			line += " (more pages)"
		}
	}
	d.mu.Lock()
	fmt.Fprintln(d.w, line)
	d.mu.Unlock()
	return resp, err
}
