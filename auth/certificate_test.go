package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/testcert"
)

func TestReadCertificateFile(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := func(k crypto.Signer) []byte {
		return testcert.CertPEM(testcert.SelfSigned(t, k, "t", time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))
	}
	rsaCert := certPEM(rk)
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte // nil = no file
		wantErr string
	}{
		{"PEM with PKCS#8 key", append(append([]byte(nil), rsaCert...), testcert.KeyPEM(t, rk)...), ""},
		{"PEM with PKCS#1 key first", append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}), rsaCert...), ""},
		{"certificate without key", rsaCert, "found no private key"},
		{"EC key", append(certPEM(ek), testcert.KeyPEM(t, ek)...), "need an RSA key"},
		{"not PEM, not PKCS#12", []byte("hello"), "neither PEM (no -----BEGIN line) nor a PKCS#12 file"},
		{"missing", nil, "no such file or directory"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(dir, strings.Repeat("c", i+1)+".pem")
			if tt.content != nil {
				if err := os.WriteFile(name, tt.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			b, err := readCertificateFile(name, "", "--certificate")
			if tt.wantErr == "" {
				if err != nil || string(b) != string(tt.content) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), name) {
				t.Fatalf("err = %v, want one naming %s and containing %q", err, name, tt.wantErr)
			}
			if code := errs.ExitCode(err); code != errs.ExitUsage {
				t.Fatalf("exit code %d, want %d (usage)", code, errs.ExitUsage)
			}
		})
	}
}
