package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/google/uuid"
)

// CheckEndpoint checks the endpoint's syntax and transport: an https URL
// with a host, or http to a loopback address (an emulator).
func CheckEndpoint(endpoint string) (string, error) {
	if endpoint == "" {
		return "", errs.New(errs.KindUsage, nil, "`cosmosctl config set endpoint https://ACCOUNT.documents.azure.com:443/`", "no Cosmos DB endpoint is configured")
	}
	if err := cosmos.CheckTransport(endpoint); err != nil {
		return "", err
	}
	u, _ := url.Parse(endpoint)
	return u.Scheme + "://" + u.Host, nil
}

// Resolver is the part of net.Resolver CheckDNS uses.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// CheckDNS resolves host (an IP literal needs no lookup).
func CheckDNS(ctx context.Context, r Resolver, host string) (string, error) {
	if net.ParseIP(host) != nil {
		return "an IP address, no lookup needed", nil
	}
	addrs, err := r.LookupHost(ctx, host)
	if err != nil {
		if ctx.Err() != nil {
			return "", errs.New(errs.KindUnavailable, err, "raise --timeout, or check the DNS server", "looking up %s timed out", host)
		}
		return "", errs.New(errs.KindUnavailable, err, "check the host name in the endpoint, and this machine's DNS (VPN, private endpoint zones)",
			"cannot resolve %s: %s", host, errs.FirstLine(err.Error()))
	}
	return fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs, ", ")), nil
}

// CheckTLS dials addr (host:port) and completes a TLS handshake with
// conf, as every request will. It names what is wrong with the
// certificate: an unknown issuer (a corporate proxy's CA, the sandbox's
// ca.pem), a name mismatch, expiry.
func CheckTLS(ctx context.Context, addr string, conf *tls.Config, now time.Time) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", errs.New(errs.KindUsage, err, "", "bad address %s: %v", addr, err)
	}
	c := conf.Clone()
	if c == nil {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: c}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", explainTLS(err, addr)
	}
	defer conn.Close()
	state := conn.(*tls.Conn).ConnectionState()
	if len(state.PeerCertificates) == 0 {
		return fmt.Sprintf("%s: %s", addr, tls.VersionName(state.Version)), nil
	}
	leaf := state.PeerCertificates[0]
	left := leaf.NotAfter.Sub(now)
	detail := fmt.Sprintf("%s: %s, certificate for %s issued by %s, valid until %s",
		addr, tls.VersionName(state.Version), certNames(leaf), leaf.Issuer.CommonName, leaf.NotAfter.UTC().Format("2006-01-02"))
	if left < 14*24*time.Hour {
		detail += fmt.Sprintf(" (expires in %s)", left.Round(time.Hour))
	}
	return detail, nil
}

func certNames(c *x509.Certificate) string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return c.Subject.CommonName
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return strings.Join(names, ", ")
}

func explainTLS(err error, addr string) error {
	var unk x509.UnknownAuthorityError
	var hn x509.HostnameError
	var inv x509.CertificateInvalidError
	var op *net.OpError
	switch {
	case errors.As(err, &unk):
		return errs.New(errs.KindUnavailable, err,
			"trust the issuing CA: `cosmosctl config set ca-file PATH` (or COSMOSCTL_CA_FILE); for the sandbox, its ca.pem",
			"%s: the server's certificate is signed by an unknown authority (%s)", addr, issuerOf(unk.Cert))
	case errors.As(err, &hn):
		return errs.New(errs.KindUnavailable, err, "check the endpoint's host name",
			"%s: the server's certificate is not valid for this host: %v", addr, hn)
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return errs.New(errs.KindUnavailable, err, "check this machine's clock; if it is right, the server's certificate has expired",
			"%s: the server's certificate has expired or is not yet valid: %v", addr, inv)
	case errors.As(err, &op) && op.Op == "dial":
		return errs.New(errs.KindUnavailable, err, "check the endpoint and that the account (or the sandbox) is running",
			"cannot connect to %s: %s", addr, errs.FirstLine(op.Err.Error()))
	}
	return errs.New(errs.KindUnavailable, err, "", "TLS to %s failed: %s", addr, errs.FirstLine(err.Error()))
}

