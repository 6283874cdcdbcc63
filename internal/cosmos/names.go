package cosmos

import (
	"net"
	"net/url"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// ValidateName checks a database, container or item id against the
// service's rules before it becomes part of a request path: not empty, at
// most 255 bytes, none of '/', '\', '?', '#', and not "." or ".." (which a
// URL would resolve to another resource). flag names where the value came
// from, for the message (e.g. "-d/--database", "item id").
func ValidateName(flag, value string) error {
	switch {
	case value == "":
		return errs.Usage("%s is empty", flag)
	case value == "." || value == "..":
		return errs.Usage("%s %q is not a valid name: it would address another resource", flag, value)
	case len(value) > 255:
		return errs.Usage("%s is %d bytes long; names and ids are at most 255", flag, len(value))
	case strings.ContainsAny(value, `/\?#`):
		return errs.Usage("%s %q contains one of / \\ ? #, which Cosmos DB does not allow in names and ids", flag, value)
	}
	return nil
}

// CheckTransport refuses an endpoint that would carry tokens or key
// signatures in clear: https everywhere, plain http only to a loopback
// address (an emulator on this machine). It is checked before any dial.
func CheckTransport(endpoint string) error {
	return checkTransport("endpoint", "", endpoint, "https://ACCOUNT.documents.azure.com:443/")
}

// CheckAuthority is CheckTransport for an Entra authority host, which
// receives client secrets, assertions and refresh tokens.
func CheckAuthority(host string) error {
	return checkTransport("authority host", "authority host ", host, "https://login.microsoftonline.com/")
}

// checkTransport names the URL in its messages as what (a syntax error) and
// prefix (refused transport), so the endpoint's messages stay as they were.
func checkTransport(what, prefix, raw, example string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errs.Usage("%s %q is not an https URL, e.g. %s", what, raw, example)
	}
	if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
		return errs.New(errs.KindUsage, nil, "use https://; plain http is accepted only for an emulator on this machine (127.0.0.1, ::1, localhost)",
			"refusing to send credentials to %s%s over plain http", prefix, raw)
	}
	return nil
}

// IsLoopback reports whether host is this machine: localhost or a
// loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
