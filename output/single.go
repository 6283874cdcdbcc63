package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON prints one non-streamed value (e.g. `read --with-meta`) in the
// json format, whatever Format says: indented with two spaces and coloured
// (if Color) on a terminal, compact otherwise, followed by a newline. With
// JQ the expression runs over v and each result is printed on its own
// line(s), like jq itself.
func WriteJSON(w io.Writer, v any, opts Options) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("output: encoding %T as json: %w", v, err)
	}
	opts.Format = "json"
	return PrintOne(w, buf.Bytes(), opts)
}

// PrintOne prints a single document (one item, one container, whoami) in
// any format: json and yaml as that object (not a list of one), jsonl as
// one line, table and wide as a key/value block like `kubectl describe`
// (one "key:  value" line per top-level member, values as in a table
// cell, never truncated), csv and tsv as a header and one record. A scalar
// document prints as its text in a table. With JQ the expression runs over
// the document and each result prints that way (strings raw, see New).
func PrintOne(w io.Writer, doc json.RawMessage, opts Options) error {
	if err := validDoc(doc); err != nil {
		return err
	}
	format := resolveFormat(opts)
	var p Printer
	switch format {
	case "json":
		p = newJSONValuesPrinter(w, opts)
	case "jsonl":
		p = &jsonlPrinter{w: w, style: jsonStyle{color: opts.Color}}
	case "yaml":
		p = &yamlDocPrinter{w: w}
	case "table", "wide":
		p = &describePrinter{w: w, t: newTabular(nil, format == "wide", escapeControls)}
	case "csv", "tsv":
		p = newDelimitedPrinter(w, format == "tsv")
	default:
		return &FormatError{Format: opts.Format, Valid: Formats()}
	}
	if opts.JQ != "" {
		jp, err := newJQPrinter(w, p, opts)
		if err != nil {
			return err
		}
		p = jp
	}
	if err := p.Print(doc); err != nil {
		_ = p.Close()
		return err
	}
	return p.Close()
}

// yamlDocPrinter writes each document as a YAML document of its own (a
// mapping stays a mapping), separated by "---" when there are several.
type yamlDocPrinter struct {
	w   io.Writer
	n   int
	buf []byte
}

func (p *yamlDocPrinter) Print(doc json.RawMessage) error {
	if err := validDoc(doc); err != nil {
		return err
	}
	raw := trimValue(doc)
	b := p.buf[:0]
	if p.n > 0 {
		b = append(b, "---\n"...)
	}
	b = appendYAMLNode(b, raw, 0)
	p.buf = b
	p.n++
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("output: writing yaml: %w", err)
	}
	return nil
}

func (p *yamlDocPrinter) Close() error { return nil }

// describePrinter writes each object document as aligned "key:  value"
// lines (a blank line between documents); other documents as their cell
// text. System properties show only in wide, as in tables.
type describePrinter struct {
	w   io.Writer
	t   *tabular
	n   int
	buf []byte
}

func (p *describePrinter) Print(doc json.RawMessage) error {
	if err := validDoc(doc); err != nil {
		return err
	}
	raw := trimValue(doc)
	b := p.buf[:0]
	if p.n > 0 {
		b = append(b, '\n')
	}
	if raw[0] != '{' {
		b = append(p.t.appendCell(b, raw), '\n')
	} else {
		var keys, vals [][]byte
		width := 0
		p.t.eachField(raw, func(key, val []byte) {
			k := escapeControls(nil, key)
			keys = append(keys, k)
			vals = append(vals, p.t.appendCell(nil, val))
			width = max(width, displayWidth(k))
		})
		for i, k := range keys {
			b = append(append(b, k...), ':')
			b = appendIndent(b, width-displayWidth(k)+2)
			b = append(append(b, vals[i]...), '\n')
		}
	}
	p.buf = b
	p.n++
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("output: writing table: %w", err)
	}
	return nil
}

func (p *describePrinter) Close() error { return nil }

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