func issuerOf(c *x509.Certificate) string {
	if c == nil {
		return "unknown issuer"
	}
	return "issuer " + c.Issuer.String()
}

// CheckOpenID fetches Entra ID's OpenID discovery document for tenant at
// authority: it proves the authority host is reachable through the same
// HTTP client as the sign-in and that the tenant exists.
func CheckOpenID(ctx context.Context, hc *http.Client, authority, tenant string) (string, error) {
	u := strings.TrimRight(authority, "/") + "/" + url.PathEscape(tenant) + "/v2.0/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", errs.New(errs.KindUsage, err, "check the profile's authority-host and tenant", "bad authority URL %s: %v", u, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		host := req.URL.Host
		if ctx.Err() != nil {
			return "", errs.New(errs.KindUnavailable, err, "raise --timeout, or check the network", "Entra ID at %s did not answer in time", host)
		}
		return "", errs.New(errs.KindUnavailable, err, "check the network (proxy, firewall) and the profile's authority-host",
			"cannot reach Entra ID at %s: %s", host, errs.FirstLine(err.Error()))
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
		Error         string `json:"error"`
		Description   string `json:"error_description"`
	}
	derr := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&doc)
	switch {
	case resp.StatusCode == http.StatusOK && derr == nil && doc.TokenEndpoint != "":
		return fmt.Sprintf("tenant %s at %s", tenant, req.URL.Host), nil
	case doc.Description != "":
		return "", errs.New(errs.KindUsage, nil, "check the tenant: `cosmosctl config set tenant TENANT_ID_OR_DOMAIN`",
			"Entra ID does not know tenant %s: %s", tenant, errs.FirstLine(doc.Description))
	}
	return "", errs.New(errs.KindUnavailable, derr, "check the profile's authority-host",
		"%s did not answer as Entra ID (HTTP %d)", req.URL.Host, resp.StatusCode)
}

// CheckClaims compares an access token's claims with the account: the
// audience the account expects, the tenant (when one is configured as an
// id), the expiry, and the local clock against the server's Date.
func CheckClaims(c *claims.Claims, wantAudience, wantTenant string, now, serverDate time.Time) (string, error) {
	aud := strings.TrimRight(c.Audience, "/")
	if wantAudience != "" && !strings.EqualFold(aud, strings.TrimRight(wantAudience, "/")) {
		return "", errs.New(errs.KindAuth, nil,
			fmt.Sprintf("`cosmosctl config set audience %s`, then `cosmosctl login`", wantAudience),
			"the token is for audience %s, but this account expects %s", aud, wantAudience)
	}
	if isGUID(wantTenant) && c.TenantID != "" && !strings.EqualFold(c.TenantID, wantTenant) {
		return "", errs.New(errs.KindAuth, nil, "sign in to the account's tenant: `cosmosctl login --tenant "+wantTenant+"`",
			"the token is from tenant %s, but the profile's tenant is %s", c.TenantID, wantTenant)
	}
	if !serverDate.IsZero() {
		if skew := now.Sub(serverDate); skew > 5*time.Minute || skew < -5*time.Minute {
			return "", errs.New(errs.KindAuth, nil, "set this machine's clock right (NTP); tokens and signatures carry the time",
				"this machine's clock (%s) is %s off the server's (%s)", now.UTC().Format(time.RFC3339), skew.Round(time.Second), serverDate.UTC().Format(time.RFC3339))
		}
	}
	if !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(now) {
		return "", errs.New(errs.KindAuth, nil, "sign in again: `cosmosctl login`",
			"the token expired at %s (local clock %s)", c.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	groups := "no groups claim (roles assigned to groups may not apply)"
	if c.Groups != nil {
		groups = fmt.Sprintf("%d groups", len(c.Groups))
	}
	return fmt.Sprintf("%s, tenant %s, audience %s, %s left, %s", c.Principal(), c.TenantID, aud, c.ExpiresAt.Sub(now).Round(time.Minute), groups), nil
}

// isGUID reports a tenant given as an id (8-4-4-4-12), not a domain.
func isGUID(s string) bool { return len(s) == 36 && uuid.Validate(s) == nil }
