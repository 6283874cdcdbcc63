package errs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"syscall"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

func TestExitCodeForEachErrorClass(t *testing.T) {
	resp := func(status int) error {
		return fmt.Errorf("query failed: %w", &azcore.ResponseError{StatusCode: status, RawResponse: &http.Response{StatusCode: status, Header: http.Header{}}})
	}
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"plain", errors.New("boom"), 1},
		{"usage", Usage("bad --param"), 2},
		{"explained auth", New(KindAuth, nil, "run cosmosctl login", "not signed in"), 3},
		{"401", resp(401), 3},
		{"403", resp(403), 4},
		{"404", resp(404), 5},
		{"400", resp(400), 2},
		{"429", resp(429), 6},
		{"503", resp(503), 6},
		{"410", resp(410), 6},
		{"dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, 6},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), 6},
		{"canceled", fmt.Errorf("read: %w", context.Canceled), 130},
		{"interrupted kind", &Error{Kind: KindInterrupted}, 130},
		{"can-i denied", &ExitError{Code: 1}, 1},
		{"can-i undecidable", &ExitError{Code: 7}, 7},
		{"wrapped explained", fmt.Errorf("outer: %w", New(KindForbidden, nil, "", "denied")), 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.err); got != tc.want {
				t.Fatalf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

func TestPrintError(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		debug bool
		want  string
	}{
		{"nil prints nothing", nil, false, ""},
		{"exit error prints nothing", &ExitError{Code: 1}, false, ""},
		{"message and hint", New(KindAuth, errors.New("raw cause"), "run `cosmosctl login`", "not signed in to profile %q", "dev"),
			false, "error: not signed in to profile \"dev\"\nhint: run `cosmosctl login`\n"},
		{"debug shows cause", New(KindAuth, errors.New("raw cause"), "", "not signed in"), true,
			"error: not signed in\ndebug: cause: raw cause\n"},
		{"multi-line raw error cut to one line", errors.New("GET https://x\n----\nRESPONSE 500"), false, "error: GET https://x\n"},
		{"interrupted", context.Canceled, false, "error: interrupted\n"},
		{"debug cause redacted", New(KindAuth, errors.New("POST /token: client_secret=s3cr3t&scope=x"), "", "sign-in failed"), true,
			"error: sign-in failed\ndebug: cause: POST /token: client_secret=[REDACTED]&scope=x\n"},
		{"raw error redacted", errors.New("refresh failed: refresh_token=0.AAAA-long&grant_type=refresh_token\nmore"), true,
			"error: refresh failed: refresh_token=[REDACTED]&grant_type=refresh_token\nmore\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			Print(&b, tc.err, tc.debug)
			if b.String() != tc.want {
				t.Fatalf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

// Every kind has its exit code, and what wraps a context error or a file
// error does not change what the user is told by the exit code.
func TestExitCodeForEachKind(t *testing.T) {
	denied := &fs.PathError{Op: "open", Path: "/home/u/.config/cosmosctl/config.yaml", Err: syscall.EACCES}
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"other", New(KindOther, nil, "", "x"), ExitGeneric},
		{"usage", New(KindUsage, nil, "", "x"), ExitUsage},
		{"auth", New(KindAuth, nil, "", "x"), ExitAuth},
		{"forbidden", New(KindForbidden, nil, "", "x"), ExitForbidden},
		{"not found", New(KindNotFound, nil, "", "x"), ExitNotFound},
		{"unavailable", New(KindUnavailable, nil, "", "x"), ExitUnavailable},
		{"interrupted", New(KindInterrupted, nil, "", "x"), ExitInterrupted},
		{"permission denied writing a file", fmt.Errorf("write config: %w", denied), ExitGeneric},
		{"bare errno", syscall.EACCES, ExitUnavailable},
		{"keyring wait interrupted", New(KindAuth, fmt.Errorf("keyring get: %w", context.Canceled), "", "cannot read the tokens"), ExitInterrupted},
		{"timeout explained as not signed in", New(KindAuth, fmt.Errorf("silent: %w", context.DeadlineExceeded), "", "not signed in: run `cosmosctl login`"), ExitUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.err); got != tc.want {
				t.Fatalf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
	// The messages follow the exit code.
	var b bytes.Buffer
	Print(&b, cases[9].err, false)
	Print(&b, cases[10].err, false)
	if got := b.String(); got != "error: interrupted\nerror: timed out\nhint: allow more time with --timeout\n" {
		t.Fatalf("Print: %q", got)
	}
}
