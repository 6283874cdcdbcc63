package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/oracletest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// queryEnv is a sandbox plus a config dir with its "sandbox" profile; each
// run builds a fresh Factory like a new process, authenticated with the
// account key (the Entra path is covered by the auth and sandbox tests).
type queryEnv struct {
	sb        *sandbox.Sandbox
	configDir string
	env       map[string]string
}

type queryResult struct {
	stdout, stderr string
	err            error
	code           int
}

// queryTestSeed is the demo seed plus: orders1 (the demo orders in one
// range, the reference for cross-partition results), database semantics
// (see semanticsDatabase) and, when the oracle data is present, database
// oracle (see oracleDatabase).
func queryTestSeed(t *testing.T) *seed.Seed {
	t.Helper()
	s := seed.Demo()
	shop := &s.Databases[0]
	var orders seed.Container
	for _, c := range shop.Containers {
		if c.ID == "orders" {
			orders = c
		}
	}
	one := orders
	one.ID = "orders1"
	one.PhysicalPartitions = 1
	shop.Containers = append(shop.Containers, one)
	s.Databases = append(s.Databases, semanticsDatabase())
	if oracleDir, found := oracletest.Find(); found {
		s.Databases = append(s.Databases, oracleDatabase(t, oracleDir))
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// oracleDatabase holds every container the oracle's test data declares,
// each in 4 ranges with its vector policy and indexes, and the documents
// (QuickStartProducts, and QuickStartProducts1 in one range; the vector
// containers QuantizedCosine, FlatEuclidean, DiskANNDotProduct).
func oracleDatabase(t *testing.T, oracleDir string) seed.Database {
	t.Helper()
	db := seed.Database{ID: "oracle"}
	seen := map[string]bool{}
	for _, suite := range oracletest.Suites(t, oracleDir) {
		for _, def := range suite.TestData.Containers {
			if seen[def.ID] {
				continue
			}
			seen[def.ID] = true
			b, err := json.Marshal(def)
			if err != nil {
				t.Fatal(err)
			}
			var c seed.Container
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatalf("oracle container %s: %v", def.ID, err)
			}
			c.PhysicalPartitions, c.Items = 4, suite.TestData.Data
			db.Containers = append(db.Containers, c)
			if def.ID == "QuickStartProducts" {
				one := c
				one.ID, one.PhysicalPartitions = "QuickStartProducts1", 1
				db.Containers = append(db.Containers, one)
			}
		}
	}
	return db
}

func queryStart(t *testing.T, opts ...sandboxtest.Option) *queryEnv {
	t.Helper()
	dir := t.TempDir()
	opts = append([]sandboxtest.Option{sandboxtest.WithConfigDir(dir), sandboxtest.WithSeed(queryTestSeed(t))}, opts...)
	sb := sandboxtest.Start(t, opts...)
	return &queryEnv{sb: sb, configDir: dir, env: map[string]string{}}
}

func (e *queryEnv) factory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	f, in, out, errOut := cmdtest.NewFactory(e.configDir, e.env)
	key := e.sb.AccountKey
	f.Credentials = func(ctx context.Context) (*cosmos.Credentials, error) {
		return &cosmos.Credentials{Method: "key", Key: key}, nil
	}
	return f, in, out, errOut
}

func (e *queryEnv) runIn(t *testing.T, stdin string, args ...string) queryResult {
	t.Helper()
	f, in, out, errOut := e.factory()
	in.WriteString(stdin)
	return queryExecute(f, out, errOut, args)
}

// queryExecute runs cosmosctl with f, whose streams are out and errOut.
func queryExecute(f *cmdutil.Factory, out, errOut *bytes.Buffer, args []string) queryResult {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := Execute(ctx, f, args)
	if err != nil {
		errs.Print(errOut, err, false)
	}
	return queryResult{stdout: out.String(), stderr: errOut.String(), err: err, code: errs.ExitCode(err)}
}

