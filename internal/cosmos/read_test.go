package cosmos_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func mustPK(t *testing.T, v string) cosmos.PartitionKey {
	t.Helper()
	pk, err := cosmos.ParsePartitionKey(v)
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

func TestReadItem(t *testing.T) {
	e := startCore(t)
	tests := []struct {
		name, db, coll, id, pk string
		want                   string // prefix of the document, or an error substring
		code                   int
	}{
		{"string", "core", "mixed", "s", "a b", `{"id":"s","k":"a b","v":1,"_rid":`, 0},
		{"number", "core", "mixed", "n", "42", `{"id":"n","k":42,"v":2,`, 0},
		{"number written 2.0, read as 2", "core", "mixed", "two", "2", `{"id":"two","k":2.0,"v":3,`, 0},
		{"null", "core", "mixed", "z", "null", `{"id":"z","k":null,`, 0},
		{"bool", "core", "mixed", "b", "true", `{"id":"b","k":true,`, 0},
		{"unicode and escapes kept", "core", "mixed", "u", "Zoë 東京", `{"id":"u","k":"Zoë 東京","v":6,"e":"\u00e9t\u00e9 \ud83d\ude80",`, 0},
		{"key order and big numbers kept", "core", "mixed", "order", "o", `{"zeta":1,"id":"order","k":"o","alpha":2,"big":9223372036854775807,`, 0},
		{"html kept", "core", "mixed", "html", "h", strings.TrimSuffix(coreHTMLDoc, "}") + `,"_rid":`, 0},
		{"hierarchical", "core", "tree", "e1", `["t1","u2"]`, `{"id":"e1","t":"t1","u":"u2",`, 0},
		{"nested path", "core", "nested", "n1", "x", `{"id":"n1","a":{"b":"x"},`, 0},
		{"missing item", "core", "mixed", "nope", "a b", `item "nope" not found in core/mixed (partition key "a b")`, errs.ExitNotFound},
		{"wrong key", "core", "mixed", "s", `"42"`, `item "s" not found in core/mixed (partition key "42")`, errs.ExitNotFound},
		{"hierarchical key shown as an array", "core", "tree", "e1", `["t1","u9"]`, `(partition key ["t1","u9"])`, errs.ExitNotFound},
		{"missing container", "core", "nope", "s", "a b", `read item "s" in core/nope`, errs.ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, meta, err := e.client.ReadItem(context.Background(), tt.db, tt.coll, tt.id, mustPK(t, tt.pk))
			if tt.code != 0 {
				if errs.ExitCode(err) != tt.code || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err %v (exit %d), want exit %d with %q", err, errs.ExitCode(err), tt.code, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(doc), tt.want) {
				t.Errorf("document %s\nwant prefix %s", doc, tt.want)
			}
			if meta.ETag == "" || meta.RequestCharge <= 0 {
				t.Errorf("meta %+v lacks the etag or the charge", meta)
			}
		})
	}
}

