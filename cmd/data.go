package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query"
	"github.com/cosmosctl/cosmosctl/output"
)

// The helpers every data command shares: its settings and client (checked
// in order: -d and -c before any sign-in), its printer options, and the
// rule that a failed command prints nothing on stdout.

// queryClient resolves settings and builds the Cosmos client.
func dataClient(ctx context.Context, f *DataDeps) (*cosmos.Client, *config.Settings, error) {
	return dataClientFor(ctx, f, false, false)
}

// dataClientFor is queryClient for commands that also need a database
// (and a container): those are checked first, so a missing -d or -c is a
// usage error before anything signs in.
func dataClientFor(ctx context.Context, f *DataDeps, needDatabase, needContainer bool) (*cosmos.Client, *config.Settings, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.RequireEndpoint(); err != nil {
		return nil, nil, err
	}
	// Names are checked before any request: ".." or a "/" would address
	// another resource.
	if needDatabase {
		if _, err := s.RequireDatabase(); err != nil {
			return nil, nil, err
		}
		if err := cosmos.ValidateName("-d/--database", s.Database); err != nil {
			return nil, nil, err
		}
	}
	if needContainer {
		if _, err := s.RequireContainer(); err != nil {
			return nil, nil, err
		}
		if err := cosmos.ValidateName("-c/--container", s.Container); err != nil {
			return nil, nil, err
		}
	}
	c, err := f.CosmosClient(ctx)
	if err != nil {
		return nil, nil, cosmos.Explain(err, "connect")
	}
	return c, s, nil
}

// dataOutputOptions are the printer options for this invocation.
func dataOutputOptions(ctx context.Context, f *DataDeps, s *config.Settings) output.Options {
	return printOptions(ctx, f.IOStreams, s.Output, f.Printing())
}

// dataIsJSONFormat reports whether results print as a JSON array.
func dataIsJSONFormat(f *DataDeps, s *config.Settings) bool {
	return s.Output == "json" || (s.Output == "" && !f.IOStreams.IsStdoutTTY())
}

// dataWarnDropped tells stderr about table columns that appeared too late.
func dataWarnDropped(f *DataDeps, p output.Printer) {
	if cr, ok := p.(output.ColumnReporter); ok {
		if d := cr.DroppedColumns(); len(d) > 0 {
			fmt.Fprintf(f.IOStreams.ErrOut, "note: columns first seen after the first %d results were not shown: %s (use -o json)\n", output.ColumnWindow, strings.Join(d, ", "))
		}
	}
}

// resultWriter prints a data command's results: through the printer, or
// with --with-meta into an envelope whose charge and continuation follow
// the items. Nothing is written before the first result.
type resultWriter struct {
	f       *DataDeps
	printer output.Printer
	env     *output.EnvelopePrinter
	emit    func(json.RawMessage) error
	metrics bool
}

func newResultWriter(f *DataDeps, oo output.Options, withMeta, metrics bool) (*resultWriter, error) {
	rw := &resultWriter{f: f, metrics: metrics}
	var err error
	if withMeta {
		if rw.env, err = output.NewEnvelope(f.IOStreams.Out, oo); err == nil {
			rw.emit = rw.env.Print
		}
	} else if rw.printer, err = output.New(f.IOStreams.Out, oo); err == nil {
		rw.emit = rw.printer.Print
	}
	if err != nil {
		return nil, printerError(err)
	}
	return rw, nil
}

// close finishes the output: the printer's closing ("]"), or the
// envelope's metadata with the charge rounded as the statistics line
// rounds it.
func (rw *resultWriter) close(out *query.Outcome) error {
	if rw.env == nil {
		defer dataWarnDropped(rw.f, rw.printer)
		return rw.printer.Close()
	}
	meta, err := query.NewMeta(out, rw.metrics).Fields()
	if err != nil {
		return err
	}
	meta["requestCharge"] = json.RawMessage(strconv.FormatFloat(roundCharge(out.Stats.Charge), 'f', -1, 64))
	return rw.env.Finish(meta)
}
