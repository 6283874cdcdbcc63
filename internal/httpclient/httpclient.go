// Package httpclient builds the one HTTP client an invocation sends every
// request with (Entra ID and Cosmos DB alike): the system roots plus an
// optional CA bundle, for corporate TLS proxies and the sandbox, and the
// --debug exchange log.
package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Options configure New; the zero value is a plain client.
type Options struct {
	// CAFile is a PEM bundle to trust besides the system roots ("" = none).
	CAFile string
	// ReadFile reads CAFile (nil = os.ReadFile; injectable for tests).
	ReadFile func(name string) ([]byte, error)
	// Debug receives one line per exchange when non-nil (--debug).
	Debug io.Writer
	// Now is the clock of the debug log (nil = time.Now).
	Now func() time.Time
}

// New builds the client. The CA bundle is read, and the system pool
// loaded, here only: callers build one client per invocation and share it.
func New(o Options) (*http.Client, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		read := o.ReadFile
		if read == nil {
			read = os.ReadFile
		}
		pem, err := read(o.CAFile)
		if err != nil {
			return nil, errs.New(errs.KindUsage, err, "fix the profile's ca-file or COSMOSCTL_CA_FILE", "cannot read CA bundle %s: %v", o.CAFile, err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errs.Usage("CA bundle %s holds no PEM certificate", o.CAFile)
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
	if o.Debug != nil {
		now := o.Now
		if now == nil {
			now = time.Now
		}
		return &http.Client{Transport: &debugTransport{next: tr, w: o.Debug, now: now}}, nil
	}
	return &http.Client{Transport: tr}, nil
}

// TLSConfig is the TLS configuration a client built by New uses (its
// trusted roots), for checks that dial themselves; nil for other clients.
func TLSConfig(c *http.Client) *tls.Config {
	tr := c.Transport
	if d, ok := tr.(*debugTransport); ok {
		tr = d.next
	}
	if t, ok := tr.(*http.Transport); ok {
		return t.TLSClientConfig
	}
	return nil
}
