package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
)

// certLifetime is short on purpose: a sandbox CA is trusted by files on disk,
// so a leaked ca.pem should stop mattering soon.
const certLifetime = 7 * 24 * time.Hour

// tlsMaterial is the generated CA and the server certificate it signed.
type tlsMaterial struct {
	caPEM  []byte
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	server tls.Certificate
}

// caKeyFile holds the CA's private key (0600), so that a sandbox restarted
// in the same directory keeps the CA its clients already trust.
const caKeyFile = "ca-key.pem"

// minCARemaining is how long a kept CA must still be valid; an older one is
// replaced, as its server certificates would expire mid-session.
const minCARemaining = 24 * time.Hour

// newTLSMaterial creates an ECDSA P-256 CA and a server certificate valid
// for localhost, 127.0.0.1, ::1 and any extra listener IPs.
func newTLSMaterial(now time.Time, extraIPs []net.IP) (*tlsMaterial, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "cosmosctl sandbox CA", Organization: []string{"cosmosctl sandbox"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	return issueServer(now, ca, caKey, extraIPs)
}

// keptTLSMaterial reuses the CA stored in dir (ca.pem and ca-key.pem) when
// it is still valid for a while, and otherwise creates a new one; either
// way the server certificate is new, for this run's listener IPs.
func keptTLSMaterial(dir string, now time.Time, extraIPs []net.IP) (*tlsMaterial, error) {
	certPEM, err1 := os.ReadFile(filepath.Join(dir, "ca.pem"))
	keyPEM, err2 := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err1 != nil || err2 != nil {
		return newTLSMaterial(now, extraIPs)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return newTLSMaterial(now, extraIPs)
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil || !ca.IsCA || ca.NotAfter.Sub(now) < minCARemaining {
		return newTLSMaterial(now, extraIPs)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil || !key.PublicKey.Equal(ca.PublicKey) {
		return newTLSMaterial(now, extraIPs)
	}
	return issueServer(now, ca, key, extraIPs)
}

func issueServer(now time.Time, ca *x509.Certificate, caKey *ecdsa.PrivateKey, extraIPs []net.IP) (*tlsMaterial, error) {
	caDER := ca.Raw
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, ip := range extraIPs {
		if ip != nil && !ip.Equal(ips[0]) && !ip.Equal(ips[1]) {
			ips = append(ips, ip)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"cosmosctl sandbox"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &tlsMaterial{
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		caKey:  caKey,
		pool:   pool,
		server: tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key},
	}, nil
}

// write stores ca.pem (public), server.pem, and server-key.pem and
// ca-key.pem (0600) in dir. The CA key is kept for the next run in the same
// directory only: the CA is short-lived and trusted by no one else.
func (m *tlsMaterial) write(dir string) (caFile string, err error) {
	keyDER, err := x509.MarshalECPrivateKey(m.server.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		return "", fmt.Errorf("encode server key: %w", err)
	}
	caKeyDER, err := x509.MarshalECPrivateKey(m.caKey)
	if err != nil {
		return "", fmt.Errorf("encode CA key: %w", err)
	}
	var chain []byte
	for _, c := range m.server.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c})...)
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"ca.pem", m.caPEM, 0o644},
		{"server.pem", chain, 0o644},
		{"server-key.pem", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600},
		{caKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER}), 0o600},
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "ca.pem"), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(fmt.Sprintf("sandbox: crypto/rand: %v", err))
	}
	return n
}
