package auth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func TestTransportFailure(t *testing.T) {
	host := func() string { return "https://login.test" }
	cases := []struct {
		name string
		err  error
		ok   bool
		exit int
		has  string
	}{
		{"deadline", fmt.Errorf("get token: %w", context.DeadlineExceeded), true, 6, "timed out"},
		{"deadline as text (MSAL)", errors.New("unable to resolve an endpoint: server response error:\n Get \"https://x\": context deadline exceeded"), true, 6, "timed out"},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), true, 130, "interrupted"},
		{"refused (MSAL text)", errors.New("unable to resolve an endpoint: server response error:\n Get \"https://127.0.0.1:1/t/v2.0/.well-known/openid-configuration?\": dial tcp 127.0.0.1:1: connect: connection refused"), true, 6, "cannot reach Entra ID at https://login.test: connection refused"},
		{"dns", &net.DNSError{Err: "no such host", Name: "login.nosuch.invalid", IsNotFound: true}, true, 6, "does not resolve"},
		{"dial", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("network is unreachable")}, true, 6, "network is unreachable"},
		{"tls", fmt.Errorf("post: %w", x509.UnknownAuthorityError{}), true, 6, "is not trusted"},
		{"an Entra answer is not a transport failure", errors.New("AADSTS70008: The provided authorization code or refresh token has expired"), false, 0, ""},
		{"plain", errors.New("something else"), false, 0, ""},
		{"nil", nil, false, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := transportFailure(c.err, "sign-in", host)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v (%v)", ok, c.ok, got)
			}
			if !ok {
				return
			}
			if errs.ExitCode(got) != c.exit || !strings.Contains(got.Error(), c.has) || strings.Contains(got.Error(), "cosmosctl login") {
				t.Fatalf("got %q exit %d, want %q exit %d", got, errs.ExitCode(got), c.has, c.exit)
			}
		})
	}
}

func TestKeyringCause(t *testing.T) {
	for in, want := range map[string]string{
		`exec: "dbus-launch": executable file not found in $PATH`:                         "no D-Bus session bus is running",
		`The name org.freedesktop.secrets was not provided by any .service files`:         "no Secret Service",
		`failed to unlock correct collection '/org/freedesktop/secrets/collection/login'`: "failed to unlock",
	} {
		if got := keyringCause(errors.New(in)); !strings.Contains(got, want) {
			t.Errorf("keyringCause(%q) = %q, want %q", in, got, want)
		}
	}
}