// continuation is the token the run printed on stderr ("" when none).
func (r queryResult) continuation() string {
	token := ""
	for _, line := range strings.Split(r.stderr, "\n") {
		if t, ok := strings.CutPrefix(line, "continuation: "); ok {
			token = t
		}
	}
	return token
}

func (e *queryEnv) run(t *testing.T, args ...string) queryResult {
	t.Helper()
	return e.runIn(t, "", args...)
}

func (e *queryEnv) mustJSON(t *testing.T, args ...string) []json.RawMessage {
	t.Helper()
	r := e.run(t, append(args, "-o", "json")...)
	if r.err != nil {
		t.Fatalf("cosmosctl %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	var out []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("cosmosctl %s: stdout is not a JSON array: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
	return out
}

// queryNormalize decodes rows for comparison: numbers as float64 (2 == 2.0),
// system properties dropped.
func queryNormalize(t *testing.T, rows []json.RawMessage) []any {
	t.Helper()
	out := make([]any, len(rows))
	for i, r := range rows {
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		if m, ok := v.(map[string]any); ok {
			for _, k := range []string{"_rid", "_self", "_etag", "_attachments", "_ts"} {
				delete(m, k)
			}
		}
		out[i] = v
	}
	return out
}

func queryCanonSort(t *testing.T, rows []any) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		b, _ := json.Marshal(r)
		out[i] = string(b)
	}
	sort.Strings(out)
	return out
}

// queryApproxEqual compares decoded JSON with a relative float tolerance.
func queryApproxEqual(a, b any) bool { return queryApproxEqualTol(a, b, 1e-12) }

