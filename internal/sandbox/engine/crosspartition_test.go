package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// crossQueries run both on one range and through Plan + per-range rewritten
// queries + a client-style merge over 4 ranges; the results must agree.
// ORDER BY queries end with a unique key so that the order is total.
var crossQueries = []string{
	// plain projections and filters
	"SELECT * FROM c",
	"SELECT VALUE c FROM c",
	"SELECT c.id FROM c",
	"SELECT c.id, c.name, c.price FROM c WHERE c.price > 100",
	"SELECT c.id AS ident, c.address.city AS city FROM c",
	"SELECT c.id ident, c.address.geo FROM c",
	"SELECT c.address FROM c WHERE IS_DEFINED(c.big)",
	"SELECT c.big, c.exact, c.meta FROM c WHERE IS_DEFINED(c.big)",
	"SELECT c AS payload FROM c WHERE c.qty = 3",
	"SELECT VALUE c.address.zip FROM c",
	`SELECT c["id"], c["address"]["city"] FROM c`,
	"SELECT c.labels[0] AS first, c.tags[1].name FROM c",
	"SELECT VALUE c.score[2][1] FROM c",
	"SELECT * FROM root r WHERE r.qty >= 10",
	"SELECT r.id FROM root r WHERE r.categoryId = 'bikes'",
	"SELECT * FROM c WHERE c.categoryId = 'helmets'",
	"SELECT * FROM c WHERE c.categoryId = 42",
	"SELECT * FROM c WHERE c.categoryId = null",
	"SELECT * FROM c WHERE c.categoryId = true",
	"SELECT c.id FROM c WHERE c.categoryId = 'tires' AND c.qty > 0",
	"SELECT c.id FROM c WHERE c.categoryId IN ('tires', 'locks')",
	"SELECT c.id FROM c WHERE c.categoryId IN ('tires', 42, null, 'nope') ORDER BY c.id",
	"SELECT VALUE COUNT(1) FROM c WHERE c.categoryId IN ('bikes', 'helmets')",
	"SELECT c.id FROM c WHERE c.categoryId NOT IN ('tires', 'locks')",
	"SELECT c.id FROM c WHERE NOT IS_DEFINED(c.categoryId)",
	"SELECT c.id FROM c WHERE c.price BETWEEN 10 AND 50",
	"SELECT c.id FROM c WHERE c.price NOT BETWEEN 10 AND 50",
	"SELECT c.id FROM c WHERE c.active",
	"SELECT c.id FROM c WHERE c.active = false",
	"SELECT c.id FROM c WHERE NOT c.active",
	"SELECT c.id FROM c WHERE c.active OR c.qty > 10",
	"SELECT c.id FROM c WHERE c.active AND c.qty < 0",
	"SELECT c.id FROM c WHERE c.active != true",
	"SELECT c.id FROM c WHERE c.active <> true",
	"SELECT c.id FROM c WHERE IS_NULL(c.active)",
	"SELECT c.id FROM c WHERE c.name LIKE 'item 1%'",
	"SELECT c.id FROM c WHERE c.name LIKE '%a'",
	"SELECT c.id FROM c WHERE c.name LIKE 'item _ %'",
	"SELECT c.id FROM c WHERE c.name NOT LIKE '%[a-m]'",
	"SELECT c.id FROM c WHERE c.address.city LIKE 'S%' ESCAPE '!'",
	"SELECT c.id, c.qty * 2 + 1 AS calc, c.qty / 4 AS quarter, c.qty % 3 AS m FROM c",
	"SELECT c.id, -c.qty AS neg, c.qty & 6 AS band, c.qty | 1 AS bor, c.qty ^ 5 AS bx, c.qty << 2 AS sl, c.qty >> 1 AS sr, c.qty >>> 28 AS usr, ~c.qty AS inv FROM c",
	"SELECT c.id, c.name || ' / ' || c.address.city AS label FROM c",
	"SELECT c.id, c.qty > 5 ? 'many' : 'few' AS size FROM c",
	"SELECT c.id, c.active ?? 'unknown' AS state FROM c",
	"SELECT c.id, {\"city\": c.address.city, \"n\": c.qty} AS obj, [c.qty, c.price, c.missing] AS arr FROM c",
	"SELECT VALUE {\"id\": c.id, \"labels\": c.labels} FROM c",
	"SELECT c.id, 1 AS one, 'x' AS s, null AS n, true AS t, [] AS e, {} AS o FROM c WHERE c.qty = 0",
	"SELECT c.id, c.qty FROM c WHERE c.qty = @q",
	"SELECT * FROM c WHERE c.categoryId = @cat",
	"SELECT c.id, ARRAY_LENGTH(c.labels) AS n FROM c",
	"SELECT c.id FROM c WHERE ARRAY_CONTAINS(c.labels, 'l1')",
	"SELECT c.id FROM c WHERE ARRAY_CONTAINS(c.tags, {\"name\": \"Tag-3\"}, true)",
	"SELECT c.id FROM c WHERE ARRAY_CONTAINS(c.tags, {\"name\": \"Tag-3\"})",
	"SELECT c.id, ARRAY_SLICE(c.labels, 1) AS rest, ARRAY_SLICE(c.labels, -1, 1) AS last FROM c",
	"SELECT c.id, ARRAY_CONCAT(c.labels, ['z']) AS more FROM c",
	"SELECT c.id, SetIntersect(c.labels, ['l1', 'l2']) AS si, SetUnion(c.labels, ['l9']) AS su FROM c",
	"SELECT c.id, UPPER(c.name) AS u, LOWER(c.address.city) AS l, LENGTH(c.name) AS len FROM c",
	"SELECT c.id, SUBSTRING(c.name, 2, 3) AS sub, LEFT(c.name, 4) AS l, RIGHT(c.name, 2) AS r FROM c",
	"SELECT c.id FROM c WHERE CONTAINS(c.name, 'A', true)",
	"SELECT c.id FROM c WHERE STARTSWITH(c.address.city, 's', true)",
	"SELECT c.id FROM c WHERE ENDSWITH(c.name, 'z')",
	"SELECT c.id, INDEX_OF(c.name, ' ') AS sp, REPLACE(c.name, 'item', 'thing') AS rep, REVERSE(c.address.zip) AS rz FROM c",
	"SELECT c.id, CONCAT(c.id, '-', c.address.city) AS k, REPLICATE('ab', 2) AS rr FROM c",
	"SELECT c.id, TRIM('  x  ') AS t, LTRIM('  x') AS lt, RTRIM('x  ') AS rt FROM c WHERE c.qty = 1",
	"SELECT c.id, ToString(c.qty) AS s, ToString(c.labels) AS sl, ToString(c.meta) AS sm FROM c",
	"SELECT c.id, StringToNumber(c.price) AS p FROM c WHERE IS_STRING(c.price)",
	"SELECT c.id FROM c WHERE RegexMatch(c.name, '^item [0-9]+ [aeiou]$')",
	"SELECT c.id, ABS(c.qty) AS a, SIGN(c.qty) AS s, CEILING(c.price) AS ce, FLOOR(c.price) AS fl, ROUND(c.price) AS ro, TRUNC(c.price) AS tr FROM c",
	"SELECT c.id, SQRT(c.qty) AS sq, POWER(c.qty, 2) AS p2, EXP(0) AS e0, LOG10(100) AS l, LOG(8, 2) AS l2 FROM c WHERE c.qty > 0",
	"SELECT c.id, NumberBin(c.price, 50) AS bin, IntAdd(c.qty, 3) AS ia, IntMod(c.qty, 4) AS im, IntDiv(c.qty, 2) AS idv FROM c",
	"SELECT c.id, IS_NUMBER(c.price) AS n, IS_STRING(c.price) AS s, IS_BOOL(c.active) AS b, IS_ARRAY(c.labels) AS a, IS_OBJECT(c.address) AS o, IS_PRIMITIVE(c.address) AS p, IS_INTEGER(c.price) AS i FROM c",
	"SELECT c.id, IIF(c.active, 'on', 'off') AS sw FROM c",
	"SELECT c.id, DateTimePart('mm', c.createdAt) AS month, DateTimeAdd('dd', 3, c.createdAt) AS later, DateTimeDiff('hh', c.createdAt, '2025-01-01T00:00:00.0000000Z') AS hours FROM c",
	"SELECT c.id, DateTimeToTicks(c.createdAt) AS ticks FROM c",
	"SELECT c.id FROM c WHERE c.createdAt > '2024-06-01T00:00:00.0000000Z'",
	// joins and subqueries
	"SELECT c.id, t.name FROM c JOIN t IN c.tags",
	"SELECT c.id, t.name, l FROM c JOIN t IN c.tags JOIN l IN c.labels",
	"SELECT VALUE t FROM c JOIN t IN c.tags WHERE t.w > 5",
	"SELECT VALUE l FROM l IN c.labels",
	"SELECT c.id FROM c WHERE EXISTS(SELECT VALUE t FROM t IN c.tags WHERE t.name = 'Tag-2')",
	"SELECT c.id, ARRAY(SELECT VALUE t.name FROM t IN c.tags WHERE t.w > 3) AS heavy FROM c",
	"SELECT c.id, (SELECT VALUE COUNT(1) FROM t IN c.tags) AS ntags FROM c",
	"SELECT c.id, (SELECT VALUE SUM(t.w) FROM t IN c.tags) AS weight FROM c",
	"SELECT c.id FROM c JOIN (SELECT VALUE t FROM t IN c.tags WHERE t.w = 1) AS light",
	// TOP and OFFSET/LIMIT (without ORDER BY only the count is comparable)
	// ORDER BY
	"SELECT * FROM c ORDER BY c.id",
	"SELECT c.id FROM c ORDER BY c.id DESC",
	"SELECT c.id, c.price FROM c ORDER BY c.price, c.id",
	"SELECT c.id, c.price FROM c ORDER BY c.price DESC, c.id",
	"SELECT c.id, c.qty FROM c ORDER BY c.qty ASC, c.id DESC",
	"SELECT c.id, c.active FROM c ORDER BY c.active, c.id",
	"SELECT c.id FROM c ORDER BY c.categoryId, c.id",
	"SELECT c.id FROM c ORDER BY c.categoryId DESC, c.id DESC",
	"SELECT c.id FROM c ORDER BY c.address.city, c.id",
	"SELECT c.id FROM c ORDER BY c.createdAt DESC, c.id",
	"SELECT VALUE c.id FROM c ORDER BY c.name, c.id",
	"SELECT VALUE c.price FROM c ORDER BY c.price, c.id",
	"SELECT c.id FROM c WHERE c.qty > 3 ORDER BY c.qty, c.id",
	"SELECT c.id FROM c WHERE c.categoryId = 'bikes' ORDER BY c.id",
	"SELECT TOP 5 c.id, c.price FROM c ORDER BY c.price DESC, c.id",
	"SELECT TOP 1 * FROM c ORDER BY c.createdAt, c.id",
	"SELECT TOP 0 c.id FROM c ORDER BY c.id",
	"SELECT c.id FROM c ORDER BY c.id OFFSET 10 LIMIT 5",
	"SELECT c.id FROM c ORDER BY c.qty DESC, c.id OFFSET 0 LIMIT 3",
	"SELECT c.id FROM c ORDER BY c.id OFFSET 1000 LIMIT 5",
	"SELECT c.id FROM c ORDER BY c.price, c.id OFFSET 7 LIMIT 100",
	"SELECT TOP @n c.id FROM c ORDER BY c.id",
	"SELECT c.id FROM c ORDER BY c.id OFFSET @off LIMIT @lim",
	"SELECT c.id, t.name FROM c JOIN t IN c.tags ORDER BY c.id, t.name, t.w",
	"SELECT r.id FROM root r ORDER BY r.id DESC",
	// DISTINCT
	"SELECT DISTINCT VALUE c.categoryId FROM c",
	"SELECT DISTINCT c.categoryId FROM c",
	"SELECT DISTINCT VALUE c.address.city FROM c",
	"SELECT DISTINCT c.active, c.categoryId FROM c",
	"SELECT DISTINCT VALUE l FROM c JOIN l IN c.labels",
	"SELECT DISTINCT VALUE c.meta FROM c",
	"SELECT DISTINCT VALUE c.qty FROM c ORDER BY c.qty",
	"SELECT DISTINCT VALUE c.qty FROM c ORDER BY c.qty DESC",
	"SELECT DISTINCT c.qty FROM c ORDER BY c.qty",
	"SELECT DISTINCT VALUE c.address.city FROM c ORDER BY c.address.city",
	"SELECT DISTINCT VALUE c.qty FROM c WHERE IS_DEFINED(c.qty) ORDER BY c.qty OFFSET 2 LIMIT 4",
	"SELECT DISTINCT TOP 3 VALUE c.qty FROM c WHERE IS_DEFINED(c.qty) ORDER BY c.qty DESC",
	// VALUE aggregates
	"SELECT VALUE COUNT(1) FROM c",
	"SELECT VALUE COUNT(c.price) FROM c",
	"SELECT VALUE COUNT(c.active) FROM c WHERE c.qty > 2",
	"SELECT VALUE SUM(c.qty) FROM c",
	"SELECT VALUE SUM(c.qty) FROM c WHERE c.categoryId = 'bikes'",
	"SELECT VALUE SUM(c.price) FROM c",
	"SELECT VALUE SUM(c.price) FROM c WHERE IS_NUMBER(c.price)",
	"SELECT VALUE AVG(c.qty) FROM c",
	"SELECT VALUE AVG(c.price) FROM c WHERE IS_NUMBER(c.price)",
	"SELECT VALUE AVG(c.price) FROM c",
	"SELECT VALUE AVG(c.qty) FROM c WHERE c.qty > 100",
	"SELECT VALUE MIN(c.qty) FROM c",
	"SELECT VALUE MAX(c.qty) FROM c",
	"SELECT VALUE MIN(c.price) FROM c",
	"SELECT VALUE MAX(c.price) FROM c",
	"SELECT VALUE MIN(c.categoryId) FROM c",
	"SELECT VALUE MAX(c.categoryId) FROM c",
	"SELECT VALUE MAX(c.createdAt) FROM c",
	"SELECT VALUE MIN(c.address) FROM c",
	"SELECT VALUE MAX(c.nothing) FROM c",
	"SELECT VALUE COUNT(1) FROM c JOIN t IN c.tags",
	"SELECT VALUE SUM(t.w) FROM c JOIN t IN c.tags",
	"SELECT VALUE COUNT(1) FROM c WHERE c.categoryId = 'gloves'",
	"SELECT VALUE MAX(c.qty) FROM c WHERE c.categoryId = @cat",
	// non-VALUE aggregates and GROUP BY
	"SELECT COUNT(1) FROM c",
	"SELECT COUNT(1) AS n, SUM(c.qty) AS total FROM c",
	"SELECT COUNT(1) AS n, AVG(c.qty) AS mean, MIN(c.qty) AS lo, MAX(c.qty) AS hi FROM c WHERE c.qty > 100",
	"SELECT MIN(c.price) AS lo, MAX(c.price) AS hi FROM c",
	"SELECT c.categoryId, COUNT(1) AS n FROM c GROUP BY c.categoryId",
	"SELECT c.categoryId, COUNT(1) AS n, SUM(c.qty) AS q, AVG(c.qty) AS a, MIN(c.qty) AS lo, MAX(c.qty) AS hi FROM c GROUP BY c.categoryId",
	"SELECT c.active, COUNT(1) AS n FROM c GROUP BY c.active",
	"SELECT c.address.city AS city, c.active, COUNT(1) AS n FROM c GROUP BY c.address.city, c.active",
	"SELECT c.categoryId, AVG(c.price) AS avgPrice FROM c GROUP BY c.categoryId",
	"SELECT c.categoryId, SUM(c.price) AS total FROM c WHERE IS_NUMBER(c.price) GROUP BY c.categoryId",
	"SELECT COUNT(1) AS n FROM c GROUP BY c.qty",
	"SELECT VALUE c.categoryId FROM c GROUP BY c.categoryId",
	"SELECT VALUE COUNT(1) FROM c GROUP BY c.categoryId",
	"SELECT VALUE MAX(c.qty) FROM c GROUP BY c.address.city",
	"SELECT t.name, COUNT(1) AS uses, SUM(t.w) AS weight FROM c JOIN t IN c.tags GROUP BY t.name",
	"SELECT l AS label, COUNT(1) AS n FROM c JOIN l IN c.labels GROUP BY l",
	"SELECT c.categoryId, COUNT(1) AS n FROM c WHERE c.categoryId = 'bikes' GROUP BY c.categoryId",
	"SELECT UPPER(c.address.city) AS city, MIN(c.createdAt) AS first FROM c GROUP BY UPPER(c.address.city)",
	"SELECT c.qty > 5 AS big, COUNT(1) AS n FROM c GROUP BY c.qty > 5",
	"SELECT c.categoryId, COUNT(1) AS n FROM c GROUP BY c.categoryId OFFSET 0 LIMIT 100",
	"SELECT DISTINCT VALUE c.active FROM c GROUP BY c.active",
}

