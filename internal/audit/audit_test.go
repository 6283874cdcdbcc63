package audit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func writeTrail(t *testing.T, n int) (string, [][]byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		rec := Record{Time: Stamp(time.Date(2026, 12, 4, 10, 0, i, 0, time.UTC)), Kind: KindRequest, Principal: fmt.Sprintf("user%d@contoso.test", i%2),
			Database: "shop", Container: "orders", Operation: "query", Status: 200 + (i%2)*203, RequestCharge: 2.5, ActivityID: fmt.Sprintf("act-%d", i)}
		if err := l.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	return path, lines[:len(lines)-1] // the empty tail after the last newline
}

func TestAppendAndVerify(t *testing.T) {
	path, lines := writeTrail(t, 5)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	if len(lines) != 5 || !bytes.Contains(lines[0], []byte(`"prev":"","hash":"`)) {
		t.Fatalf("lines: %q", lines)
	}
	if !bytes.HasPrefix(lines[0], []byte(`{"time":"2026-12-04T10:00:00.000Z","kind":"request"`)) {
		t.Errorf("first line %s", lines[0])
	}
	if n, err := Verify(bytes.NewReader(bytes.Join(lines, nil))); err != nil || n != 5 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	edit := func(i int, from, to string) [][]byte {
		out := make([][]byte, len(lines))
		copy(out, lines)
		out[i] = bytes.Replace(lines[i], []byte(from), []byte(to), 1)
		return out
	}
	cases := []struct {
		name     string
		lines    [][]byte
		wantLine int
	}{
		{"edited middle line", edit(2, `"requestCharge":2.5`, `"requestCharge":0.5`), 3},
		{"edited last line", edit(4, `user0`, `user9`), 5},
		{"edited first line", edit(0, `act-0`, `act-X`), 1},
		{"deleted line", append(append([][]byte{}, lines[:2]...), lines[3:]...), 3},
		{"deleted first line", lines[1:], 1},
		{"reordered lines", [][]byte{lines[0], lines[2], lines[1], lines[3], lines[4]}, 2},
		{"not json", append(append([][]byte{}, lines...), []byte("garbage\n")), 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(bytes.NewReader(bytes.Join(c.lines, nil)))
			var be *BrokenError
			if !errors.As(err, &be) || be.Line != c.wantLine {
				t.Fatalf("Verify = %v, want a break at line %d", err, c.wantLine)
			}
		})
	}
}

// Separate Logs (like processes) and one Log shared by goroutines (like
// the concurrent requests of one query) both keep one chain.
func TestConcurrentAppendersKeepTheChain(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			const writers, each = 8, 40
			one, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errc := make(chan error, writers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					l := one
					if !shared {
						var oerr error
						l, oerr = Open(path) // its own descriptors and lock, like another process
						if oerr != nil {
							errc <- oerr
							return
						}
					}
					for i := 0; i < each; i++ {
						add := l.Append
						if i%2 == 1 { // request records are not synced one by one
							add = l.AppendUnsynced
						}
						if err := add(Record{Time: Stamp(time.Now()), Kind: KindCommand, Command: fmt.Sprintf("w%d-%d", w, i), QueryText: strings.Repeat("x", 3000)}); err != nil {
							errc <- err
							return
						}
					}
				}(w)
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if n, err := Verify(f); err != nil || n != writers*each {
				t.Fatalf("Verify = %d, %v; want %d records", n, err, writers*each)
			}
		})
	}
}

func TestTotals(t *testing.T) {
	tests := []struct {
		name        string
		statuses    []int
		last, first int
	}{
		{"none", nil, 0, 0},
		{"successes", []int{200, 304}, 304, 0},
		{"throttled then fine", []int{200, 429, 200}, 200, 429},
		{"failures", []int{200, 403, 404}, 404, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tot Totals
			for _, s := range tt.statuses {
				tot.Add(Record{Status: s, RequestCharge: 1.5, ItemCount: 2})
			}
			n := len(tt.statuses)
			want := Sum{Requests: n, Charge: 1.5 * float64(n), Items: 2 * n, LastStatus: tt.last, FirstFailure: tt.first}
			if got := tot.Sum(); got != want {
				t.Errorf("Sum = %+v, want %+v", got, want)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Open(fifo); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open blocked on a FIFO")
	}
	if _, err := Open(filepath.Join(dir, "missing", "audit.jsonl")); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("missing directory: %v", err)
	}
}

func TestRead(t *testing.T) {
	path, _ := writeTrail(t, 6)
	cases := []struct {
		name string
		f    Filter
		want []string // activity ids
	}{
		{"all", Filter{}, []string{"act-0", "act-1", "act-2", "act-3", "act-4", "act-5"}},
		{"principal", Filter{Principal: "user1@contoso.test"}, []string{"act-1", "act-3", "act-5"}},
		{"status", Filter{Status: 403}, []string{"act-1", "act-3", "act-5"}},
		{"since", Filter{Since: time.Date(2026, 12, 4, 10, 0, 4, 0, time.UTC)}, []string{"act-4", "act-5"}},
		{"container by db/name", Filter{Container: "shop/orders"}, []string{"act-0", "act-1", "act-2", "act-3", "act-4", "act-5"}},
		{"other container", Filter{Container: "products"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var got []string
			if err := Read(f, c.f, func(r Record, _ []byte) error { got = append(got, r.ActivityID); return nil }); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// Append finds the last line however it spans the chunks it reads
// backwards in, and refuses a last line it cannot hold.
func TestAppendFindsTheLastLine(t *testing.T) {
	tests := []struct {
		name    string
		sizes   []int // query text lengths of the records appended first
		junk    string
		wantErr string
	}{
		{"short lines", []int{0, 10, 0}, "", ""},
		{"lines longer than a chunk", []int{20000, 9000, 8192, 1}, "", ""},
		{"a line of exactly a chunk boundary", []int{8192 - 300, 8192 - 301, 3}, "", ""},
		{"damaged last line longer than the limit", nil, strings.Repeat("x", maxLine+5), "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			if tt.junk != "" {
				if err := os.WriteFile(path, []byte(tt.junk), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			l, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range append(tt.sizes, 5) {
				err = l.Append(Record{Time: Stamp(time.Now()), Kind: KindCommand, QueryText: strings.Repeat("q", n)})
				if err != nil {
					break
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Append: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if n, err := Verify(f); err != nil || n != len(tt.sizes)+1 {
				t.Fatalf("Verify = %d, %v", n, err)
			}
		})
	}
}
