// Package store keeps opaque secret blobs (MSAL caches, access tokens,
// service principal secrets, saved keys) under string keys. It knows
// nothing of MSAL or Cosmos DB.
//
// Four backends: a file encrypted with AES-256-GCM under a random 256-bit
// key held in the OS keyring (the default), the same with the key in the
// Linux kernel keyring (for machines without a Secret Service), a
// plaintext file (the --insecure-storage opt-in), and process memory. The file backends take a
// cross-process lock around every read-modify-write and replace the file
// atomically, so concurrent commands never corrupt it; a file that cannot be
// read or decrypted is treated as empty (the user signs in again) rather
// than failing every command.
package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/cosmosctl/cosmosctl/auth/keyring"
	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
	"github.com/cosmosctl/cosmosctl/internal/safefile"
)

// Kind names a backend; it is recorded in the profile's account so later
// commands open the same backend, and shown by whoami.
type Kind string

const (
	KindKeyring   Kind = "keyring" // encrypted file, key in the OS keyring
	KindKernel    Kind = "kernel"  // encrypted file, key in the Linux kernel keyring
	KindPlaintext Kind = "file"    // plaintext file, mode 0600
	KindMemory    Kind = "memory"  // this process only
)

// File names inside the configuration directory.
const (
	EncryptedFileName = "tokens.enc"
	// KernelFileName is separate from EncryptedFileName: one file is
	// sealed with one key, and the two keys live in different keyrings.
	KernelFileName    = "tokens-kernel.enc"
	PlaintextFileName = "tokens.json"
)

// MaxFileSize bounds what a file backend reads: a few MSAL caches and
// tokens are tens of kB.
const MaxFileSize = 8 << 20

// KeyringService is the keyring service name of the store's encryption key.
const KeyringService = "cosmosctl"

// Store is a map of opaque blobs.
type Store interface {
	Kind() Kind
	// Location describes where the blobs live, for whoami and messages.
	Location() string
	// Check verifies that the backend can be written (for the keyring
	// backend: that the key can be read or created). login calls it before
	// starting a flow so that an unusable keyring fails early.
	Check(ctx context.Context) error
	// Get returns nil, nil when the key is absent.
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes every key equal to key or, when prefix is true,
	// starting with it. When nothing is left the backing file (and keyring
	// key) is removed too.
	Delete(ctx context.Context, key string, prefix bool) error
	// Keys lists the stored keys, sorted.
	Keys(ctx context.Context) ([]string, error)
	// Exclusive runs fn while holding a cross-process lock (separate from
	// the one Get and Put take, so fn may call them). Callers use it to
	// make "read cache, maybe refresh, write cache" atomic across
	// processes: refresh tokens may be single-use, and two commands
	// redeeming the same one at once would sign the loser out.
	Exclusive(ctx context.Context, fn func() error) error
}

// Open returns the backend of the given kind for a configuration directory;
// kr holds the encryption key of the encrypted kinds (the OS keyring for
// KindKeyring, the kernel keyring for KindKernel).
func Open(kind Kind, dir string, kr keyring.Keyring) (Store, error) {
	switch kind {
	case KindKeyring, "":
		if kr == nil {
			return nil, errors.New("token store: no keyring")
		}
		return NewEncrypted(filepath.Join(dir, EncryptedFileName), kr), nil
	case KindKernel:
		if kr == nil {
			return nil, errors.New("token store: no kernel keyring")
		}
		f := NewEncrypted(filepath.Join(dir, KernelFileName), kr)
		f.kind = KindKernel
		return f, nil
	case KindPlaintext:
		return NewPlaintext(filepath.Join(dir, PlaintextFileName)), nil
	case KindMemory:
		return NewMemory(), nil
	}
	return nil, fmt.Errorf("token store: unknown storage %q", kind)
}

// ---------------------------------------------------------------------------
// Memory

// Memory keeps blobs in process memory.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty memory store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

func (s *Memory) Kind() Kind                      { return KindMemory }
func (s *Memory) Location() string                { return "memory (this process only)" }
func (s *Memory) Check(ctx context.Context) error { return nil }

func (s *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (s *Memory) Put(ctx context.Context, key string, val []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), val...)
	return nil
}

func (s *Memory) Delete(ctx context.Context, key string, prefix bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	deleteKeys(s.m, key, prefix)
	return nil
}

func (s *Memory) Keys(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.m), nil
}

