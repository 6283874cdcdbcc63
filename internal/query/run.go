// Package query runs NoSQL queries against Cosmos DB: single-partition and
// gateway-servable queries directly, everything else by fetching the query
// plan, fanning out to the partition key ranges and merging client-side
// (package merge). Rows stream to the caller as soon as the merge allows.
package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// Spec is one query to run.
type Spec struct {
	Database, Container string
	Query               string
	Params              []azcosmos.QueryParameter
	// PartitionKey scopes the query to one logical partition (nil = all).
	PartitionKey *azcosmos.PartitionKey
	// PartitionKeyJSON is the key as the user gave it, for token validation.
	PartitionKeyJSON string
	PageSize         int32 // x-ms-max-item-count (0 = server default)
	MaxConcurrency   int   // ranges in flight (0 = 4)
	MaxItems         int   // stop after this many rows (0 = all)
	Continuation     string
	IndexMetrics     bool
}

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
}

// Summary is a snapshot of Stats.
type Summary struct {
	Charge     float64      `json:"requestCharge"`
	Pages      int          `json:"pages"`
	RoundTrips int          `json:"roundTrips"`
	Ranges     []RangeStats `json:"ranges,omitempty"`
}

func (s *Stats) request(charge float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.charge += charge
}

func (s *Stats) page(rangeID string, resp azcosmos.QueryItemsResponse) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.pages++
	s.charge += float64(resp.RequestCharge)
	if s.ranges == nil {
		s.ranges = map[string]*RangeStats{}
	}
	r := s.ranges[rangeID]
	if r == nil {
		r = &RangeStats{Range: rangeID}
		s.ranges[rangeID] = r
	}
	r.Pages++
	r.Charge += float64(resp.RequestCharge)
	if resp.QueryMetrics != nil {
		for k, v := range ParseMetrics(*resp.QueryMetrics) {
			if r.Metrics == nil {
				r.Metrics = map[string]float64{}
			}
			r.Metrics[k] += v
		}
	}
	if resp.IndexMetrics != nil && *resp.IndexMetrics != "" {
		r.IndexMetrics = append(r.IndexMetrics, decodeIndexMetrics(*resp.IndexMetrics))
	}
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

// Outcome is what a run produced besides the rows.
type Outcome struct {
	Written      int
	Continuation string // empty when the result is complete
	Mode         string
	Stats        Summary
}

// Runner executes queries with one client.
type Runner struct {
	Client *cosmos.Client
	// Notice receives one-line notices for stderr (may be nil).
	Notice func(string)
}

