package testcert_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/testcert"
)

func TestSelfSigned(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	tests := []struct {
		name                string
		key                 crypto.Signer
		notBefore, notAfter time.Time
		wantAlgo            x509.PublicKeyAlgorithm
	}{
		{"RSA, valid now", rk, now.Add(-time.Hour), now.Add(time.Hour), x509.RSA},
		{"ECDSA, valid now", ek, now.Add(-time.Hour), now.Add(time.Hour), x509.ECDSA},
		{"RSA, expired", rk, now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), x509.RSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testcert.SelfSigned(t, tt.key, "app-"+tt.name, tt.notBefore, tt.notAfter)
			if c.Subject.CommonName != "app-"+tt.name {
				t.Errorf("CN = %q", c.Subject.CommonName)
			}
			if !c.NotBefore.Equal(tt.notBefore) || !c.NotAfter.Equal(tt.notAfter) {
				t.Errorf("validity = %v..%v, want %v..%v", c.NotBefore, c.NotAfter, tt.notBefore, tt.notAfter)
			}
			if c.PublicKeyAlgorithm != tt.wantAlgo {
				t.Errorf("key algorithm = %v, want %v", c.PublicKeyAlgorithm, tt.wantAlgo)
			}
			if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
				t.Errorf("key usage %v lacks digital signature", c.KeyUsage)
			}

			b, _ := pem.Decode(testcert.CertPEM(c))
			if b == nil || b.Type != "CERTIFICATE" || !bytes.Equal(b.Bytes, c.Raw) {
				t.Errorf("CertPEM does not hold the certificate")
			}
			kb, _ := pem.Decode(testcert.KeyPEM(t, tt.key))
			if kb == nil || kb.Type != "PRIVATE KEY" {
				t.Fatalf("KeyPEM is not a PRIVATE KEY block")
			}
			k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.(crypto.Signer).Public()) {
				t.Errorf("KeyPEM holds another key")
			}
		})
	}
	a := testcert.SelfSigned(t, ek, "same", now, now.Add(time.Hour))
	b := testcert.SelfSigned(t, ek, "same", now, now.Add(time.Hour))
	if a.SerialNumber.Cmp(b.SerialNumber) == 0 {
		t.Errorf("two certificates share serial %v", a.SerialNumber)
	}
}