func (s *Memory) Exclusive(ctx context.Context, fn func() error) error { return fn() }

func deleteKeys(m map[string][]byte, key string, prefix bool) {
	for k := range m {
		if k == key || (prefix && strings.HasPrefix(k, key)) {
			delete(m, k)
		}
	}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ---------------------------------------------------------------------------
// Files

// lockTimeout bounds how long a command waits for another one holding the
// file lock; the critical sections are a read and a write, so a wait this
// long means a stuck process.
const lockTimeout = 15 * time.Second

// File is a file-backed store, encrypted or plaintext.
type File struct {
	path string
	kr   keyring.Keyring // nil for plaintext
	user string          // keyring item of the encryption key
	kind Kind            // KindKeyring or KindKernel when kr is set

	mu  sync.Mutex // guards key
	key []byte     // cached after the first keyring read
}

// NewEncrypted returns the keyring-protected store at path. The keyring
// item is named after the file's absolute path so that separate
// configuration directories (profiles for different projects, tests) never
// share or delete each other's key.
func NewEncrypted(path string, kr keyring.Keyring) *File {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	sum := sha256.Sum256([]byte(abs))
	return &File{path: path, kr: kr, user: "token-store-key:" + hex.EncodeToString(sum[:8]), kind: KindKeyring}
}

// NewPlaintext returns the plaintext store at path.
func NewPlaintext(path string) *File { return &File{path: path} }

// Path is the data file.
func (s *File) Path() string { return s.path }

// KeyringUser is the keyring item (under KeyringService) holding the key.
func (s *File) KeyringUser() string { return s.user }

func (s *File) Kind() Kind {
	if s.kr == nil {
		return KindPlaintext
	}
	return s.kind
}

func (s *File) Location() string {
	switch {
	case s.kr == nil:
		return "plaintext file " + s.path
	case s.kind == KindKernel:
		return "file " + s.path + " encrypted with a key in the kernel keyring (kept until logout or reboot)"
	}
	return "file " + s.path + " encrypted with a key in the system keyring"
}

// fileFormat is the (decrypted) content of the data file.
type fileFormat struct {
	Version int               `json:"version"`
	Entries map[string][]byte `json:"entries"`
}

const (
	formatVersion = 1
	magic         = "CCT1" // cosmosctl token store, envelope version 1
	aad           = "cosmosctl-token-store-v1"
)

func (s *File) lock(ctx context.Context, exclusive bool) (func(), error) {
	return lockFile(ctx, s.path+".lock", exclusive, lockTimeout)
}

// opLockTimeout is longer than lockTimeout: the holder may be waiting for
// Entra ID or `az` (30 s at most).
const opLockTimeout = 60 * time.Second

func (s *File) Exclusive(ctx context.Context, fn func() error) error {
	unlock, err := lockFile(ctx, s.path+".op.lock", true, opLockTimeout)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

func lockFile(ctx context.Context, path string, exclusive bool, timeout time.Duration) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("token store: create %s: %w", filepath.Dir(path), err)
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var ok bool
	var err error
	if exclusive {
		ok, err = fl.TryLockContext(ctx, 10*time.Millisecond)
	} else {
		ok, err = fl.TryRLockContext(ctx, 10*time.Millisecond)
	}
	if err != nil || !ok {
		return nil, fmt.Errorf("token store: lock %s: %w", fl.Path(), errors.Join(err, ctx.Err()))
	}
	return func() { _ = fl.Unlock() }, nil
}

// encryptionKey returns the key; with create it makes and saves a new one
// when the keyring has none. It returns nil, nil when there is no key and
// create is false.
func (s *File) encryptionKey(ctx context.Context, create bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	v, err := s.kr.Get(ctx, KeyringService, s.user)
	if err == nil {
		k, derr := base64.StdEncoding.DecodeString(v)
		if derr == nil && len(k) == 32 {
			s.key = k
			return k, nil
		}
		// A damaged key item is as good as none: replace it when writing.
	} else if !errors.Is(err, keyring.ErrNotFound) {
		return nil, fmt.Errorf("token store: read encryption key: %w", err)
	}
	if !create {
		return nil, nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("token store: generate key: %w", err)
	}
	if err := s.kr.Set(ctx, KeyringService, s.user, base64.StdEncoding.EncodeToString(k)); err != nil {
		return nil, fmt.Errorf("token store: save encryption key: %w", err)
	}
	s.key = k
	return k, nil
}

// load reads the entries; anything unreadable yields an empty map. Only an
// unusable keyring or an unreadable (permission) file is an error.
func (s *File) load(ctx context.Context) (map[string][]byte, error) {
	empty := map[string][]byte{}
	b, err := safefile.Read(s.path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(b) == 0) {
		return empty, nil
	}
	if err != nil {
		return nil, fmt.Errorf("token store: read %s: %w", s.path, err)
	}
	if s.kr != nil {
		pt, err := s.decrypt(ctx, b)
		if err != nil {
			return nil, err
		}
		if pt == nil {
			return empty, nil // key lost or file damaged: start over
		}
		b = pt
	}
	var f fileFormat
	if err := json.Unmarshal(b, &f); err != nil || f.Version != formatVersion || f.Entries == nil {
		return empty, nil
	}
	return f.Entries, nil
}

// decrypt opens the envelope; a key cached by this process may have been
// replaced by another process (logout then login), so a failure with the
// cached key is retried once with a fresh keyring read.
func (s *File) decrypt(ctx context.Context, b []byte) ([]byte, error) {
	for attempt := 0; attempt < 2; attempt++ {
		key, err := s.encryptionKey(ctx, false)
		if err != nil || key == nil {
			return nil, err
		}
		if pt := open(key, b); pt != nil {
			return pt, nil
		}
		s.mu.Lock()
		s.key = nil
		s.mu.Unlock()
	}
	return nil, nil
}

func open(key, b []byte) []byte {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil
	}
	b = b[len(magic):]
	g, err := newGCM(key)
	if err != nil || len(b) < g.NonceSize() {
		return nil
	}
	pt, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], []byte(aad))
	if err != nil {
		return nil
	}
	return pt
}