// UsageError is a query input problem (bad token, mismatched page size).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run executes spec, calling emit for each result row in order. On error
// the outcome still says how many rows were written.
func (r *Runner) Run(ctx context.Context, spec Spec, emit func(json.RawMessage) error) (*Outcome, error) {
	stats := &Stats{}
	out := &Outcome{}
	defer func() { out.Stats = stats.Summary() }()
	paramsJSON, _ := json.Marshal(spec.Params)
	hash := QueryHash(spec.Database, spec.Container, spec.Query, string(paramsJSON), spec.PartitionKeyJSON)

	var tok *Token
	if spec.Continuation != "" {
		t, err := DecodeToken(spec.Continuation)
		if err != nil {
			return out, &UsageError{Msg: err.Error()}
		}
		if t.Query != hash {
			return out, &UsageError{Msg: "invalid continuation token: it belongs to a different query (the query text, parameters, partition key, database and container must be the same)"}
		}
		if spec.PageSize != 0 && t.PageSize != spec.PageSize {
			return out, &UsageError{Msg: fmt.Sprintf("invalid continuation token: it was issued with --page-size %d; resume with the same page size", t.PageSize)}
		}
		spec.PageSize = t.PageSize
		tok = t
	}
	ctr, err := r.Client.NewContainer(spec.Database, spec.Container)
	if err != nil {
		return out, fmt.Errorf("container %s/%s: %w", spec.Database, spec.Container, err)
	}
	ex := &executor{ctr: ctr, spec: spec, stats: stats}

	var (
		info   *merge.QueryInfo
		ranges []merge.Range
	)
	mode := ""
	switch {
	case spec.PartitionKey != nil:
		mode = ModeSingle
		if tok != nil && tok.Mode != ModeSingle {
			return out, &UsageError{Msg: "invalid continuation token: it was not issued for a single-partition query"}
		}
		ranges = []merge.Range{{ID: "pk", Source: &pagerSource{ex: ex, rangeID: "pk", pk: *spec.PartitionKey, query: spec.Query}}}
	case tok != nil && tok.Mode == ModeDirect:
		mode = ModeDirect
		ranges = []merge.Range{{ID: "all", Source: &pagerSource{ex: ex, rangeID: "all", pk: azcosmos.NewPartitionKey(), query: spec.Query}}}
	case tok != nil && tok.Mode == ModeMerge:
		mode = ModeMerge
		// The client's first call bootstraps the account read with this
		// call's context headers (cosmos-wire §2.1); make it a plain one so
		// the plan-request headers do not land on GET /.
		if _, err := ctr.Read(ctx, nil); err != nil {
			return out, err
		}
		stats.request(0)
		plan, err := ex.fetchPlan(ctx)
		if err != nil {
			return out, err
		}
		info = &plan.QueryInfo
		var parents map[string][]string
		if ranges, parents, err = ex.planRanges(ctx, r.Client, plan); err != nil {
			return out, err
		}
		// Ranges that split since the token was issued continue on their
		// children.
		if err := merge.Remap(&tok.State, ranges, parents); err != nil {
			return out, &UsageError{Msg: "invalid continuation token: " + err.Error() + " (run the query again without --continuation)"}
		}
	case tok != nil:
		return out, &UsageError{Msg: "invalid continuation token: it was issued for a single-partition query; pass the same --pk"}
	default:
		// Send the query as-is: the gateway serves simple cross-partition
		// queries itself and refuses the rest with the plan (§6.4).
		src := &pagerSource{ex: ex, rangeID: "all", pk: azcosmos.NewPartitionKey(), query: spec.Query}
		first, perr := src.NextPage(ctx, nil)
		if perr == nil {
			mode = ModeDirect
			src.first = &first
			ranges = []merge.Range{{ID: "all", Source: src}}
			if r.Notice != nil && needsMerge(spec.Query) {
				r.Notice("note: the server answered this cross-partition query itself without a query plan (an emulator?); ordering and aggregation across partitions are as the server computed them")
			}
			break
		}
		stats.request(0) // the refused probe
		plan, err := ex.planFromRefusal(ctx, perr)
		if err != nil {
			return out, err
		}
		mode = ModeMerge
		info = &plan.QueryInfo
		if ranges, _, err = ex.planRanges(ctx, r.Client, plan); err != nil {
			return out, err
		}
	}
	out.Mode = mode
	var st *merge.State
	if tok != nil {
		st = &tok.State
	}
	m, err := merge.New(info, ranges, st, merge.Options{MaxConcurrency: spec.MaxConcurrency})
	if err != nil {
		if tok != nil {
			return out, &UsageError{Msg: "invalid continuation token: " + err.Error() + " (stale: run the query again without --continuation)"}
		}
		return out, err
	}
	defer m.Close()
	for {
		if spec.MaxItems > 0 && out.Written >= spec.MaxItems {
			snap := m.State()
			_, err := m.Next(ctx)
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			// More rows exist (or we cannot tell): hand out the position.
			t, terr := EncodeToken(Token{Query: hash, Mode: mode, PageSize: spec.PageSize, State: snap})
			if terr != nil {
				return out, terr
			}
			out.Continuation = t
			return out, nil
		}
		row, err := m.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if err := emit(row); err != nil {
			return out, err
		}
		out.Written++
	}
}

var mergeKeywords = regexp.MustCompile(`(?i)\b(ORDER\s+BY|GROUP\s+BY|DISTINCT|TOP|OFFSET|COUNT\s*\(|SUM\s*\(|AVG\s*\(|MIN\s*\(|MAX\s*\()`)

// needsMerge is a heuristic: would a real gateway refuse this query across
// partitions? Used only to word a notice.
func needsMerge(q string) bool { return mergeKeywords.MatchString(q) }

