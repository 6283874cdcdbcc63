package cmdutil

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Credentials is what a data command authenticates with: an Entra ID token
// credential, or (for emulators and accounts that allow keys) an account key.
type Credentials struct {
	Method string                 // devicecode, azurecli, serviceprincipal, managedidentity, workloadidentity, env, key
	Token  azcore.TokenCredential // nil when Key is set
	Key    string                 // base64 account key; never logged
}

// CredentialFunc returns the credentials for the effective settings: the
// token path (cached token → silent refresh → "run cosmosctl login"). It
// never prompts. The auth layer provides it (wired in main.go).
type CredentialFunc func(ctx context.Context, s *Settings) (*Credentials, error)

// CAFile is the CA bundle to trust besides the system roots: the
// COSMOSCTL_CA_FILE variable, else the profile's ca-file.
func (f *Factory) CAFile(s *Settings) string {
	if v := f.Getenv("COSMOSCTL_CA_FILE"); v != "" {
		return v
	}
	return s.Profile.CAFile
}

// HTTPClient returns the HTTP client every request of this invocation uses
// (Entra and Cosmos alike): system roots plus the configured CA bundle, for
// corporate TLS proxies and the sandbox.
func (f *Factory) HTTPClient(s *Settings) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca := f.CAFile(s); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, errs.New(errs.KindUsage, err, "fix the profile's ca-file or COSMOSCTL_CA_FILE", "cannot read CA bundle %s: %v", ca, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errs.Usage("CA bundle %s holds no PEM certificate", ca)
		}
		tlsConf.RootCAs = pool
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if f.Flags != nil && f.Flags.Debug {
		now := f.Now
		if now == nil {
			now = time.Now
		}
		return &http.Client{Transport: &debugTransport{next: tr, mu: &f.debugMu, w: f.IOStreams.ErrOut, now: now}}, nil
	}
	return &http.Client{Transport: tr}, nil
}