func queryApproxEqualTol(a, b any, tol float64) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		return math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !queryApproxEqualTol(x[i], y[i], tol) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !queryApproxEqualTol(v, y[k], tol) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// queryShapes are the plan shapes compared between the 4-range orders and
// the 1-range orders1; ordered says whether the output order is defined.
var queryShapes = []struct {
	name    string
	sql     string
	ordered bool
	extra   []string
}{
	{"plain filter", "SELECT * FROM c WHERE c.status = 'open'", false, nil},
	{"projection", "SELECT c.id, c.city, c.total FROM c WHERE c.total > 400", false, nil},
	{"order by asc", "SELECT c.id, c.total FROM c ORDER BY c.total", true, nil},
	{"order by desc", "SELECT c.id, c.createdAt FROM c ORDER BY c.createdAt DESC", true, nil},
	{"order by multi mixed", "SELECT c.id, c.city, c.total FROM c ORDER BY c.city ASC, c.total DESC", true, nil},
	{"order by mixed types", "SELECT VALUE c.id FROM c ORDER BY c.id", true, nil},
	{"top", "SELECT TOP 7 c.id, c.total FROM c ORDER BY c.total DESC", true, nil},
	{"offset limit", "SELECT c.id, c.total FROM c ORDER BY c.total OFFSET 10 LIMIT 25", true, nil},
	{"distinct", "SELECT DISTINCT c.city FROM c", false, nil},
	{"distinct value", "SELECT DISTINCT VALUE c.status FROM c", false, nil},
	{"distinct ordered", "SELECT DISTINCT VALUE c.city FROM c ORDER BY c.city", true, nil},
	{"count", "SELECT VALUE COUNT(1) FROM c", true, nil},
	{"sum", "SELECT VALUE SUM(c.total) FROM c", true, nil},
	{"avg", "SELECT VALUE AVG(c.total) FROM c", true, nil},
	{"min", "SELECT VALUE MIN(c.createdAt) FROM c", true, nil},
	{"max", "SELECT VALUE MAX(c.total) FROM c", true, nil},
	{"count empty", "SELECT VALUE COUNT(1) FROM c WHERE c.status = 'nope'", true, nil},
	{"max empty", "SELECT VALUE MAX(c.total) FROM c WHERE c.status = 'nope'", true, nil},
	{"non-value aggregates", "SELECT COUNT(1) AS n, SUM(c.total) AS s FROM c", true, nil},
	{"group by several aggregates", "SELECT c.customerId, COUNT(1) AS n, SUM(c.total) AS total, AVG(c.total) AS avg, MIN(c.total) AS lo, MAX(c.total) AS hi FROM c GROUP BY c.customerId", false, nil},
	{"group by two keys", "SELECT c.city, c.status, COUNT(1) AS n FROM c GROUP BY c.city, c.status", false, nil},
	{"join", "SELECT c.id, i AS line FROM c JOIN i IN c.items WHERE c.total > 450", false, nil},
	{"parameters", "SELECT c.id FROM c WHERE c.city = @city AND c.total > @min", false, []string{"--param", "@city=Paris", "--param", "@min=100"}},
	{"empty result", "SELECT * FROM c WHERE c.id = 'nope'", false, nil},
	{"group by select value key", "SELECT VALUE c.status FROM c GROUP BY c.status", false, nil},
	{"group by value aggregate", "SELECT VALUE COUNT(1) FROM c GROUP BY c.status", false, nil},
	{"group by empty", "SELECT c.status, COUNT(1) AS n FROM c WHERE c.status = 'nope' GROUP BY c.status", false, nil},
	{"non-value aggregate empty", "SELECT COUNT(1) AS n, MAX(c.total) AS m FROM c WHERE c.status = 'nope'", true, nil},
	{"unnamed aggregate", "SELECT COUNT(1) FROM c", true, nil},
	{"top with distinct", "SELECT DISTINCT TOP 3 c.status FROM c ORDER BY c.status", true, nil},
	{"order by with filter param", "SELECT c.id, c.total FROM c WHERE c.total BETWEEN @lo AND @hi ORDER BY c.total DESC", true, []string{"--param", "@lo=100", "--param", "@hi=200"}},
	{"value order by", "SELECT VALUE c.total FROM c WHERE c.city = 'Tokyo' ORDER BY c.total", true, nil},
	{"max over strings", "SELECT VALUE MAX(c.city) FROM c", true, nil},
	{"min mixed types", "SELECT VALUE MIN(c.customer.name) FROM c", true, nil},
	{"avg big numbers", "SELECT VALUE AVG(c.total) FROM c WHERE c.total > 1000000", true, nil},
	{"offset past end", "SELECT c.id FROM c ORDER BY c.id OFFSET 5000 LIMIT 10", true, nil},
	{"top 0", "SELECT TOP 0 c.id FROM c", true, nil},
	{"group by with where and order-free alias", "SELECT c.city AS town, MIN(c.createdAt) AS first, MAX(c.createdAt) AS last FROM c WHERE c.status != 'cancelled' GROUP BY c.city", false, nil},
	{"order by undefined and null", "SELECT c.id, c.customer FROM c ORDER BY c.customer.name", true, nil},
}

func TestQueryCrossPartitionMatchesSingleRange(t *testing.T) {
	e := queryStart(t)
	for _, tt := range queryShapes {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"query", tt.sql, "-d", "shop"}, tt.extra...)
			multi := queryNormalize(t, e.mustJSON(t, append(args, "-c", "orders")...))
			single := queryNormalize(t, e.mustJSON(t, append(args, "-c", "orders1")...))
			if tt.ordered {
				// Rows with equal sort keys may come in any order: compare
				// the key sequence, then the multiset.
				if keys := queryOrderKeys(tt.sql); keys != nil {
					if !queryApproxEqual(queryProject(multi, keys), queryProject(single, keys)) {
						t.Fatalf("4 ranges and 1 range order differently:\n multi %v\nsingle %v", truncateAny(multi), truncateAny(single))
					}
					if a, b := queryCanonSort(t, multi), queryCanonSort(t, single); !reflect.DeepEqual(a, b) {
						t.Fatalf("4 ranges and 1 range differ (%d vs %d rows)", len(a), len(b))
					}
					return
				}
				if !queryApproxEqual(multi, single) {
					t.Fatalf("4 ranges and 1 range differ:\n multi %v\nsingle %v", truncateAny(multi), truncateAny(single))
				}
				return
			}
			a, b := queryCanonSort(t, multi), queryCanonSort(t, single)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("4 ranges and 1 range differ (%d vs %d rows):\n multi %v\nsingle %v", len(a), len(b), truncateStr(a), truncateStr(b))
			}
		})
	}
}

