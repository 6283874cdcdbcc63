package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/itchyny/gojq"
)

// jqPrinter runs a compiled gojq program over each document (or, with
// JQSlurp, once over the array of all documents) and prints every result as
// a document of the inner format.
//
// Documents are decoded with json.Number, which gojq passes through
// untouched, so a number that jq only selects or copies keeps its exact
// text; arithmetic converts to int, float64 or *big.Int as gojq does.
// Results are encoded with the input's key order (keyOrder), not gojq's
// sorted one.
//
// Like jq -r and gh, a string result prints raw on its own line (unless
// Options.JQJSON). With the json format every result is a JSON value on its
// own line, as jq prints them (no enclosing array); with table and wide,
// object results make the table and other results print as JSON lines, so a
// scalar is never wrapped in a one-column table.
type jqPrinter struct {
	inner  Printer
	lines  *jsonValuesPrinter // where non-object results go for table/wide; nil otherwise
	w      io.Writer
	raw    bool // print string results raw
	expr   string
	code   *gojq.Code
	slurp  bool
	ctx    context.Context
	all    []any // JQSlurp only
	order  *keyOrder
	done   bool // "halt" ran: ignore the remaining input
	strbuf []byte
}

// compileJQ parses and compiles expr once. As in jq, $ENV and env see the
// process environment: the user wrote the expression, so nothing leaks.
func compileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, &JQError{Expr: expr, Err: err}
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(os.Environ))
	if err != nil {
		return nil, &JQError{Expr: expr, Err: err}
	}
	return code, nil
}

// newJQPrinter wraps the format printer inner (nil for the json format,
// whose results print as jq prints them) writing to w.
func newJQPrinter(w io.Writer, inner Printer, opts Options) (*jqPrinter, error) {
	code, err := compileJQ(opts.JQ)
	if err != nil {
		return nil, err
	}
	p := &jqPrinter{inner: inner, w: w, raw: !opts.JQJSON, expr: opts.JQ, code: code, slurp: opts.JQSlurp,
		ctx: opts.jqContext(), order: newKeyOrder()}
	switch f := resolveFormat(opts); {
	case inner == nil:
		p.inner = newJSONValuesPrinter(w, opts)
	case f == "table" || f == "wide":
		p.lines = newJSONValuesPrinter(w, opts)
	}
	return p, nil
}

// decodeForJQ decodes one document keeping numbers as json.Number.
func decodeForJQ(doc []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("output: decoding document for jq: %w", err)
	}
	return v, nil
}

func (p *jqPrinter) Print(doc json.RawMessage) error {
	if p.done {
		return nil
	}
	v, err := decodeForJQ(doc)
	if err != nil {
		return err
	}
	if p.slurp {
		p.order.learn(doc)
		p.all = append(p.all, v)
		return nil
	}
	p.order = newKeyOrder()
	p.order.learn(doc)
	return p.run(v)
}

// run feeds one input to the program and prints each output.
func (p *jqPrinter) run(v any) error {
	iter := p.code.RunWithContext(p.ctx, v)
	for {
		out, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := out.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				p.done = true // "halt": stop quietly, like jq
				return nil
			}
			return &JQError{Expr: p.expr, Runtime: true, Err: err}
		}
		if err := p.emit(out); err != nil {
			return err
		}
	}
}

// emit prints one jq result.
func (p *jqPrinter) emit(out any) error {
	if s, ok := out.(string); ok && p.raw {
		p.strbuf = append(append(p.strbuf[:0], s...), '\n')
		if _, err := p.w.Write(p.strbuf); err != nil {
			return fmt.Errorf("output: writing jq result: %w", err)
		}
		return nil
	}
	b, err := p.order.marshal(out)
	if err != nil {
		return &JQError{Expr: p.expr, Runtime: true, Err: err}
	}
	if _, isObject := out.(map[string]any); p.lines != nil && !isObject {
		return p.lines.Print(b)
	}
	return p.inner.Print(b)
}

func (p *jqPrinter) Close() error {
	if p.slurp && !p.done {
		all := p.all
		if all == nil {
			all = []any{}
		}
		p.all = nil
		if err := p.run(all); err != nil {
			// Still terminate the inner output (json's "]") so it stays valid.
			return errors.Join(err, p.inner.Close())
		}
	}
	return p.inner.Close()
}

// DroppedColumns forwards to a tabular inner printer.
func (p *jqPrinter) DroppedColumns() []string {
	if cr, ok := p.inner.(ColumnReporter); ok {
		return cr.DroppedColumns()
	}
	return nil
}
