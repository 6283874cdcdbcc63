package config

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	formats := []string{"table", "json"}
	cfg := &Config{CurrentProfile: "dev", Profiles: map[string]*Profile{
		"dev":  {Endpoint: "https://dev.documents.azure.com:443/", Database: "shop", Output: "table"},
		"prod": {Endpoint: "https://prod.documents.azure.com:443/", Container: "orders"},
	}}
	tests := []struct {
		name    string
		flags   Flags
		env     map[string]string
		want    Settings // compared field by field below
		exists  bool
		wantErr string
	}{
		{name: "current profile", want: Settings{ProfileName: "dev", Endpoint: "https://dev.documents.azure.com:443/", Database: "shop", Output: "table"}, exists: true},
		{name: "env profile, env over profile", env: map[string]string{"COSMOSCTL_PROFILE": "prod", "COSMOSCTL_CONTAINER": "items"},
			want: Settings{ProfileName: "prod", Endpoint: "https://prod.documents.azure.com:443/", Container: "items"}, exists: true},
		{name: "flag over env", flags: Flags{Profile: "prod", Database: "d", Output: "json"}, env: map[string]string{"COSMOSCTL_PROFILE": "dev", "COSMOSCTL_DATABASE": "e"},
			want: Settings{ProfileName: "prod", ProfileFlag: "prod", Endpoint: "https://prod.documents.azure.com:443/", Database: "d", Container: "orders", Output: "json"}, exists: true},
		{name: "unknown profile by flag", flags: Flags{Profile: "nope"}, wantErr: `profile "nope" does not exist`},
		{name: "unknown profile by env", env: map[string]string{"COSMOSCTL_PROFILE": "nope"}, wantErr: `profile "nope" does not exist`},
		{name: "bad output", flags: Flags{Output: "xml"}, wantErr: "--output: output must be one of table, json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(cfg, tt.flags, func(k string) string { return tt.env[k] }, formats)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Resolve: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := Settings{ProfileName: s.ProfileName, ProfileFlag: s.ProfileFlag, Endpoint: s.Endpoint, Database: s.Database, Container: s.Container, Output: s.Output}
			if got != tt.want || s.Exists != tt.exists || s.Profile == nil || s.Config != cfg {
				t.Fatalf("Resolve = %+v (exists %v), want %+v (exists %v)", got, s.Exists, tt.want, tt.exists)
			}
		})
	}
}

func TestResolveMissingDefaultProfile(t *testing.T) {
	s, err := Resolve(&Config{}, Flags{}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.ProfileName != "default" || s.Exists || s.Profile == nil {
		t.Fatalf("got %+v", s)
	}
	if _, err := s.RequireEndpoint(); err == nil || !strings.Contains(err.Error(), `no Cosmos DB endpoint for profile "default"`) {
		t.Fatalf("RequireEndpoint: %v", err)
	}
}

func TestSettingsForProfile(t *testing.T) {
	cfg := &Config{Profiles: map[string]*Profile{"a": {Endpoint: "https://a/"}, "b": {Endpoint: "https://b/"}}}
	s, err := Resolve(cfg, Flags{Profile: "a", Endpoint: "https://flag/"}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := s.ForProfile("b")
	if b == nil || b.ProfileName != "b" || b.Endpoint != "https://b/" || b.Profile != cfg.Profiles["b"] || b.ProfileFlag != "a" {
		t.Fatalf("ForProfile(b) = %+v", b)
	}
	if s.ProfileName != "a" || s.Endpoint != "https://flag/" {
		t.Fatalf("ForProfile changed the original: %+v", s)
	}
	if s.ForProfile("c") != nil {
		t.Fatal("ForProfile of a missing profile")
	}
}
