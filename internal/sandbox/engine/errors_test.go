package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		query string
		want  string // SyntaxError.Error(): the JSON after "Message: " in the 400 body
	}{
		// "FRM c" is a projection with alias c; FRM is then an unknown identifier.
		{"SELECT FRM c",
			`{"errors":[{"severity":"Error","location":{"start":7,"end":10},"code":"SC2001","message":"Identifier 'FRM' could not be resolved."}]}`},
		{"SELECT c.id, FROM c",
			`{"errors":[{"severity":"Error","location":{"start":13,"end":17},"code":"SC1001","message":"Syntax error, incorrect syntax near 'FROM'."}]}`},
		{"SELECT * FRM c",
			`{"errors":[{"severity":"Error","location":{"start":9,"end":12},"code":"SC1001","message":"Syntax error, incorrect syntax near 'FRM'."}]}`},
		{"SELECT c. FROM c",
			`{"errors":[{"severity":"Error","location":{"start":10,"end":14},"code":"SC1001","message":"Syntax error, incorrect syntax near 'FROM'."}]}`},
		{"SELECT * FROM c WHERE",
			`{"errors":[{"severity":"Error","location":{"start":21,"end":21},"code":"SC1001","message":"Syntax error, unexpected end-of-input."}]}`},
		{"SELECT c.value FROM c",
			`{"errors":[{"severity":"Error","location":{"start":9,"end":14},"code":"SC1001","message":"Syntax error, incorrect syntax near 'value'."}]}`},
		{"SELECT * FROM c WHERE c.a = 'unterminated",
			`{"errors":[{"severity":"Error","location":{"start":28,"end":41},"code":"SC1001","message":"Syntax error, incorrect syntax near ''unterminated'."}]}`},
		{"SELECT * FROM c WHERE c.a # 1",
			`{"errors":[{"severity":"Error","location":{"start":26,"end":27},"code":"SC1001","message":"Syntax error, incorrect syntax near '#'."}]}`},
		{"selectttttt * from c",
			`{"errors":[{"severity":"Error","location":{"start":0,"end":11},"code":"SC1001","message":"Syntax error, incorrect syntax near 'selectttttt'."}]}`},
		{"SELECT x.id FROM c",
			`{"errors":[{"severity":"Error","location":{"start":7,"end":8},"code":"SC2001","message":"Identifier 'x' could not be resolved."}]}`},
		{"SELECT * FROM c WHERE d.n > 1",
			`{"errors":[{"severity":"Error","location":{"start":22,"end":23},"code":"SC2001","message":"Identifier 'd' could not be resolved."}]}`},
		{"SELECT VALUE id",
			`{"errors":[{"severity":"Error","location":{"start":13,"end":15},"code":"SC2001","message":"Identifier 'id' could not be resolved."}]}`},
		{"SELECT NOSUCHFN(c.a) FROM c",
			`{"errors":[{"severity":"Error","location":{"start":7,"end":15},"code":"SC2005","message":"'NOSUCHFN' is not a recognized built-in function name."}]}`},
		{"SELECT * FROM c WHERE COUNT(1) > 1",
			`{"errors":[{"severity":"Error","location":{"start":22,"end":30},"code":"SC2101","message":"Aggregate functions cannot be used in this context."}]}`},
		{"SELECT * FROM c JOIN t IN c.tags",
			`{"errors":[{"severity":"Error","location":{"start":7,"end":8},"code":"SC2032","message":"'SELECT *' is only valid with a single input set."}]}`},
		// The location is the '*' itself, wherever the SELECT stands.
		{"SELECT TOP 1 * FROM c JOIN t IN c.tags",
			`{"errors":[{"severity":"Error","location":{"start":13,"end":14},"code":"SC2032","message":"'SELECT *' is only valid with a single input set."}]}`},
		{"SELECT VALUE ARRAY(SELECT * FROM t IN c.tags JOIN u IN c.x) FROM c",
			`{"errors":[{"severity":"Error","location":{"start":26,"end":27},"code":"SC2032","message":"'SELECT *' is only valid with a single input set."}]}`},
		{"  SELECT DISTINCT *",
			`{"errors":[{"severity":"Error","location":{"start":18,"end":19},"code":"SC2031","message":"'SELECT *' is not valid if FROM clause is omitted."}]}`},
		{"SELECT c.id, COUNT(1) AS n FROM c",
			`{"errors":[{"severity":"Error","location":{"start":7,"end":11},"code":"SC2102","message":"Property reference 'c.id' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."}]}`},
		{"SELECT c.a, c.b FROM c GROUP BY c.a",
			`{"errors":[{"severity":"Error","location":{"start":12,"end":15},"code":"SC2102","message":"Property reference 'c.b' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."}]}`},
		{"SELECT * FROM c GROUP BY c.a",
			`{"errors":[{"severity":"Error","location":{"start":7,"end":8},"code":"SC2103","message":"'SELECT *' is not valid with aggregate functions or GROUP BY."}]}`},
		{"/* all */ SELECT * FROM c GROUP BY c.a",
			`{"errors":[{"severity":"Error","location":{"start":17,"end":18},"code":"SC2103","message":"'SELECT *' is not valid with aggregate functions or GROUP BY."}]}`},
		// The literals are lower-case only; TRUE is an identifier.
		{"SELECT * FROM c WHERE c.b = TRUE",
			`{"errors":[{"severity":"Error","location":{"start":28,"end":32},"code":"SC2001","message":"Identifier 'TRUE' could not be resolved."}]}`},
		{"SELECT c.left FROM c",
			`{"errors":[{"severity":"Error","location":{"start":9,"end":13},"code":"SC1001","message":"Syntax error, incorrect syntax near 'left'."}]}`},
		{"SELECT * FROM c WHERE c.s LIKE 'a%' ESCAPE c.e",
			`{"errors":[{"severity":"Error","location":{"start":43,"end":44},"code":"SC1001","message":"Syntax error, incorrect syntax near 'c'."}]}`},
		{`SELECT VALUE "\q"`,
			`{"errors":[{"severity":"Error","location":{"start":13,"end":17},"code":"SC1001","message":"Syntax error, incorrect syntax near '\"\\q\"'."}]}`},
		{"SELECT TOP -1 * FROM c",
			`{"errors":[{"severity":"Error","location":{"start":11,"end":12},"code":"SC1001","message":"Syntax error, incorrect syntax near '-'."}]}`},
		{"SELECT * FROM c /* open comment",
			`{"errors":[{"severity":"Error","location":{"start":16,"end":31},"code":"SC1001","message":"Syntax error, incorrect syntax near '/* open comment'."}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := Parse(tt.query)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v (%T), want *SyntaxError", err, err)
			}
			if se.Error() != tt.want {
				t.Errorf("Error()\n got %s\nwant %s", se.Error(), tt.want)
			}
			if !json.Valid([]byte(se.Error())) {
				t.Error("Error() is not JSON")
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	docs := []*Document{testDoc(t, `{"id":"1","n":1}`)}
	tests := []struct {
		query  string
		params []Param
		want   string
	}{
		{"SELECT * FROM c WHERE c.n = @missing", nil,
			`{"errors":[{"severity":"Error","location":{"start":28,"end":36},"code":"SC2001","message":"Identifier '@missing' could not be resolved."}]}`},
		{"SELECT TOP @n * FROM c", []Param{{Name: "@n", Value: json.RawMessage(`"x"`)}},
			`{"errors":[{"severity":"Error","location":{"start":11,"end":13},"code":"SC2061","message":"The count value provided for a TOP, OFFSET or LIMIT clause is invalid."}]}`},
		{"SELECT * FROM c WHERE c.n = @p", []Param{{Name: "@p", Value: json.RawMessage(`{bad`)}},
			`The value of parameter '@p' is not valid JSON.`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			for name, run := range map[string]func() error{
				"Execute": func() error { _, err := q.Execute(context.Background(), docs, tt.params); return err },
				"Plan": func() error {
					_, err := q.Plan(PartitionKeyDef{Paths: []string{"/id"}, Kind: "Hash", Version: 2}, tt.params)
					return err
				},
			} {
				err := run()
				var qe *QueryError
				if !errors.As(err, &qe) {
					t.Fatalf("%s error = %v (%T), want *QueryError", name, err, err)
				}
				if qe.Error() != tt.want {
					t.Errorf("%s Error()\n got %s\nwant %s", name, qe.Error(), tt.want)
				}
			}
		})
	}
}

func TestExecuteHonoursCancellation(t *testing.T) {
	docs := make([]*Document, 5000)
	for i := range docs {
		docs[i] = testDoc(t, `{"id":"x","n":1}`)
	}
	q, err := Parse("SELECT * FROM c")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Execute(ctx, docs, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Execute on a cancelled context: err = %v, want context.Canceled", err)
	}
}

// A parsed Query is immutable: the gateway may run it on several ranges at once.
func TestConcurrentExecute(t *testing.T) {
	docs := generatedDocs(t, 200)
	q, err := Parse("SELECT c.categoryId, COUNT(1) AS n, AVG(c.qty) AS a FROM c WHERE RegexMatch(c.name, 'item [0-9]') GROUP BY c.categoryId")
	if err != nil {
		t.Fatal(err)
	}
	want, err := q.Execute(context.Background(), docs, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			got, err := q.Execute(context.Background(), docs, nil)
			if err == nil && len(got.Rows) != len(want.Rows) {
				err = fmt.Errorf("got %d rows, want %d", len(got.Rows), len(want.Rows))
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
