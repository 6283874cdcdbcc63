package cmd

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query"
)

// queryStatsLine is the statistics line of a finished query.
func queryStatsLine(charge float64, results, pages, roundTrips int, traffic cosmos.Traffic) string {
	line := fmt.Sprintf("request charge: %s RU, %s, %s, %s", strconv.FormatFloat(roundCharge(charge), 'f', 2, 64),
		plural(results, "result", "results"), plural(pages, "page", "pages"), plural(roundTrips, "round trip", "round trips"))
	if traffic.Throttled > 0 {
		line += fmt.Sprintf(", %d throttled (429)", traffic.Throttled)
	}
	if r := traffic.Retried(); r > 0 {
		line += fmt.Sprintf(", %d retried", r)
	}
	return line
}

// roundCharge rounds a request charge to hundredths of an RU, the
// precision the service reports charges in. The SDK hands each page's
// charge over as a float32 and the sum of many carries float noise
// (219.47999954223633 for 219.48); rounding gives the --with-meta JSON and
// the statistics line the same number, the sum the server's values make.
func roundCharge(c float64) float64 { return math.Round(c*100) / 100 }

// plural is "1 page" or "2 pages".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// queryPrintStats writes the charge summary (and metrics) on stderr: on a
// terminal or with --show-charge, e.g. "request charge: 2.79 RU, 1 result,
// 1 page, 1 round trip", plus the throttled (429) and retried requests
// when there were any, which the SDK's retries would otherwise hide.
func queryPrintStats(f *DataDeps, o *QueryOptions, out *query.Outcome, traffic cosmos.Traffic) {
	if out == nil || o.WithMeta {
		return
	}
	w := f.IOStreams.ErrOut
	if o.ShowCharge || f.IOStreams.IsStderrTTY() {
		fmt.Fprintln(w, queryStatsLine(out.Stats.Charge, out.Written, out.Stats.Pages, out.Stats.RoundTrips, traffic))
	}
	if o.Metrics {
		fmt.Fprintf(w, "%-8s %6s %10s %10s %10s %12s\n", "RANGE", "PAGES", "RU", "RETRIEVED", "OUTPUT", "EXEC_MS")
		for _, r := range out.Stats.Ranges {
			fmt.Fprintf(w, "%-8s %6d %10.2f %10.0f %10.0f %12.2f\n", r.Range, r.Pages, r.Charge,
				r.Metrics["retrievedDocumentCount"], r.Metrics["outputDocumentCount"], r.Metrics["totalExecutionTimeInMs"])
		}
	}
	if o.IndexMetrics {
		for _, r := range out.Stats.Ranges {
			for _, im := range r.IndexMetrics {
				fmt.Fprintf(w, "index metrics (range %s): %s\n", r.Range, im)
			}
		}
	}
}

// queryAfter writes what follows a successful query on stderr: the
// statistics line, "No results." on a terminal, the --pk tip, and the
// continuation token when results remain.
func queryAfter(ctx context.Context, f *DataDeps, o *QueryOptions, client *cosmos.Client, s *config.Settings, sql string, out *query.Outcome) {
	queryPrintStats(f, o, out, client.Traffic())
	if out.Written == 0 && f.IOStreams.IsStdoutTTY() {
		fmt.Fprintln(f.IOStreams.ErrOut, "No results.")
	}
	if !o.pkGiven && f.IOStreams.IsStderrTTY() && pkTipWhere.MatchString(sql) {
		queryPKTip(ctx, f, client, s, sql)
	}
	if out.Continuation != "" {
		fmt.Fprintf(f.IOStreams.ErrOut, "continuation: %s\n", out.Continuation)
		if f.IOStreams.IsStderrTTY() {
			fmt.Fprintln(f.IOStreams.ErrOut, "(more results: rerun with --continuation TOKEN)")
		}
	}
}
