package merge

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMergeServiceSemantics pins the rules where the combined result is the
// service's and not the obvious one (cosmos-wire §6.5, query-semantics.md),
// with per-range partials built by hand.
func TestMergeServiceSemantics(t *testing.T) {
	one := func(r ...string) [][]json.RawMessage { return [][]json.RawMessage{rows(r...)} }
	valueAgg := func(kind string) *QueryInfo { return &QueryInfo{Aggregates: []string{kind}, HasSelectValue: true} }
	grouped := func(kind string) *QueryInfo {
		return &QueryInfo{GroupByExpressions: []string{"c.k"}, GroupByAliases: []string{"k", "v"},
			GroupByAliasToAggregateType: map[string]*string{"k": nil, "v": str(kind)}}
	}
	valueGrouped := func(kind string) *QueryInfo {
		return &QueryInfo{GroupByExpressions: []string{"c.k"}, HasSelectValue: true, Aggregates: []string{kind}, GroupByAliasToAggregateType: map[string]*string{}}
	}
	g := func(key, partial string) string {
		return `{"groupByItems":[{"item":` + key + `}],"payload":{"k":` + key + `,"v":` + partial + `}}`
	}
	gv := func(key, payload string) string {
		return `{"groupByItems":[{"item":` + key + `}],"payload":` + payload + `}`
	}
	tests := []struct {
		name   string
		info   *QueryInfo
		ranges []Range
		want   []string
	}{
		// SUM: a range that saw a non-number answers undefined; the whole
		// SUM is then undefined (no row), not the sum of the others.
		{"sum with an undefined partial is undefined", valueAgg("Sum"),
			ranges(one(`[{"item":5}]`), one(`[{}]`), one(`[{"item":2}]`)), nil},
		{"sum with the undefined partial first", valueAgg("Sum"),
			ranges(one(`[{}]`), one(`[{"item":5}]`)), nil},
		{"sum over empty ranges is 0", valueAgg("Sum"),
			ranges(one(`[{"item":0}]`), one(`[{"item":0}]`), nil), []string{`0`}},
		{"sum keeps integers exact", valueAgg("Sum"),
			ranges(one(`[{"item":9007199254740993}]`), one(`[{"item":1}]`)), []string{`9007199254740994`}},
		{"sum beyond int64 becomes a float", valueAgg("Sum"),
			ranges(one(`[{"item":9223372036854775807}]`), one(`[{"item":9223372036854775807}]`)), []string{`18446744073709552000`}},
		// AVG: a partial without sum (its range saw a non-number) makes the
		// result undefined instead of failing.
		{"avg partial without sum is undefined", valueAgg("Average"),
			ranges(one(`[{"item":{"sum":10,"count":2}}]`), one(`[{"item":{"count":498}}]`)), nil},
		{"avg over empty ranges is undefined", valueAgg("Average"),
			ranges(one(`[{"item":{"sum":0,"count":0}}]`), nil), nil},
		{"avg across ranges", valueAgg("Average"),
			ranges(one(`[{"item":{"sum":10,"count":4}}]`), one(`[{"item":{"sum":0,"count":0}}]`), one(`[{"item":{"sum":5,"count":2}}]`)), []string{`2.5`}},
		// The same rules inside GROUP BY: the group's aggregate is omitted.
		{"group by sum with an undefined partial", grouped("Sum"),
			ranges(one(g(`"a"`, `{"item":1}`), g(`"b"`, `{"item":2}`)), one(g(`"a"`, `{}`), g(`"b"`, `{"item":3}`))),
			[]string{`{"k":"a"}`, `{"k":"b","v":5}`}},
		{"group by avg without sum", grouped("Average"),
			ranges(one(g(`"a"`, `{"item":{"count":3}}`)), one(g(`"a"`, `{"item":{"sum":4,"count":1}}`), g(`"b"`, `{"item":{"sum":4,"count":2}}`))),
			[]string{`{"k":"a"}`, `{"k":"b","v":2}`}},
		// SELECT VALUE <agg> … GROUP BY: payload [{"item": partial}], or
		// the earlier {"item": partial}.
		{"value group by count", valueGrouped("Count"),
			ranges(one(gv(`"a"`, `[{"item":2}]`), gv(`"b"`, `[{"item":1}]`)), one(gv(`"a"`, `[{"item":5}]`))),
			[]string{`7`, `1`}},
		{"value group by old object payload", valueGrouped("Count"),
			ranges(one(gv(`"a"`, `{"item":2}`)), one(gv(`"a"`, `[{"item":5}]`))),
			[]string{`7`}},
		{"value group by sum undefined", valueGrouped("Sum"),
			ranges(one(gv(`"a"`, `[{}]`), gv(`"b"`, `[{"item":1.5}]`)), one(gv(`"a"`, `[{"item":2}]`), gv(`"b"`, `[{"item":1}]`))),
			[]string{`2.5`}},
		{"value group by min max count form", valueGrouped("Max"),
			ranges(one(gv(`"a"`, `[{"item":{"max":1,"count":2}}]`)), one(gv(`"a"`, `[{"item":{"max":"x","count":1}}]`), gv(`"b"`, `[{"item":{"max":null,"count":0}}]`))),
			[]string{`"x"`}},
		{"value group by avg", valueGrouped("Average"),
			ranges(one(gv(`"a"`, `[{"item":{"sum":4,"count":2}}]`), gv(`"b"`, `[{"item":{"count":2}}]`)), one(gv(`"a"`, `[{"item":{"sum":2,"count":1}}]`))),
			[]string{`2`}},
		// ORDER BY: arrays after strings, objects after arrays; two arrays
		// (two objects) in their canonical order, as each range sorts them.
		{"order by arrays before objects", &QueryInfo{OrderBy: []string{"Ascending"}},
			ranges(
				one(ob(`[{"item":"z"}]`, `"s"`), ob(`[{"item":[1,2]}]`, `"a12"`), ob(`[{"item":{"a":1}}]`, `"o1"`)),
				one(ob(`[{"item":7}]`, `"n"`), ob(`[{"item":[1,3]}]`, `"a13"`), ob(`[{"item":[]}]`, `"a"`), ob(`[{"item":{"a":2}}]`, `"o2"`), ob(`[{"item":{}}]`, `"o"`)),
			),
			[]string{`"n"`, `"s"`, `"a12"`, `"a13"`, `"a"`, `"o1"`, `"o2"`, `"o"`}},
		{"order by desc objects first", &QueryInfo{OrderBy: []string{"Descending"}},
			ranges(
				one(ob(`[{"item":{"b":1}}]`, `"o"`), ob(`[{"item":"z"}]`, `"s"`)),
				one(ob(`[{"item":[true]}]`, `"a"`), ob(`[{"item":null}]`, `"null"`)),
			),
			[]string{`"o"`, `"a"`, `"s"`, `"null"`}},
		// DISTINCT and GROUP BY compare numbers as the service does: an
		// integer literal beyond int64 is a double.
		{"distinct 1e20 and its integer spelling", &QueryInfo{DistinctType: "Unordered"},
			ranges(one(`1e20`, `{"n":1E+21}`), one(`100000000000000000000`, `{"n":1000000000000000000000}`, `2`), one(`2.0`)),
			[]string{`1e20`, `{"n":1E+21}`, `2`}},
		{"distinct beyond 2^53: exact integers, rounded floats", &QueryInfo{DistinctType: "Unordered"},
			ranges(one(`9007199254740993`, `9007199254740992`), one(`9007199254740993.0`, `9007199254740992.0`, `18446744073709551615`), one(`1.8446744073709552e19`)),
			[]string{`9007199254740993`, `9007199254740992`, `18446744073709551615`}},
		{"group by 1e20 and its integer spelling", grouped("Count"),
			ranges(one(g(`1e20`, `{"item":2}`)), one(g(`100000000000000000000`, `{"item":3}`), g(`9007199254740993`, `{"item":1}`)), one(g(`9007199254740993.0`, `{"item":1}`))),
			[]string{`{"k":1e20,"v":5}`, `{"k":9007199254740993,"v":1}`, `{"k":9007199254740993.0,"v":1}`}},
		{"ordered distinct 1e21 spellings", &QueryInfo{DistinctType: "Ordered", OrderBy: []string{"Ascending"}},
			ranges(one(ob(`[{"item":1e21}]`, `1e21`)), one(ob(`[{"item":1000000000000000000000}]`, `1000000000000000000000`))),
			[]string{`1e21`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.info, tt.ranges, nil, Options{MaxConcurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			got := collect(t, m)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCanonicalNumbers: equal numbers have one canonical form whatever
// their spelling; different ones do not.
func TestCanonicalNumbers(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{`1e20`, `100000000000000000000`, true},
		{`1E+21`, `1000000000000000000000`, true},
		{`2`, `2.0`, true},
		{`-0.0`, `0`, true},
		{`9007199254740992`, `9007199254740992.0`, true},
		{`9007199254740993`, `9007199254740993.0`, false}, // the float rounds to …992
		{`9223372036854775807`, `9223372036854775806`, false},
		{`18446744073709551615`, `18446744073709551616`, true}, // both the double 2^64
		{`[1e20,{"x":2}]`, `[100000000000000000000,{"x":2.0}]`, true},
		{`0.1`, `0.10000000000000001`, true},
		{`0.1`, `0.2`, false},
	}
	for _, tt := range tests {
		ca, err := Canonical(json.RawMessage(tt.a))
		if err != nil {
			t.Fatal(err)
		}
		cb, err := Canonical(json.RawMessage(tt.b))
		if err != nil {
			t.Fatal(err)
		}
		if (string(ca) == string(cb)) != tt.equal {
			t.Errorf("Canonical(%s) = %s, Canonical(%s) = %s; want equal %v", tt.a, ca, tt.b, cb, tt.equal)
		}
	}
}
