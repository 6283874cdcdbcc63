package query_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/query"
	"github.com/cosmosctl/cosmosctl/output"
)

// legacyMeta is how cmd/query.go built the envelope metadata before Meta:
// the envelope must come out byte for byte the same.
func legacyMeta(out *query.Outcome, withMetrics bool) map[string]any {
	meta := map[string]any{
		"continuation":  nil,
		"requestCharge": out.Stats.Charge,
		"pages":         out.Stats.Pages,
		"roundTrips":    out.Stats.RoundTrips,
	}
	if out.Continuation != "" {
		meta["continuation"] = out.Continuation
	}
	if withMetrics {
		meta["metrics"] = out.Stats.Ranges
	}
	return meta
}

func TestMetaEnvelopeBytes(t *testing.T) {
	ranges := []query.RangeStats{
		{Range: "0", Pages: 2, Charge: 3.5, Metrics: map[string]float64{"retrievedDocumentCount": 10, "outputDocumentCount": 4}},
		{Range: "1", Pages: 1, Charge: 1.25, IndexMetrics: []json.RawMessage{json.RawMessage(`{"UtilizedIndexes":["<a&b>"]}`)}},
	}
	tests := []struct {
		name        string
		out         query.Outcome
		withMetrics bool
		want        string // compact, without JQ
	}{
		{"complete", query.Outcome{Stats: query.Summary{Charge: 2.83, Pages: 1, RoundTrips: 3}}, false,
			`{"items":[{"id":"a"}],"continuation":null,"pages":1,"requestCharge":2.83,"roundTrips":3}`},
		{"continuation", query.Outcome{Continuation: "cc1.<tok>&=", Stats: query.Summary{Charge: 10, Pages: 4, RoundTrips: 5}}, false,
			`{"items":[{"id":"a"}],"continuation":"cc1.<tok>&=","pages":4,"requestCharge":10,"roundTrips":5}`},
		{"metrics", query.Outcome{Stats: query.Summary{Charge: 4.75, Pages: 3, RoundTrips: 3, Ranges: ranges}}, true,
			`{"items":[{"id":"a"}],"continuation":null,"metrics":[{"range":"0","pages":2,"requestCharge":3.5,"metrics":{"outputDocumentCount":4,"retrievedDocumentCount":10}},{"range":"1","pages":1,"requestCharge":1.25,"indexMetrics":[{"UtilizedIndexes":["<a&b>"]}]}],"pages":3,"requestCharge":4.75,"roundTrips":3}`},
		{"metrics asked, none", query.Outcome{Stats: query.Summary{Charge: 1}}, true,
			`{"items":[{"id":"a"}],"continuation":null,"metrics":null,"pages":0,"requestCharge":1,"roundTrips":0}`},
		{"metrics not asked", query.Outcome{Stats: query.Summary{Charge: 1, Ranges: ranges}}, false,
			`{"items":[{"id":"a"}],"continuation":null,"pages":0,"requestCharge":1,"roundTrips":0}`},
	}
	envelope := func(t *testing.T, opts output.Options, meta map[string]any) string {
		t.Helper()
		var buf bytes.Buffer
		p, err := output.NewEnvelope(&buf, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Print(json.RawMessage(`{"id":"a"}`)); err != nil {
			t.Fatal(err)
		}
		if err := p.Finish(meta); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := query.NewMeta(&tt.out, tt.withMetrics).Fields()
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []output.Options{{}, {TTY: true}, {JQ: "."}} {
				got, want := envelope(t, opts, fields), envelope(t, opts, legacyMeta(&tt.out, tt.withMetrics))
				if got != want {
					t.Errorf("options %+v:\n got %s\nwant %s", opts, got, want)
				}
			}
			if got := envelope(t, output.Options{}, fields); got != tt.want+"\n" {
				t.Errorf("envelope:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