// executor holds what every request of one query shares.
type executor struct {
	ctr   *azcosmos.ContainerClient
	spec  Spec
	stats *Stats
	plan  *merge.Plan // cross-partition merges: which ranges the query reads
}

func (ex *executor) options(token *string) *azcosmos.QueryOptions {
	o := &azcosmos.QueryOptions{
		QueryParameters:      ex.spec.Params,
		PageSizeHint:         ex.spec.PageSize,
		ContinuationToken:    token,
		PopulateIndexMetrics: ex.spec.IndexMetrics,
	}
	return o
}

// planFromRefusal handles the gateway's refusal of a cross-partition query:
// 400/1004 carries the plan; the non-VALUE aggregate refusal does not, so
// the plan is requested explicitly. Any other error is returned as is.
func (ex *executor) planFromRefusal(ctx context.Context, err error) (*merge.Plan, error) {
	f, ok := cosmos.AsFailure(err)
	if !ok || f.Status != http.StatusBadRequest {
		return nil, err
	}
	if f.SubStatus == "1004" && f.AdditionalErrorInfo != "" {
		p, perr := merge.DecodePlan([]byte(f.AdditionalErrorInfo))
		if perr != nil {
			return nil, fmt.Errorf("the gateway's query plan: %w", perr)
		}
		return p, nil
	}
	if f.SubStatus == "1004" || strings.Contains(f.Message, "only supports 'VALUE <AggreateFunc>'") ||
		strings.Contains(f.Message, "can not be directly served by the gateway") {
		return ex.fetchPlan(ctx)
	}
	return nil, err
}

// fetchPlan asks the gateway for the query plan (§6.2).
func (ex *executor) fetchPlan(ctx context.Context) (*merge.Plan, error) {
	pctx := policy.WithHTTPHeader(ctx, http.Header{
		"x-ms-cosmos-is-query-plan-request":    {"True"},
		"x-ms-cosmos-supported-query-features": {merge.Features},
	})
	o := &azcosmos.QueryOptions{QueryParameters: ex.spec.Params}
	pg, err := ex.ctr.NewQueryItemsPager(ex.spec.Query, azcosmos.NewPartitionKey(), o).NextPage(pctx)
	if err != nil {
		return nil, err
	}
	ex.stats.request(float64(pg.RequestCharge))
	body, err := runtime.Payload(pg.RawResponse)
	if err != nil {
		return nil, fmt.Errorf("read query plan: %w", err)
	}
	var probe struct {
		QueryInfo json.RawMessage `json:"queryInfo"`
	}
	if json.Unmarshal(body, &probe) != nil || len(probe.QueryInfo) == 0 {
		return nil, errors.New("the server does not serve query plans, and refused to run this query across partitions; pass --pk to run it in one partition")
	}
	p, err := merge.DecodePlan(body)
	if err != nil {
		return nil, fmt.Errorf("the gateway's query plan: %w", err)
	}
	return p, nil
}

// planRanges lists the physical ranges the plan touches, in EPK order,
// and each one's ancestors (the ranges it was split from).
func (ex *executor) planRanges(ctx context.Context, c *cosmos.Client, plan *merge.Plan) ([]merge.Range, map[string][]string, error) {
	all, err := c.PartitionKeyRanges(ctx, ex.spec.Database, ex.spec.Container)
	if err != nil {
		return nil, nil, err
	}
	ex.stats.request(0)
	ex.plan = plan
	out, parents := ex.rangesOf(c, all)
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("no partition key range of %s/%s overlaps the query", ex.spec.Database, ex.spec.Container)
	}
	return out, parents, nil
}

// rangesOf turns pkranges into merge ranges for the plan's query ranges.
func (ex *executor) rangesOf(c *cosmos.Client, all []cosmos.PartitionKeyRange) ([]merge.Range, map[string][]string) {
	q := ex.plan.RangeQuery(ex.spec.Query)
	var out []merge.Range
	parents := map[string][]string{}
	for _, r := range all {
		if !ex.plan.Overlaps(r.MinInclusive, r.MaxExclusive) {
			continue
		}
		parents[r.ID] = r.Parents
		out = append(out, merge.Range{ID: r.ID, Min: r.MinInclusive, Max: r.MaxExclusive,
			Source: &pagerSource{ex: ex, client: c, rangeID: r.ID, pk: azcosmos.NewPartitionKey(), query: q, pinned: true}})
	}
	return out, parents
}

