package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// transportFailure recognises a sign-in that failed before Entra ID said
// anything — the caller's deadline or cancellation, DNS, a refused or reset
// connection, TLS — and explains it with its real cause: these are never
// "run cosmosctl login". MSAL flattens some causes into text, so the text
// is checked too. host gives the authority host, for the message.
func transportFailure(err error, what string, host func() string) (error, bool) {
	if err == nil {
		return nil, false
	}
	var ce *errs.Error
	if errors.As(err, &ce) && ce.Kind != errs.KindAuth {
		return err, true
	}
	text := err.Error()
	switch {
	case errors.Is(err, context.Canceled):
		return errs.New(errs.KindInterrupted, err, "", "%s: interrupted", what), true
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(text, "context deadline exceeded"):
		return errs.New(errs.KindUnavailable, err, "raise --timeout, or check the network",
			"%s: timed out", what), true
	}
	var unk x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	var hn x509.HostnameError
	if errors.As(err, &unk) || errors.As(err, &cve) || errors.As(err, &hn) || strings.Contains(text, "x509: ") {
		return errs.New(errs.KindUnavailable, err,
			"trust the issuing CA: `cosmosctl config set ca-file PATH` (or COSMOSCTL_CA_FILE); for the sandbox, its ca.pem",
			"%s: the TLS certificate of Entra ID at %s is not trusted: %s", what, host(), tlsCause(text)), true
	}
	cause := ""
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &dns) || strings.Contains(text, "no such host"):
		cause = "its host name does not resolve"
	case strings.Contains(text, "connection refused"):
		cause = "connection refused"
	case strings.Contains(text, "connection reset"):
		cause = "connection reset"
	case strings.Contains(text, "i/o timeout"):
		cause = "no answer (i/o timeout)"
	case strings.Contains(text, "network is unreachable"):
		cause = "network is unreachable"
	case errors.As(err, &op):
		cause = errs.FirstLine(op.Err.Error())
	default:
		var ue *url.Error
		if !errors.As(err, &ue) {
			return nil, false
		}
		cause = errs.FirstLine(ue.Err.Error())
	}
	return errs.New(errs.KindUnavailable, err, "check the network (proxy, VPN, firewall) and the profile's authority-host; your sign-in is kept",
		"%s: cannot reach Entra ID at %s: %s", what, host(), cause), true
}

func tlsCause(text string) string {
	if i := strings.Index(text, "x509: "); i >= 0 {
		return errs.FirstLine(text[i:])
	}
	return "certificate verification failed"
}

// keyringCause words why the Secret Service cannot be reached when the
// library's text is about its plumbing (dbus-launch missing means there
// is no D-Bus session bus at all).
func keyringCause(err error) string {
	text := err.Error()
	switch {
	case strings.Contains(text, "dbus-launch") || strings.Contains(text, "DBUS_SESSION_BUS_ADDRESS"):
		return "no D-Bus session bus is running (DBUS_SESSION_BUS_ADDRESS is not set), so there is no Secret Service to hold the key: common on SSH sessions, containers and WSL"
	case strings.Contains(text, "org.freedesktop.secrets") && strings.Contains(text, "not provided"):
		return "no Secret Service (gnome-keyring, KeePassXC) is running on the D-Bus session"
	}
	return "no Secret Service (GNOME Keyring, KWallet) is reachable, or it is locked: " + errs.FirstLine(text)
}

// managedIdentityFailure explains azidentity's managed identity errors,
// whose own text ("ManagedIdentityCredential authentication failed") names
// neither the endpoint it asked nor why it failed.
func managedIdentityFailure(err error, getenv func(string) string) (error, bool) {
	if err == nil || !strings.Contains(err.Error(), "ManagedIdentityCredential") {
		return nil, false
	}
	source := "the instance metadata service (IMDS, 169.254.169.254)"
	if ep := getenv("IDENTITY_ENDPOINT"); ep != "" {
		source = "the managed identity endpoint " + ep + " (IDENTITY_ENDPOINT)"
	} else if ep := getenv("MSI_ENDPOINT"); ep != "" {
		source = "the managed identity endpoint " + ep + " (MSI_ENDPOINT)"
	}
	text := err.Error()
	cause := ""
	for _, c := range []string{"connection refused", "no such host", "i/o timeout", "context deadline exceeded", "network is unreachable"} {
		if strings.Contains(text, c) {
			cause = c
			break
		}
	}
	if cause != "" {
		return errs.New(errs.KindUnavailable, err,
			"run it on an Azure resource with a managed identity (VM, App Service, Functions, Container Apps); on AKS use --workload-identity; elsewhere use --service-principal or --env",
			"managed identity sign-in: %s did not answer: %s", source, cause), true
	}
	return errs.New(errs.KindAuth, err,
		"check that the resource has a managed identity with access to the account; for a user-assigned identity pass --client-id",
		"managed identity sign-in through %s failed: %s", source, errs.FirstLine(redactMI(text))), true
}

// redactMI drops azidentity's boilerplate prefix so the service's words
// come first.
func redactMI(text string) string {
	text = strings.TrimPrefix(text, "ManagedIdentityCredential authentication failed. ")
	return strings.TrimPrefix(text, "ManagedIdentityCredential: ")
}
