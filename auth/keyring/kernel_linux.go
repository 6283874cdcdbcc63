//go:build linux

package keyring

import (
	"context"
	"errors"

	"golang.org/x/sys/unix"
)

// Kernel keeps secrets in the Linux kernel's user keyring (keyctl(2)):
// memory only, never on disk, readable by the user's processes, gone at
// logout of the last session of the user or at reboot. It needs no D-Bus
// or Secret Service, so it works on servers, in WSL and over SSH; some
// container runtimes forbid keyctl (Docker's default seccomp profile), which
// reads as unavailable.
type Kernel struct{}

// NewKernel returns the kernel keyring backend.
func NewKernel() *Kernel { return &Kernel{} }

// KernelSupported reports whether this build has a kernel keyring backend.
func KernelSupported() bool { return true }

// keyPerm lets every process of the user use the key, not only those that
// possess the user keyring through their session keyring (possessor: all;
// user: view, read, write, search, link, setattr). Others get nothing.
const keyPerm = 0x3f3f0000

func kernelDesc(service, user string) string { return service + ":" + user }

// kernelErr maps keyctl's errors: no key is ErrNotFound, anything else
// (EPERM or ENOSYS from a seccomp filter, EDQUOT, EACCES) makes the kernel
// keyring unusable.
func kernelErr(op string, err error) error {
	if errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED) {
		return ErrNotFound
	}
	return &UnavailableError{Op: op, Err: &kernelError{err}}
}

// kernelError names the kernel keyring in the message.
type kernelError struct{ err error }

func (e *kernelError) Error() string { return "kernel keyring (keyctl): " + e.err.Error() }
func (e *kernelError) Unwrap() error { return e.err }

func (k *Kernel) search(service, user string) (int, error) {
	return unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", kernelDesc(service, user), 0)
}

// Get reads a secret.
func (k *Kernel) Get(ctx context.Context, service, user string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	id, err := k.search(service, user)
	if err != nil {
		return "", kernelErr("get", err)
	}
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, nil, 0)
	if err != nil {
		return "", kernelErr("get", err)
	}
	buf := make([]byte, n)
	if n, err = unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0); err != nil {
		return "", kernelErr("get", err)
	}
	return string(buf[:min(n, len(buf))]), nil
}

// Set creates or replaces a secret (add_key replaces a key of the same
// type and description in the same keyring).
func (k *Kernel) Set(ctx context.Context, service, user, secret string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, err := unix.AddKey("user", kernelDesc(service, user), []byte(secret), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return kernelErr("set", err)
	}
	// Best effort: without it only processes possessing the user keyring
	// (the usual case) can read the key.
	_, _ = unix.KeyctlInt(unix.KEYCTL_SETPERM, id, keyPerm, 0, 0)
	return nil
}

// Delete removes a secret; a missing one is ErrNotFound.
func (k *Kernel) Delete(ctx context.Context, service, user string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, err := k.search(service, user)
	if err != nil {
		return kernelErr("delete", err)
	}
	// Invalidate, not only unlink: a process holding a link elsewhere must
	// not keep the key alive.
	if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
		if _, uerr := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); uerr != nil {
			return kernelErr("delete", uerr)
		}
	}
	return nil
}
