package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary text to Parse and, when it parses, to Plan and
// Execute. Nothing may panic, and every error must be one of the engine's
// typed errors (or the deadline, which bounds runaway evaluation).
func FuzzParse(f *testing.F) {
	for _, q := range crossQueries {
		f.Add(q)
	}
	for _, q := range countOnlyQueries {
		f.Add(q)
	}
	for _, q := range []string{
		"SELECT * FROM c WHERE", "SELECT c.value FROM c", "SELECT ((((((1))))))", "SELECT VALUE [[[[[]]]]]",
		"SELECT * FROM c /* x", "SELECT 'a", "SELECT @", "SELECT VALUE udf.f(1)", "SELECT VALUE 0x1F + 1e308 * 10",
		"SELECT VALUE REPLICATE('x', 100000)", "SELECT VALUE ARRAY(SELECT VALUE ARRAY(SELECT VALUE 1))",
		"SELECT VALUE s.id FROM (SELECT c.id FROM c) AS s WHERE s.id = 'a'", "SELECT * FROM c WHERE c.pk IN ('a', @cat)",
		"SELECT VALUE FIRST(SELECT VALUE t FROM t IN c.tags) FROM c", "SELECT LEFT('ab', 1), RIGHT('ab', 1)",
		"SELECT VALUE DATETIMEFORMAT('2024-10-10T14:40:20Z', 'dddd MMM yy h:m:s.FFFFFFF tt \\'z\\' K')",
		"SELECT VALUE [RegexMatch(c.s, ' x # c', 'ix'), IntBitLeftShift(c.n, 63), IntBitNot(c.n), ObjectToArray(c.o, 'a', 'b')] FROM c",
		"SELECT VALUE [ARRAY_CONTAINS_ANY(c.arr, 1, c.missing), ARRAY_CONTAINS_ALL(c.arr, 1, 2), SetIntersect(c.arr, [2, 1]), TAN(c.n), ATN2(c.n, 2)] FROM c",
		`SELECT VALUE ST_INTERSECTS({"type":"LineString","coordinates":[[0,0],[2,2]]}, {"type":"Polygon","coordinates":[[[1,0],[3,0],[3,3],[1,0]]]})`,
		"SELECT VALUE COUNT(1) FROM (SELECT DISTINCT TOP 1 c.pk FROM c ORDER BY c.pk) x",
	} {
		f.Add(q)
	}
	docs := []*Document{
		testDoc(f, `{"id":"1","pk":"a","n":1,"s":"x","arr":[1,2,[3]],"o":{"k":{"j":[1,{"z":null}]}},"tags":[{"name":"t","w":1}]}`),
		testDoc(f, `{"id":"2","pk":5,"n":2.5,"arr":[],"tags":[]}`),
	}
	pk := PartitionKeyDef{Paths: []string{"/pk"}, Kind: "Hash", Version: 2}
	params := []Param{{Name: "@n", Value: json.RawMessage(`2`)}, {Name: "@cat", Value: json.RawMessage(`"a"`)}}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		q, err := Parse(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error %T %v is not a *SyntaxError", err, err)
			}
			if !json.Valid([]byte(se.Error())) {
				t.Fatalf("SyntaxError.Error() is not JSON: %s", se.Error())
			}
			return
		}
		q.NeedsCrossPartitionState()
		q.NonValueAggregate()
		if _, err := q.Plan(pk, params); err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("Plan error %T %v is not a *QueryError", err, err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := q.Execute(ctx, docs, params)
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Execute error %T %v", err, err)
			}
			return
		}
		for _, r := range res.Rows {
			if !json.Valid(r) {
				t.Fatalf("row is not JSON: %s", r)
			}
		}
	})
}

func BenchmarkFilter10k(b *testing.B) {
	docs := make([]*Document, 10000)
	for i := range docs {
		docs[i] = testDoc(b, fmt.Sprintf(`{"id":"%d","pk":"p%d","n":%d,"name":"item %d","tags":["a","b"]}`, i, i%50, i%1000, i))
	}
	q, err := Parse("SELECT c.id, c.name FROM c WHERE c.n > 500 AND STARTSWITH(c.name, 'item 1')")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := q.Execute(context.Background(), docs, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOrderBy10k(b *testing.B) {
	docs := make([]*Document, 10000)
	for i := range docs {
		docs[i] = testDoc(b, fmt.Sprintf(`{"id":"%d","pk":"p%d","n":%d}`, i, i%50, (i*7919)%10000))
	}
	q, err := Parse("SELECT * FROM c ORDER BY c.n DESC")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := q.Execute(context.Background(), docs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
