package output

import (
	"encoding/json"
	"fmt"
	"io"
)

// jsonPrinter writes one JSON array incrementally. Piped, each element is
// compact on its own line ("[\n{…},\n{…}\n]"); on a terminal the array is
// indented with two spaces. Only whitespace is changed, never a token.
type jsonPrinter struct {
	w     io.Writer
	style jsonStyle
	buf   []byte // reused between documents so printing does not allocate
	n     int
	err   error
}

func newJSONPrinter(w io.Writer, opts Options) *jsonPrinter {
	st := jsonStyle{color: opts.Color}
	if opts.TTY {
		st.indent = "  "
	}
	return &jsonPrinter{w: w, style: st}
}

func (p *jsonPrinter) Print(doc json.RawMessage) error {
	if p.err != nil {
		return p.err
	}
	if err := validDoc(doc); err != nil {
		return err
	}
	b := p.buf[:0]
	if p.n == 0 {
		b = append(b, '[', '\n')
	} else {
		b = append(b, ',', '\n')
	}
	if p.style.indent != "" {
		b = append(b, p.style.indent...)
	}
	b = appendJSON(b, doc, p.style, 1)
	p.buf = b
	p.n++
	return p.write(b)
}

func (p *jsonPrinter) write(b []byte) error {
	if _, err := p.w.Write(b); err != nil {
		p.err = fmt.Errorf("output: writing json: %w", err)
	}
	return p.err
}

func (p *jsonPrinter) Close() error {
	if p.err != nil {
		return p.err
	}
	if p.n == 0 {
		return p.write([]byte("[]\n"))
	}
	return p.write([]byte("\n]\n"))
}

// jsonlPrinter writes one compact document per line (JSON Lines).
type jsonlPrinter struct {
	w     io.Writer
	style jsonStyle
	buf   []byte
	err   error
}

func (p *jsonlPrinter) Print(doc json.RawMessage) error {
	if p.err != nil {
		return p.err
	}
	if err := validDoc(doc); err != nil {
		return err
	}
	b := appendJSON(p.buf[:0], doc, p.style, 0)
	b = append(b, '\n')
	p.buf = b
	if _, err := p.w.Write(b); err != nil {
		p.err = fmt.Errorf("output: writing jsonl: %w", err)
	}
	return p.err
}

func (p *jsonlPrinter) Close() error { return p.err }

// jsonValuesPrinter writes each document as its own JSON value followed by
// a newline, indented (and coloured) on a terminal as jq does; it is how jq
// results print in the json format.
type jsonValuesPrinter struct {
	w     io.Writer
	style jsonStyle
	buf   []byte
	err   error
}

func newJSONValuesPrinter(w io.Writer, opts Options) *jsonValuesPrinter {
	st := jsonStyle{color: opts.Color}
	if opts.TTY {
		st.indent = "  "
	}
	return &jsonValuesPrinter{w: w, style: st}
}

func (p *jsonValuesPrinter) Print(doc json.RawMessage) error {
	if p.err != nil {
		return p.err
	}
	if err := validDoc(doc); err != nil {
		return err
	}
	p.buf = append(appendJSON(p.buf[:0], doc, p.style, 0), '\n')
	if _, err := p.w.Write(p.buf); err != nil {
		p.err = fmt.Errorf("output: writing json: %w", err)
	}
	return p.err
}

func (p *jsonValuesPrinter) Close() error { return p.err }
