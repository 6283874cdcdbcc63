package atomicfile_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing []byte      // content already at the path; nil: no file
		oldPerm  fs.FileMode // mode of the existing file
		data     []byte
		perm     fs.FileMode
	}{
		{name: "new private file", data: []byte("token: x\n"), perm: 0o600},
		{name: "new public file", data: []byte("-----BEGIN CERTIFICATE-----\n"), perm: 0o644},
		{name: "new empty file", data: []byte{}, perm: 0o600},
		{name: "replaces content", existing: []byte("old content that is longer than the new\n"), oldPerm: 0o600, data: []byte("new\n"), perm: 0o600},
		{name: "replaces mode", existing: []byte("old\n"), oldPerm: 0o644, data: []byte("new\n"), perm: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.yaml")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, tt.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			if err := atomicfile.Write(path, tt.data, tt.perm); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(tt.data) {
				t.Errorf("content = %q, want %q", got, tt.data)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			assertOnly(t, dir, "config.yaml")
		})
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to write
		keep  []string                              // what dir must hold afterwards
	}{
		{
			// rename(2) cannot replace a non-empty directory: the failure
			// comes after the temporary file was written.
			name: "rename fails",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "target")
				if err := os.MkdirAll(filepath.Join(path, "child"), 0o700); err != nil {
					t.Fatal(err)
				}
				return path
			},
			keep: []string{"target"},
		},
		{
			name: "directory missing",
			setup: func(t *testing.T, dir string) string {
				return filepath.Join(dir, "missing", "config.yaml")
			},
			keep: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			err := atomicfile.Write(path, []byte("data"), 0o600)
			if err == nil {
				t.Fatal("Write succeeded, want an error")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			assertOnly(t, dir, tt.keep...)
		})
	}
}

// assertOnly fails unless dir holds exactly the named entries (no temporary
// file left behind).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}
