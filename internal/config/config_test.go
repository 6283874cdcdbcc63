package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirPrecedence(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"COSMOSCTL_CONFIG_DIR": "/a", "XDG_CONFIG_HOME": "/b"}, "/a"},
		{map[string]string{"XDG_CONFIG_HOME": "/b"}, "/b/cosmosctl"},
	}
	for _, tc := range cases {
		got, err := Dir(func(k string) string { return tc.env[k] })
		if err != nil || got != tc.want {
			t.Fatalf("Dir(%v) = %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
}

func TestLoadSaveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(dir)
	if err != nil {
		t.Fatalf("missing file must load as empty: %v", err)
	}
	p := c.EnsureProfile("prod")
	if err := p.Set("endpoint", "https://acct.documents.azure.com:443/"); err != nil {
		t.Fatal(err)
	}
	p.Account = &Account{Method: "devicecode", Username: "alice@contoso.test"}
	c.CurrentProfile = "prod"
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c2.CurrentProfile != "prod" || c2.Profile("prod").Endpoint != "https://acct.documents.azure.com:443/" || c2.Profile("prod").Account.Username != "alice@contoso.test" {
		t.Fatalf("round trip lost data: %+v", c2)
	}
	st, _ := os.Stat(filepath.Join(dir, FileName))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	// Besides the file, only the lock every writer takes (kept: removing
	// a lock file races with its next user) may be there.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != FileName || names[1] != FileName+".lock" {
		t.Fatalf("temporary files left behind: %v", names)
	}
}

func TestLoadInvalidYAML(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("profiles: [unclosed"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "not valid YAML") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}

func TestValidateValue(t *testing.T) {
	cases := []struct {
		key, value string
		ok         bool
	}{
		{"endpoint", "https://a.documents.azure.com:443/", true},
		{"endpoint", "a.documents.azure.com", false},
		{"auth", "devicecode", true},
		{"auth", "password", false},
		{"cloud", "usgov", true},
		{"cloud", "mars", false},
		{"cloud", "https://login.example.test/", true},
		{"database", "anything", true},
	}
	for _, tc := range cases {
		err := ValidateValue(tc.key, tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateValue(%q, %q) = %v, want ok=%v", tc.key, tc.value, err, tc.ok)
		}
	}
}

func TestValidateOutput(t *testing.T) {
	formats := []string{"table", "json", "yaml"}
	cases := []struct {
		value string
		ok    bool
	}{
		{"yaml", true},
		{"", true},
		{"xml", false},
	}
	for _, tc := range cases {
		err := ValidateOutput(tc.value, formats)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateOutput(%q) = %v, want ok=%v", tc.value, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "table, json, yaml") {
			t.Errorf("ValidateOutput(%q) = %v, want the formats listed", tc.value, err)
		}
	}
}

func TestAuthorityHost(t *testing.T) {
	cases := []struct {
		p    Profile
		want string
	}{
		{Profile{}, "https://login.microsoftonline.com/"},
		{Profile{Cloud: "usgov"}, "https://login.microsoftonline.us/"},
		{Profile{Cloud: "china"}, "https://login.chinacloudapi.cn/"},
		{Profile{Cloud: "usgov", AuthorityHost: "https://127.0.0.1:4430"}, "https://127.0.0.1:4430"},
	}
	for _, tc := range cases {
		if got := tc.p.AuthorityHostURL(); got != tc.want {
			t.Errorf("%+v: got %q want %q", tc.p, got, tc.want)
		}
	}
}

// Save writes only this invocation's changes into the current file, so
// writers that loaded the same content do not undo each other.
func TestSaveMergesConcurrentChanges(t *testing.T) {
	dir := t.TempDir()
	base, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	base.EnsureProfile("a").Endpoint = "https://a.documents.azure.com:443/"
	base.EnsureProfile("gone").Endpoint = "https://gone.documents.azure.com:443/"
	base.CurrentProfile = "a"
	if err := base.Save(); err != nil {
		t.Fatal(err)
	}
	one, _ := Load(dir)
	two, _ := Load(dir)
	one.EnsureProfile("a").Database = "shop"
	one.EnsureProfile("b").Tenant = "contoso"
	two.EnsureProfile("a").Container = "orders"
	two.EnsureProfile("a").Account = &Account{Method: "devicecode"}
	delete(two.Profiles, "gone")
	two.CurrentProfile = "b"
	for _, c := range []*Config{one, two} {
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := Load(dir)
	a, b := got.Profile("a"), got.Profile("b")
	switch {
	case a == nil || a.Database != "shop" || a.Container != "orders" || a.Account == nil || a.Endpoint == "":
		t.Fatalf("profile a lost a change: %+v", a)
	case b == nil || b.Tenant != "contoso":
		t.Fatalf("profile b lost: %+v", b)
	case got.Profile("gone") != nil || got.CurrentProfile != "b":
		t.Fatalf("delete or current profile lost: %+v", got)
	}
	// The saver holds the merged content afterwards.
	if two.Profile("b") == nil || two.Profile("a").Database != "shop" {
		t.Fatalf("Save did not adopt the merged content: %+v", two.Profiles)
	}
}
