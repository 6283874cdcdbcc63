// Package loopback receives an OAuth 2.0 authorization response on a
// loopback redirect URI (RFC 8252 §7.3): a one-shot HTTP listener on
// 127.0.0.1 that accepts the query-string redirect Entra ID sends by
// default, checks its state and hands back the code.
//
// MSAL Go's own interactive flow asks for response_mode=form_post and
// refuses a GET redirect; this listener takes the default GET (and a
// form_post too, so either works).
package loopback

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DeniedError is the authorization server's error redirect
// (error=access_denied when the user cancels or refuses consent).
type DeniedError struct {
	Code        string // the OAuth error, e.g. access_denied
	Description string // error_description, often "AADSTS65004: …"
}

func (e *DeniedError) Error() string {
	if e.Description == "" {
		return "the sign-in was refused: " + e.Code
	}
	return "the sign-in was refused: " + e.Code + ": " + e.Description
}

// ErrStateMismatch reports a redirect whose state is not ours: another
// page (or an attacker's link) hit the listener, not our sign-in.
var ErrStateMismatch = errors.New("the redirect's state does not match this sign-in")

// Listener waits for one authorization response.
type Listener struct {
	ln    net.Listener
	srv   *http.Server
	state string
	ch    chan result
}

type result struct {
	code string
	err  error
}

// Listen binds a free port on 127.0.0.1 (port 0) or the given port. Only
// redirects carrying state are accepted.
func Listen(port int, state string) (*Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen on a loopback port for the sign-in redirect: %w", err)
	}
	l := &Listener{ln: ln, state: state, ch: make(chan result, 1)}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

// Port is the bound port.
func (l *Listener) Port() int { return l.ln.Addr().(*net.TCPAddr).Port }

// RedirectURI is http://localhost:PORT, the form Entra accepts for public
// clients without registering the port.
func (l *Listener) RedirectURI() string { return "http://localhost:" + strconv.Itoa(l.Port()) }

// Wait returns the authorization code, the server's error redirect
// (*DeniedError), or ctx's error. It closes the listener either way.
func (l *Listener) Wait(ctx context.Context) (string, error) {
	defer l.Close()
	select {
	case r := <-l.ch:
		return r.code, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Close stops the listener; it is safe to call more than once.
func (l *Listener) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// Shutdown lets the browser's page load finish before we exit.
	return l.srv.Shutdown(ctx)
}

func (l *Listener) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	code, state, oerr := r.Form.Get("code"), r.Form.Get("state"), r.Form.Get("error")
	if code == "" && oerr == "" {
		// A favicon or a stray visit: not the redirect.
		http.NotFound(w, r)
		return
	}
	var res result
	switch {
	case state != l.state:
		res.err = ErrStateMismatch
	case oerr != "":
		res.err = &DeniedError{Code: oerr, Description: firstLine(r.Form.Get("error_description"))}
	default:
		res.code = code
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if res.err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, page, "Sign-in failed", "cosmosctl did not sign you in: "+htmlEscape(res.err.Error())+". Return to the terminal for details.")
	} else {
		fmt.Fprintf(w, page, "Signed in", "You are signed in to cosmosctl. You can close this window and return to the terminal.")
	}
	select {
	case l.ch <- res:
	default: // a later redirect after the first one: ignored
	}
}

const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cosmosctl</title></head>
<body><h1>%s</h1><p id="result">%s</p></body></html>
`

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlReplacer.Replace(s) }
