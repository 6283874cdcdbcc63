package cmd

import (
	"bytes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/auth"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/rbac"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// certClientID is the app id of the "build" service principal of certSeed.
const certClientID = "b1d0b1d0-0000-4000-8000-0000000000c2"

// clientCert is a generated certificate with its key, in the file forms a
// user would have: PEM (certificate + key), PKCS#12 without password, and
// the public certificate alone (what the app registration holds).
type clientCert struct {
	key                          *rsa.PrivateKey
	certDER, pkcs8               []byte
	publicPEM, bundlePEM, pfxDER []byte
}

func newClientCert(t *testing.T, cn string) clientCert {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return clientCert{
		key: k, certDER: der, pkcs8: p8, publicPEM: pub,
		bundlePEM: append(append([]byte(nil), pub...), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})...),
		pfxDER:    encodePFX(t, der, p8, ""),
	}
}

// certSeed is a small seed whose service principal "build" registers the
// public certificate and may read everything.
func certSeed(t *testing.T, c clientCert) *seed.Seed {
	t.Helper()
	s := &seed.Seed{
		Source: "cert seed",
		Principals: []seed.Principal{
			{Name: "alice"},
			{Name: "build", DisplayName: "build pipeline", ServicePrincipal: true, ClientID: certClientID, Certificates: []string{string(c.publicPEM)}},
		},
		Databases: []seed.Database{{ID: "shop", Containers: []seed.Container{{
			ID: "orders", PartitionKey: seed.PartitionKey{Paths: []string{"/customerId"}, Kind: "Hash"}, PhysicalPartitions: 2,
			Items: []json.RawMessage{
				json.RawMessage(`{"id":"1","customerId":"c1","total":5}`),
				json.RawMessage(`{"id":"2","customerId":"c2","total":7}`),
				json.RawMessage(`{"id":"3","customerId":"c3","total":11}`),
			},
		}}}},
		RoleAssignments: []seed.RoleAssignment{{Principal: "build", Role: rbac.DataReaderName, Scope: "/"}},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoginCertificate(t *testing.T) {
	good := newClientCert(t, "build pipeline")
	unknown := newClientCert(t, "not registered")
	e := loginSandbox(t, sandboxtest.WithSeed(certSeed(t, good)))
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pemFile := write("build.pem", good.bundlePEM)
	pfxFile := write("build.pfx", good.pfxDER)
	unknownFile := write("other.pem", unknown.bundlePEM)
	protectedFile := write("protected.pfx", encodePFX(t, good.certDER, good.pkcs8, "s3cret"))
	login := func(file string, extra ...string) []string {
		return append([]string{"--profile", "sandbox", "login", "--service-principal", "--tenant", e.sb.Tenant,
			"--client-id", certClientID, "--certificate", file}, extra...)
	}
	tests := []struct {
		name     string
		args     []string
		password string // AZURE_CLIENT_CERTIFICATE_PASSWORD
		wantCode int
		wantErr  []string
	}{
		{"PEM with certificate and key", login(pemFile), "", 0, nil},
		{"PKCS#12 without password", login(pfxFile), "", 0, nil},
		{"PKCS#12 with AZURE_CLIENT_CERTIFICATE_PASSWORD", login(protectedFile), "s3cret", 0, nil},
		{"PKCS#12 with --certificate-password", login(protectedFile, "--certificate-password", "s3cret"), "", 0, nil},
		{"--certificate-password without --certificate", []string{"--profile", "sandbox", "login", "--service-principal", "--tenant", e.sb.Tenant,
			"--client-id", certClientID, "--client-secret", "x", "--certificate-password", "s3cret"}, "", errs.ExitUsage, []string{"--certificate-password needs --certificate"}},
		// A failed login keeps the previous one (checked after the table).
		{"certificate the tenant does not know", login(unknownFile), "", errs.ExitAuth,
			[]string{"AADSTS700027", "not registered on the app registration"}},
		{"missing file", login(filepath.Join(dir, "nope.pem")), "", errs.ExitUsage, []string{"nope.pem", "no such file"}},
		{"public certificate only", login(write("public.pem", good.publicPEM)), "", errs.ExitUsage, []string{"public.pem", "found no private key"}},
		{"not a certificate", login(write("garbage.pem", []byte("hello"))), "", errs.ExitUsage, []string{"garbage.pem: neither PEM"}},
		{"PKCS#12 with a wrong password", login(protectedFile), "guess", errs.ExitUsage, []string{"protected.pfx: wrong password"}},
		{"unreadable (a directory)", login(dir), "", errs.ExitUsage, []string{"cannot read the certificate file " + dir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.env["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = tt.password
			r := e.run(t, tt.args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.wantCode, r.stderr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
			if tt.wantCode != 0 {
				return
			}
			if !strings.Contains(r.stderr, "Signed in to profile sandbox") {
				t.Errorf("login report: %q", r.stderr)
			}
			w := e.whoami(t)
			if w["appId"] != certClientID || w["method"] != auth.MethodServicePrincipal || w["objectId"] != seed.DerivedObjectID(e.sb.Tenant, "build") {
				t.Fatalf("whoami: %v", w)
			}
		})
	}

	// Later commands are silent: no request to Entra while the token lives.
	before := loginEntraRequests(e.sb)
	w := e.whoami(t)
	if w["appId"] != certClientID {
		t.Fatalf("the failed login replaced the previous one: %v", w)
	}
	e.credentialToken(t)
	q := e.mustRun(t, "--profile", "sandbox", "query", "SELECT VALUE SUM(c.total) FROM c", "-d", "shop", "-c", "orders", "-o", "json")
	if got := strings.Join(strings.Fields(q.stdout), ""); got != "[23]" {
		t.Fatalf("query as the certificate principal: %q", q.stdout)
	}
	if n := loginEntraRequests(e.sb) - before; n != 0 {
		t.Fatalf("later commands made %d requests to Entra, want 0", n)
	}
	// One per sign-in that reached Entra: PEM, three PKCS#12, the unknown certificate.
	if n := e.sb.Entra.Stats().CertificateAssertions; n != 5 {
		t.Fatalf("Entra saw %d certificate assertions, want 5", n)
	}
	// The private key is kept only in the encrypted store.
	e.assertNoSecrets(t)
	assertNoKey(t, e.configDir, keyMarkers(good))
}

// TestLoginCertificateSilentRefresh: with tokens shorter than the refresh
// margin, each command signs a new assertion from the stored certificate.
func TestLoginCertificateSilentRefresh(t *testing.T) {
	good := newClientCert(t, "build pipeline")
	e := loginSandbox(t, sandboxtest.WithSeed(certSeed(t, good)), sandboxtest.WithTokenLifetime(2*time.Minute))
	file := filepath.Join(t.TempDir(), "build.pfx")
	if err := os.WriteFile(file, good.pfxDER, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		insecure bool
	}{
		{"encrypted store keeps the certificate", false},
		{"plaintext store keeps only the path", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--profile", "sandbox", "login", "--service-principal", "--tenant", e.sb.Tenant, "--client-id", certClientID, "--certificate", file}
			if tt.insecure {
				args = append(args, "--insecure-storage")
			}
			e.mustRun(t, args...)
			before := e.sb.Entra.Stats().CertificateAssertions
			for i := 0; i < 2; i++ {
				e.credentialToken(t)
			}
			if n := e.sb.Entra.Stats().CertificateAssertions - before; n != 2 {
				t.Fatalf("%d certificate assertions for 2 commands with short tokens, want 2", n)
			}
			// (--insecure-storage keeps access tokens in clear, by design;
			// never the key.)
			assertNoKey(t, e.configDir, keyMarkers(good))
		})
	}
}

// TestLoginEnvCertificate: the env route signs in with
// AZURE_CLIENT_CERTIFICATE_PATH and stores nothing.
func TestLoginEnvCertificate(t *testing.T) {
	good := newClientCert(t, "build pipeline")
	e := loginSandbox(t, sandboxtest.WithSeed(certSeed(t, good)))
	dir := t.TempDir()
	file := filepath.Join(dir, "build.pem")
	if err := os.WriteFile(file, good.bundlePEM, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		wantCode int
		wantErr  string
	}{
		{"certificate file", file, 0, ""},
		{"missing file", filepath.Join(dir, "gone.pem"), errs.ExitUsage, "gone.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.env["AZURE_TENANT_ID"], e.env["AZURE_CLIENT_ID"], e.env["AZURE_CLIENT_CERTIFICATE_PATH"] = e.sb.Tenant, certClientID, tt.path
			r := e.run(t, "--profile", "sandbox", "login", "--env")
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantErr) {
				t.Fatalf("exit %d (want %d), stderr %q", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantCode != 0 {
				return
			}
			if w := e.whoami(t); w["appId"] != certClientID || w["method"] != auth.MethodEnv {
				t.Fatalf("whoami: %v", w)
			}
		})
	}
	e.assertNoSecrets(t)
	assertNoKey(t, e.configDir, keyMarkers(good))
}

// assertNoKey checks that no file under dir holds the private key in clear.
func assertNoKey(t *testing.T, dir string, markers []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// A plaintext token store holds base64 entries: look inside them too.
		var f struct {
			Entries map[string][]byte `json:"entries"`
		}
		if json.Unmarshal(b, &f) == nil {
			for _, v := range f.Entries {
				b = append(append(b, '\n'), v...)
			}
		}
		for _, m := range markers {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s holds the certificate's private key in clear", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// keyMarkers are strings that would appear in a file holding the private
// key in clear: a line of its PEM body and the base64 of each file form
// (as a JSON []byte would encode it).
func keyMarkers(c clientCert) []string {
	keyLine := ""
	inKey := false
	for _, l := range strings.Split(string(c.bundlePEM), "\n") {
		if strings.HasPrefix(l, "-----BEGIN PRIVATE KEY") {
			inKey = true
			continue
		}
		if inKey {
			keyLine = l
			break
		}
	}
	return []string{keyLine,
		base64.StdEncoding.EncodeToString(c.bundlePEM[:48]),
		base64.StdEncoding.EncodeToString(c.pfxDER[:48])}
}

// encodePFX builds a PKCS#12 file (RFC 7292) protected by an ASCII password ("" for none): the
// certificate in a cert bag, the key in a PKCS#8 shrouded key bag
// (pbeWithSHAAnd3-KeyTripleDES-CBC) and an HMAC-SHA1 MAC, the shape
// Windows and openssl write and azidentity reads. The standard library
// has no encoder, and the test must generate its key at run time.
func encodePFX(t *testing.T, certDER, pkcs8 []byte, pass string) []byte {
	t.Helper()
	var (
		oidData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
		oidCertBag     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
		oidShroudedKey = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
		oidX509Cert    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
		oidPBE3DES     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
		oidSHA1        = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	)
	const iterations = 2048
	// The password as a NUL-terminated BMPString (UTF-16BE; ASCII here).
	var password []byte
	for _, r := range pass {
		password = append(password, 0, byte(r))
	}
	password = append(password, 0, 0)
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	explicit0 := func(inner []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	type safeBag struct {
		ID    asn1.ObjectIdentifier
		Value asn1.RawValue
	}
	type contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}
	dataInfo := func(payload []byte) contentInfo {
		return contentInfo{oidData, explicit0(must(asn1.Marshal(payload)))}
	}

	// Certificate bag.
	certBag := must(asn1.Marshal(struct {
		ID   asn1.ObjectIdentifier
		Data asn1.RawValue
	}{oidX509Cert, explicit0(must(asn1.Marshal(certDER)))}))

	// Shrouded key bag: PKCS#8 encrypted with 3DES-CBC under the PKCS#12 KDF.
	salt := random(8)
	key := pkcs12KDF(salt, password, iterations, 1, 24)
	iv := pkcs12KDF(salt, password, iterations, 2, 8)
	block, err := des.NewTripleDESCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pad := 8 - len(pkcs8)%8
	plain := append(append([]byte(nil), pkcs8...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	enc := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(enc, plain)
	params := must(asn1.Marshal(struct {
		Salt       []byte
		Iterations int
	}{salt, iterations}))
	keyBag := must(asn1.Marshal(struct {
		Algo pkix.AlgorithmIdentifier
		Data []byte
	}{pkix.AlgorithmIdentifier{Algorithm: oidPBE3DES, Parameters: asn1.RawValue{FullBytes: params}}, enc}))

	certSafe := must(asn1.Marshal([]safeBag{{oidCertBag, explicit0(certBag)}}))
	keySafe := must(asn1.Marshal([]safeBag{{oidShroudedKey, explicit0(keyBag)}}))
	authSafe := must(asn1.Marshal([]contentInfo{dataInfo(certSafe), dataInfo(keySafe)}))

	macSalt := random(8)
	mac := hmac.New(sha1.New, pkcs12KDF(macSalt, password, iterations, 3, 20))
	mac.Write(authSafe)
	type digestInfo struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	return must(asn1.Marshal(struct {
		Version  int
		AuthSafe contentInfo
		MacData  struct {
			Mac        digestInfo
			MacSalt    []byte
			Iterations int
		}
	}{
		Version:  3,
		AuthSafe: dataInfo(authSafe),
		MacData: struct {
			Mac        digestInfo
			MacSalt    []byte
			Iterations int
		}{digestInfo{pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue}, mac.Sum(nil)}, macSalt, iterations},
	}))
}

// pkcs12KDF is the key derivation of RFC 7292 appendix B.2 with SHA-1
// (u = 20, v = 64): id 1 = key, 2 = IV, 3 = MAC key.
func pkcs12KDF(salt, password []byte, iterations int, id byte, n int) []byte {
	const u, v = 20, 64
	fill := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		out := make([]byte, v*((len(b)+v-1)/v))
		for i := range out {
			out[i] = b[i%len(b)]
		}
		return out
	}
	d := bytes.Repeat([]byte{id}, v)
	I := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < n {
		h := sha1.Sum(append(append([]byte(nil), d...), I...))
		a := h[:]
		for i := 1; i < iterations; i++ {
			h = sha1.Sum(a)
			a = h[:]
		}
		out = append(out, a...)
		// I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block, B = A repeated.
		b := make([]byte, v)
		for i := range b {
			b[i] = a[i%u]
		}
		for j := 0; j < len(I); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				sum := int(I[j+k]) + int(b[k]) + carry
				I[j+k] = byte(sum)
				carry = sum >> 8
			}
		}
	}
	return out[:n]
}
