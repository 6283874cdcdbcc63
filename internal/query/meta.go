package query

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Meta is what the --with-meta envelope reports after the items. The
// fields are in key order, so encoding Meta gives the same bytes as the
// sorted members of the envelope.
type Meta struct {
	Continuation *string `json:"continuation"` // null when the result is complete
	// Metrics is nil when not asked for; asked for, it may point to an
	// empty list, written null.
	Metrics       *[]RangeStats `json:"metrics,omitempty"`
	Pages         int           `json:"pages"`
	RequestCharge float64       `json:"requestCharge"`
	RoundTrips    int           `json:"roundTrips"`
}

// NewMeta is the envelope metadata of a finished run; withMetrics adds the
// per-range statistics.
func NewMeta(out *Outcome, withMetrics bool) Meta {
	m := Meta{Pages: out.Stats.Pages, RequestCharge: out.Stats.Charge, RoundTrips: out.Stats.RoundTrips}
	if out.Continuation != "" {
		c := out.Continuation
		m.Continuation = &c
	}
	if withMetrics {
		r := out.Stats.Ranges
		m.Metrics = &r
	}
	return m
}

// Fields returns m's members by key, each already encoded (without HTML
// escaping, as the envelope writes them), for output.EnvelopePrinter.Finish.
func (m Meta) Fields() (map[string]any, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode the envelope metadata: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		return nil, fmt.Errorf("encode the envelope metadata: %w", err)
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		out[k] = v
	}
	return out, nil
}
