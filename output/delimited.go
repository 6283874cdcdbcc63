package output

import (
	"encoding/csv"
	"fmt"
	"io"
)

// delimitedSink writes csv (RFC 4180 quoting via encoding/csv, "\n" line
// ends) or tsv (no quoting; backslash, tab, newline and carriage return in
// values escaped as \\ \t \n \r). The header is the column set learnt from
// the first ColumnWindow documents; a key first seen later cannot be added
// to an already written header, so it is dropped (see ColumnReporter).
type delimitedSink struct {
	w    io.Writer
	csvw *csv.Writer // nil for tsv
	rec  []string
	line []byte
}

func newDelimitedPrinter(w io.Writer, tsv bool) *tabular {
	s := &delimitedSink{w: w}
	if tsv {
		return newTabular(s, false, escapeTSV)
	}
	s.csvw = newCSVWriter(w)
	return newTabular(s, false, nil)
}

func (s *delimitedSink) start(cols []string, rows [][][]byte) error {
	header := make([][]byte, len(cols))
	for i, c := range cols {
		if s.csvw == nil {
			header[i] = escapeTSV(nil, []byte(c))
		} else {
			header[i] = []byte(c)
		}
	}
	if err := s.row(header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.row(r); err != nil {
			return err
		}
	}
	return nil
}

// row writes one record and flushes it, so that every Print reaches w
// before it returns, as with the other formats.
func (s *delimitedSink) row(cells [][]byte) error {
	if s.csvw != nil && len(cells) == 1 && len(cells[0]) == 0 {
		// encoding/csv writes a lone empty field as a blank line, which
		// readers (encoding/csv included) skip; quote it to keep the record.
		if _, err := io.WriteString(s.w, "\"\"\n"); err != nil {
			return fmt.Errorf("output: writing csv: %w", err)
		}
		return nil
	}
	if s.csvw != nil {
		s.rec = s.rec[:0]
		for _, c := range cells {
			s.rec = append(s.rec, string(c))
		}
		if err := s.csvw.Write(s.rec); err != nil {
			return fmt.Errorf("output: writing csv: %w", err)
		}
		s.csvw.Flush()
		if err := s.csvw.Error(); err != nil {
			return fmt.Errorf("output: writing csv: %w", err)
		}
		return nil
	}
	b := s.line[:0]
	for i, c := range cells {
		if i > 0 {
			b = append(b, '\t')
		}
		b = append(b, c...)
	}
	b = append(b, '\n')
	s.line = b
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("output: writing tsv: %w", err)
	}
	return nil
}

func (s *delimitedSink) finish([]string) error { return nil }

func newCSVWriter(w io.Writer) *csv.Writer { return csv.NewWriter(w) }
