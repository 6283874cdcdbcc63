package cosmos

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Why cosmosctl retries by itself: azcosmos puts its own retry policy
// inside azcore's. That policy retries a 503 only by failing over to a
// preferred region (cosmosctl names none), a 500 or 408 at most once, and
// marks every failure it does not retry as non-retriable, so azcore's
// retry policy (and its ShouldRetry) never sees it: one 503 on one range's
// query page failed the whole query. retryPolicy runs below the azcosmos
// policy, next to the transport, so every attempt of every request kind
// (query pages, reads, feeds, account metadata, the raw pkranges feed)
// gets the same bounded, back-off retries before azcosmos sees the result;
// azcore's own retry policy is switched off so that the budget is not
// multiplied.

// retryOptions is the budget of one operation. Like the other Cosmos DB
// SDKs, throttling (429) and other transient failures have separate
// budgets, so a burst of throttling does not use up the retries of a 503.
type retryOptions struct {
	MaxRetries    int           // retries of each kind after the first attempt; 0 = none
	RetryDelay    time.Duration // first exponential back-off step
	MaxRetryDelay time.Duration // cap of a back-off; a longer retry-after is not waited for
}

// retryBudget is shared by every attempt of one operation, including the
// attempts the azcosmos policy starts again after ours gave up, so the
// total stays bounded by MaxRetries.
type retryBudget struct{ throttled, transient int }

// budgetPolicy starts an operation's budget; it runs once per operation,
// above every retry loop.
type budgetPolicy struct{ retries int }

func (p budgetPolicy) Do(req *policy.Request) (*http.Response, error) {
	req.SetOperationValue(&retryBudget{throttled: p.retries, transient: p.retries})
	return req.Next()
}

// retryPolicy retries one attempt's transient failures (shouldRetry).
type retryPolicy struct{ o retryOptions }

func (p retryPolicy) Do(req *policy.Request) (*http.Response, error) {
	var b *retryBudget
	if !req.OperationValue(&b) || b == nil {
		b = &retryBudget{throttled: p.o.MaxRetries, transient: p.o.MaxRetries}
	}
	for try := 1; ; try++ {
		if err := req.RewindBody(); err != nil {
			return nil, err
		}
		resp, err := req.Next()
		ctx := req.Raw().Context()
		callerDone, callerErr := callerDone(ctx)
		if ctx.Err() != nil || callerErr() != nil || !shouldRetry(resp, err) {
			return resp, err
		}
		left := &b.transient
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			left = &b.throttled
		}
		if *left <= 0 {
			return resp, err
		}
		delay := retryAfter(resp)
		switch {
		case delay > p.o.MaxRetryDelay:
			return resp, err // the service asks for longer than we wait
		case delay <= 0:
			delay = backoff(p.o, try)
		}
		if resp != nil {
			resp.Body.Close()
		}
		*left--
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-callerDone:
			t.Stop()
			return nil, callerErr()
		}
	}
}

// backoff is azcore's exponential delay: (2^try - 1) × RetryDelay with
// ±20 % jitter, at most MaxRetryDelay.
func backoff(o retryOptions, try int) time.Duration {
	if try > 16 {
		try = 16
	}
	d := time.Duration(float64(int64(1)<<try-1) * float64(o.RetryDelay) * (0.8 + 0.4*rand.Float64()))
	return min(d, o.MaxRetryDelay)
}

// retryAfter reads the service's requested delay: x-ms-retry-after-ms
// (Cosmos DB), retry-after-ms, or Retry-After in seconds or as a date; 0
// when absent.
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	for _, h := range []string{"x-ms-retry-after-ms", "retry-after-ms"} {
		if v := resp.Header.Get(h); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s > 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return time.Until(t)
		}
	}
	return 0
}

// shouldRetry retries throttling and transient server/transport failures
// (connection resets included) but not failures a retry cannot fix (TLS
// trust, refused connections), which would otherwise take many seconds to
// surface, nor client errors (400, 401, 403, 404, …).
func shouldRetry(resp *http.Response, err error) bool {
	if err != nil {
		// Final by construction: an error marked non-retriable (the audit
		// log cannot be written), an explained one (a sign-in that cannot
		// get a token), the caller's own cancellation or deadline.
		var nr interface{ NonRetriable() }
		var ce *errs.Error
		if errors.As(err, &nr) || errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return false
		}
		var unk x509.UnknownAuthorityError
		var cve *tls.CertificateVerificationError
		var hn x509.HostnameError
		if errors.As(err, &unk) || errors.As(err, &cve) || errors.As(err, &hn) {
			return false
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return false
		}
		return true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusRequestTimeout, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// callerKey holds the caller's context in the context's values.
type callerKey struct{}

// WithCaller marks ctx as the caller's: azcosmos detaches some requests
// from the caller's cancellation (the account metadata fetch runs on
// context.WithoutCancel, bounded only by its own minute), but values
// survive, so the retry loop still stops waiting when the caller's
// deadline (--timeout) passes or the caller is interrupted.
func WithCaller(ctx context.Context) context.Context {
	return context.WithValue(ctx, callerKey{}, ctx)
}

// callerDone is the caller's Done channel and error, or the request's.
func callerDone(ctx context.Context) (<-chan struct{}, func() error) {
	if c, ok := ctx.Value(callerKey{}).(context.Context); ok {
		return c.Done(), c.Err
	}
	return ctx.Done(), ctx.Err
}
