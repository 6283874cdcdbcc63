package seed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/testcert"
)

func TestCertificates(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	certPEM := string(testcert.CertPEM(testcert.SelfSigned(t, rk, "app-cert", now.Add(-time.Hour), now.Add(time.Hour))))
	keyPEM := string(testcert.KeyPEM(t, rk))
	ecPEM := string(testcert.CertPEM(testcert.SelfSigned(t, ek, "ec-cert", now.Add(-time.Hour), now.Add(time.Hour))))
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("app.pem", certPEM)
	write("both.pem", certPEM+keyPEM)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	sp := func(extra string) string {
		return `{"principals":[{"name":"alice"},{"name":"build","servicePrincipal":true,` + extra + `}]}`
	}
	tests := []struct {
		name      string
		seed      string
		wantCerts int
		wantErr   string
	}{
		{"inline certificate", sp(`"certificates":[` + q(certPEM) + `]`), 1, ""},
		{"certificate file next to the seed", sp(`"certificateFile":"app.pem"`), 1, ""},
		{"inline and file", sp(`"certificates":[` + q(certPEM) + `],"certificateFile":"app.pem"`), 2, ""},
		{"two certificates in one entry", sp(`"certificates":[` + q(certPEM+certPEM) + `]`), 2, ""},
		{"certificate with a secret too", sp(`"clientSecret":"s","certificates":[` + q(certPEM) + `]`), 1, ""},
		{"missing file", sp(`"certificateFile":"nope.pem"`), 0, `principals[1] (build).certificateFile: stat `},
		{"file with the private key", sp(`"certificateFile":"both.pem"`), 0,
			`principals[1].certificates[0]: principal "build": contains a private key: register only the public certificate`},
		{"not PEM", sp(`"certificates":["MIIB..."]`), 0, `principals[1].certificates[0]: principal "build": no PEM "CERTIFICATE" block`},
		{"EC certificate", sp(`"certificates":[` + q(ecPEM) + `]`), 0, `principal "build": certificate "CN=ec-cert" has a ECDSA key`},
		{"on a user", `{"principals":[{"name":"alice","certificates":[` + q(certPEM) + `]}]}`, 0,
			`principals[0]: principal "alice": certificates are only for service principals`},
		{"on a managed identity", `{"principals":[{"name":"mi","managedIdentity":true,"certificates":[` + q(certPEM) + `]}]}`, 0,
			`principals[0]: principal "mi": certificates are only for service principals`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "seed.json")
			write("seed.json", tc.seed)
			s, err := Load(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), path+": ") {
					t.Fatalf("err = %v, want %q prefixed with the seed path", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, _ := s.PrincipalByName("build")
			certs, err := p.X509Certificates()
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != tc.wantCerts || certs[0].Subject.CommonName != "app-cert" || p.CertificateFile != "" {
				t.Fatalf("got %d certificates (want %d), certificateFile %q", len(certs), tc.wantCerts, p.CertificateFile)
			}
		})
	}
	// Parse without a file reader refuses certificate files, naming the principal.
	if _, err := Parse("inline", []byte(sp(`"certificateFile":"app.pem"`)), nil); err == nil || !strings.Contains(err.Error(), "principals[1] (build).certificateFile: certificate files are not supported here") {
		t.Fatalf("Parse with no reader: %v", err)
	}
}

// The demo's ci principal keeps its secret and registers no certificate.
func TestDemoHasNoCertificates(t *testing.T) {
	for _, p := range Demo().Principals {
		if len(p.Certificates) != 0 || p.CertificateFile != "" {
			t.Errorf("demo principal %s registers certificates", p.Name)
		}
	}
	if ci, _ := Demo().PrincipalByName("ci"); ci.ClientSecret != DemoCIClientSecret {
		t.Fatalf("demo ci lost its secret")
	}
}
