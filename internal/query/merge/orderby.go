package merge

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// orderBy is the streaming k-way merge of ranges each sorted by the ORDER
// BY keys, in Cosmos type order; ties go to the range first in EPK order.
type orderBy struct {
	rs     *rangeSet
	nkeys  int
	heap   cursorHeap
	inited bool
	// distinct (ordered DISTINCT): a row that sorts before lastKey, the
	// key of the last row taken, is a value a restarted child of a split
	// range repeats, and is dropped.
	distinct bool
	lastKey  []item
}

type orderByRow struct {
	OrderByItems []struct {
		Item json.RawMessage `json:"item"`
	} `json:"orderByItems"`
	Payload json.RawMessage `json:"payload"`
}

func newOrderBy(info *QueryInfo, rs *rangeSet, st *State) (shape, error) {
	o := &orderBy{rs: rs, nkeys: len(info.OrderBy), distinct: info.DistinctType == "Ordered"}
	o.heap.desc = make([]bool, len(info.OrderBy))
	for i, d := range info.OrderBy {
		o.heap.desc[i] = d == "Descending"
	}
	if st != nil && len(st.LastKey) > 0 {
		var items []struct {
			Item json.RawMessage `json:"item"`
		}
		if err := json.Unmarshal(st.LastKey, &items); err != nil {
			return nil, fmt.Errorf("continuation: sort key: %w", err)
		}
		for _, it := range items {
			v, err := decodeItem(it.Item)
			if err != nil {
				return nil, fmt.Errorf("continuation: sort key: %w", err)
			}
			o.lastKey = append(o.lastKey, v)
		}
	}
	return o, nil
}

func (o *orderBy) next(ctx context.Context) (json.RawMessage, error) {
	if !o.inited {
		o.inited = true
		// Waits for the first page of every range: a merge cannot emit
		// before each range has shown its smallest row.
		for _, c := range append([]*cursor(nil), o.rs.cursors...) {
			ready, err := o.heads(ctx, c)
			if err != nil {
				return nil, err
			}
			o.heap.cs = append(o.heap.cs, ready...)
		}
		heap.Init(&o.heap)
	}
	for o.heap.Len() > 0 {
		c := o.heap.cs[0]
		payload := c.headPayload
		// Each range's stream is sorted, so only ordered DISTINCT can meet
		// a row behind the last one; other shapes never drop rows.
		behind := false
		if o.distinct {
			behind = o.lastKey != nil && o.heap.before(c.head, o.lastKey)
			if !behind {
				o.lastKey = append(o.lastKey[:0], c.head...)
			}
		}
		c.take()
		ok, err := o.loadHead(ctx, c)
		if se := asSplit(err); se != nil {
			// The children replace the range as separate sorted streams.
			heap.Remove(&o.heap, 0)
			children, err := o.rs.replace(ctx, c, se)
			if err != nil {
				return nil, err
			}
			for _, ch := range children {
				ready, err := o.heads(ctx, ch)
				if err != nil {
					return nil, err
				}
				for _, r := range ready {
					heap.Push(&o.heap, r)
				}
			}
		} else if err != nil {
			return nil, err
		} else if ok {
			heap.Fix(&o.heap, 0)
		} else {
			heap.Pop(&o.heap)
		}
		if len(payload) == 0 || behind {
			continue // undefined projection, or a repeated value: no row
		}
		return payload, nil
	}
	return nil, io.EOF
}

// heads loads the head of c, or of the children replacing it when it has
// split, and returns the cursors that have a row.
func (o *orderBy) heads(ctx context.Context, c *cursor) ([]*cursor, error) {
	ok, err := o.loadHead(ctx, c)
	if se := asSplit(err); se != nil {
		children, err := o.rs.replace(ctx, c, se)
		if err != nil {
			return nil, err
		}
		var out []*cursor
		for _, ch := range children {
			r, err := o.heads(ctx, ch)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		}
		return out, nil
	}
	if err != nil || !ok {
		return nil, err
	}
	return []*cursor{c}, nil
}

// loadHead decodes the cursor's current row; false when exhausted.
func (o *orderBy) loadHead(ctx context.Context, c *cursor) (bool, error) {
	ok, err := c.fill(ctx)
	if err != nil || !ok {
		return false, err
	}
	var r orderByRow
	if err := json.Unmarshal(c.page.Rows[c.pos], &r); err != nil {
		return false, fmt.Errorf("partition range %s: ORDER BY row: %w", c.st.ID, err)
	}
	if len(r.OrderByItems) != o.nkeys {
		return false, fmt.Errorf("partition range %s: ORDER BY row has %d orderByItems, the plan %d", c.st.ID, len(r.OrderByItems), o.nkeys)
	}
	c.head = c.head[:0]
	for _, oi := range r.OrderByItems {
		it, err := decodeItem(oi.Item)
		if err != nil {
			return false, fmt.Errorf("partition range %s: %w", c.st.ID, err)
		}
		c.head = append(c.head, it)
	}
	c.headPayload = r.Payload
	return true, nil
}

func (o *orderBy) save(st *State) {
	st.Ranges = o.rs.saved()
	if o.lastKey == nil {
		return
	}
	buf := []byte{'['}
	for i, it := range o.lastKey {
		if i > 0 {
			buf = append(buf, ',')
		}
		if len(it.raw) == 0 {
			buf = append(buf, `{}`...) // undefined
			continue
		}
		buf = append(buf, `{"item":`...)
		buf = append(buf, it.raw...)
		buf = append(buf, '}')
	}
	st.LastKey = append(buf, ']')
}

// cursorHeap orders cursors by their heads' sort keys.
type cursorHeap struct {
	cs   []*cursor
	desc []bool
}

func (h *cursorHeap) Len() int { return len(h.cs) }
func (h *cursorHeap) Less(i, j int) bool {
	a, b := h.cs[i], h.cs[j]
	if c := h.compare(a.head, b.head); c != 0 {
		return c < 0
	}
	return a.index < b.index // deterministic ties: EPK order of ranges
}

// compare orders sort keys a and b by the ORDER BY directions.
func (h *cursorHeap) compare(a, b []item) int {
	for k := range h.desc {
		if k >= len(a) || k >= len(b) {
			break
		}
		c := compareItems(a[k], b[k])
		if c == 0 {
			continue
		}
		if h.desc[k] {
			return -c
		}
		return c
	}
	return 0
}

// before reports whether sort key a comes strictly before b.
func (h *cursorHeap) before(a, b []item) bool { return h.compare(a, b) < 0 }

func (h *cursorHeap) Swap(i, j int) { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *cursorHeap) Push(x any)    { h.cs = append(h.cs, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}
