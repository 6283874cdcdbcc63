//go:build !linux

package keyring

import (
	"context"
	"errors"
)

// Kernel is the Linux kernel keyring; on other systems every call reports
// it unavailable, so `--storage kernel` fails with an explanation.
type Kernel struct{}

// NewKernel returns the kernel keyring backend.
func NewKernel() *Kernel { return &Kernel{} }

// KernelSupported reports whether this build has a kernel keyring backend.
func KernelSupported() bool { return false }

var errNoKernelKeyring = errors.New("the kernel keyring exists only on Linux")

func (k *Kernel) Get(ctx context.Context, service, user string) (string, error) {
	return "", &UnavailableError{Op: "get", Err: errNoKernelKeyring}
}

func (k *Kernel) Set(ctx context.Context, service, user, secret string) error {
	return &UnavailableError{Op: "set", Err: errNoKernelKeyring}
}

func (k *Kernel) Delete(ctx context.Context, service, user string) error {
	return &UnavailableError{Op: "delete", Err: errNoKernelKeyring}
}