func seal(key, pt []byte) ([]byte, error) {
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte(magic), nonce...)
	return g.Seal(out, nonce, pt, []byte(aad)), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// save writes the entries, or removes the file (and the keyring key) when
// there are none.
func (s *File) save(ctx context.Context, m map[string][]byte) error {
	if len(m) == 0 {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("token store: remove %s: %w", s.path, err)
		}
		if s.kr != nil {
			err := s.kr.Delete(ctx, KeyringService, s.user)
			if err != nil && !errors.Is(err, keyring.ErrNotFound) {
				return fmt.Errorf("token store: remove encryption key: %w", err)
			}
			s.mu.Lock()
			s.key = nil
			s.mu.Unlock()
		}
		return nil
	}
	b, err := json.Marshal(fileFormat{Version: formatVersion, Entries: m})
	if err != nil {
		return fmt.Errorf("token store: encode: %w", err)
	}
	if s.kr != nil {
		key, err := s.encryptionKey(ctx, true)
		if err != nil {
			return err
		}
		if b, err = seal(key, b); err != nil {
			return fmt.Errorf("token store: encrypt: %w", err)
		}
	}
	// Through a temporary file and a rename, so that readers (which do not
	// always hold the lock) never see a partial file.
	if err := atomicfile.Write(s.path, b, 0o600); err != nil {
		return fmt.Errorf("token store: %w", err)
	}
	return nil
}

func (s *File) Check(ctx context.Context) error {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	if s.kr == nil {
		return nil
	}
	_, err = s.encryptionKey(ctx, true)
	return err
}

func (s *File) Get(ctx context.Context, key string) ([]byte, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return m[key], nil
}

func (s *File) update(ctx context.Context, fn func(map[string][]byte)) error {
	unlock, err := s.lock(ctx, true)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := s.load(ctx)
	if err != nil {
		return err
	}
	before := len(m)
	fn(m)
	if before == 0 && len(m) == 0 {
		if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
			return nil // nothing stored and nothing to store: leave the keyring alone
		}
	}
	return s.save(ctx, m)
}

func (s *File) Put(ctx context.Context, key string, val []byte) error {
	return s.update(ctx, func(m map[string][]byte) { m[key] = append([]byte(nil), val...) })
}

func (s *File) Delete(ctx context.Context, key string, prefix bool) error {
	return s.update(ctx, func(m map[string][]byte) { deleteKeys(m, key, prefix) })
}

func (s *File) Keys(ctx context.Context) ([]string, error) {
	unlock, err := s.lock(ctx, false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	m, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return sortedKeys(m), nil
}
