package query

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// RangeStats is what one partition range (or the single/direct stream) cost.
type RangeStats struct {
	Range        string             `json:"range"`
	Pages        int                `json:"pages"`
	Charge       float64            `json:"requestCharge"`
	Metrics      map[string]float64 `json:"metrics,omitempty"`
	IndexMetrics []json.RawMessage  `json:"indexMetrics,omitempty"`
}

// Stats accumulates request charges and counts; safe for concurrent use.
type Stats struct {
	mu       sync.Mutex
	charge   float64
	pages    int
	requests int
	ranges   map[string]*RangeStats
	onCharge func(total float64) // Spec.OnCharge
}

// Summary is a snapshot of Stats.
type Summary struct {
	Charge     float64      `json:"requestCharge"`
	Pages      int          `json:"pages"`
	RoundTrips int          `json:"roundTrips"`
	Ranges     []RangeStats `json:"ranges,omitempty"`
}

// request counts a request that returned no page, and its extra round trips.
func (s *Stats) request(c Cost) {
	s.mu.Lock()
	s.requests += 1 + c.Extra
	s.charge += c.Charge
	total := s.charge
	s.mu.Unlock()
	s.charged(c.Charge, total)
}

// charged tells OnCharge about a response that cost something, outside
// the lock so the callback may take its time.
func (s *Stats) charged(charge, total float64) {
	if s.onCharge != nil && charge != 0 {
		s.onCharge(total)
	}
}

func (s *Stats) page(rangeID string, p Page) {
	s.mu.Lock()
	total := s.addPage(rangeID, p)
	s.mu.Unlock()
	s.charged(p.Charge, total)
}

// addPage counts p; the caller holds s.mu.
func (s *Stats) addPage(rangeID string, p Page) float64 {
	s.requests += 1 + p.Extra
	s.pages++
	s.charge += p.Charge
	if s.ranges == nil {
		s.ranges = map[string]*RangeStats{}
	}
	r := s.ranges[rangeID]
	if r == nil {
		r = &RangeStats{Range: rangeID}
		s.ranges[rangeID] = r
	}
	r.Pages++
	r.Charge += p.Charge
	if p.QueryMetrics != "" {
		for k, v := range ParseMetrics(p.QueryMetrics) {
			if r.Metrics == nil {
				r.Metrics = map[string]float64{}
			}
			r.Metrics[k] += v
		}
	}
	if p.IndexMetrics != "" {
		r.IndexMetrics = append(r.IndexMetrics, decodeIndexMetrics(p.IndexMetrics))
	}
	return s.charge
}

// Summary snapshots the counters; ranges sorted by id.
func (s *Stats) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Summary{Charge: s.charge, Pages: s.pages, RoundTrips: s.requests}
	for _, r := range s.ranges {
		c := *r
		out.Ranges = append(out.Ranges, c)
	}
	sort.Slice(out.Ranges, func(i, j int) bool { return rangeLess(out.Ranges[i].Range, out.Ranges[j].Range) })
	return out
}

func rangeLess(a, b string) bool {
	ai, aerr := strconv.Atoi(a)
	bi, berr := strconv.Atoi(b)
	if aerr == nil && berr == nil {
		return ai < bi
	}
	return a < b
}

// ParseMetrics decodes the x-ms-documentdb-query-metrics header
// (`key=value;key=value`).
func ParseMetrics(h string) map[string]float64 {
	out := map[string]float64{}
	for _, kv := range strings.Split(h, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			out[k] = f
		}
	}
	return out
}

// decodeIndexMetrics turns the base64 JSON index utilisation into JSON
// (kept as a string when it is not base64 JSON).
func decodeIndexMetrics(s string) json.RawMessage {
	if b, err := decodeBase64(s); err == nil && json.Valid(b) {
		return b
	}
	q, _ := json.Marshal(s)
	return q
}
