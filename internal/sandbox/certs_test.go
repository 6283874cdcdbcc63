package sandbox

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTLSMaterial(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m, err := newTLSMaterial(now, []net.IP{net.IPv4(127, 0, 0, 7)})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(m.server.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"localhost", true}, {"127.0.0.1", true}, {"::1", true}, {"127.0.0.7", true},
		{"127.0.0.2", false}, {"example.com", false},
	}
	for _, tt := range tests {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: tt.name, Roots: m.pool, CurrentTime: now})
		if (err == nil) != tt.ok {
			t.Errorf("verify for %s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: m.pool, CurrentTime: now.Add(certLifetime + time.Hour)}); err == nil {
		t.Error("certificate still valid after its lifetime")
	}

	dir := t.TempDir()
	caFile, err := m.write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if caFile != filepath.Join(dir, "ca.pem") {
		t.Errorf("ca file = %s", caFile)
	}
	for name, mode := range map[string]os.FileMode{"ca.pem": 0o644, "server.pem": 0o644, "server-key.pem": 0o600, "ca-key.pem": 0o600} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), mode)
		}
	}
	pem, _ := os.ReadFile(caFile)
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		t.Error("ca.pem holds no certificate")
	}
}
