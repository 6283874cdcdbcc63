package cosmos

import (
	"net/http"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Traffic counts what the retry policy hides: throttled (429) answers and
// the attempts it made again. The statistics line reports them, so a slow
// query is not a mystery.
type Traffic struct {
	Requests  int64 // operations sent (each may take several attempts)
	Attempts  int64 // HTTP requests made, retries included
	Throttled int64 // attempts answered 429
}

// Retried is the number of attempts beyond each operation's first.
func (t Traffic) Retried() int64 { return max(t.Attempts-t.Requests, 0) }

// trafficCounter is installed in one client's pipelines: a per-call policy
// counts operations, a per-retry policy counts attempts and 429s.
type trafficCounter struct {
	requests, attempts, throttled atomic.Int64
}

// newTrafficCounter adds the counting policies to copts (before the
// clients are built from it).
func newTrafficCounter(copts *azcore.ClientOptions) *trafficCounter {
	t := &trafficCounter{}
	copts.PerCallPolicies = append(copts.PerCallPolicies, policyFunc(func(req *policy.Request) (*http.Response, error) {
		t.requests.Add(1)
		return req.Next()
	}))
	copts.PerRetryPolicies = append(copts.PerRetryPolicies, policyFunc(func(req *policy.Request) (*http.Response, error) {
		t.attempts.Add(1)
		resp, err := req.Next()
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			t.throttled.Add(1)
		}
		return resp, err
	}))
	return t
}

// Traffic returns the client's counts so far.
func (c *Client) Traffic() Traffic {
	if c.traffic == nil {
		return Traffic{}
	}
	return Traffic{Requests: c.traffic.requests.Load(), Attempts: c.traffic.attempts.Load(), Throttled: c.traffic.throttled.Load()}
}
