package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// EnvelopePrinter streams documents into the "items" array of one JSON
// object and ends it with metadata fields known only at the end (request
// charge, continuation): {"items":[…],"continuation":…,…}. Memory stays
// flat however many documents pass, as with the json printer, and the
// style (indented and coloured on a terminal, compact when piped) is the
// same as WriteJSON's. With JQ the expression runs over the whole
// envelope, so the documents are buffered (the user asked for that).
type EnvelopePrinter struct {
	w     io.Writer
	opts  Options
	style jsonStyle
	buf   []byte
	n     int
	items []json.RawMessage // JQ only
	err   error
}

// NewEnvelope returns an envelope printer writing to w; Format is ignored.
func NewEnvelope(w io.Writer, opts Options) (*EnvelopePrinter, error) {
	if opts.JQ != "" {
		if _, err := compileJQ(opts.JQ); err != nil {
			return nil, err
		}
	}
	st := jsonStyle{color: opts.Color}
	if opts.TTY {
		st.indent = "  "
	}
	return &EnvelopePrinter{w: w, opts: opts, style: st}, nil
}

// Print adds one document to the items array.
func (p *EnvelopePrinter) Print(doc json.RawMessage) error {
	if p.err != nil {
		return p.err
	}
	if err := validDoc(doc); err != nil {
		return err
	}
	if p.opts.JQ != "" {
		p.items = append(p.items, append(json.RawMessage(nil), doc...))
		p.n++
		return nil
	}
	// appendJSON renders token fragments too: the head opens the object and
	// the array and leaves the indentation of the first element.
	b := p.buf[:0]
	if p.n == 0 {
		b = appendJSON(b, []byte(`{"items":[`), p.style, 0)
	} else {
		b = appendJSON(b, []byte(","), p.style, 2)
	}
	b = appendJSON(b, doc, p.style, 2)
	p.buf = b
	p.n++
	return p.write(b)
}

// Finish ends the items array and writes meta's fields (sorted by key)
// after it. meta must not have an "items" key.
func (p *EnvelopePrinter) Finish(meta map[string]any) error {
	if p.err != nil {
		return p.err
	}
	if p.opts.JQ != "" {
		env := make(map[string]any, len(meta)+1)
		for k, v := range meta {
			env[k] = v
		}
		items := p.items
		if items == nil {
			items = []json.RawMessage{}
		}
		env["items"] = items
		return WriteJSON(p.w, env, p.opts)
	}
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(meta); err != nil {
		return fmt.Errorf("output: encoding the envelope: %w", err)
	}
	fields := bytes.TrimSpace(enc.Bytes())
	fields = fields[1 : len(fields)-1] // the members, without { and }
	var tail []byte
	if p.n == 0 {
		tail = append([]byte(`{"items":[]`), sep(fields)...)
		tail = appendJSON(p.buf[:0], append(append(tail, fields...), '}'), p.style, 0)
	} else {
		tail = append([]byte("]"), sep(fields)...)
		tail = appendJSON(p.buf[:0], append(append(tail, fields...), '}'), p.style, 2)
	}
	return p.write(append(tail, '\n'))
}

func sep(fields []byte) []byte {
	if len(fields) == 0 {
		return nil
	}
	return []byte(",")
}

func (p *EnvelopePrinter) write(b []byte) error {
	if _, err := p.w.Write(b); err != nil {
		p.err = fmt.Errorf("output: writing json: %w", err)
	}
	return p.err
}
