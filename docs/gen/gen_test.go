package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The checked-in reference must match the command tree; when help text
// changes, regenerate it with `go run ./docs/gen -md docs/reference`.
func TestReferenceIsUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, ""); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadDir(filepath.Join("..", "reference"))
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != len(want) {
		t.Fatalf("docs/reference has %d pages, the command tree %d: run `go run ./docs/gen -md docs/reference`", len(have), len(want))
	}
	for _, e := range want {
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(filepath.Join("..", "reference", e.Name()))
		if err != nil || string(old) != string(got) {
			t.Errorf("docs/reference/%s is out of date: run `go run ./docs/gen -md docs/reference`", e.Name())
		}
	}
}

func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := generate("", dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"cosmosctl.1", "cosmosctl-query.1", "cosmosctl-sandbox-approve.1"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("man page %s: %v", name, err)
		}
	}
}