// crossParams are the parameters every query may use.
var crossParams = []Param{
	{Name: "@q", Value: json.RawMessage(`3`)},
	{Name: "@cat", Value: json.RawMessage(`"lights"`)},
	{Name: "@n", Value: json.RawMessage(`4`)},
	{Name: "@off", Value: json.RawMessage(`3`)},
	{Name: "@lim", Value: json.RawMessage(`6`)},
}

// countOnlyQueries: without ORDER BY, which rows TOP/OFFSET pick depends on
// storage order, so only the number of rows is comparable.
var countOnlyQueries = []string{
	"SELECT TOP 3 * FROM c",
	"SELECT TOP 10 c.id FROM c WHERE c.qty > 0",
	"SELECT c.id FROM c OFFSET 5 LIMIT 10",
	"SELECT c.id FROM c OFFSET 250 LIMIT 10",
	"SELECT DISTINCT TOP 2 VALUE c.categoryId FROM c",
	"SELECT TOP 2 c.categoryId, COUNT(1) AS n FROM c GROUP BY c.categoryId",
}

func crossDocs(t testing.TB) []*Document {
	return append(loadOracleDocs(t), generatedDocs(t, 400)...)
}

func TestSingleRangeEqualsCrossPartition(t *testing.T) {
	pk := PartitionKeyDef{Paths: []string{"/categoryId"}, Kind: "Hash", Version: 2}
	docs := crossDocs(t)
	if n := len(crossQueries) + len(countOnlyQueries); n < 150 {
		t.Fatalf("only %d queries; want at least 150", n)
	}
	for _, text := range crossQueries {
		t.Run(text, func(t *testing.T) {
			single := runSingle(t, docs, text, crossParams)
			cross := runCrossPartition(t, pk, docs, text, crossParams, 4)
			ordered := strings.Contains(text, "ORDER BY")
			if !sameRows(single, cross, ordered) {
				t.Errorf("results differ (ordered=%v)\nsingle (%d): %s\ncross  (%d): %s", ordered, len(single), rowsString(single), len(cross), rowsString(cross))
			}
		})
	}
	for _, text := range countOnlyQueries {
		t.Run(text, func(t *testing.T) {
			single := runSingle(t, docs, text, crossParams)
			cross := runCrossPartition(t, pk, docs, text, crossParams, 4)
			if len(single) != len(cross) {
				t.Errorf("row counts differ: single %d, cross %d", len(single), len(cross))
			}
		})
	}
}
