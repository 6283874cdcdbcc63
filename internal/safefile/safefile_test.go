//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	fifo := filepath.Join(dir, "fifo")
	zero := filepath.Join(dir, "zero")
	if err := os.WriteFile(small, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, 11), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		want    string
		wantErr error
	}{
		{small, "hello", nil},
		{big, "", ErrTooLarge},
		{fifo, "", ErrNotRegular},
		{zero, "", ErrNotRegular},
		{filepath.Join(dir, "missing"), "", fs.ErrNotExist},
	}
	for _, tt := range tests {
		b, err := Read(tt.path, 10)
		if string(b) != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("Read(%s) = %q, %v; want %q, %v", filepath.Base(tt.path), b, err, tt.want, tt.wantErr)
		}
	}
}
