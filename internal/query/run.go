// Package query runs NoSQL queries against Cosmos DB: single-partition and
// gateway-servable queries directly, everything else by fetching the query
// plan, fanning out to the partition key ranges and merging client-side
// (package merge). Rows stream to the caller as soon as the merge allows.
// The service is reached through a Backend (CosmosBackend in production).
package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

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
	// MaxBytes stops before the row that would take the emitted JSON
	// over this many bytes and hands out a continuation at that row, so a
	// size cap never truncates (0 = no cap). The first row is always
	// emitted, so every call makes progress.
	MaxBytes int
	// OnCharge, when set, is called with the run's running request charge
	// each time a response adds to it (from the goroutines that fetch, so
	// it must be safe for concurrent use); budgets cancel the run's
	// context from it.
	OnCharge func(total float64)
}

// Outcome is what a run produced besides the rows.
type Outcome struct {
	Written int
	// Continuation is empty when the result is complete. A run that fails
	// after writing rows sets it too: it resumes right after the last one.
	Continuation string
	Mode         string
	Stats        Summary
}

// Runner executes queries against one backend.
type Runner struct {
	Backend Backend
	// Notice receives one-line notices for stderr (may be nil).
	Notice func(string)
}

// UsageError is a query input problem (bad token, mismatched page size).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run executes spec, calling emit for each result row in order. On error
// the outcome still says how many rows were written.
func (r *Runner) Run(ctx context.Context, spec Spec, emit func(json.RawMessage) error) (*Outcome, error) {
	stats := &Stats{onCharge: spec.OnCharge}
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
	q := &run{b: r.Backend, spec: spec, stats: stats}

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
		ranges = []merge.Range{{ID: "pk", Source: &streamSource{run: q, id: "pk"}}}
	case tok != nil && tok.Mode == ModeDirect:
		mode = ModeDirect
		ranges = []merge.Range{{ID: "all", Source: &streamSource{run: q, id: "all"}}}
	case tok != nil && tok.Mode == ModeMerge:
		mode = ModeMerge
		plan, err := q.fetchPlan(ctx)
		if err != nil {
			return out, err
		}
		info = &plan.QueryInfo
		var parents map[string][]string
		if ranges, parents, err = q.planRanges(ctx, plan); err != nil {
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
		src := &streamSource{run: q, id: "all"}
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
		stats.request(Cost{}) // the refused probe
		plan, err := q.planFromRefusal(ctx, perr)
		if err != nil {
			return out, err
		}
		mode = ModeMerge
		info = &plan.QueryInfo
		if ranges, _, err = q.planRanges(ctx, plan); err != nil {
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
	// A run that fails after writing rows hands out the position after the
	// last one, as --max-items does. ORDER BY takes a range's head before
	// refilling the range, so a Next that fails there has taken a row it
	// never returns: only the state before that Next resumes exactly (and
	// it is cheap, per range). Other shapes fail before taking a row, so
	// the state after the failure is right; it is taken only then, as
	// unordered DISTINCT's grows with the result.
	orderBy := info != nil && len(info.OrderBy) > 0
	bytes := 0
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
		var before merge.State
		if spec.MaxBytes > 0 || (orderBy && out.Written > 0) {
			before = m.State()
		}
		row, err := m.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			if out.Written > 0 {
				st := before
				if !orderBy {
					st = m.State()
				}
				if t, terr := EncodeToken(Token{Query: hash, Mode: mode, PageSize: spec.PageSize, State: st}); terr == nil {
					out.Continuation = t
				}
			}
			return out, err
		}
		if spec.MaxBytes > 0 {
			if bytes+len(row) > spec.MaxBytes && out.Written > 0 {
				// Resume at this row: it is not emitted.
				t, terr := EncodeToken(Token{Query: hash, Mode: mode, PageSize: spec.PageSize, State: before})
				if terr != nil {
					return out, terr
				}
				out.Continuation = t
				return out, nil
			}
			bytes += len(row)
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

// run holds what every request of one query shares.
type run struct {
	b     Backend
	spec  Spec
	stats *Stats
	plan  *merge.Plan // cross-partition merges: which ranges the query reads
}

// planFromRefusal turns the gateway's refusal of a cross-partition query
// into the plan: the one it carries, or one requested explicitly. Any
// other error is returned as is.
func (q *run) planFromRefusal(ctx context.Context, err error) (*merge.Plan, error) {
	var ref *Refusal
	if !errors.As(err, &ref) {
		return nil, err
	}
	if ref.PlanJSON == "" {
		return q.fetchPlan(ctx)
	}
	p, perr := merge.DecodePlan([]byte(ref.PlanJSON))
	if perr != nil {
		return nil, refusedPlan(fmt.Errorf("the gateway's query plan: %w", perr))
	}
	return p, nil
}

// refusedPlan makes a plan cosmosctl refuses to run because of how the
// query is written (a vector search without TOP or LIMIT) a usage error.
func refusedPlan(err error) error {
	var ue *merge.UnboundedVectorSearchError
	if errors.As(err, &ue) {
		return &UsageError{Msg: ue.Error()}
	}
	return err
}

// fetchPlan asks the gateway for the query plan.
func (q *run) fetchPlan(ctx context.Context) (*merge.Plan, error) {
	p, cost, err := q.b.Plan(ctx, q.spec)
	if err != nil {
		return nil, refusedPlan(err)
	}
	q.stats.request(cost)
	return p, nil
}

// planRanges lists the physical ranges the plan touches, in EPK order,
// and each one's ancestors (the ranges it was split from).
func (q *run) planRanges(ctx context.Context, plan *merge.Plan) ([]merge.Range, map[string][]string, error) {
	all, err := q.b.Ranges(ctx, q.spec)
	if err != nil {
		return nil, nil, err
	}
	q.stats.request(Cost{})
	q.plan = plan
	out, parents := q.rangesOf(all)
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("no partition key range of %s/%s overlaps the query", q.spec.Database, q.spec.Container)
	}
	return out, parents, nil
}

// rangesOf turns pkranges into merge ranges for the plan's query ranges.
func (q *run) rangesOf(all []cosmos.PartitionKeyRange) ([]merge.Range, map[string][]string) {
	rq := q.plan.RangeQuery(q.spec.Query)
	var out []merge.Range
	parents := map[string][]string{}
	for _, r := range all {
		if !q.plan.Overlaps(r.MinInclusive, r.MaxExclusive) {
			continue
		}
		parents[r.ID] = r.Parents
		out = append(out, merge.Range{ID: r.ID, Min: r.MinInclusive, Max: r.MaxExclusive,
			Source: &rangeSource{run: q, id: r.ID, query: rq}})
	}
	return out, parents
}

// streamSource is the stream of the query as written: one logical
// partition (single mode) or the gateway's own cross-partition execution
// (direct mode).
type streamSource struct {
	run   *run
	id    string      // "pk" or "all", for the statistics
	first *merge.Page // already fetched first page (direct path probe)
}

// NextPage implements merge.Source.
func (s *streamSource) NextPage(ctx context.Context, token *string) (merge.Page, error) {
	if token == nil && s.first != nil {
		p := *s.first
		s.first = nil
		return p, nil
	}
	p, err := s.run.b.QueryPage(ctx, s.run.spec, token)
	if err != nil {
		return merge.Page{}, err
	}
	s.run.stats.page(s.id, p)
	return merge.Page{Rows: p.Rows, Next: p.Next}, nil
}

// rangeSource is one partition key range's share of a merged query.
type rangeSource struct {
	run   *run
	id    string
	query string // the plan's rewritten query
}

// NextPage implements merge.Source; a split range hands the merge its
// children that the query reads, which continue its stream.
func (s *rangeSource) NextPage(ctx context.Context, token *string) (merge.Page, error) {
	p, err := s.run.b.RangePage(ctx, s.run.spec, s.id, s.query, token)
	var se *RangeSplitError
	if errors.As(err, &se) {
		s.run.stats.request(Cost{Extra: max(se.Rereads, 1) - 1})
		if children, _ := s.run.rangesOf(se.Children); len(children) > 0 {
			return merge.Page{}, &merge.SplitError{Range: s.id, Children: children, Err: se.Err}
		}
		return merge.Page{}, fmt.Errorf("partition key range %s is gone and no current range replaces it; run the query again: %w", s.id, se.Err)
	}
	if err != nil {
		return merge.Page{}, err
	}
	s.run.stats.page(s.id, p)
	return merge.Page{Rows: p.Rows, Next: p.Next}, nil
}
