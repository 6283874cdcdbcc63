package output

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// Results are encoded by gojq.Marshal, so object keys come out sorted (gojq
// does not keep insertion order).
type jqPrinter struct {
	inner Printer
	expr  string
	code  *gojq.Code
	slurp bool
	ctx   context.Context
	all   []any // JQSlurp only
	done  bool  // "halt" ran: ignore the remaining input
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

func newJQPrinter(inner Printer, opts Options) (*jqPrinter, error) {
	code, err := compileJQ(opts.JQ)
	if err != nil {
		return nil, err
	}
	return &jqPrinter{inner: inner, expr: opts.JQ, code: code, slurp: opts.JQSlurp, ctx: opts.jqContext()}, nil
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
		p.all = append(p.all, v)
		return nil
	}
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
		b, err := gojq.Marshal(out)
		if err != nil {
			return &JQError{Expr: p.expr, Runtime: true, Err: err}
		}
		if err := p.inner.Print(b); err != nil {
			return err
		}
	}
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
