// Package keyring wraps go-keyring with a timeout per call and typed errors
// that separate "no such item" from "the keyring cannot be used at all".
//
// go-keyring's Secret Service backend waits for an unlock prompt with no
// timeout, so a locked keyring would hang a script forever; every call here
// runs in a goroutine and gives up after the configured timeout.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// ErrNotFound reports that the keyring works but holds no such item.
var ErrNotFound = errors.New("secret not found in keyring")

// UnavailableError reports that the keyring could not be used: no D-Bus
// session, no Secret Service provider, a locked collection, or a timeout.
type UnavailableError struct {
	Op      string // get, set, delete
	Timeout bool   // the call did not return in time
	Err     error  // the backend's error (nil on timeout)
}

func (e *UnavailableError) Error() string {
	if e.Timeout {
		return fmt.Sprintf("keyring %s: timed out waiting for the system keyring (is it locked?)", e.Op)
	}
	return fmt.Sprintf("keyring %s: system keyring unavailable: %v", e.Op, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err means the keyring cannot be used.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// Keyring is the small interface the token store needs.
type Keyring interface {
	Get(ctx context.Context, service, user string) (string, error)
	Set(ctx context.Context, service, user, secret string) error
	Delete(ctx context.Context, service, user string) error
}

// Backend is the part of go-keyring's API the wrapper calls: the OS
// keyring, or an in-memory one for tests.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// System is a keyring backend behind the per-call timeout and typed
// errors: the OS keyring (Secret Service, macOS Keychain, Windows
// Credential Manager) through go-keyring, or an in-memory mock.
type System struct {
	Timeout time.Duration
	backend Backend
}

// NewSystem returns the OS keyring with the given per-call timeout.
func NewSystem(timeout time.Duration) *System { return New(osBackend{}, timeout) }

// New wraps a backend with the given per-call timeout (<= 0 = DefaultTimeout).
func New(b Backend, timeout time.Duration) *System {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &System{Timeout: timeout, backend: b}
}

// NewMock returns an empty in-memory keyring that behaves like a working
// OS keyring (tests inject it; nothing process-wide changes).
func NewMock() *System { return New(&mockBackend{}, DefaultTimeout) }

// NewMockWithError returns a keyring whose every call fails with err, as
// an OS keyring that cannot be reached or unlocked does.
func NewMockWithError(err error) *System { return New(&mockBackend{err: err}, DefaultTimeout) }

// osBackend is go-keyring's process-wide provider.
type osBackend struct{}

func (osBackend) Get(service, user string) (string, error) { return gokeyring.Get(service, user) }
func (osBackend) Set(service, user, secret string) error   { return gokeyring.Set(service, user, secret) }
func (osBackend) Delete(service, user string) error        { return gokeyring.Delete(service, user) }

// mockBackend keeps items in memory and reports a missing one with
// go-keyring's ErrNotFound, as the OS backends do.
type mockBackend struct {
	mu    sync.Mutex // calls run in their own goroutines
	items map[[2]string]string
	err   error
}

func (m *mockBackend) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", m.err
	}
	v, ok := m.items[[2]string{service, user}]
	if !ok {
		return "", gokeyring.ErrNotFound
	}
	return v, nil
}

func (m *mockBackend) Set(service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if m.items == nil {
		m.items = map[[2]string]string{}
	}
	m.items[[2]string{service, user}] = secret
	return nil
}

func (m *mockBackend) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	k := [2]string{service, user}
	if _, ok := m.items[k]; !ok {
		return gokeyring.ErrNotFound
	}
	delete(m.items, k)
	return nil
}

// Timeouts: long enough on a terminal for a person to answer an unlock
// prompt, short for scripts so that a locked keyring fails fast.
const (
	DefaultTimeout     = 5 * time.Second
	InteractiveTimeout = 60 * time.Second
)

// TimeoutFor picks the timeout: COSMOSCTL_KEYRING_TIMEOUT (a Go duration or
// seconds) wins; else 60 s when a person is at a terminal outside CI; else 5 s.
func TimeoutFor(getenv func(string) string, interactive bool) time.Duration {
	if v := getenv("COSMOSCTL_KEYRING_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	if interactive && getenv("CI") == "" {
		return InteractiveTimeout
	}
	return DefaultTimeout
}

type result struct {
	val string
	err error
}

// call runs fn with the timeout; the goroutine of a timed-out call is left
// to finish on its own (go-keyring offers no way to cancel it).
func (s *System) call(parent context.Context, op string, fn func() (string, error)) (string, error) {
	ctx, cancel := context.WithTimeout(parent, s.Timeout)
	defer cancel()
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		if r.err == nil {
			return r.val, nil
		}
		if errors.Is(r.err, gokeyring.ErrNotFound) {
			return "", ErrNotFound
		}
		return "", &UnavailableError{Op: op, Err: r.err}
	case <-ctx.Done():
		// Only our own timer means a stuck keyring; the caller's deadline
		// or cancellation is theirs to report.
		if err := parent.Err(); err != nil {
			return "", fmt.Errorf("keyring %s: %w", op, err)
		}
		return "", &UnavailableError{Op: op, Timeout: true}
	}
}

// Get reads an item.
func (s *System) Get(ctx context.Context, service, user string) (string, error) {
	return s.call(ctx, "get", func() (string, error) { return s.backend.Get(service, user) })
}

// Set creates or replaces an item.
func (s *System) Set(ctx context.Context, service, user, secret string) error {
	_, err := s.call(ctx, "set", func() (string, error) { return "", s.backend.Set(service, user, secret) })
	return err
}

// Delete removes an item; a missing item is ErrNotFound.
func (s *System) Delete(ctx context.Context, service, user string) error {
	_, err := s.call(ctx, "delete", func() (string, error) { return "", s.backend.Delete(service, user) })
	return err
}
