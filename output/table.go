package output

import (
	"fmt"
	"io"
	"unicode/utf8"
)

const (
	columnGap   = "  "
	minColWidth = 6 // narrowest a truncated column gets: "abcde…"
	ellipsis    = "…"
)

// tableSink renders aligned columns. Widths come from the window; later rows
// are padded to them. On a terminal with a known width, columns are shrunk
// to fit and long cells truncated with "…"; when even minimal columns do not
// fit, the trailing columns are hidden behind a "…" column. Off a terminal
// nothing is ever truncated: a later cell longer than its column just
// pushes the rest of its row to the right.
type tableSink struct {
	w        io.Writer
	opts     Options
	cols     []string
	widths   []int
	hidden   bool // trailing columns hidden for lack of width
	truncate bool
	line     []byte
}

func newTablePrinter(w io.Writer, opts Options, wide bool) *tabular {
	return newTabular(&tableSink{w: w, opts: opts}, wide, escapeControls)
}

func (s *tableSink) start(cols []string, rows [][][]byte) error {
	header := make([][]byte, len(cols))
	natural := make([]int, len(cols))
	for i, c := range cols {
		header[i] = escapeControls(nil, []byte(c))
		natural[i] = displayWidth(header[i])
	}
	for _, r := range rows {
		for i, c := range r {
			natural[i] = max(natural[i], displayWidth(c))
		}
	}
	s.cols = cols
	s.widths = natural
	if s.opts.TTY && s.opts.Width > 0 {
		s.truncate = true
		s.widths, s.hidden = fitWidths(natural, s.opts.Width)
	}
	if err := s.writeRow(header, s.opts.Color); err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.writeRow(r, false); err != nil {
			return err
		}
	}
	return nil
}

func (s *tableSink) row(cells [][]byte) error { return s.writeRow(cells, false) }

// finish adds nothing: columns first seen after the window are reported
// through DroppedColumns, and the caller says so on stderr, so stdout holds
// only the table.
func (s *tableSink) finish([]string) error { return nil }

func (s *tableSink) writeRow(cells [][]byte, bold bool) error {
	b := s.line[:0]
	n := len(s.widths)
	for i := range n {
		if i > 0 {
			b = append(b, columnGap...)
		}
		cell := cells[i]
		w := displayWidth(cell)
		if s.truncate && w > s.widths[i] {
			cell = truncateCell(cell, s.widths[i])
			w = displayWidth(cell)
		}
		if bold {
			b = append(b, ansiBold...)
		}
		b = append(b, cell...)
		if bold {
			b = append(b, ansiReset...)
		}
		if i < n-1 || s.hidden {
			for ; w < s.widths[i]; w++ {
				b = append(b, ' ')
			}
		}
	}
	if s.hidden {
		b = append(b, columnGap...)
		b = append(b, ellipsis...)
	}
	// Trailing spaces come only from empty last cells; drop them.
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	b = append(b, '\n')
	s.line = b
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("output: writing table: %w", err)
	}
	return nil
}

// truncateCell cuts cell to at most width display cells, ending in "…".
func truncateCell(cell []byte, width int) []byte {
	if width <= 1 {
		return []byte(ellipsis)
	}
	out := make([]byte, 0, len(cell))
	used := 0
	for len(cell) > 0 {
		r, size := utf8.DecodeRune(cell)
		rw := runeWidth(r)
		if used+rw > width-1 {
			break
		}
		out = append(out, cell[:size]...)
		used += rw
		cell = cell[size:]
	}
	return append(out, ellipsis...)
}

// fitWidths shrinks the natural column widths to fit total terminal cells.
// Narrow columns keep their width and the rest share what is left equally
// (water-filling). If not even minColWidth per column fits, only a prefix
// of the columns is kept and hidden reports that a "…" column follows.
func fitWidths(natural []int, total int) (widths []int, hidden bool) {
	gap := len(columnGap)
	need := -gap
	for _, w := range natural {
		need += w + gap
	}
	if need <= total {
		return natural, false
	}
	k, used := 0, -gap
	markerCost := gap + len("x")
	for k < len(natural) {
		next := used + gap + min(natural[k], minColWidth)
		extra := 0
		if k+1 < len(natural) {
			extra = markerCost
		}
		if next+extra > total {
			break
		}
		used = next
		k++
	}
	if k == 0 {
		k = 1
	}
	hidden = k < len(natural)
	budget := total - gap*(k-1)
	if hidden {
		budget -= markerCost
	}
	widths = make([]int, k)
	done := make([]bool, k)
	left := k
	for changed := true; changed && left > 0; {
		changed = false
		fair := budget / left
		for i := range k {
			if !done[i] && natural[i] <= fair {
				widths[i], done[i] = natural[i], true
				budget -= natural[i]
				left--
				changed = true
			}
		}
	}
	if left > 0 {
		fair, extra := budget/left, budget%left
		for i := range k {
			if !done[i] {
				widths[i] = max(fair, 1)
				if extra > 0 {
					widths[i]++
					extra--
				}
			}
		}
	}
	return widths, hidden
}
