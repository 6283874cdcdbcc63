package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults configures injected failures. Each probability is drawn
// independently per request from one seeded generator, so a given seed and
// request order always produce the same faults.
type Faults struct {
	Throttle    float64       // probability of 429/3200 with x-ms-retry-after-ms
	Unavailable float64       // probability of 503
	Reset       float64       // probability of dropping the connection without a response
	Latency     time.Duration // added before every response
	RetryAfter  time.Duration // x-ms-retry-after-ms on throttled responses; 0 = 100 ms
	Seed        uint64
	Seeded      bool // Seed was given; otherwise the generator is seeded from the clock
	// Split lists partition splits to perform during the run, as
	// space-separated "DB/CONTAINER/RANGE@N" entries: split RANGE once N
	// query pages of it were served (see Gateway.SplitRangeAfter).
	Split string
	// FailAfter, when positive, fails every query page request with 503
	// once that many query pages were served: a request that stays failed
	// whatever the client retries, for partial-failure tests (see also
	// Gateway.FailQueryPagesAfter).
	FailAfter int
}

// splitFault is one parsed Faults.Split entry.
type splitFault struct {
	db, coll, rangeID string
	after             int
}

func parseSplitFaults(spec string) ([]splitFault, error) {
	var out []splitFault
	for _, one := range strings.Fields(spec) {
		target, n, hasN := strings.Cut(one, "@")
		parts := strings.Split(target, "/")
		after := 1
		if hasN {
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 {
				return nil, fmt.Errorf("split %q: the page count after @ must be a positive integer", one)
			}
			after = v
		}
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("split %q: want DATABASE/CONTAINER/RANGE[@PAGES], e.g. shop/orders/1@2", one)
		}
		out = append(out, splitFault{db: parts[0], coll: parts[1], rangeID: parts[2], after: after})
	}
	return out, nil
}

// ParseFaults parses specs such as "throttle=0.3", "latency=20ms",
// "reset=0.05", "unavailable=0.1", "retryafter=50ms", "failafter=N",
// "seed=N". A spec may
// also hold several comma-separated settings.
func ParseFaults(specs []string) (Faults, error) {
	var f Faults
	for _, spec := range specs {
		for _, one := range strings.Split(spec, ",") {
			one = strings.TrimSpace(one)
			if one == "" {
				continue
			}
			name, val, ok := strings.Cut(one, "=")
			if !ok {
				return Faults{}, fmt.Errorf("fault %q: want name=value", one)
			}
			name = strings.ToLower(strings.TrimSpace(name))
			val = strings.TrimSpace(val)
			switch name {
			case "throttle", "unavailable", "reset":
				p, err := strconv.ParseFloat(val, 64)
				// !(p >= 0 && p <= 1) also refuses NaN.
				if err != nil || !(p >= 0 && p <= 1) {
					return Faults{}, fmt.Errorf("fault %q: %s must be a probability between 0 and 1", one, name)
				}
				switch name {
				case "throttle":
					f.Throttle = p
				case "unavailable":
					f.Unavailable = p
				default:
					f.Reset = p
				}
			case "latency", "retryafter":
				d, err := time.ParseDuration(val)
				if err != nil || d < 0 {
					return Faults{}, fmt.Errorf("fault %q: %s must be a non-negative duration such as 20ms", one, name)
				}
				if name == "latency" {
					f.Latency = d
				} else {
					f.RetryAfter = d
				}
			case "split":
				if _, err := parseSplitFaults(val); err != nil {
					return Faults{}, fmt.Errorf("fault %q: %w", one, err)
				}
				f.Split = strings.TrimSpace(f.Split + " " + val)
			case "failafter":
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 {
					return Faults{}, fmt.Errorf("fault %q: failafter must be a positive number of query pages", one)
				}
				f.FailAfter = n
			case "seed":
				n, err := strconv.ParseUint(val, 10, 64)
				if err != nil {
					return Faults{}, fmt.Errorf("fault %q: seed must be a non-negative integer", one)
				}
				f.Seed, f.Seeded = n, true
			default:
				return Faults{}, fmt.Errorf("fault %q: unknown fault %q (want throttle, unavailable, reset, latency, retryafter, split, failafter or seed)", one, name)
			}
		}
	}
	return f, nil
}

// faultKind is the outcome of one draw.
type faultKind int

const (
	faultNone faultKind = iota
	faultThrottle
	faultUnavailable
	faultReset
)

// drawFault decides the fault for one request. The three draws happen on every
// request so the stream position does not depend on earlier outcomes.
func (g *Gateway) drawFault() faultKind {
	f := g.cfg.Faults
	if f.Throttle == 0 && f.Unavailable == 0 && f.Reset == 0 {
		return faultNone
	}
	g.faultMu.Lock()
	a, b, c := g.rng.Float64(), g.rng.Float64(), g.rng.Float64()
	g.faultMu.Unlock()
	switch {
	case a < f.Reset:
		return faultReset
	case b < f.Throttle:
		return faultThrottle
	case c < f.Unavailable:
		return faultUnavailable
	}
	return faultNone
}

// applyFaults injects latency and at most one failure; it reports whether the
// request has been answered (or dropped).
func (g *Gateway) applyFaults(x *exchange) bool {
	if d := g.cfg.Faults.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-x.r.Context().Done():
			t.Stop()
		}
	}
	if g.pageFail.failing(x.r) {
		// A short retry-after: clients exhaust their retries at once.
		x.w.Header().Set("x-ms-retry-after-ms", "1")
		x.fail(http.StatusServiceUnavailable, subNone, "", msgUnavailable)
		g.count(x.status)
		return true
	}
	switch g.drawFault() {
	case faultThrottle:
		ra := g.cfg.Faults.RetryAfter
		if ra <= 0 {
			ra = defaultRetryAfterMs * time.Millisecond
		}
		x.w.Header().Set("x-ms-retry-after-ms", strconv.FormatInt(ra.Milliseconds(), 10))
		x.charge = 0
		x.fail(http.StatusTooManyRequests, subThrottled, "", msgThrottled)
	case faultUnavailable:
		x.fail(http.StatusServiceUnavailable, subNone, "", msgUnavailable)
	case faultReset:
		g.count(0)
		if hj, ok := x.w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		// HTTP/2 cannot hijack; aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	default:
		return false
	}
	g.count(x.status)
	return true
}

// pageFailer fails query pages after a number of them were served
// (Faults.FailAfter, or armed at run time by FailQueryPagesAfter).
type pageFailer struct {
	mu     sync.Mutex
	after  int // 0 = off
	served int
}

// FailQueryPagesAfter arms the failer for tests: once n more query pages
// were served, every query page request fails with 503 until stop is
// called. It replaces any FailAfter fault.
func (g *Gateway) FailQueryPagesAfter(n int) (stop func()) {
	p := &g.pageFail
	p.mu.Lock()
	p.after, p.served = n, 0
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.after = 0
		p.mu.Unlock()
	}
}

// servedPage counts one query page answered.
func (p *pageFailer) servedPage() {
	p.mu.Lock()
	p.served++
	p.mu.Unlock()
}

// failing reports whether r is a query page request that must fail.
func (p *pageFailer) failing(r *http.Request) bool {
	if r.Method != http.MethodPost || !isQueryContentType(r.Header.Get("Content-Type")) ||
		strings.EqualFold(r.Header.Get("x-ms-cosmos-is-query-plan-request"), "true") {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.after > 0 && p.served >= p.after
}