func TestReadMany(t *testing.T) {
	e := startCore(t)
	refs := func(t *testing.T, lines string) []cosmos.ItemRef {
		t.Helper()
		r, err := cosmos.ParseItemRefs(strings.NewReader(lines), "test")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name, coll, in string
		found          []string // each found document's prefix, in order
		missing        []string // ItemRef.String of each missing one
	}{
		{"scalars in request order", "mixed", `{"id":"b","pk":true}
{"id":"s","pk":"a b"}
{"id":"z","pk":null}
{"id":"n","pk":42}`, []string{`{"id":"b",`, `{"id":"s",`, `{"id":"z",`, `{"id":"n",`}, nil},
		{"2 matches 2.0", "mixed", `{"id":"two","pk":2}`, []string{`{"id":"two","k":2.0,`}, nil},
		{"missing reported", "mixed", `{"id":"s","pk":"a b"}
{"id":"nope","pk":"a b"}
{"id":"n","pk":"42"}`, []string{`{"id":"s",`}, []string{`"nope" (partition key "a b")`, `"n" (partition key "42")`}},
		{"stored bytes restored", "mixed", `{"id":"html","pk":"h"}
{"id":"order","pk":"o"}
{"id":"u","pk":"Zoë 東京"}`, []string{
			strings.TrimSuffix(coreHTMLDoc, "}") + `,"_rid":`,
			`{"zeta":1,"id":"order","k":"o","alpha":2,"big":9223372036854775807,`,
			`{"id":"u","k":"Zoë 東京","v":6,"e":"\u00e9t\u00e9 \ud83d\ude80",`,
		}, nil},
		{"hierarchical", "tree", `{"id":"e1","pk":["t1","u2"]}
{"id":"e1","pk":["t1","u1"]}
{"id":"e2","pk":["t2",5]}
{"id":"e2","pk":["t2","5"]}`, []string{`{"id":"e1","t":"t1","u":"u2",`, `{"id":"e1","t":"t1","u":"u1",`, `{"id":"e2","t":"t2","u":5,`}, []string{`"e2" (partition key ["t2","5"])`}},
		{"nested path", "nested", `{"id":"n1","pk":"x"}`, []string{`{"id":"n1",`}, nil},
		{"none found", "mixed", `{"id":"nope","pk":"x"}`, nil, []string{`"nope" (partition key "x")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, missing, charge, err := e.client.ReadMany(context.Background(), "core", tt.coll, refs(t, tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(found) != len(tt.found) {
				t.Fatalf("found %d documents, want %d: %s", len(found), len(tt.found), found)
			}
			for i, w := range tt.found {
				if !strings.HasPrefix(string(found[i]), w) {
					t.Errorf("found[%d] = %s\nwant prefix %s", i, found[i], w)
				}
			}
			var miss []string
			for _, m := range missing {
				miss = append(miss, m.String())
			}
			if strings.Join(miss, "\n") != strings.Join(tt.missing, "\n") {
				t.Errorf("missing %q, want %q", miss, tt.missing)
			}
			if charge <= 0 {
				t.Errorf("charge %v", charge)
			}
		})
	}
	// Nothing asked, nothing sent: not even the missing container is noticed.
	if found, missing, charge, err := e.client.ReadMany(context.Background(), "core", "nope", nil); err != nil || found != nil || missing != nil || charge != 0 {
		t.Errorf("no refs: %v, %v, %v, %v", found, missing, charge, err)
	}
	_, _, _, err := e.client.ReadMany(context.Background(), "core", "nope", refs(t, `{"id":"s","pk":"a b"}`))
	if errs.ExitCode(err) != errs.ExitNotFound || !strings.Contains(err.Error(), "read-many core/nope") {
		t.Errorf("missing container: %v", err)
	}
}

func TestParseItemRefs(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // ID + " " + PartitionKey.JSON(), or one error substring
		err      bool
	}{
		{"one per line", `{"id":"1","pk":"c1"}` + "\n" + `{"id":"2","pk":"c2"}`, []string{`1 ["c1"]`, `2 ["c2"]`}, false},
		{"blank lines and spaces skipped", "\n  \n" + `  {"id":"1","pk":"c1"}  ` + "\n\n", []string{`1 ["c1"]`}, false},
		{"CRLF", `{"id":"1","pk":"c1"}` + "\r\n" + `{"id":"2","pk":"c2"}` + "\r\n", []string{`1 ["c1"]`, `2 ["c2"]`}, false},
		{"every key type", `{"id":"a","pk":42}
{"id":"b","pk":null}
{"id":"c","pk":true}
{"id":"d","pk":1.5}
{"id":"e","pk":"Zoë"}`, []string{`a [42]`, `b [null]`, `c [true]`, `d [1.5]`, `e ["Zoë"]`}, false},
		{"hierarchical", `{"id":"a","pk":["t1","u1"]}`, []string{`a ["t1","u1"]`}, false},
		{"pk array with spaces", `{"id":"a","pk":[ "t1" , 5 ]}`, []string{`a ["t1",5]`}, false},
		{"extra fields ignored", `{"id":"a","pk":"x","note":"hi"}`, []string{`a ["x"]`}, false},
		{"empty input", "", nil, false},
		{"not JSON", `oops`, []string{`test:1: not a JSON object {"id":…,"pk":…}`}, true},
		{"an array", `["a"]`, []string{`test:1: not a JSON object`}, true},
		{"line number counts blank lines", "\n" + `{"id":"1","pk":"c1"}` + "\n\n" + `{"pk":"c1"}`, []string{`test:4: missing string "id"`}, true},
		{"id not a string", `{"id":1,"pk":"c1"}`, []string{`test:1: missing string "id"`}, true},
		{"empty id", `{"id":"","pk":"c1"}`, []string{`test:1: missing string "id"`}, true},
		{"missing pk", `{"id":"x"}`, []string{`test:1: missing "pk" (use null for a null key)`}, true},
		{"object pk", `{"id":"x","pk":{"a":1}}`, []string{`test:1: --pk {"a":1}: a partition key is a string`}, true},
		{"empty array pk", `{"id":"x","pk":[]}`, []string{`test:1: --pk []: a hierarchical key needs at least one component`}, true},
		{"pk beyond 2^53", `{"id":"x","pk":9007199254740993}`, []string{`test:1: --pk 9007199254740993: integers beyond ±2^53`}, true},
		{"astral pk", `{"id":"x","pk":"😀"}`, []string{`test:1: --pk "\U0001f600"`}, true},
		{"line too long", `{"id":"x","pk":"` + strings.Repeat("a", 5<<20) + `"}`, []string{`test: bufio.Scanner: token too long`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, err := cosmos.ParseItemRefs(strings.NewReader(tt.in), "test")
			if tt.err {
				var ce *errs.Error
				if err == nil || !strings.Contains(err.Error(), tt.want[0]) || !errors.As(err, &ce) || ce.Kind != errs.KindUsage {
					t.Fatalf("err = %v, want a usage error with %q", err, tt.want[0])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range refs {
				got = append(got, r.ID+" "+r.PartitionKey.JSON())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("refs %q, want %q", got, tt.want)
			}
		})
	}
	// ItemRef.String is what read-many reports for a missing item.
	refs, err := cosmos.ParseItemRefs(strings.NewReader(`{"id":"a","pk":"c1"}`+"\n"+`{"id":"b","pk":["t",1]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := refs[0].String() + " | " + refs[1].String(); got != `"a" (partition key "c1") | "b" (partition key ["t",1])` {
		t.Errorf("String() = %s", got)
	}
}
