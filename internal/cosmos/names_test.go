package cosmos

import (
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func TestValidateName(t *testing.T) {
	cases := []struct {
		in      string
		wantErr string
	}{
		{"order-1", ""},
		{"ünïcode id with spaces", ""},
		{strings.Repeat("x", 255), ""},
		{"", "is empty"},
		{".", "would address another resource"},
		{"..", "would address another resource"},
		{"...", ""},
		{"a/b", "contains one of"},
		{`a\b`, "contains one of"},
		{"a?b", "contains one of"},
		{"a#b", "contains one of"},
		{strings.Repeat("x", 256), "at most 255"},
	}
	for _, c := range cases {
		err := ValidateName("item id", c.in)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || errs.ExitCode(err) != 2) {
			t.Errorf("ValidateName(%q) = %v, want %q", c.in, err, c.wantErr)
		}
	}
}

func TestCheckTransport(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"https://acct.documents.azure.com:443/", true},
		{"http://127.0.0.1:8081/", true},
		{"http://127.1.2.3:8081/", true},
		{"http://[::1]:8081/", true},
		{"http://localhost:8081/", true},
		{"http://LOCALHOST:8081/", true},
		{"http://example.invalid:8080/", false},
		{"http://10.0.0.5:8081/", false},
		{"http://localhost.example.com/", false},
		{"ftp://acct/", false},
		{"acct.documents.azure.com", false},
	}
	for _, c := range cases {
		err := CheckTransport(c.in)
		if (err == nil) != c.ok || (err != nil && errs.ExitCode(err) != 2) {
			t.Errorf("CheckTransport(%q) = %v, want ok=%v", c.in, err, c.ok)
		}
	}
	if err := CheckTransport("http://example.invalid:8080/"); !strings.Contains(err.Error(), "refusing to send credentials to http://example.invalid:8080/ over plain http") {
		t.Errorf("message: %v", err)
	}
}

func TestCheckAuthority(t *testing.T) {
	cases := []struct {
		in      string
		wantErr string // "" = accepted
	}{
		{"https://login.microsoftonline.com", ""},
		{"http://127.0.0.1:9443", ""},
		{"http://localhost", ""},
		{"http://login.example.invalid", "refusing to send credentials to authority host http://login.example.invalid over plain http"},
		{"http://10.1.2.3/", "authority host http://10.1.2.3/"},
		{"login.microsoftonline.com", `authority host "login.microsoftonline.com" is not an https URL`},
	}
	for _, c := range cases {
		err := CheckAuthority(c.in)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || errs.ExitCode(err) != 2) {
			t.Errorf("CheckAuthority(%q) = %v, want %q", c.in, err, c.wantErr)
		}
	}
}
