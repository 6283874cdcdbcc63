package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
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
	certPEM := func(pub, priv any) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	p8, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	ep8, err := x509.MarshalPKCS8PrivateKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert := certPEM(&rk.PublicKey, rk)
	dir := t.TempDir()
	tests := []struct {
		name    string
		content []byte // nil = no file
		wantErr string
	}{
		{"PEM with PKCS#8 key", append(append([]byte(nil), rsaCert...), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})...), ""},
		{"PEM with PKCS#1 key first", append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}), rsaCert...), ""},
		{"certificate without key", rsaCert, "found no private key"},
		{"EC key", append(certPEM(&ek.PublicKey, ek), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ep8})...), "need an RSA key"},
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
