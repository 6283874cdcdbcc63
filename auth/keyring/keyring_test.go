package keyring

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSystemWithMock(t *testing.T) {
	ctx := context.Background()
	k := NewMock()
	if _, err := k.Get(ctx, "svc", "u"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing: want ErrNotFound, got %v", err)
	}
	if err := k.Set(ctx, "svc", "u", "s3cret\n\x00é"); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(ctx, "svc", "u")
	if err != nil || got != "s3cret\n\x00é" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := k.Delete(ctx, "svc", "u"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(ctx, "svc", "u"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: want ErrNotFound, got %v", err)
	}
}

func TestSystemUnavailable(t *testing.T) {
	cause := errors.New("dial unix /nowhere: connect: no such file or directory")
	k := NewMockWithError(cause)
	for _, tc := range []struct {
		op   string
		call func() error
	}{
		{"get", func() error { _, err := k.Get(context.Background(), "svc", "u"); return err }},
		{"set", func() error { return k.Set(context.Background(), "svc", "u", "s") }},
		{"delete", func() error { return k.Delete(context.Background(), "svc", "u") }},
	} {
		op, err := tc.op, tc.call()
		if !IsUnavailable(err) || errors.Is(err, ErrNotFound) || !errors.Is(err, cause) {
			t.Fatalf("%s: want UnavailableError wrapping the cause, got %T %v", op, err, err)
		}
	}
}

// Mocks are separate values: one test's items are not another's.
func TestMocksAreIndependent(t *testing.T) {
	ctx := context.Background()
	a, b := NewMock(), NewMock()
	if err := a.Set(ctx, "svc", "u", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "svc", "u"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second mock sees the first one's item: %v", err)
	}
}

func TestCallTimeout(t *testing.T) {
	k := NewSystem(10 * time.Millisecond)
	block := make(chan struct{})
	defer close(block)
	_, err := k.call(context.Background(), "get", func() (string, error) { <-block; return "", nil })
	var u *UnavailableError
	if !errors.As(err, &u) || !u.Timeout {
		t.Fatalf("want timeout UnavailableError, got %v", err)
	}
}

func TestCallCancelled(t *testing.T) {
	k := NewSystem(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	block := make(chan struct{})
	defer close(block)
	_, err := k.call(ctx, "get", func() (string, error) { <-block; return "", nil })
	if !errors.Is(err, context.Canceled) || IsUnavailable(err) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

// The command's own deadline (--timeout) running out is not a locked
// keyring: the caller must see its deadline, not "keyring unavailable".
func TestCallCallerDeadline(t *testing.T) {
	k := NewSystem(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	block := make(chan struct{})
	defer close(block)
	_, err := k.call(ctx, "get", func() (string, error) { <-block; return "", nil })
	if !errors.Is(err, context.DeadlineExceeded) || IsUnavailable(err) {
		t.Fatalf("want context.DeadlineExceeded, got %T %v", err, err)
	}
}

func TestTimeoutFor(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		interactive bool
		want        time.Duration
	}{
		{"script", nil, false, DefaultTimeout},
		{"terminal", nil, true, InteractiveTimeout},
		{"terminal in CI", map[string]string{"CI": "true"}, true, DefaultTimeout},
		{"override duration", map[string]string{"COSMOSCTL_KEYRING_TIMEOUT": "250ms"}, true, 250 * time.Millisecond},
		{"override seconds", map[string]string{"COSMOSCTL_KEYRING_TIMEOUT": "12"}, false, 12 * time.Second},
		{"bad override ignored", map[string]string{"COSMOSCTL_KEYRING_TIMEOUT": "soon"}, false, DefaultTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TimeoutFor(func(k string) string { return tt.env[k] }, tt.interactive)
			if got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
