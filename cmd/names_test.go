package cmd

import (
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Names and ids that would address another resource are refused before
// any request.
func TestResourceNamesValidatedBeforeAnyRequest(t *testing.T) {
	e := queryStart(t)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"read ..", "", []string{"read", "..", "--pk", "c1", "-d", "shop", "-c", "orders"}, `item id ".." is not a valid name`},
		{"read .", "", []string{"read", ".", "--pk", "c1", "-d", "shop", "-c", "orders"}, `item id "." is not a valid name`},
		{"read id with a slash", "", []string{"read", "a/b", "--pk", "c1", "-d", "shop", "-c", "orders"}, "contains one of / \\ ? #"},
		{"read-many ..", `{"id":"..","pk":"c1"}` + "\n", []string{"read-many", "-d", "shop", "-c", "orders"}, `item 1: id ".."`},
		{"query -d ..", "", []string{"query", "SELECT * FROM c", "-d", "..", "-c", "orders"}, `-d/--database ".."`},
		{"query -c with ?", "", []string{"query", "SELECT * FROM c", "-d", "shop", "-c", "orders?x"}, "-c/--container"},
		{"container show ..", "", []string{"container", "show", "..", "-d", "shop"}, `container ".."`},
		{"container list -d ..", "", []string{"container", "list", "-d", ".."}, `-d/--database ".."`},
		{"can-i -d ..", "", []string{"can-i", "read", "-d", "..", "-c", "orders"}, `database ".."`},
		{"can-i -c with #", "", []string{"can-i", "read", "-d", "shop", "-c", "a#b"}, `container "a#b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.sb.Gateway.Stats().Total
			r := e.runIn(t, tt.stdin, tt.args...)
			if r.code != errs.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 with %q", r.code, r.stderr, tt.want)
			}
			if n := e.sb.Gateway.Stats().Total - before; n != 0 {
				t.Fatalf("%d requests were sent", n)
			}
		})
	}
}
