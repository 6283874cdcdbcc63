//go:build linux

package keyring

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

// kernelOrSkip returns the kernel keyring, skipping where keyctl is
// forbidden (Docker's default seccomp profile, some sandboxes).
func kernelOrSkip(t *testing.T) *Kernel {
	t.Helper()
	k := NewKernel()
	ctx := context.Background()
	probe := "probe-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := k.Set(ctx, "cosmosctl-test", probe, "x"); err != nil {
		t.Skipf("keyctl is not permitted here (%v); the kernel keyring tests need it", err)
	}
	_ = k.Delete(ctx, "cosmosctl-test", probe)
	return k
}

func TestKernelKeyring(t *testing.T) {
	k := kernelOrSkip(t)
	ctx := context.Background()
	user := "item-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { _ = k.Delete(ctx, "cosmosctl-test", user) })
	steps := []struct {
		name    string
		do      func() (string, error)
		want    string
		wantErr error
	}{
		{"missing", func() (string, error) { return k.Get(ctx, "cosmosctl-test", user) }, "", ErrNotFound},
		{"set", func() (string, error) { return "", k.Set(ctx, "cosmosctl-test", user, "s1") }, "", nil},
		{"get", func() (string, error) { return k.Get(ctx, "cosmosctl-test", user) }, "s1", nil},
		{"replace", func() (string, error) { return "", k.Set(ctx, "cosmosctl-test", user, "second secret, longer") }, "", nil},
		{"get replaced", func() (string, error) { return k.Get(ctx, "cosmosctl-test", user) }, "second secret, longer", nil},
		{"other service", func() (string, error) { return k.Get(ctx, "other", user) }, "", ErrNotFound},
		{"delete", func() (string, error) { return "", k.Delete(ctx, "cosmosctl-test", user) }, "", nil},
		{"gone", func() (string, error) { return k.Get(ctx, "cosmosctl-test", user) }, "", ErrNotFound},
		{"delete again", func() (string, error) { return "", k.Delete(ctx, "cosmosctl-test", user) }, "", ErrNotFound},
	}
	for _, s := range steps {
		got, err := s.do()
		if got != s.want || !errors.Is(err, s.wantErr) || (s.wantErr == nil && err != nil) {
			t.Fatalf("%s: got %q, %v; want %q, %v", s.name, got, err, s.want, s.wantErr)
		}
	}
}
