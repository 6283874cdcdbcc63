package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

func TestQueryStatsLine(t *testing.T) {
	tests := []struct {
		name                       string
		charge                     float64
		results, pages, roundTrips int
		traffic                    cosmos.Traffic
		want                       string
	}{
		{"singular", 2.79, 1, 1, 1, cosmos.Traffic{Requests: 1, Attempts: 1}, "request charge: 2.79 RU, 1 result, 1 page, 1 round trip"},
		{"plural", 12.5, 0, 2, 3, cosmos.Traffic{Requests: 3, Attempts: 3}, "request charge: 12.50 RU, 0 results, 2 pages, 3 round trips"},
		{"float noise rounded", 219.47999954223633, 10, 4, 5, cosmos.Traffic{}, "request charge: 219.48 RU, 10 results, 4 pages, 5 round trips"},
		{"throttled and retried", 3, 2, 1, 1, cosmos.Traffic{Requests: 2, Attempts: 5, Throttled: 3}, "request charge: 3.00 RU, 2 results, 1 page, 1 round trip, 3 throttled (429), 3 retried"},
		{"retried without 429", 1, 1, 1, 1, cosmos.Traffic{Requests: 1, Attempts: 2}, "request charge: 1.00 RU, 1 result, 1 page, 1 round trip, 1 retried"},
	}
	for _, tt := range tests {
		if got := queryStatsLine(tt.charge, tt.results, tt.pages, tt.roundTrips, tt.traffic); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestQueryStatistics runs queries through the sandbox: the line's plurals,
// nothing before an error, --with-meta's charge equal to the line's, and
// "No results." for an empty result on a terminal.
func TestQueryStatistics(t *testing.T) {
	e := queryStart(t)
	one := []string{"query", "SELECT c.id FROM c WHERE c.id = 'big-int'", "-d", "shop", "-c", "orders", "--pk", "c1"}
	r := e.run(t, append(one, "--show-charge")...)
	if r.err != nil || !strings.Contains(r.stderr, " RU, 1 result, 1 page, 1 round trip\n") {
		t.Errorf("one result: exit %d, stderr %q", r.code, r.stderr)
	}
	line := strings.TrimSpace(r.stderr)
	charge := strings.Fields(line)[2]
	r = e.run(t, append(one, "--with-meta", "-o", "json")...)
	var env struct {
		RequestCharge json.RawMessage `json:"requestCharge"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &env); err != nil {
		t.Fatalf("--with-meta: %v %q", err, r.stdout)
	}
	if got := string(env.RequestCharge); got != strings.TrimRight(strings.TrimRight(charge, "0"), ".") {
		t.Errorf("--with-meta requestCharge %s, statistics line %s", got, charge)
	}

	r = e.run(t, "query", "SELECT * FORM c", "-d", "shop", "-c", "orders", "--show-charge")
	if r.err == nil || strings.Contains(r.stderr, "request charge") {
		t.Errorf("failed query: exit %d, stderr %q; want no statistics line", r.code, r.stderr)
	}

	f, _, out, errOut := e.factory()
	f.IOStreams.SetStdoutTTY(true)
	f.IOStreams.SetStderrTTY(true)
	r = queryExecute(f, out, errOut, []string{"query", "SELECT * FROM c WHERE c.id = 'none'", "-d", "shop", "-c", "orders"})
	if r.err != nil || !strings.Contains(r.stderr, "0 results") || !strings.HasSuffix(r.stderr, "No results.\n") || r.stdout != "" {
		t.Errorf("empty result on a terminal: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = e.run(t, "query", "SELECT * FROM c WHERE c.id = 'none'", "-d", "shop", "-c", "orders")
	if strings.Contains(r.stderr, "No results.") {
		t.Errorf("piped empty result: stderr %q", r.stderr)
	}
}

// TestQueryStatisticsCountThrottling: 429s the SDK retried show in the line.
func TestQueryStatisticsCountThrottling(t *testing.T) {
	e := queryStart(t, sandboxtest.WithFaults("throttle=0.3", "retryafter=1ms", "seed=11"))
	r := e.run(t, "query", "SELECT c.id FROM c", "-d", "shop", "-c", "orders", "--page-size", "5", "--show-charge", "-o", "jsonl")
	if r.err != nil {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, " throttled (429), ") || !strings.Contains(r.stderr, " retried\n") {
		t.Errorf("stderr %q does not report the throttling", r.stderr)
	}
}
