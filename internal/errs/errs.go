// Package errs is the error model every layer shares: an explained error
// (what failed, the cause, the fix) with a kind, and the one table that maps
// kinds to exit codes. It is a leaf: it imports nothing of cosmosctl but
// the redaction of secrets.
package errs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/cosmosctl/cosmosctl/internal/redact"
)

// Kind classifies a failure; each kind has one exit code.
type Kind int

const (
	KindOther Kind = iota
	KindUsage
	KindAuth
	KindForbidden
	KindNotFound
	KindUnavailable
	KindInterrupted
)

// Exit codes, in one place. They are documented by `cosmosctl help exit-codes`.
const (
	ExitOK          = 0
	ExitGeneric     = 1
	ExitUsage       = 2
	ExitAuth        = 3
	ExitForbidden   = 4
	ExitNotFound    = 5
	ExitUnavailable = 6
	ExitDenied      = 1 // can-i only: the answer is no
	ExitUndecidable = 7 // can-i only
	ExitInterrupted = 130
)

var kindExit = map[Kind]int{
	KindOther:       ExitGeneric,
	KindUsage:       ExitUsage,
	KindAuth:        ExitAuth,
	KindForbidden:   ExitForbidden,
	KindNotFound:    ExitNotFound,
	KindUnavailable: ExitUnavailable,
	KindInterrupted: ExitInterrupted,
}

// ExitCodeTable is the user-facing description of every exit code.
var ExitCodeTable = []struct {
	Code    int
	Meaning string
}{
	{ExitOK, "success"},
	{ExitGeneric, "any other error"},
	{ExitUsage, "usage or bad input: unknown command or flag, invalid --param JSON, bad partition key, invalid query"},
	{ExitAuth, "not signed in or authentication failed: 401, login required, token refresh failed, keyring unavailable"},
	{ExitForbidden, "permission denied: 403 (missing data-plane role, management operation under Entra ID)"},
	{ExitNotFound, "not found: 404 (item, container or database)"},
	{ExitUnavailable, "throttled, unavailable, network, TLS or timeout after retries: 429, 5xx, dial or TLS errors"},
	{ExitInterrupted, "interrupted (Ctrl-C)"},
}

// CanIExitCodes are the exit codes of `cosmosctl can-i`, which answers a
// question rather than performing an operation.
var CanIExitCodes = []struct {
	Code    int
	Meaning string
}{
	{0, "allowed"},
	{1, "denied"},
	{ExitUndecidable, "cannot be decided without changing data"},
}

// Error is a failure explained for a person: what failed, why, and the fix.
type Error struct {
	Kind Kind
	Msg  string // one line: what failed and why
	Hint string // optional: what to do about it
	Err  error  // the underlying cause (shown with --debug)
}

func (e *Error) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return "error"
}

func (e *Error) Unwrap() error { return e.Err }

// NewError builds an explained error.
func New(kind Kind, cause error, hint string, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Hint: hint, Err: cause}
}

// UsageError is bad input from the user (exit 2).
func Usage(format string, args ...any) *Error {
	return &Error{Kind: KindUsage, Msg: fmt.Sprintf(format, args...)}
}

// ExitError ends the program with a specific code and no message (can-i
// answers "no" this way: the answer is already printed).
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// KindOf classifies any error.
func KindOf(err error) Kind {
	if err == nil {
		return KindOther
	}
	// A cancelled or expired context decides, whatever explained it on
	// the way up: Ctrl-C during a keyring wait is an interruption, not a
	// keyring failure, and --timeout is a timeout, not "not signed in".
	if errors.Is(err, context.Canceled) {
		return KindInterrupted
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindUnavailable
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return KindForStatus(re.StatusCode)
	}
	// A file operation's error (permission denied writing config.yaml)
	// is no network failure, although syscall.Errno satisfies net.Error.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return KindOther
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return KindUnavailable
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return KindUnavailable
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return KindUnavailable
	}
	var unk x509.UnknownAuthorityError
	if errors.As(err, &unk) {
		return KindUnavailable
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return KindUnavailable
	}
	return KindOther
}

// KindForStatus maps an HTTP status from Cosmos DB or Entra to a kind.
func KindForStatus(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusBadRequest:
		return KindUsage
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout,
		status == http.StatusGone, status >= 500:
		return KindUnavailable
	}
	return KindOther
}

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var xe *ExitError
	if errors.As(err, &xe) {
		return xe.Code
	}
	return kindExit[KindOf(err)]
}

// PrintError writes err for a person: one line, plus a hint line when there
// is one. With debug the whole chain of causes follows.
func Print(w io.Writer, err error, debug bool) {
	var xe *ExitError
	if err == nil || errors.As(err, &xe) {
		return
	}
	msg := err.Error()
	var e *Error
	hint := ""
	errors.As(err, &e)
	switch kind := KindOf(err); {
	case e != nil && kind == KindInterrupted && e.Kind != KindInterrupted:
		msg = "interrupted"
	case e != nil && kind == KindUnavailable && e.Kind != KindUnavailable && errors.Is(err, context.DeadlineExceeded):
		// An explanation of another kind (e.g. "not signed in") would
		// send the user the wrong way.
		msg, hint = "timed out", "allow more time with --timeout"
		if strings.Contains(e.Msg, "timed out") {
			msg, hint = e.Error(), e.Hint
		}
	case e != nil:
		msg = e.Error()
		hint = e.Hint
	case kind == KindInterrupted:
		msg = "interrupted"
	default:
		// A raw error can quote a request (URL, form, headers): mask secrets.
		msg = redact.Secrets(msg)
		if !debug {
			msg = FirstLine(msg)
		}
	}
	fmt.Fprintf(w, "error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
	if debug && e != nil && e.Err != nil {
		fmt.Fprintf(w, "debug: cause: %s\n", redact.Secrets(e.Err.Error()))
	}
}

// FirstLine is s up to its first line break, trimmed: raw errors (SDK
// dumps span many lines) are shown to people this way.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
