package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
)

// A query without --pk runs on every partition range. When its WHERE fixes
// the container's partition key to a literal, --pk would send it to one
// range instead; pkTip finds that case with a conservative textual match
// (no OR anywhere, the FROM alias followed by the key path, = and a JSON
// literal), which is enough for a tip and never changes what runs.

var (
	pkTipFrom    = regexp.MustCompile(`(?is)\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)(?:\s+(?:AS\s+)?([A-Za-z_][A-Za-z0-9_]*))?`)
	pkTipWhere   = regexp.MustCompile(`(?is)\bWHERE\b(.*)`)
	pkTipOr      = regexp.MustCompile(`(?i)\bOR\b|\bIN\b|\bNOT\b`)
	pkTipIdent   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	pkTipWord    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:@-]*$`)
	pkTipLiteral = `('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)`
)

// pkTip returns the --pk value the WHERE clause of sql fixes for the key
// paths (all levels, or a prefix of a hierarchical key), or "" when it
// does not (or cannot be told without parsing).
func pkTip(sql string, paths []string) string {
	m := pkTipFrom.FindStringSubmatch(sql)
	w := pkTipWhere.FindStringSubmatch(sql)
	if m == nil || w == nil || len(paths) == 0 || pkTipOr.MatchString(w[1]) {
		return ""
	}
	alias := m[1]
	if m[2] != "" && !pkTipKeyword(m[2]) {
		alias = m[2]
	}
	var comps []json.RawMessage
	for _, p := range paths {
		lit, ok := pkTipValue(w[1], alias, p)
		if !ok {
			break
		}
		comps = append(comps, lit)
	}
	switch {
	case len(comps) == 0:
		return ""
	case len(paths) == 1:
		return pkTipShell(comps[0])
	}
	b, _ := json.Marshal(comps)
	return shellQuote(string(b))
}

// pkTipKeyword reports a word after FROM's container that starts the next
// clause, not an alias.
func pkTipKeyword(w string) bool {
	switch strings.ToUpper(w) {
	case "WHERE", "JOIN", "ORDER", "GROUP", "OFFSET", "IN":
		return true
	}
	return false
}

// pkTipValue finds `alias.a.b = literal` (or `literal = alias.a.b`) for the
// key path /a/b and returns the literal as JSON.
func pkTipValue(where, alias, path string) (json.RawMessage, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	expr := regexp.QuoteMeta(alias)
	for _, s := range segs {
		if !pkTipIdent.MatchString(s) {
			return nil, false // a key path that needs ["…"] in SQL: leave it
		}
		expr += `\s*\.\s*` + s
	}
	expr = `\b` + expr + `\b`
	re := regexp.MustCompile(`(?:` + expr + `\s*=\s*` + pkTipLiteral + `|` + pkTipLiteral + `\s*=\s*` + expr + `)`)
	sub := re.FindStringSubmatch(where)
	if sub == nil {
		return nil, false
	}
	lit := sub[1]
	if lit == "" {
		lit = sub[2]
	}
	if lit[0] == '\'' {
		// A SQL string literal: the same escapes as JSON but single quotes.
		body := strings.ReplaceAll(lit[1:len(lit)-1], `\'`, `'`)
		b, err := json.Marshal(body)
		if err != nil || strings.Contains(body, `\`) {
			return nil, false
		}
		return b, true
	}
	if !json.Valid([]byte(lit)) {
		return nil, false
	}
	return json.RawMessage(lit), true
}

// pkTipShell writes one key value as a --pk argument for a shell: a bare
// word when --pk reads it back as that string, else quoted JSON.
func pkTipShell(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return string(v) // a number, true, false or null: shell-safe as it is
	}
	if pkTipWord.MatchString(s) &&
		s != "true" && s != "false" && s != "null" {
		return s
	}
	return shellQuote(string(v))
}

// shellQuote wraps s in single quotes for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// queryPKTip suggests --pk on stderr when the query's WHERE fixes the
// container's partition key (one more request, for its key paths, only on
// a terminal and only for a query with a WHERE clause).
func queryPKTip(ctx context.Context, f *DataDeps, client *cosmos.Client, s *config.Settings, sql string) {
	def, err := client.PartitionKeyDefinition(ctx, s.Database, s.Container)
	if err != nil {
		return // only a tip
	}
	if v := pkTip(sql, def.Paths); v != "" {
		fmt.Fprintf(f.IOStreams.ErrOut, "tip: the WHERE clause fixes the partition key (%s); add --pk %s to query one partition instead of all\n",
			strings.Join(def.Paths, ", "), v)
	}
}
