package cmd

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// queryProxy sits between cosmosctl and the sandbox (keeping the Host
// header, so the account read advertises the proxy) and can hold back the
// requests pinned to one partition key range.
type queryProxy struct {
	srv     *httptest.Server
	hold    string        // range id to hold back
	release chan struct{} // closed to let held requests through

	mu       sync.Mutex
	perRange map[string]int
	gone     map[string]int // range id → how many requests answer 410/1002
}

func queryStartProxy(t *testing.T, e *queryEnv, hold string) *queryProxy {
	t.Helper()
	target, err := url.Parse(e.sb.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &queryProxy{hold: hold, release: make(chan struct{}), perRange: map[string]int{}, gone: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
		},
		Transport: sandboxtest.HTTPClient(e.sb).Transport,
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("x-ms-documentdb-partitionkeyrangeid")
		if id != "" {
			p.mu.Lock()
			p.perRange[id]++
			gone := p.gone[id] > 0
			if gone {
				p.gone[id]--
			}
			p.mu.Unlock()
			if gone {
				w.Header().Set("x-ms-substatus", "1002")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusGone)
				_, _ = w.Write([]byte(`{"code":"Gone","message":"The requested partition key range is gone.\r\nActivityId: 0"}`))
				return
			}
		}
		if id != "" && id == p.hold {
			select {
			case <-p.release:
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	p.srv.StartTLS()
	t.Cleanup(func() {
		select {
		case <-p.release:
		default:
			close(p.release)
		}
		p.srv.Close()
	})
	// Trust the proxy's certificate and point the profile at it.
	ca := filepath.Join(t.TempDir(), "proxy-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	e.env["COSMOSCTL_CA_FILE"] = ca
	e.env["COSMOSCTL_ENDPOINT"] = p.srv.URL + "/"
	return p
}

func (p *queryProxy) requests(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.perRange[id]
}

// signalWriter reports the first write.
type signalWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	first chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	w.once.Do(func() { close(w.first) })
	return len(b), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestQueryStreamsBeforeLastRangeAnswers(t *testing.T) {
	e := queryStart(t)
	// Ranges are listed in EPK order; hold back the last one.
	p := queryStartProxy(t, e, "3")
	f, _, _, errOut := e.factory()
	w := &signalWriter{first: make(chan struct{})}
	f.IOStreams.Out = w
	done := make(chan error, 1)
	go func() {
		done <- Execute(context.Background(), f, []string{"query", "SELECT TOP 2000 c.id FROM c", "-d", "shop", "-c", "orders", "-o", "jsonl", "--page-size", "50"})
	}()
	select {
	case <-w.first:
	case err := <-done:
		t.Fatalf("query ended before any output while range 3 was held: %v\n%s", err, errOut)
	case <-time.After(20 * time.Second):
		t.Fatal("no row was printed while the last range was held back")
	}
	select {
	case err := <-done:
		t.Fatalf("query finished while range 3 was still held: %v", err)
	default:
	}
	close(p.release)
	if err := <-done; err != nil {
		t.Fatalf("exit %d: %v\n%s", errs.ExitCode(err), err, errOut)
	}
	if n := strings.Count(w.String(), "\n"); n != 2000 {
		t.Errorf("printed %d rows, want 2000", n)
	}
}

// TestQueryOrderByDoesNotDrain: an ORDER BY stopped by --max-items asks each
// range for about one page, not for all of its rows.
func TestQueryOrderByDoesNotDrain(t *testing.T) {
	e := queryStart(t)
	p := queryStartProxy(t, e, "")
	close(p.release)
	r := e.run(t, "query", "SELECT c.id, c.total FROM c ORDER BY c.total", "-d", "shop", "-c", "orders", "--page-size", "10", "--max-items", "5", "-o", "json")
	if r.err != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, id := range []string{"0", "1", "2", "3"} {
		// One page in use plus at most one prefetched and one for the
		// has-more check; ~75 pages would mean the range was drained.
		if n := p.requests(id); n < 1 || n > 3 {
			t.Errorf("range %s: %d page requests, want 1-3", id, n)
		}
	}
}

// TestQueryUntrustedCertificate: a CA bundle that does not sign the
// gateway's certificate ends with exit 6 and the ca-file hint, promptly.
func TestQueryUntrustedCertificate(t *testing.T) {
	e := queryStart(t)
	other := httptest.NewTLSServer(http.NotFoundHandler())
	defer other.Close()
	ca := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	e.env["COSMOSCTL_CA_FILE"] = ca
	r := e.run(t, "query", "SELECT * FROM c", "-d", "shop", "-c", "orders")
	if r.code != errs.ExitUnavailable || !strings.Contains(r.stderr, "unknown authority") || !strings.Contains(r.stderr, "ca-file") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestQueryJQ(t *testing.T) {
	e := queryStart(t)
	r := e.run(t, "query", "SELECT c.id, c.total FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "--max-items", "3", "--jq", ".id", "-o", "jsonl")
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	if got := strings.Fields(r.stdout); len(got) != 3 || got[0] != "big-int" {
		t.Fatalf("stdout %q", r.stdout)
	}
}

// TestQueryRangeGoneRetried: a 410/1002 on a range that still exists
// (a completed migration) is retried after re-reading the ranges, and the
// result is unchanged.
func TestQueryRangeGoneRetried(t *testing.T) {
	e := queryStart(t)
	q := "SELECT c.customerId, COUNT(1) AS n FROM c GROUP BY c.customerId"
	want := queryCanonSort(t, queryNormalize(t, e.mustJSON(t, "query", q, "-d", "shop", "-c", "orders")))
	p := queryStartProxy(t, e, "")
	close(p.release)
	p.mu.Lock()
	p.gone["2"] = 1
	p.mu.Unlock()
	got := queryCanonSort(t, queryNormalize(t, e.mustJSON(t, "query", q, "-d", "shop", "-c", "orders")))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("result after 410 differs: %d vs %d rows", len(got), len(want))
	}
	if n := p.requests("2"); n < 2 {
		t.Errorf("range 2 saw %d requests; the 410 was not retried", n)
	}
}
