// Package reqlog writes the sandbox's request log: one line per request
// served by the gateway or Entra ID, with who asked, what, the outcome and
// its cost. It never logs headers, bodies or query strings, which carry
// tokens, keys, secrets and codes.
package reqlog

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

type slotKey struct{}

// slot is filled by the handler that identifies the caller.
type slot struct {
	mu        sync.Mutex
	principal string
}

// SetPrincipal records who a request was served for (a principal's name
// or object id, or "account-key"). Outside a logged request it does nothing.
func SetPrincipal(ctx context.Context, who string) {
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		s.mu.Lock()
		s.principal = who
		s.mu.Unlock()
	}
}

// Logger writes lines to one writer for several handlers.
type Logger struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	// Name maps a recorded principal (e.g. an object id) to a display name.
	name func(string) string
}

// New returns a Logger writing to w; name, if not nil, turns a recorded
// principal into the name to log.
func New(w io.Writer, name func(string) string) *Logger {
	return &Logger{w: w, now: time.Now, name: name}
}

// Wrap logs every request h serves, tagged with service ("cosmos", "entra").
func (l *Logger) Wrap(service string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := l.now()
		s := &slot{}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), slotKey{}, s)))
		s.mu.Lock()
		who := s.principal
		s.mu.Unlock()
		if who != "" && l.name != nil {
			who = l.name(who)
		}
		if who == "" {
			who = "-"
		}
		hdr := rec.Header()
		line := fmt.Sprintf("%s %s %s %s %s %d %s %s %s\n",
			start.UTC().Format(time.RFC3339Nano), service, field(who), r.Method, field(r.URL.EscapedPath()),
			rec.status, orDash(hdr.Get("x-ms-substatus")), orDash(hdr.Get("x-ms-request-charge")),
			l.now().Sub(start).Round(time.Microsecond))
		l.mu.Lock()
		_, _ = io.WriteString(l.w, line)
		l.mu.Unlock()
	})
}

// field keeps a value on one line and one column.
func field(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return field(s)
}

type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// Flush keeps streaming handlers (long polls) working through the wrapper.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
