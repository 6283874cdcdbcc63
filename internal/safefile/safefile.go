// Package safefile reads small files cosmosctl owns (the configuration,
// the token store) without trusting what sits at their path: only regular
// files, at most a size limit, so a FIFO, a device or a link to /dev/zero
// gives a clear error instead of a hang or running out of memory.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNotRegular is returned for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned for a file larger than the limit.
var ErrTooLarge = errors.New("file too large")

// Read returns the content of the regular file at path, at most limit
// bytes. A missing file gives an error matching fs.ErrNotExist; the other
// errors name the path.
func Read(path string, limit int64) ([]byte, error) {
	// Stat before open: opening a FIFO for reading blocks until a writer
	// comes, and a device may never end.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, st.Mode().Type())
	}
	// O_NONBLOCK: should the path be swapped for a FIFO after the stat,
	// the open does not wait for a writer; the fstat below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, st.Mode().Type())
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", path, ErrTooLarge, limit)
	}
	return b, nil
}
