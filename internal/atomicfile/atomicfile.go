// Package atomicfile replaces a file's content in one step, so that a reader
// sees either the old file or the new one, never a partial write.
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data and mode perm. It writes a temporary file in
// the same directory (a rename is atomic only within one file system), syncs
// it so the rename never exposes unwritten blocks after a crash, and renames
// it over path. The directory must exist. On error path is left as it was and
// the temporary file is removed.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	// Chmod, not CreateTemp's 0600 or a umask-dependent OpenFile: the caller's
	// mode is what the file must end up with.
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
