package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/itchyny/gojq"
)

// WriteJSON prints one non-streamed value (e.g. `whoami -o json`) in the
// json printer's style: indented with two spaces and coloured (if Color) on
// a terminal, compact otherwise, followed by a newline. Format is ignored.
// With JQ the expression runs over v and each result is printed on its own
// line(s), like jq itself.
func WriteJSON(w io.Writer, v any, opts Options) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("output: encoding %T as json: %w", v, err)
	}
	docs := [][]byte{buf.Bytes()}
	if opts.JQ != "" {
		code, err := compileJQ(opts.JQ)
		if err != nil {
			return err
		}
		in, err := decodeForJQ(buf.Bytes())
		if err != nil {
			return err
		}
		docs = docs[:0]
		iter := code.RunWithContext(opts.jqContext(), in)
		for {
			out, ok := iter.Next()
			if !ok {
				break
			}
			if err, isErr := out.(error); isErr {
				return &JQError{Expr: opts.JQ, Runtime: true, Err: err}
			}
			b, err := gojq.Marshal(out)
			if err != nil {
				return &JQError{Expr: opts.JQ, Runtime: true, Err: err}
			}
			docs = append(docs, b)
		}
	}
	st := jsonStyle{color: opts.Color}
	if opts.TTY {
		st.indent = "  "
	}
	var out []byte
	for _, d := range docs {
		out = append(appendJSON(out, d, st, 0), '\n')
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("output: writing json: %w", err)
	}
	return nil
}

// PrintRecords prints a small, fully known list of records (command output
// such as profiles or role assignments) with the given columns, in order.
// table/wide/"" give an aligned table (fitted and coloured like the
// streaming table), csv/tsv a header plus rows, and json/jsonl/yaml one
// object per row with the headers as keys; with JQ the objects go through
// the expression first. Short rows are padded with empty cells. No rows
// print nothing for table/csv/tsv.
func PrintRecords(w io.Writer, headers []string, rows [][]string, opts Options) error {
	format := resolveFormat(opts)
	switch {
	case opts.JQ == "" && (format == "table" || format == "wide"):
		if len(rows) == 0 {
			return nil
		}
		s := &tableSink{w: w, opts: opts}
		if err := s.start(headers, recordCells(headers, rows, escapeControls)); err != nil {
			return err
		}
		return s.finish(nil)
	case opts.JQ == "" && (format == "csv" || format == "tsv"):
		if len(rows) == 0 {
			return nil
		}
		s := &delimitedSink{w: w}
		esc := escapeTSV
		if format == "csv" {
			s.csvw = newCSVWriter(w)
			esc = nil
		}
		return s.start(headers, recordCells(headers, rows, esc))
	}
	p, err := New(w, opts)
	if err != nil {
		return err
	}
	var obj []byte
	for _, r := range rows {
		obj = append(obj[:0], '{')
		for i, h := range headers {
			if i > 0 {
				obj = append(obj, ',')
			}
			obj = appendJSONString(obj, h)
			obj = append(obj, ':')
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			obj = appendJSONString(obj, cell)
		}
		obj = append(obj, '}')
		if err := p.Print(obj); err != nil {
			return err
		}
	}
	return p.Close()
}

func recordCells(headers []string, rows [][]string, esc func(dst, text []byte) []byte) [][][]byte {
	out := make([][][]byte, len(rows))
	for r, row := range rows {
		cells := make([][]byte, len(headers))
		for i := range headers {
			if i < len(row) {
				if esc != nil {
					cells[i] = esc(nil, []byte(row[i]))
				} else {
					cells[i] = []byte(row[i])
				}
			}
		}
		out[r] = cells
	}
	return out
}

// appendJSONString appends s as a JSON string literal without HTML escaping.
func appendJSONString(dst []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
