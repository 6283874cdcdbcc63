package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
)

// failingKeyring simulates a keyring that cannot be reached.
type failingKeyring struct{}

func (failingKeyring) Get(ctx context.Context, s, u string) (string, error) {
	return "", &keyring.UnavailableError{Op: "get", Err: errors.New("no D-Bus")}
}
func (failingKeyring) Set(ctx context.Context, s, u, v string) error {
	return &keyring.UnavailableError{Op: "set", Err: errors.New("no D-Bus")}
}
func (failingKeyring) Delete(ctx context.Context, s, u string) error {
	return &keyring.UnavailableError{Op: "delete", Err: errors.New("no D-Bus")}
}

func newBackends(t *testing.T) map[string]func() Store {
	t.Helper()
	dir := t.TempDir()
	kr := keyring.NewMock()
	return map[string]func() Store{
		"keyring":   func() Store { return NewEncrypted(filepath.Join(dir, EncryptedFileName), kr) },
		"plaintext": func() Store { return NewPlaintext(filepath.Join(dir, PlaintextFileName)) },
		"memory":    func() Store { return NewMemory() },
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for name, mk := range newBackends(t) {
		t.Run(name, func(t *testing.T) {
			s := mk()
			if err := s.Check(ctx); err != nil {
				t.Fatal(err)
			}
			if v, err := s.Get(ctx, "missing"); v != nil || err != nil {
				t.Fatalf("Get missing = %q, %v", v, err)
			}
			val := []byte("secret\x00\nvalue")
			for _, k := range []string{"msal:a", "at:a:scope", "at:b:scope"} {
				if err := s.Put(ctx, k, val); err != nil {
					t.Fatal(err)
				}
			}
			if v, err := s.Get(ctx, "msal:a"); err != nil || !bytes.Equal(v, val) {
				t.Fatalf("Get = %q, %v", v, err)
			}
			if err := s.Delete(ctx, "at:a:", true); err != nil {
				t.Fatal(err)
			}
			keys, _ := s.Keys(ctx)
			if fmt.Sprint(keys) != "[at:b:scope msal:a]" {
				t.Fatalf("keys after prefix delete = %v", keys)
			}
			if err := s.Delete(ctx, "", true); err != nil {
				t.Fatal(err)
			}
			if keys, _ := s.Keys(ctx); len(keys) != 0 {
				t.Fatalf("keys after delete all = %v", keys)
			}
		})
	}
}

func TestEncryptedFileProperties(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := keyring.NewMock()
	path := filepath.Join(dir, EncryptedFileName)
	s := NewEncrypted(path, kr)
	secret := []byte("eyJhbGciOiJSUzI1NiJ9.super-secret-refresh-token")
	if err := s.Put(ctx, "msal:p", secret); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	for _, needle := range [][]byte{secret, []byte("eyJ"), []byte("msal:p"), []byte("super-secret")} {
		if bytes.Contains(raw, needle) {
			t.Fatalf("encrypted file contains %q in plaintext", needle)
		}
	}
	// A new instance (another process) reads it through the keyring key.
	if v, err := NewEncrypted(path, kr).Get(ctx, "msal:p"); err != nil || !bytes.Equal(v, secret) {
		t.Fatalf("second instance Get = %q, %v", v, err)
	}
	// Deleting everything removes the file and the keyring item.
	if err := s.Delete(ctx, "msal:p", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file still present: %v", err)
	}
	if _, err := kr.Get(ctx, KeyringService, s.KeyringUser()); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("keyring item still present: %v", err)
	}
}

