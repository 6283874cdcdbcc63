package merge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Page is one response page of one partition range.
type Page struct {
	Rows  []json.RawMessage
	Token *string // the continuation sent to obtain this page (nil = first page)
	Next  *string // the continuation returned (nil = the range is exhausted)
}

// Source yields the pages of one partition range in order. NextPage with
// token nil starts the range; callers pass the previous page's Next.
type Source interface {
	NextPage(ctx context.Context, token *string) (Page, error)
}

// Range names one source for the merger.
type Range struct {
	ID, Min, Max string
	Source       Source
}

// Options tune a merger.
type Options struct {
	// MaxConcurrency bounds requests in flight across ranges (default 4).
	MaxConcurrency int
	// Prefetch is how many pages per range may wait ahead of the merge
	// (default 1): this bounds memory while keeping ranges busy.
	Prefetch int
}

// State is the whole resumable merge state; it is what a continuation
// token carries. Each part belongs to one shape or stage of the merge.
type State struct {
	Ranges  []RangeState    `json:"r"`
	Drained int             `json:"g,omitempty"` // drained shapes: outputs already delivered
	Skipped int64           `json:"o,omitempty"` // OFFSET rows already skipped
	Emitted int64           `json:"e,omitempty"` // rows emitted after OFFSET (TOP/LIMIT)
	Last    json.RawMessage `json:"l,omitempty"` // ordered DISTINCT: last emitted row
	Seen    []uint64        `json:"s,omitempty"` // unordered DISTINCT: hashes emitted
	// LastKey is the ordered DISTINCT merge's last sort key
	// ([{"item": v}, …]): children of a range that split before a resume
	// restart from scratch and repeat values the parent had delivered once.
	LastKey json.RawMessage `json:"lk,omitempty"`
}

// shape produces the merged rows of one plan shape, before DISTINCT,
// OFFSET and LIMIT, and saves its part of the state.
type shape interface {
	next(ctx context.Context) (json.RawMessage, error)
	save(st *State)
}

// stage filters or bounds the shape's rows after the merge, in order.
type stage interface {
	// admit reports whether row goes on to the next stage.
	admit(row json.RawMessage) (bool, error)
	// full reports that no further row can pass (TOP/LIMIT reached).
	full() bool
	save(st *State)
}

// Merger produces the merged rows of a query, in order, one at a time.
type Merger struct {
	ranges *rangeSet
	shape  shape
	stages []stage
	done   bool
}

// New builds a merger for the query info (nil info = plain concatenation,
// the direct and single-partition paths) over ranges in EPK order,
// optionally resuming from st.
func New(info *QueryInfo, ranges []Range, st *State, opts Options) (*Merger, error) {
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 4
	}
	if opts.Prefetch <= 0 {
		opts.Prefetch = 1
	}
	if info == nil {
		info = &QueryInfo{}
	}
	stages, err := newStages(info, st)
	if err != nil {
		return nil, err
	}
	if st != nil && len(st.Ranges) != len(ranges) {
		return nil, fmt.Errorf("continuation names %d partition ranges, the container has %d", len(st.Ranges), len(ranges))
	}
	kind := shapeFor(info)
	rs, err := newRangeSet(ranges, st, kind.drains, opts)
	if err != nil {
		return nil, err
	}
	sh, err := kind.build(info, rs, st)
	if err != nil {
		return nil, err
	}
	return &Merger{ranges: rs, shape: sh, stages: stages}, nil
}

// shapeBuilder makes the shape of one kind of plan. drains: the shape
// reads every range to the end before producing anything, so a resume
// restarts the ranges and a split range's children start from scratch.
type shapeBuilder struct {
	drains bool
	build  func(info *QueryInfo, rs *rangeSet, st *State) (shape, error)
}

// shapeFor picks the shape of the plan, once.
func shapeFor(info *QueryInfo) shapeBuilder {
	switch {
	case info.HasNonStreamingOrderBy:
		return shapeBuilder{drains: true, build: newNonStreamingOrderBy}
	case len(info.GroupByExpressions) > 0 || hasAggregateAlias(info):
		return shapeBuilder{drains: true, build: newGroupBy}
	case len(info.Aggregates) > 0 && info.HasSelectValue:
		return shapeBuilder{drains: true, build: newValueAggregate}
	case len(info.Aggregates) > 0:
		return shapeBuilder{drains: true, build: newGroupBy}
	case len(info.OrderBy) > 0:
		return shapeBuilder{build: newOrderBy}
	}
	return shapeBuilder{build: newPassthrough}
}

func hasAggregateAlias(info *QueryInfo) bool {
	for _, v := range info.GroupByAliasToAggregateType {
		if v != nil {
			return true
		}
	}
	return false
}

// newStages builds the stages applied after the merge: DISTINCT, then
// OFFSET, then TOP/LIMIT (which also counts the rows emitted).
func newStages(info *QueryInfo, st *State) ([]stage, error) {
	var out []stage
	switch info.DistinctType {
	case "Ordered":
		d, err := newOrderedDistinct(st)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	case "Unordered":
		out = append(out, newUnorderedDistinct(st))
	}
	if info.Offset != nil {
		out = append(out, newOffset(*info.Offset, st))
	}
	return append(out, newLimit(info.Top, info.Limit, st)), nil
}

// Next returns the next merged row, or io.EOF.
func (m *Merger) Next(ctx context.Context) (json.RawMessage, error) {
	if m.done {
		return nil, io.EOF
	}
	m.ranges.start(ctx)
	for {
		for _, s := range m.stages {
			if s.full() {
				return m.finish()
			}
		}
		row, err := m.shape.next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return m.finish()
			}
			return nil, err
		}
		keep := true
		for _, s := range m.stages {
			if keep, err = s.admit(row); err != nil {
				return nil, err
			}
			if !keep {
				break
			}
		}
		if keep {
			return row, nil
		}
	}
}

func (m *Merger) finish() (json.RawMessage, error) {
	m.done = true
	m.Close()
	return nil, io.EOF
}

// Close stops all in-flight requests and waits for the goroutines.
func (m *Merger) Close() { m.ranges.close() }

// State snapshots the resumable state after the last row Next returned.
func (m *Merger) State() State {
	var st State
	m.shape.save(&st)
	for _, s := range m.stages {
		s.save(&st)
	}
	return st
}

func truncate(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