// pagerSource fetches pages of one query stream through azcosmos, pinned to
// a partition key range with x-ms-documentdb-partitionkeyrangeid when
// pinned (cosmos-wire §5.4).
type pagerSource struct {
	ex      *executor
	client  *cosmos.Client
	rangeID string
	pk      azcosmos.PartitionKey
	query   string
	pinned  bool
	first   *merge.Page // already fetched first page (direct path probe)
}

// NextPage implements merge.Source.
func (s *pagerSource) NextPage(ctx context.Context, token *string) (merge.Page, error) {
	if token == nil && s.first != nil {
		p := *s.first
		s.first = nil
		return p, nil
	}
	rctx := ctx
	if s.pinned {
		rctx = policy.WithHTTPHeader(ctx, http.Header{"x-ms-documentdb-partitionkeyrangeid": {s.rangeID}})
	}
	for attempt := 0; ; attempt++ {
		pager := s.ex.ctr.NewQueryItemsPager(s.query, s.pk, s.ex.options(token))
		resp, err := pager.NextPage(rctx)
		if err != nil {
			if s.pinned && attempt < 3 && isRangeGone(err) && s.client != nil {
				// A split or migration is completing (cosmos-wire §6.4 step
				// 6): re-read the ranges. If this one still exists
				// (migration), retry it; if it split, hand the merge its
				// children, which continue its stream.
				ranges, lerr := s.client.PartitionKeyRanges(ctx, s.ex.spec.Database, s.ex.spec.Container)
				if lerr != nil {
					return merge.Page{}, fmt.Errorf("partition key range %s is gone and re-reading the ranges failed: %w", s.rangeID, lerr)
				}
				s.ex.stats.request(0)
				if hasRange(ranges, s.rangeID) {
					continue
				}
				if children := s.children(ranges); len(children) > 0 {
					return merge.Page{}, &merge.SplitError{Range: s.rangeID, Children: children, Err: err}
				}
				return merge.Page{}, fmt.Errorf("partition key range %s is gone and no current range replaces it; run the query again: %w", s.rangeID, err)
			}
			return merge.Page{}, err
		}
		s.ex.stats.page(s.rangeID, resp)
		return merge.Page{Rows: pageRows(resp), Next: resp.ContinuationToken}, nil
	}
}

// children are the current ranges split from this one that the query reads.
func (s *pagerSource) children(all []cosmos.PartitionKeyRange) []merge.Range {
	if s.ex.plan == nil {
		return nil
	}
	var kids []cosmos.PartitionKeyRange
	for _, r := range all {
		if slices.Contains(r.Parents, s.rangeID) {
			kids = append(kids, r)
		}
	}
	out, _ := s.ex.rangesOf(s.client, kids)
	return out
}

func isRangeGone(err error) bool {
	f, ok := cosmos.AsFailure(err)
	if !ok || f.Status != http.StatusGone {
		return false
	}
	switch f.SubStatus {
	case "1002", "1007", "1008":
		return true
	}
	return false
}

func hasRange(rs []cosmos.PartitionKeyRange, id string) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// pageRows returns a page's documents exactly as the server sent them.
// azcosmos re-marshals Items, which HTML-escapes <, > and & (and U+2028,
// U+2029) inside strings; the raw body keeps the stored bytes, so it is
// read instead whenever it can be.
func pageRows(resp azcosmos.QueryItemsResponse) []json.RawMessage {
	if resp.RawResponse != nil {
		if body, err := runtime.Payload(resp.RawResponse); err == nil {
			var env struct {
				Documents []json.RawMessage `json:"Documents"`
			}
			if json.Unmarshal(body, &env) == nil && len(env.Documents) == len(resp.Items) {
				return env.Documents
			}
		}
	}
	rows := make([]json.RawMessage, len(resp.Items))
	for i, it := range resp.Items {
		rows[i] = it
	}
	return rows
}
