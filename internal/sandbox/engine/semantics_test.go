package engine

import (
	"context"
	"strings"
	"testing"
)

var semDocs = []string{
	`{"id":"a","pk":"p1","n":1,"f":1.5,"s":"abc","b":true,"nul":null,"arr":[1,"x",null,{"k":1}],"obj":{"z":1,"y":[2,3],"big":12345678901234567890,"dec":1.0000000000000001}}`,
	`{"id":"b","pk":"p1","n":2,"f":-2.5,"s":"ABC","b":false,"arr":[],"obj":{"z":2}}`,
	`{"id":"c","pk":"p2","n":3,"s":"","tags":[{"name":"t1","w":1},{"name":"t2","w":2}]}`,
}

// TestSemantics checks exact result bytes of single-range queries against
// documented service behaviour (see query-semantics.md).
func TestSemantics(t *testing.T) {
	var docs []*Document
	for _, s := range semDocs {
		docs = append(docs, testDoc(t, s))
	}
	tests := []struct {
		query string
		want  string // rows joined with "\n"
	}{
		// byte fidelity: documents and sub-documents come back as stored
		{"SELECT * FROM c WHERE c.id = 'a'", semDocs[0]},
		{"SELECT VALUE c FROM c WHERE c.id = 'a'", semDocs[0]},
		{"SELECT c.obj FROM c WHERE c.id = 'a'", `{"obj":{"z":1,"y":[2,3],"big":12345678901234567890,"dec":1.0000000000000001}}`},
		{"SELECT c AS payload FROM c WHERE c.id = 'b'", `{"payload":` + semDocs[1] + `}`},
		{"SELECT VALUE c.obj.big FROM c WHERE c.id = 'a'", `12345678901234567890`},
		{"SELECT VALUE 9223372036854775807", `9223372036854775807`},
		{"SELECT VALUE -9223372036854775808", `-9223372036854775808`},
		// unnamed projections and undefined members
		{"SELECT c.id, c.n + 1, UPPER(c.s), c.missing FROM c WHERE c.n = 1", `{"id":"a","$1":2,"$2":"ABC"}`},
		{"SELECT c.missing FROM c WHERE c.n = 1", `{}`},
		{"SELECT VALUE c.missing FROM c", ``},
		{"SELECT VALUE [c.missing, 1, c.nul] FROM c WHERE c.n = 1", `[1,null]`},
		{"SELECT VALUE {\"a\": c.missing, \"b\": 1} FROM c WHERE c.n = 1", `{"b":1}`},
		{"SELECT 1, 2", `{"$1":1,"$2":2}`},
		{"SELECT VALUE 1", `1`},
		{"SELECT COUNT(1)", `{"$1":1}`},
		// spatial predicates (planar): outside, disjoint, crossing, invalid
		{`SELECT VALUE [ST_WITHIN({"type":"Point","coordinates":[5,5]}, {"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}), ` +
			`ST_INTERSECTS({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}, {"type":"Polygon","coordinates":[[[2,2],[3,2],[3,3],[2,3],[2,2]]]}), ` +
			`ST_INTERSECTS({"type":"LineString","coordinates":[[-1,2],[5,2]]}, {"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]]]}), ` +
			`ST_ISVALID({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}), ST_ISVALIDDETAILED({"type":"Point","coordinates":[190,0]})]`,
			`[false,false,true,false,{"valid":false,"reason":"Longitude values must be between -180 and 180 degrees."}]`},
		// the *Static clock functions read the one clock of the query
		{"SELECT VALUE IS_STRING(GetCurrentDateTimeStatic()) AND GetCurrentTicksStatic() = GetCurrentTicks() AND GetCurrentTimestampStatic() = GetCurrentTimestamp()", `true`},
		// aggregates
		{"SELECT COUNT(1) FROM c", `{"$1":3}`},
		{"SELECT VALUE COUNT(c.f) FROM c", `2`},
		{"SELECT VALUE SUM(c.n) FROM c", `6`},
		{"SELECT VALUE SUM(c.f) FROM c", `-1`},
		{"SELECT VALUE SUM(c.s) FROM c", ``},
		{"SELECT VALUE AVG(c.n) FROM c", `2`},
		{"SELECT VALUE AVG(c.n) FROM c WHERE c.n > 5", ``},
		{"SELECT VALUE MIN(c.n) FROM c WHERE c.n > 5", ``},
		{"SELECT VALUE MAX(c.n) FROM c WHERE c.n > 5", ``},
		{"SELECT VALUE COUNT(1) FROM c WHERE c.n > 5", `0`},
		{"SELECT VALUE SUM(c.n) FROM c WHERE c.n > 5", `0`},
		{"SELECT AVG(c.n) AS a FROM c WHERE c.n > 5", `{}`},
		{"SELECT VALUE MIN(c.s) FROM c", `""`},
		{"SELECT VALUE MAX(c.s) FROM c", `"abc"`},
		{"SELECT VALUE MAX(c.b) FROM c", `true`},
		{"SELECT c.pk, COUNT(1) AS n FROM c GROUP BY c.pk", `{"pk":"p1","n":2}` + "\n" + `{"pk":"p2","n":1}`},
		// three-valued logic and comparisons
		{"SELECT VALUE c.id FROM c WHERE c.b = true OR c.missing", `"a"`},
		{"SELECT VALUE c.id FROM c WHERE NOT (c.n = 'x')", ``},
		{"SELECT VALUE c.id FROM c WHERE c.b != true", `"b"`},
		{"SELECT VALUE [1 = 1, 1 = 1.0, 'a' < 'b', 'abc' > 'ABC', null = null, [1,2] = [1,2], {\"a\":1} = {\"a\":1}]", `[true,true,true,true,true,true,true]`},
		{"SELECT VALUE [1 < 'a', 1 = '1', [1] < [2], undefined = undefined, true AND 1, false AND 1, true OR 1, NOT 1]", `[false,true]`},
		{"SELECT VALUE [[1] != [2], {\"a\":1} != {\"a\":2}, [1] = [2], 1 != 2]", `[false,true]`},
		{"SELECT VALUE 2 IN (1, 2, 3)", `true`},
		{"SELECT VALUE 5 NOT IN (1, 2, 3)", `true`},
		{"SELECT VALUE 2 BETWEEN 1 AND 3", `true`},
		// arithmetic, numbers and bitwise (JavaScript 32-bit)
		{"SELECT VALUE [1 + 2, 7 / 2, 7 % 3, -7 % 3, 2 * 3.5, 0.1 + 0.2, 4 / 2, 1e3, 1.50]", `[3,3.5,1,-1,7,0.30000000000000004,2,1000,1.5]`},
		{"SELECT VALUE [1 | 2, 6 & 3, 5 ^ 1, 1 << 31, -16 >> 2, -1 >>> 28, ~0]", `[3,2,4,-2147483648,-4,15,-1]`},
		// Overflow falls back to doubles, printed the JavaScript way.
		{"SELECT VALUE 9223372036854775807 + 1", `9223372036854776000`},
		{"SELECT VALUE 'a' || 'b' || 'c'", `"abc"`},
		{"SELECT VALUE 'a' + 'b'", ``},
		{"SELECT VALUE [c.missing ?? 'd', c.nul ?? 'e'] FROM c WHERE c.n = 1", `["d",null]`},
		{"SELECT VALUE c.n > 1 ? 'big' : 'small' FROM c", `"small"` + "\n" + `"big"` + "\n" + `"big"`},
		// IIF has no truthiness
		{"SELECT VALUE [IIF(true, 1, 2), IIF(123, 1, 2), IIF('ABC', 1, 2), IIF([1], 1, 2), IIF(c.missing, 1, 2)] FROM c WHERE c.n = 1", `[1,2,2,2,2]`},
		// type checks: false rather than undefined
		{"SELECT VALUE [IS_DEFINED(c.missing), IS_NULL(c.missing), IS_NUMBER(c.n), IS_STRING(c.s), IS_BOOL(c.b), IS_ARRAY(c.arr), IS_OBJECT(c.obj), IS_PRIMITIVE(c.obj), IS_PRIMITIVE(c.nul)] FROM c WHERE c.n = 1", `[false,false,true,true,true,true,true,false,true]`},
		{"SELECT VALUE [IS_INTEGER(9223372036854775807), IS_INTEGER(18446744073709551615), IS_INTEGER(1.5), IS_FINITE_NUMBER(8.9 / 0.0), IS_FINITE_NUMBER(1), IS_NUMBER(SQRT(-1.0))]", `[true,false,false,false,true,true]`},
		// strings
		{"SELECT VALUE [LENGTH('abc'), LENGTH(null), LENGTH(1), LENGTH([1])]", `[3]`},
		{"SELECT VALUE [SUBSTRING('abcdef', 1, 3), SUBSTRING('abc', 1, 0), SUBSTRING('abc', 1, -1), SUBSTRING('abc', 5, 2)]", `["bcd","","",""]`},
		{"SELECT VALUE [LEFT('abcdef', 2), RIGHT('abcdef', 2), REVERSE('abc'), REPLICATE('ab', 3), REPLACE('aXbX', 'X', '-')]", `["ab","ef","cba","ababab","a-b-"]`},
		{"SELECT VALUE [TRIM('-_-AdventureWorks-_-', '-_'), TRIM('-- AdventureWorks --', '-'), LTRIM('  a '), RTRIM(' a  '), TRIM('  a  ')]", `["AdventureWorks"," AdventureWorks ","a "," a","a"]`},
		{"SELECT VALUE [CONTAINS('abc', 'B'), CONTAINS('abc', 'B', true), STARTSWITH('abc', 'ab'), ENDSWITH('abc', 'C', true), INDEX_OF('abcabc', 'c'), INDEX_OF('abcabc', 'c', 3), INDEX_OF('abc', 'z')]", `[false,true,true,true,2,5,-1]`},
		{"SELECT VALUE [CONCAT('a', 'b', 'c'), UPPER('aé'), LOWER('ÀB')]", `["abc","AÉ","àb"]`},
		{"SELECT VALUE [ToString(1), ToString(1.5), ToString([1,2,3]), ToString({\"department\":\"Bicycles\"}), ToString(true), ToString(null), ToString(0.0/0.0), ToString(1.0/0.0)]", `["1","1.5","[1,2,3]","{\"department\":\"Bicycles\"}","true","null","NaN","Infinity"]`},
		{"SELECT VALUE [StringToNumber('   60   '), StringToNumber('1.5e2'), StringToNumber('x'), StringToBoolean(' true '), StringToBoolean('TRUE'), StringToNull('null'), StringToNull('NULL')]", `[60,150,true,null]`},
		{"SELECT VALUE [StringToArray('[1,[2],\"a\"]'), StringToArray(\"['a']\"), StringToObject('{\"a\": {\"b\": 1}}'), StringToNumber(5)]", `[[1,[2],"a"],{"a":{"b":1}}]`},
		{"SELECT VALUE [RegexMatch('abc', 'B', 'i'), RegexMatch('abc', '^b'), RegexMatch('a.c', 'a\\\\.c')]", `[true,false,true]`},
		{"SELECT VALUE c.id FROM c WHERE c.s LIKE 'a%'", `"a"`},
		{"SELECT VALUE c.id FROM c WHERE c.s LIKE '_B_'", `"b"`},
		{"SELECT VALUE ['50%' LIKE '50!%' ESCAPE '!', '50x' LIKE '50!%' ESCAPE '!', 'abc' LIKE '[a-b]%', 'cbc' LIKE '[^a-b]%', 'abc' LIKE 'abc', 'abcd' LIKE 'abc']", `[true,false,true,true,true,false]`},
		{"SELECT VALUE [LASTINDEXOF('abcdeabc', 'abc'), LASTINDEXOF('abcdeabc', 'abc', 6), LASTINDEXOF('abc', 'z'), CHOOSE(2, 'a', 'b', 'c'), CHOOSE(4, 'a'), STRINGJOIN(['a', 'b'], ', '), STRINGSPLIT('a,b,,c', ',')]", `[5,0,-1,"b","a, b",["a","b","","c"]]`},
		{"SELECT VALUE [ARRAY_MAX([1, 'a', true, null]), ARRAY_MIN([1, 'a', true, null]), ARRAY_MAX(['abc', 'ABC']), ARRAY_SUM([1, 2.5]), ARRAY_AVG([1, 2, 3]), ARRAY_MEDIAN([3, 1, 4, 2]), ARRAY_SUM([1, 'x']), ARRAY_MAX([])]", `["a",null,"abc",3.5,2,2.5]`},
		{"SELECT VALUE [DateTimeBin('2021-06-28T17:24:29.2991234Z', 'hh'), DateTimeBin('2021-06-28T17:24:29.2991234Z', 'dd', 7), DateTimeBin('2021-06-28T17:24:29.2991234Z', 'mi', 15, '2021-01-01T00:07:00Z')]", `["2021-06-28T17:00:00.0000000Z","2021-06-24T00:00:00.0000000Z","2021-06-28T17:22:00.0000000Z"]`},
		// math
		{"SELECT VALUE [ABS(-5), CEILING(123.45), FLOOR(-1.5), ROUND(2.5), ROUND(-6.5), ROUND(1.4), TRUNC(-1.7), SIGN(-3), SQRT(4), POWER(2, 10)]", `[5,124,-2,3,-7,1,-1,-1,2,1024]`},
		{"SELECT VALUE [LOG(2, 10), LOG10(1000), EXP(0), PI() > 3.14, DEGREES(PI()/2)]", `[0.3010299956639812,3,1,true,90]`},
		{"SELECT VALUE [NumberBin(37.752, -100), NumberBin(37.752, 10), NumberBin(7, 0), NumberBin(-3.5)]", `[100,30,-4]`},
		{"SELECT VALUE [IntAdd(1, 2), IntSub(1, 2), IntMul(3, 4), IntDiv(7, 2), IntDiv(-7, 2), IntMod(-12, -5), IntMod(12, 5), IntDiv(1, 0), IntAdd(1.5, 1)]", `[3,-1,12,3,-3,-2,2]`},
		// arrays
		{"SELECT VALUE [ARRAY_LENGTH([1,2]), ARRAY_CONTAINS([1,2], 2), ARRAY_CONTAINS([{\"a\":1,\"b\":2}], {\"a\":1}), ARRAY_CONTAINS([{\"a\":1,\"b\":2}], {\"a\":1}, true)]", `[2,true,false,true]`},
		{"SELECT VALUE [ARRAY_SLICE([1,2,3,4], 1), ARRAY_SLICE([1,2,3,4], 1, 2), ARRAY_SLICE([1,2,3,4], -2, 1), ARRAY_CONCAT([1], [2, 3]), SetIntersect([1,2,3], [2,3,4]), SetUnion([1,1,2], [2,3])]", `[[2,3,4],[2,3],[3],[1,2,3],[2,3],[1,2,3]]`},
		// date and time
		{"SELECT VALUE [TicksToDateTime(0), DateTimeToTicks('1970-01-01T00:00:01.0000000Z'), DateTimeAdd('mm', 1, '2020-01-31T00:00:00.0000000Z'), DateTimeAdd('mi', 90, '2020-01-01T00:00:00Z')]", `["1970-01-01T00:00:00.0000000Z",10000000,"2020-02-29T00:00:00.0000000Z","2020-01-01T01:30:00.0000000Z"]`},
		{"SELECT VALUE [DateTimeAdd('mm', -1, '2021-03-31T10:20:30.1234567Z'), DateTimeAdd('yyyy', 1, '2020-02-29T00:00:00Z'), DateTimeAdd('mm', 13, '2019-12-15T00:00:00Z'), DateTimeAdd('mm', -12, '2020-01-01T00:00:00Z')]", `["2021-02-28T10:20:30.1234567Z","2021-02-28T00:00:00.0000000Z","2021-01-15T00:00:00.0000000Z","2019-01-01T00:00:00.0000000Z"]`},
		{"SELECT VALUE [DateTimeDiff('yyyy', '2020-12-31T23:59:59Z', '2021-01-01T00:00:00Z'), DateTimeDiff('dd', '2020-01-01T23:00:00Z', '2020-01-02T01:00:00Z'), DateTimeDiff('hh', '2020-01-01T00:59:00Z', '2020-01-01T01:00:00Z'), DateTimePart('mm', '2020-07-15T10:20:30.1234567Z'), DateTimePart('mi', '2020-07-15T10:20:30.1234567Z'), DateTimePart('ms', '2020-07-15T10:20:30.1234567Z')]", `[1,1,1,7,20,123]`},
		{"SELECT VALUE DateTimeFromParts(2020, 2, 29, 13, 5, 7, 1234567)", `"2020-02-29T13:05:07.1234567Z"`},
		{"SELECT VALUE DateTimeFromParts(2021, 2, 29)", ``},
		{"SELECT VALUE [LENGTH(GetCurrentDateTime()), ENDSWITH(GetCurrentDateTime(), 'Z'), IS_INTEGER(GetCurrentTimestamp()), IS_INTEGER(GetCurrentTicks()), GetCurrentTicks() / 10000 >= GetCurrentTimestamp()]", `[28,true,true,true,true]`},
		// joins, subqueries, paths
		{"SELECT c.id, t.name FROM c JOIN t IN c.tags", `{"id":"c","name":"t1"}` + "\n" + `{"id":"c","name":"t2"}`},
		{"SELECT VALUE t.w FROM t IN c.tags", `1` + "\n" + `2`},
		{"SELECT VALUE [c.arr[1], c.arr[3].k, c[\"obj\"][\"y\"][0], c.arr[9]] FROM c WHERE c.n = 1", `["x",1,2]`},
		{"SELECT VALUE ARRAY(SELECT VALUE t.name FROM t IN c.tags WHERE t.w > 1) FROM c WHERE c.n = 3", `["t2"]`},
		{"SELECT VALUE (SELECT VALUE MAX(t.w) FROM t IN c.tags) FROM c WHERE c.n = 3", `2`},
		{"SELECT VALUE c.id FROM c WHERE EXISTS(SELECT VALUE x FROM x IN c.arr WHERE x = 'x')", `"a"`},
		{"SELECT VALUE ch FROM c.obj ch WHERE ch.z = 2", `{"z":2}`},
		{"SELECT VALUE s.id FROM (SELECT c.id, c.n FROM c WHERE c.n > 1) AS s", `"b"` + "\n" + `"c"`},
		{"SELECT VALUE s.k FROM (SELECT VALUE {\"k\": t.name} FROM t IN c.tags) s", `"t1"` + "\n" + `"t2"`},
		// a FROM (subquery) with TOP, OFFSET/LIMIT, DISTINCT, GROUP BY, an
		// aggregate or ORDER BY runs over the whole container, not per document
		{"SELECT VALUE COUNT(1) FROM (SELECT TOP 2 c.id FROM c) x", `2`},
		{"SELECT VALUE COUNT(1) FROM (SELECT DISTINCT VALUE c.pk FROM c) x", `2`},
		{"SELECT VALUE COUNT(1) FROM (SELECT c.id FROM c OFFSET 1 LIMIT 5) x", `2`},
		{"SELECT VALUE x FROM (SELECT VALUE c.id FROM c OFFSET 1 LIMIT 1) x", `"b"`},
		{"SELECT x.pk, x.n FROM (SELECT c.pk, COUNT(1) AS n FROM c GROUP BY c.pk) x", `{"pk":"p1","n":2}` + "\n" + `{"pk":"p2","n":1}`},
		{"SELECT VALUE COUNT(1) FROM (SELECT c.pk FROM c GROUP BY c.pk) x", `2`},
		{"SELECT VALUE x FROM (SELECT VALUE COUNT(1) FROM c) x", `3`},
		{"SELECT TOP 1 VALUE x.id FROM (SELECT c.id, c.n FROM c ORDER BY c.n DESC) x", `"c"`},
		{"SELECT VALUE COUNT(1) FROM (SELECT * FROM (SELECT TOP 1 * FROM c) y) x", `1`},
		{"SELECT VALUE t.name FROM (SELECT TOP 1 c.tags FROM c ORDER BY c.n DESC) x JOIN t IN x.tags", `"t1"` + "\n" + `"t2"`},
		// ordering across types: undefined < null < false < true < numbers < strings
		{"SELECT VALUE c.id FROM c ORDER BY c.b", `"c"` + "\n" + `"b"` + "\n" + `"a"`},
		{"SELECT VALUE c.id FROM c ORDER BY c.f DESC", `"a"` + "\n" + `"b"` + "\n" + `"c"`},
		{"SELECT TOP 1 VALUE c.id FROM c ORDER BY c.s", `"c"`},
		{"SELECT DISTINCT VALUE c.pk FROM c", `"p1"` + "\n" + `"p2"`},
		{"SELECT VALUE c.id FROM c OFFSET 1 LIMIT 1", `"b"`},
		// grammar: NOT is a unary operator; || binds loosest of the binary operators;
		// ?: is right-associative and binds tighter than ??
		// (1 | (2 = 2)) and ('a' || ('b' = 'ab')) mix types: undefined, so skipped.
		{"SELECT VALUE [NOT true = false, 1 + 2 * 3, 1 | 2 = 2, 'a' || 'b' = 'ab', true ? 1 : false ? 2 : 3, undefined ?? false ? 1 : 2, 2 < 3 = true]", `[true,7,1,2,true]`},
		{"SELECT VALUE [LEFT('abc', 1), RIGHT('abc', 1), FIRST(SELECT VALUE t.w FROM t IN c.tags), LAST(SELECT VALUE t.w FROM t IN c.tags), ALL(SELECT VALUE t.w > 0 FROM t IN c.tags)] FROM c WHERE c.n = 3", `["a","c",1,2,true]`},
		// keywords and functions are case-insensitive, comments ignored
		{"select value count(1) from c -- trailing\n where /* inline */ c.n >= 2", `2`},
		{"SELECT VALUE \"dq\" || 'sq' || '\\u00e9\\n'", `"dqsqé\n"`},
		{"SELECT VALUE [true, false, null, 1., .5, 'it\\'s', \"\\/\"]", `[true,false,null,1,0.5,"it's","/"]`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			res, err := q.Execute(context.Background(), docs, nil)
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			var got []string
			for _, r := range res.Rows {
				got = append(got, string(r))
			}
			if g := strings.Join(got, "\n"); g != tt.want {
				t.Errorf("got\n%s\nwant\n%s", g, tt.want)
			}
		})
	}
}