// queryOrderKeys extracts the projected field names of a simple
// "ORDER BY c.a, c.b DESC" clause (nil when the rows are not objects).
func queryOrderKeys(sql string) []string {
	i := strings.Index(sql, "ORDER BY ")
	if i < 0 || strings.Contains(sql, "VALUE") {
		return nil
	}
	rest := sql[i+len("ORDER BY "):]
	if j := strings.Index(rest, " OFFSET"); j >= 0 {
		rest = rest[:j]
	}
	var keys []string
	for _, part := range strings.Split(rest, ",") {
		f := strings.Fields(strings.TrimSpace(part))
		keys = append(keys, strings.TrimPrefix(f[0], "c."))
	}
	return keys
}

func queryProject(rows []any, keys []string) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		m, _ := r.(map[string]any)
		var vals []any
		for _, k := range keys {
			vals = append(vals, m[k])
		}
		out[i] = vals
	}
	return out
}

func truncateAny(v []any) string {
	b, _ := json.Marshal(v)
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

func truncateStr(v []string) string {
	s := strings.Join(v, "\n")
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func TestQueryOracle(t *testing.T) {
	oracleDir := oracletest.Dir(t)
	e := queryStart(t)
	for _, suite := range oracletest.Suites(t, oracleDir) {
		// The suite's parameters go in a --param-file, as a user would pass
		// a 128-dimension vector.
		var params []string
		if len(suite.TestData.Parameters) > 0 {
			obj := map[string]json.RawMessage{}
			for _, p := range suite.TestData.Parameters {
				obj[p.Name] = p.Value
			}
			b, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), suite.Name+".params.json")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			params = []string{"--param-file", path}
		}
		for _, q := range suite.Queries {
			t.Run(suite.Name+"/"+q.Name, func(t *testing.T) {
				args := append([]string{"query", q.SQL, "-d", "oracle", "-c", q.Container}, params...)
				got := queryNormalize(t, e.mustJSON(t, args...))
				want := queryNormalize(t, q.Want)
				if suite.Name == "vector" {
					queryCheckVector(t, got, want, q.Validators, oracletest.RelTolerance(suite.Name))
					return
				}
				if strings.Contains(strings.ToUpper(q.SQL), "ORDER BY") {
					// Ties may come in any order: compare the sort key
					// sequence, then the multiset.
					if len(got) != len(want) {
						t.Fatalf("got %d rows, want %d", len(got), len(want))
					}
					for i := range got {
						g, _ := got[i].(map[string]any)
						w, _ := want[i].(map[string]any)
						if g["name"] != w["name"] {
							t.Fatalf("row %d: name %v, want %v", i, g["name"], w["name"])
						}
					}
				}
				a, b := queryCanonSort(t, got), queryCanonSort(t, want)
				if len(a) != len(b) {
					t.Fatalf("got %d rows, want %d:\n%v\n%v", len(a), len(b), truncateStr(a), truncateStr(b))
				}
				if !queryApproxEqual(got, want) && !reflect.DeepEqual(a, b) {
					t.Fatalf("results differ:\n got %v\nwant %v", truncateAny(got), truncateAny(want))
				}
			})
		}
	}
}

