package output

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Options selects and tunes a printer.
type Options struct {
	Format  string // "json" | "jsonl" | "table" | "wide" | "csv" | "tsv" | "yaml" ("" = table if TTY else json)
	JQ      string // gojq expression applied to each document (each jq output is printed as a document)
	JQSlurp bool   // apply JQ once to the array of all documents (buffers; user asked for it)
	JQJSON  bool   // print JQ's string results as JSON strings instead of raw text
	TTY     bool   // stdout is a terminal: pretty JSON, table fitted to Width with "…", colours if Color
	Width   int    // terminal width (0 = unlimited)
	Color   bool   // already resolved by the caller (TTY && !NO_COLOR && !--no-color)
	// Context stops a running jq program when it is done (Ctrl-C,
	// --timeout), which a long jq computation would otherwise outlive.
	// nil = never.
	Context context.Context
}

// jqContext is the context jq programs run under.
func (o Options) jqContext() context.Context {
	if o.Context == nil {
		return context.Background()
	}
	return o.Context
}

// Printer prints a stream of documents.
type Printer interface {
	Print(doc json.RawMessage) error // one document (any JSON value: object, array, scalar)
	Close() error                    // flush / finish (json writes the closing "]"; an empty result prints "[]")
}

// ColumnReporter is implemented by the tabular printers (table, wide, csv,
// tsv). Their column set is fixed after the first ColumnWindow documents;
// DroppedColumns lists keys first seen later, which were not printed, so the
// caller can warn on stderr. It is complete only after Close.
type ColumnReporter interface {
	DroppedColumns() []string
}

// ColumnWindow is how many leading documents the tabular printers buffer to
// learn their columns and, for tables, the column widths. It bounds memory.
const ColumnWindow = 100

// FormatError reports an unknown output format.
type FormatError struct {
	Format string
	Valid  []string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("unknown output format %q (valid formats: %s)", e.Format, strings.Join(e.Valid, ", "))
}

// JQError reports a jq expression that does not compile or fails at run
// time; Err carries gojq's message.
type JQError struct {
	Expr    string
	Runtime bool // false: the expression did not parse/compile
	Err     error
}

func (e *JQError) Error() string {
	if e.Runtime {
		return fmt.Sprintf("jq expression %q failed: %v", e.Expr, e.Err)
	}
	return fmt.Sprintf("invalid jq expression %q: %v", e.Expr, e.Err)
}

func (e *JQError) Unwrap() error { return e.Err }

// Formats lists the valid values of Options.Format (besides "", which means
// table on a terminal and json otherwise).
func Formats() []string {
	return []string{"json", "jsonl", "table", "wide", "csv", "tsv", "yaml"}
}

// resolveFormat applies the "" default.
func resolveFormat(opts Options) string {
	if opts.Format == "" {
		if opts.TTY {
			return "table"
		}
		return "json"
	}
	return opts.Format
}

// New returns a streaming printer writing to w. An unknown format yields a
// *FormatError, a jq expression that does not compile a *JQError.
func New(w io.Writer, opts Options) (Printer, error) {
	inner, err := newFormatPrinter(w, opts)
	if err != nil {
		return nil, err
	}
	if opts.JQ == "" {
		return inner, nil
	}
	if resolveFormat(opts) == "json" {
		inner = nil // jq's results print as jq prints them, one value per line
	}
	return newJQPrinter(w, inner, opts)
}

func newFormatPrinter(w io.Writer, opts Options) (Printer, error) {
	switch f := resolveFormat(opts); f {
	case "json":
		return newJSONPrinter(w, opts), nil
	case "jsonl":
		return &jsonlPrinter{w: w, style: jsonStyle{color: opts.Color}}, nil
	case "table", "wide":
		return newTablePrinter(w, opts, f == "wide"), nil
	case "csv", "tsv":
		return newDelimitedPrinter(w, f == "tsv"), nil
	case "yaml":
		return newYAMLPrinter(w, opts), nil
	default:
		return nil, &FormatError{Format: opts.Format, Valid: Formats()}
	}
}
