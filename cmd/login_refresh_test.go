package cmd

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// sortedLines makes results comparable whatever order the partition
// ranges answered in.
func sortedLines(s string) []string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(l)
	return l
}

// A query that runs across several token lifetimes gets a new token before
// each one expires, one refresh grant per token (not per request), and no
// page fails with an expired token on the way. azcosmos keeps a token until
// the expiry its credential reports, so that expiry must come early enough
// for a request in flight.
func TestQueryOutlivesTokenLifetime(t *testing.T) {
	const lifetime = 3 * time.Second
	e := loginSandbox(t, sandboxtest.WithAutoApprove("alice"),
		sandboxtest.WithTokenLifetime(lifetime), sandboxtest.WithFaults("latency=150ms"))
	e.mustRun(t, "--profile", "sandbox", "login")
	query := []string{"--profile", "sandbox", "query", "SELECT c.id, c.customerId, c.total FROM c", "-d", "shop", "-c", "orders", "-o", "jsonl"}

	// The expected rows, with the account key and big pages (quick).
	e.env["COSMOSCTL_KEY"] = e.sb.AccountKey
	want := sortedLines(e.mustRun(t, append(query, "--page-size", "1000")...).stdout)
	delete(e.env, "COSMOSCTL_KEY")
	const pageSize = 40
	if len(want) < 1000 {
		t.Fatalf("the key query returned %d rows; the test needs a long query", len(want))
	}

	before := e.sb.Entra.Stats()
	start := time.Now()
	got := sortedLines(e.mustRun(t, append(query, "--page-size", "40")...).stdout)
	elapsed := time.Since(start)
	after := e.sb.Entra.Stats()
	if !slices.Equal(got, want) {
		t.Fatalf("results differ from the key query's (%d vs %d rows)", len(got), len(want))
	}
	grants := after.RefreshGrants - before.RefreshGrants
	// Each token serves at most its lifetime, and at least the three
	// quarters of it before its reported expiry less up to a second (JWT
	// times are whole seconds); the login's token has expired by the start.
	lo := int(math.Ceil(float64(elapsed) / float64(lifetime)))
	hi := int(float64(elapsed)/float64(lifetime*3/4-time.Second)) + 2
	t.Logf("query of %d pages took %v: %d refresh grants (want %d..%d)", len(want)/pageSize, elapsed.Round(time.Millisecond), grants, lo, hi)
	if elapsed < 3*lifetime {
		t.Fatalf("the query took only %v, not several token lifetimes (%v)", elapsed, lifetime)
	}
	if grants < lo || grants > hi {
		t.Fatalf("%d refresh grants in %v, want one per %v token (%d..%d)", grants, elapsed, lifetime, lo, hi)
	}
	if after.DeviceCode != before.DeviceCode || after.AuthCodeGrants != before.AuthCodeGrants {
		t.Fatal("the query started an interactive sign-in")
	}
}