// queryCheckVector compares a vector search result with the oracle's: the
// text in order, the scores to a relative tolerance, and the validators'
// order of the scores.
func queryCheckVector(t *testing.T, got, want []any, validators map[string]string, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d:\n got %v\nwant %v", len(got), len(want), truncateAny(got), truncateAny(want))
	}
	for i := range got {
		g, _ := got[i].(map[string]any)
		w, _ := want[i].(map[string]any)
		if g["text"] != w["text"] {
			t.Errorf("row %d: text %v, want %v", i, g["text"], w["text"])
		}
	}
	if !queryApproxEqualTol(got, want, tol) {
		t.Errorf("results differ beyond a relative %g:\n got %v\nwant %v", tol, truncateAny(got), truncateAny(want))
	}
	if err := oracletest.CheckValidators(got, validators); err != nil {
		t.Errorf("validators %v: %v", validators, err)
	}
}

func TestQueryDemoGroupByTable(t *testing.T) {
	e := queryStart(t)
	f, _, out, errOut := e.factory()
	f.IOStreams.SetStdoutTTY(true)
	f.IOStreams.SetStderrTTY(true)
	f.IOStreams.SetTerminalWidth(120)
	err := Execute(context.Background(), f, []string{"query", "SELECT c.customerId, COUNT(1) AS n, SUM(c.total) AS total FROM c GROUP BY c.customerId", "-d", "shop", "-c", "orders"})
	if err != nil {
		t.Fatalf("exit %d: %v\n%s", errs.ExitCode(err), err, errOut)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) < 2 || !strings.Contains(strings.ToUpper(lines[0]), "CUSTOMERID") {
		t.Fatalf("no table header:\n%s", out)
	}
	if got := len(lines) - 1; got < seed.DemoCustomers-5 || got > seed.DemoCustomers+5 {
		t.Errorf("table has %d rows, want about %d customers", got, seed.DemoCustomers)
	}
	if !strings.Contains(errOut.String(), "request charge:") {
		t.Errorf("no charge summary on a terminal stderr: %q", errOut)
	}
}

// TestQueryContinuationRoundTrip splits results at several k and re-joins.
func TestQueryContinuationRoundTrip(t *testing.T) {
	e := queryStart(t)
	queries := []struct {
		name, sql, pk string
	}{
		{"direct", "SELECT c.id FROM c WHERE c.total > 1400", ""},
		{"order by", "SELECT c.id, c.total FROM c WHERE c.total > 1400 ORDER BY c.total DESC", ""},
		{"distinct", "SELECT DISTINCT VALUE c.city FROM c", ""},
		{"top offset", "SELECT c.id FROM c ORDER BY c.id OFFSET 3 LIMIT 20", ""},
		{"group by", "SELECT c.status, COUNT(1) AS n FROM c GROUP BY c.status", ""},
		{"single partition", "SELECT * FROM c ORDER BY c.total", "c7"},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			base := []string{"query", q.sql, "-d", "shop", "-c", "orders", "--page-size", "7"}
			if q.pk != "" {
				base = append(base, "--pk", q.pk)
			}
			full := e.mustJSON(t, base...)
			if len(full) == 0 {
				t.Fatal("empty full result")
			}
			if len(full) > 60 {
				t.Fatalf("%d rows: keep the query small so every k can be tried", len(full))
			}
			var ks []int
			for k := 1; k <= len(full); k++ {
				ks = append(ks, k)
			}
			for _, k := range ks {
				var got []json.RawMessage
				token := ""
				for rounds := 0; rounds < len(full)/k+3; rounds++ {
					args := append(append([]string{}, base...), "--max-items", fmt.Sprint(k))
					if token != "" {
						args = append(args, "--continuation", token)
					}
					r := e.run(t, append(args, "-o", "json")...)
					if r.err != nil {
						t.Fatalf("k=%d: exit %d: %s", k, r.code, r.stderr)
					}
					var page []json.RawMessage
					if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					token = r.continuation()
					if token == "" {
						break
					}
					if len(page) != k {
						t.Fatalf("k=%d: page of %d rows with a continuation", k, len(page))
					}
				}
				if token != "" {
					t.Fatalf("k=%d: never finished", k)
				}
				a := queryCanonSort(t, queryNormalize(t, got))
				b := queryCanonSort(t, queryNormalize(t, full))
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("k=%d: re-joined %d rows differ from the full %d", k, len(got), len(full))
				}
				// Order too, where it is defined by the query.
				if strings.Contains(q.sql, "ORDER BY") && !queryApproxEqual(queryNormalize(t, got), queryNormalize(t, full)) {
					t.Fatalf("k=%d: re-joined order differs", k)
				}
			}
		})
	}
}

