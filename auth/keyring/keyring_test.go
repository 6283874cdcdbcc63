package keyring

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSystemWithMock(t *testing.T) {
	MockInit()
	ctx := context.Background()
	k := NewSystem(time.Second)
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
	MockInitWithError(cause)
	t.Cleanup(MockInit)
	k := NewSystem(time.Second)
	_, err := k.Get(context.Background(), "svc", "u")
	if !IsUnavailable(err) || errors.Is(err, ErrNotFound) || !errors.Is(err, cause) {
		t.Fatalf("want UnavailableError wrapping the cause, got %T %v", err, err)
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
