package merge

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// VectorSearchUnboundedMessage is the SDKs' refusal of a vector search
// without TOP or LIMIT, word for word.
const VectorSearchUnboundedMessage = "Executing a vector search query without TOP or LIMIT can consume many RUs very fast and have long runtimes. Please ensure you are using one of the two filters with your vector search query."

// UnboundedVectorSearchError is a non-streaming ORDER BY plan (a vector
// search) with neither TOP nor LIMIT: its merge would hold every row of
// the container, so it is refused, as the SDKs refuse it.
type UnboundedVectorSearchError struct{}

func (*UnboundedVectorSearchError) Error() string { return VectorSearchUnboundedMessage }

// checkNonStreaming refuses the plans the non-streaming merge cannot bound.
func checkNonStreaming(info *QueryInfo) error {
	if !info.HasNonStreamingOrderBy {
		return nil
	}
	if info.Top == nil && info.Limit == nil {
		return &UnboundedVectorSearchError{}
	}
	if len(info.OrderBy) == 0 {
		return fmt.Errorf("the query plan has a non-streaming ORDER BY without ORDER BY items")
	}
	return nil
}

// nonStreamingOrderBy merges a vector search (hasNonStreamingOrderBy:
// ORDER BY VectorDistance(…)). A range's rows are ranked by a score that
// only the whole result orders, so nothing can be emitted before every
// range has answered: it drains every page of every range into a bounded
// top-k (k = TOP, or OFFSET+LIMIT), comparing orderByItems in Cosmos type
// order with the plan's directions, and replays the k best, best first;
// the OFFSET and TOP/LIMIT stages then apply as for any shape. Ties go to
// the range first in EPK order, then to the row first in its range.
//
// Memory is two top-k sets (the result so far and the range being read)
// plus the pages in flight. A range that splits mid-drain is read again
// from its children, from scratch: its own rows are dropped with its
// top-k, which was not folded in yet.
//
// Continuation (--max-items): the token records how many of the final
// rows were delivered (State.Drained, as for aggregates); resuming runs
// the whole search again and skips them, so each page costs a full drain
// and is consistent with the previous pages only if the data did not
// change in between.
type nonStreamingOrderBy struct {
	*drained // the ranges, the combined rows and how many were delivered
	desc     []bool
	k        int64
	distinct bool
}

func newNonStreamingOrderBy(info *QueryInfo, rs *rangeSet, st *State) (shape, error) {
	if err := checkNonStreaming(info); err != nil {
		return nil, err
	}
	n := &nonStreamingOrderBy{distinct: info.DistinctType == "Ordered" || info.DistinctType == "Unordered"}
	for _, d := range info.OrderBy {
		n.desc = append(n.desc, d == "Descending")
	}
	// The rows the stages can let through: TOP, or OFFSET+LIMIT.
	n.k = -1
	if info.Top != nil {
		n.k = *info.Top
	}
	if info.Limit != nil {
		k := *info.Limit
		if info.Offset != nil {
			k += *info.Offset
		}
		if n.k < 0 || k < n.k {
			n.k = k
		}
	}
	n.k = max(n.k, 0)
	n.drained = newDrained(rs, st, n.combine)
	return n, nil
}

func (n *nonStreamingOrderBy) combine(ctx context.Context) ([]json.RawMessage, error) {
	best := n.newTopK()
	seq := 0
	for i := 0; i < len(n.rs.cursors); i++ {
		c := n.rs.cursors[i]
		own := n.newTopK()
		split := false
		for {
			ok, err := c.fill(ctx)
			if se := asSplit(err); se != nil {
				if _, err := n.rs.replace(ctx, c, se); err != nil {
					return nil, err
				}
				split = true
				break
			}
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			r, err := n.decode(c.st.ID, c.take(), seq)
			if err != nil {
				return nil, err
			}
			seq++
			if r != nil {
				own.offer(r)
			}
		}
		if split {
			i-- // read the children, now at position i
			continue
		}
		for _, r := range own.h {
			best.offer(r)
		}
	}
	return best.sorted(), nil
}