func TestQueryContinuationRejected(t *testing.T) {
	e := queryStart(t)
	r := e.run(t, "query", "SELECT c.id FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "--max-items", "3", "-o", "json")
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	token := r.continuation()
	if token == "" {
		t.Fatalf("no continuation on stderr: %q", r.stderr)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"foreign query", []string{"query", "SELECT c.id FROM c ORDER BY c.total", "-d", "shop", "-c", "orders", "--continuation", token}, "different query"},
		{"other container", []string{"query", "SELECT c.id FROM c ORDER BY c.id", "-d", "shop", "-c", "orders1", "--continuation", token}, "different query"},
		{"garbage", []string{"query", "SELECT c.id FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "--continuation", "abc"}, "not a cosmosctl continuation token"},
		{"truncated", []string{"query", "SELECT c.id FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "--continuation", token[:len(token)-5]}, "invalid continuation token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.args...)
			if r.code != errs.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 mentioning %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestQueryWithMeta(t *testing.T) {
	e := queryStart(t)
	r := e.run(t, "query", "SELECT c.id FROM c ORDER BY c.id", "-d", "shop", "-c", "orders", "--max-items", "4", "--with-meta", "--metrics", "-o", "json")
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	var env struct {
		Items         []json.RawMessage `json:"items"`
		Continuation  *string           `json:"continuation"`
		RequestCharge float64           `json:"requestCharge"`
		Metrics       []struct {
			Range string `json:"range"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &env); err != nil {
		t.Fatalf("not an envelope: %v\n%s", err, r.stdout)
	}
	if len(env.Items) != 4 || env.Continuation == nil || env.RequestCharge <= 0 || len(env.Metrics) != 4 {
		t.Fatalf("envelope = %d items, continuation %v, charge %v, %d metric ranges", len(env.Items), env.Continuation, env.RequestCharge, len(env.Metrics))
	}
}

func TestQueryFaultsGiveIdenticalResults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault runs take a few seconds")
	}
	clean := queryStart(t)
	for _, fault := range []string{"throttle=0.3", "reset=0.05"} {
		t.Run(fault, func(t *testing.T) {
			faulty := queryStart(t, sandboxtest.WithFaults(fault, "seed=7"))
			for _, q := range []string{
				"SELECT c.id, c.total FROM c ORDER BY c.total DESC, c.id",
				"SELECT c.customerId, COUNT(1) AS n, SUM(c.total) AS total FROM c GROUP BY c.customerId",
				"SELECT VALUE AVG(c.total) FROM c",
				"SELECT c.id FROM c WHERE c.total > 200",
			} {
				want := queryNormalize(t, clean.mustJSON(t, "query", q, "-d", "shop", "-c", "orders", "--page-size", "100"))
				got := queryNormalize(t, faulty.mustJSON(t, "query", q, "-d", "shop", "-c", "orders", "--page-size", "100"))
				if !reflect.DeepEqual(queryCanonSort(t, got), queryCanonSort(t, want)) {
					t.Fatalf("%s: results under %s differ", q, fault)
				}
				if strings.Contains(q, "ORDER BY") && !queryApproxEqual(got, want) {
					t.Fatalf("%s: order under %s differs", q, fault)
				}
			}
		})
	}
}
