package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/iostreams"
	"github.com/cosmosctl/cosmosctl/output"
)

// The output contract every command that prints data follows:
//   - -o table|wide|json|jsonl|csv|tsv|yaml and --jq mean the same
//     everywhere; with no -o, a terminal gets a table and a pipe gets JSON;
//   - a single object (whoami, version, container show, read) prints as an
//     object in json and yaml and as a key/value block in a table (some
//     commands keep a hand-made human layout there); a list as a list;
//   - a single scalar answer (config get, can-i, auth token) prints raw
//     unless -o json, jsonl or yaml asks for the structured form;
//   - a format a command cannot produce is a usage error, never ignored.

// printOptions are the printer options for ios, format and the global
// printing flags.
func printOptions(ctx context.Context, ios *iostreams.IOStreams, format string, pf PrintFlags) output.Options {
	return output.Options{
		Format: format, JQ: pf.JQ, JQSlurp: pf.JQSlurp, JQJSON: pf.JQJSON,
		TTY: ios.IsStdoutTTY(), Width: ios.TerminalWidth(), Color: ios.ColorEnabled(),
		Context: ctx,
	}
}

// humanLayout reports whether a command with a hand-made layout for people
// (whoami, version, config view) should print it: a table was asked for,
// or is the terminal default, and no --jq.
func humanLayout(o output.Options) bool {
	if o.JQ != "" {
		return false
	}
	switch o.Format {
	case "table", "wide":
		return true
	case "":
		return o.TTY
	}
	return false
}

// scalarRaw reports whether a single scalar answer prints as plain text:
// unless a structured format (json, jsonl, yaml) or --jq was asked for.
func scalarRaw(o output.Options) bool {
	if o.JQ != "" {
		return false
	}
	switch o.Format {
	case "json", "jsonl", "yaml":
		return false
	}
	return true
}

// marshalDoc encodes v as a JSON document without HTML escaping, keeping
// the struct's field order.
func marshalDoc(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

// printOne prints a single document through the output contract.
func printOne(ios *iostreams.IOStreams, o output.Options, v any) error {
	doc, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if doc, err = marshalDoc(v); err != nil {
			return err
		}
	}
	return printerError(output.PrintOne(ios.Out, doc, o))
}

// printerError turns printer errors the user caused (an unknown format, a
// jq expression that does not compile) into usage errors.
func printerError(err error) error {
	var fe *output.FormatError
	var je *output.JQError
	if errors.As(err, &fe) || (errors.As(err, &je) && !je.Runtime) {
		return errs.Usage("%v", err)
	}
	return err
}