// decode reads one row {_rid, orderByItems: [{item}…], payload}; nil for a
// row without payload (an undefined projection gives no row).
func (n *nonStreamingOrderBy) decode(rangeID string, raw json.RawMessage, seq int) (*ranked, error) {
	var row orderByRow
	if err := json.Unmarshal(raw, &row); err != nil {
		return nil, fmt.Errorf("partition range %s: ORDER BY row %s: %w", rangeID, truncate(raw), err)
	}
	if len(row.OrderByItems) != len(n.desc) {
		return nil, fmt.Errorf("partition range %s: ORDER BY row has %d orderByItems, the plan %d", rangeID, len(row.OrderByItems), len(n.desc))
	}
	if len(row.Payload) == 0 {
		return nil, nil
	}
	r := &ranked{payload: row.Payload, seq: seq}
	for _, oi := range row.OrderByItems {
		it, err := decodeItem(oi.Item)
		if err != nil {
			return nil, fmt.Errorf("partition range %s: %w", rangeID, err)
		}
		r.keys = append(r.keys, it)
	}
	if n.distinct {
		c, err := Canonical(row.Payload)
		if err != nil {
			return nil, fmt.Errorf("partition range %s: %w", rangeID, err)
		}
		r.dkey = string(c)
	}
	return r, nil
}

func (n *nonStreamingOrderBy) newTopK() *topK {
	t := &topK{k: n.k, desc: n.desc}
	if n.distinct {
		t.byValue = map[string]*ranked{}
	}
	return t
}

// ranked is one candidate row of a non-streaming merge.
type ranked struct {
	keys    []item
	payload json.RawMessage
	seq     int    // arrival order: EPK order of ranges, then row order
	dkey    string // DISTINCT: the payload's canonical form
	at      int    // index in the heap
}

// topK keeps the k best rows offered, the worst at the root of a heap.
// With DISTINCT (byValue set) equal payloads count once, at their best
// rank: a duplicate never takes a slot from another value.
type topK struct {
	k       int64
	desc    []bool
	h       []*ranked
	byValue map[string]*ranked
}

// better reports whether a ranks before b: by the sort keys in the plan's
// directions, then by arrival.
func (t *topK) better(a, b *ranked) bool {
	for i, d := range t.desc {
		c := compareItems(a.keys[i], b.keys[i])
		if d {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
	}
	return a.seq < b.seq
}

func (t *topK) offer(r *ranked) {
	if t.k <= 0 {
		return
	}
	if t.byValue != nil {
		if old := t.byValue[r.dkey]; old != nil {
			if t.better(r, old) {
				old.keys, old.payload, old.seq = r.keys, r.payload, r.seq
				heap.Fix(t, old.at)
			}
			return
		}
	}
	switch {
	case int64(len(t.h)) < t.k:
		heap.Push(t, r)
	case t.better(r, t.h[0]):
		if t.byValue != nil {
			delete(t.byValue, t.h[0].dkey)
		}
		r.at, t.h[0] = 0, r
		heap.Fix(t, 0)
	default:
		return
	}
	if t.byValue != nil {
		t.byValue[r.dkey] = r
	}
}

// sorted is the payloads, best first.
func (t *topK) sorted() []json.RawMessage {
	rs := append([]*ranked(nil), t.h...)
	sort.Slice(rs, func(i, j int) bool { return t.better(rs[i], rs[j]) })
	out := make([]json.RawMessage, len(rs))
	for i, r := range rs {
		out[i] = r.payload
	}
	return out
}

// heap.Interface, the worst row first.
func (t *topK) Len() int           { return len(t.h) }
func (t *topK) Less(i, j int) bool { return t.better(t.h[j], t.h[i]) }
func (t *topK) Swap(i, j int) {
	t.h[i], t.h[j] = t.h[j], t.h[i]
	t.h[i].at, t.h[j].at = i, j
}
func (t *topK) Push(x any) {
	r := x.(*ranked)
	r.at = len(t.h)
	t.h = append(t.h, r)
}
func (t *topK) Pop() any {
	r := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return r
}