func TestUnreadableTreatedAsEmpty(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, s *File, kr keyring.Keyring)
	}{
		{"garbage file", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			os.WriteFile(path, []byte("not a token store"), 0o600)
		}},
		{"truncated file", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(magic)+5], 0o600)
		}},
		{"flipped byte", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			b, _ := os.ReadFile(path)
			b[len(b)-1] ^= 1
			os.WriteFile(path, b, 0o600)
		}},
		{"empty file", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			os.WriteFile(path, nil, 0o600)
		}},
		{"key deleted from keyring", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			kr.Delete(ctx, KeyringService, s.KeyringUser())
		}},
		{"key replaced in keyring", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			kr.Set(ctx, KeyringService, s.KeyringUser(), "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
		}},
		{"key not base64", func(t *testing.T, path string, s *File, kr keyring.Keyring) {
			kr.Set(ctx, KeyringService, s.KeyringUser(), "%%%")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := keyring.NewMock()
			path := filepath.Join(t.TempDir(), EncryptedFileName)
			if err := NewEncrypted(path, kr).Put(ctx, "k", []byte("v")); err != nil {
				t.Fatal(err)
			}
			s := NewEncrypted(path, kr)
			tt.damage(t, path, s, kr)
			if v, err := s.Get(ctx, "k"); v != nil || err != nil {
				t.Fatalf("Get after damage = %q, %v; want nil, nil", v, err)
			}
			// Writing recovers.
			if err := s.Put(ctx, "k2", []byte("v2")); err != nil {
				t.Fatal(err)
			}
			if v, err := NewEncrypted(path, kr).Get(ctx, "k2"); err != nil || string(v) != "v2" {
				t.Fatalf("Get after rewrite = %q, %v", v, err)
			}
		})
	}
}

func TestPlaintextCorruptIsEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), PlaintextFileName)
	os.WriteFile(path, []byte(`{"version":1,"entries":`), 0o600)
	s := NewPlaintext(path)
	if v, err := s.Get(ctx, "k"); v != nil || err != nil {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v", fi.Mode().Perm())
	}
}

func TestKeyringUnavailableIsAnError(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), EncryptedFileName)
	s := NewEncrypted(path, failingKeyring{})
	if err := s.Check(ctx); !keyring.IsUnavailable(err) {
		t.Fatalf("Check: want unavailable, got %v", err)
	}
	if err := s.Put(ctx, "k", []byte("v")); !keyring.IsUnavailable(err) {
		t.Fatalf("Put: want unavailable, got %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Put wrote a file although the keyring is unavailable (silent downgrade)")
	}
	os.WriteFile(path, []byte(magic+"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), 0o600)
	if _, err := s.Get(ctx, "k"); !keyring.IsUnavailable(err) {
		t.Fatalf("Get with a file: want unavailable, got %v", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := keyring.NewMock()
	for _, kind := range []Kind{KindKeyring, KindPlaintext} {
		t.Run(string(kind), func(t *testing.T) {
			const writers, each = 6, 5
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					// A fresh instance per writer behaves like a separate
					// process: its own lock file descriptor and key cache.
					s, _ := Open(kind, dir, kr)
					for i := 0; i < each; i++ {
						if err := s.Put(ctx, fmt.Sprintf("w%d:%d", w, i), bytes.Repeat([]byte{byte(i)}, 300)); err != nil {
							errs <- err
						}
						if _, err := s.Get(ctx, fmt.Sprintf("w%d:%d", w, i)); err != nil {
							errs <- err
						}
					}
				}(w)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			s, _ := Open(kind, dir, kr)
			keys, err := s.Keys(ctx)
			if err != nil || len(keys) != writers*each {
				t.Fatalf("got %d keys (%v), want %d: a write was lost", len(keys), err, writers*each)
			}
		})
	}
}

// Open picks the file and the keyring by kind; the kernel kind has its own
// file, so its key and the system keyring's never seal the same data.
func TestOpenKinds(t *testing.T) {
	tests := []struct {
		kind     Kind
		file     string
		location string
	}{
		{KindKeyring, EncryptedFileName, "encrypted with a key in the system keyring"},
		{KindKernel, KernelFileName, "encrypted with a key in the kernel keyring"},
		{KindPlaintext, PlaintextFileName, "plaintext file"},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			dir := t.TempDir()
			kr := keyring.NewMock()
			s, err := Open(tt.kind, dir, kr)
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind() != tt.kind || !bytes.Contains([]byte(s.Location()), []byte(tt.location)) {
				t.Fatalf("kind %q, location %q; want %q, %q", s.Kind(), s.Location(), tt.kind, tt.location)
			}
			if err := s.Put(ctx, "k", []byte("v")); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, tt.file)); err != nil {
				t.Fatalf("no %s: %v", tt.file, err)
			}
			_, kerr := kr.Get(ctx, KeyringService, NewEncrypted(filepath.Join(dir, tt.file), nil).KeyringUser())
			if (tt.kind == KindPlaintext) != errors.Is(kerr, keyring.ErrNotFound) {
				t.Fatalf("key in the given keyring: %v", kerr)
			}
		})
	}
}
