package mcpserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Allow is one --allow entry: a database, or one container of it.
type Allow struct {
	Database  string
	Container string // empty: every container of Database
}

// ParseAllow parses DB or DB/CONTAINER.
func ParseAllow(s string) (Allow, error) {
	db, coll, _ := strings.Cut(strings.TrimSpace(s), "/")
	if db == "" || strings.Contains(coll, "/") || (strings.Contains(s, "/") && coll == "") {
		return Allow{}, errs.Usage("--allow %q: want DATABASE or DATABASE/CONTAINER", s)
	}
	return Allow{Database: db, Container: coll}, nil
}

func (s *Server) databaseVisible(db string) bool {
	if len(s.o.Allow) == 0 {
		return true
	}
	for _, a := range s.o.Allow {
		if a.Database == db {
			return true
		}
	}
	return false
}

func (s *Server) containerVisible(db, coll string) bool {
	if len(s.o.Allow) == 0 {
		return true
	}
	for _, a := range s.o.Allow {
		if a.Database == db && (a.Container == "" || a.Container == coll) {
			return true
		}
	}
	return false
}

// checkDatabase refuses a database outside --allow (and a missing name).
func (s *Server) checkDatabase(db string) error {
	if err := cosmos.ValidateName("database", db); err != nil {
		return err
	}
	if !s.databaseVisible(db) {
		return errs.New(errs.KindForbidden, nil, "use list_databases to see the databases this server exposes",
			"database %q is not exposed by this server (--allow)", db)
	}
	return nil
}

// checkContainer refuses a container outside --allow.
func (s *Server) checkContainer(db, coll string) error {
	if err := s.checkDatabase(db); err != nil {
		return err
	}
	if err := cosmos.ValidateName("container", coll); err != nil {
		return err
	}
	if !s.containerVisible(db, coll) {
		return errs.New(errs.KindForbidden, nil, "use list_containers to see the containers this server exposes",
			"container %s/%s is not exposed by this server (--allow)", db, coll)
	}
	return nil
}

// parseFieldPath splits a --redact path (customer.email) into names.
func parseFieldPath(p string) ([]string, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(p), "/"), ".")
	if len(parts) == 1 && strings.Contains(parts[0], "/") {
		parts = strings.Split(parts[0], "/")
	}
	for _, s := range parts {
		if s == "" {
			return nil, errs.Usage("--redact %q: want a field path such as customer.email", p)
		}
	}
	return parts, nil
}

const redacted = "[REDACTED]"

// redactValue replaces every field at one of paths, matched at any depth
// of v (so projections that nest a document still match) and through
// arrays, by "[REDACTED]". It edits v in place.
func redactValue(v any, paths [][]string) {
	switch x := v.(type) {
	case map[string]any:
		for _, p := range paths {
			redactPath(x, p)
		}
		for _, child := range x {
			redactValue(child, paths)
		}
	case []any:
		for _, e := range x {
			redactValue(e, paths)
		}
	}
}

// redactPath applies one path from the object m.
func redactPath(v any, p []string) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			redactPath(e, p)
		}
	case map[string]any:
		child, ok := x[p[0]]
		if !ok {
			return
		}
		if len(p) == 1 {
			x[p[0]] = redacted
			return
		}
		redactPath(child, p[1:])
	}
}

// checkRedactedReferences refuses SQL that names a redacted field, or
// takes a parent of one whole (SELECT VALUE c.customer): a projection or
// a filter could otherwise reveal what redaction hides. Deeper access
// through a parent (c.customer.name) is fine.
func (s *Server) checkRedactedReferences(sql string) error {
	for _, p := range s.redact {
		leaf := p[len(p)-1]
		if len(propertyRefs(sql, leaf, false)) > 0 {
			return errs.New(errs.KindForbidden, nil, "leave that field out of the query: its values are hidden from this server",
				"the query names %s, which this server redacts (--redact)", strings.Join(p, "."))
		}
		for _, parent := range p[:len(p)-1] {
			if len(propertyRefs(sql, parent, true)) > 0 {
				return errs.New(errs.KindForbidden, nil, "select the fields you need from it instead (e.g. c."+parent+".id)",
					"the query takes %s whole, which holds %s that this server redacts (--redact)", parent, strings.Join(p, "."))
			}
		}
	}
	return nil
}

// propertyRefs finds references to the property name (.name, ["name"],
// ['name']) in sql; with whole, only those not followed by a deeper
// access.
func propertyRefs(sql, name string, whole bool) []int {
	var out []int
	forms := []string{"." + name, `["` + name + `"]`, `['` + name + `']`}
	for _, f := range forms {
		for i := 0; ; {
			j := strings.Index(sql[i:], f)
			if j < 0 {
				break
			}
			at := i + j
			end := at + len(f)
			i = end
			if f[0] == '.' && end < len(sql) && isIdentChar(sql[end]) {
				continue // a longer name
			}
			if whole {
				rest := strings.TrimLeft(sql[end:], " \t\r\n")
				if strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "[") {
					continue
				}
			}
			out = append(out, at)
		}
	}
	return out
}

func isIdentChar(b byte) bool {
	return b == '_' || b == '$' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

// CheckListen refuses a --listen address that is not loopback.
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return errs.Usage("--listen %q: want 127.0.0.1:PORT", addr)
	}
	if !cosmos.IsLoopback(host) {
		return errs.New(errs.KindUsage, nil, "use 127.0.0.1:PORT; a remote agent should run its own cosmosctl",
			"--listen %s: the MCP server listens on loopback only", addr)
	}
	return nil
}

// NewSecret is a random bearer secret for one start of the HTTP server.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the bearer secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// HTTPHandler serves the Streamable HTTP transport, refusing requests
// without `Authorization: Bearer secret` and those with a foreign Origin
// (a web page in a browser on this machine must not reach the server).
func (s *Server) HTTPHandler(secret string) http.Handler {
	h := mcpHTTPHandler(s)
	want := []byte("Bearer " + secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !loopbackOrigin(o) {
			http.Error(w, "forbidden: foreign Origin", http.StatusForbidden)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosmosctl mcp"`)
			http.Error(w, "unauthorized: wrong or missing bearer secret", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// loopbackOrigin: the origin is a page served from this machine's loopback.
func loopbackOrigin(o string) bool {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return cosmos.IsLoopback(u.Hostname())
}
