package merge

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"sync"
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

// RangeState is the resumable position in one partition range: the
// continuation of the page being consumed and how many rows of it were
// already taken.
type RangeState struct {
	ID       string  `json:"id"`
	Min      string  `json:"min,omitempty"`
	Max      string  `json:"max,omitempty"`
	Token    *string `json:"t,omitempty"`
	Consumed int     `json:"n,omitempty"`
	Done     bool    `json:"d,omitempty"`
	// Skip holds the hashes (RowHash) of the Consumed rows: if the range
	// splits before the token is used, its children resume from Token and
	// these rows, wherever they landed, must not be delivered again.
	Skip []uint64 `json:"k,omitempty"`
	// Pending and Group: rows of a split parent's page still to be skipped,
	// shared by all children with the same Group (the parent's id).
	Pending []uint64 `json:"pk,omitempty"`
	Group   string   `json:"pg,omitempty"`
}

// SplitError is what a Source returns when its partition key range no
// longer exists because it split: Children are the ranges that now cover
// it (in EPK order). Given the gone range's continuation token, a child
// returns its share of the rows the parent had not returned yet, in the
// parent's order (the service's behaviour); given nil, all of its rows.
type SplitError struct {
	Range    string
	Children []Range
	Err      error // the service's answer (410 with substatus 1002/1007/1008)
	// Token is the continuation the failed request carried (set by the merger).
	Token *string
}

func (e *SplitError) Error() string {
	return fmt.Sprintf("partition key range %s split: %v", e.Range, e.Err)
}

func (e *SplitError) Unwrap() error { return e.Err }

// RowHash identifies a row's exact bytes (the service returns the same
// bytes for the same row whichever range serves it).
func RowHash(row []byte) uint64 {
	h := fnv.New64a()
	h.Write(row)
	return h.Sum64()
}

// skipSet is a multiset of row hashes that the children of a split range
// skip between them: each child drops the leading rows of its stream that
// are in the set. Equal rows are interchangeable, so whichever child drops
// one copy, the rows delivered are the same.
type skipSet struct {
	group string
	n     map[uint64]int
}

func newSkipSet(group string, hashes []uint64) *skipSet {
	s := &skipSet{group: group, n: map[uint64]int{}}
	for _, h := range hashes {
		s.n[h]++
	}
	return s
}

func (s *skipSet) take(h uint64) bool {
	if s.n[h] > 0 {
		s.n[h]--
		return true
	}
	return false
}

func (s *skipSet) list() []uint64 {
	var out []uint64
	for h, k := range s.n {
		for range k {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (s *skipSet) empty() bool {
	for _, k := range s.n {
		if k > 0 {
			return false
		}
	}
	return true
}

// State is the whole resumable merge state; it is what a continuation
// token carries.
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

// Merger produces the merged rows of a query, in order, one at a time.
type Merger struct {
	info    *QueryInfo
	shape   shape
	cursors []*cursor
	opts    Options

	started bool
	ctx     context.Context // the prefetchers' context (children of splits start in it)
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	sem     chan struct{}

	heap    cursorHeap
	seq     int // passthrough: current range index
	drained []json.RawMessage
	drainAt int

	skipped, emitted int64
	last             json.RawMessage
	lastItem         []byte
	lastKey          []item // sort key of the last ORDER BY row taken
	seen             map[uint64]struct{}
	done             bool
}

type shape int

const (
	shapePassthrough shape = iota
	shapeOrderBy
	shapeValueAggregate
	shapeGroupBy
)

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
	m := &Merger{info: info, opts: opts, seen: map[uint64]struct{}{}}
	switch {
	case len(info.GroupByExpressions) > 0 || hasAggregateAlias(info):
		m.shape = shapeGroupBy
	case len(info.Aggregates) > 0 && info.HasSelectValue:
		m.shape = shapeValueAggregate
	case len(info.Aggregates) > 0:
		m.shape = shapeGroupBy
	case len(info.OrderBy) > 0:
		m.shape = shapeOrderBy
	default:
		m.shape = shapePassthrough
	}
	byID := map[string]RangeState{}
	groups := map[string]*skipSet{}
	if st != nil {
		for _, r := range st.Ranges {
			byID[r.ID] = r
		}
		m.skipped, m.emitted, m.drainAt = st.Skipped, st.Emitted, st.Drained
		if len(st.Last) > 0 {
			m.last = append(json.RawMessage(nil), st.Last...)
			c, err := Canonical(m.last)
			if err != nil {
				return nil, fmt.Errorf("continuation: %w", err)
			}
			m.lastItem = c
		}
		for _, h := range st.Seen {
			m.seen[h] = struct{}{}
		}
		if len(st.LastKey) > 0 {
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
				m.lastKey = append(m.lastKey, v)
			}
		}
		if len(st.Ranges) != len(ranges) {
			return nil, fmt.Errorf("continuation names %d partition ranges, the container has %d", len(st.Ranges), len(ranges))
		}
	}
	for i, r := range ranges {
		c := &cursor{index: i, src: r.Source, st: RangeState{ID: r.ID, Min: r.Min, Max: r.Max}}
		if st != nil && m.shape != shapeGroupBy && m.shape != shapeValueAggregate {
			prev, ok := byID[r.ID]
			if !ok {
				return nil, fmt.Errorf("continuation does not know partition range %q", r.ID)
			}
			c.st.Token, c.st.Consumed, c.st.Done = prev.Token, prev.Consumed, prev.Done
			c.skip = prev.Consumed
			if len(prev.Skip) == prev.Consumed {
				c.prevSkip = prev.Skip
			}
			if prev.Group != "" {
				// Members of a group carry the same snapshot, and children
				// of a later split possibly more: take each hash's largest
				// count.
				g := groups[prev.Group]
				if g == nil {
					g = newSkipSet(prev.Group, nil)
					groups[prev.Group] = g
				}
				for h, k := range newSkipSet("", prev.Pending).n {
					g.n[h] = max(g.n[h], k)
				}
				c.shared = g
			}
		}
		m.cursors = append(m.cursors, c)
	}
	return m, nil
}

func hasAggregateAlias(info *QueryInfo) bool {
	for _, v := range info.GroupByAliasToAggregateType {
		if v != nil {
			return true
		}
	}
	return false
}

// start launches one prefetching goroutine per range, all sharing a
// semaphore of MaxConcurrency request slots.
func (m *Merger) start(ctx context.Context) {
	m.started = true
	ctx, m.cancel = context.WithCancel(ctx)
	m.ctx = ctx
	m.sem = make(chan struct{}, m.opts.MaxConcurrency)
	for _, c := range m.cursors {
		c.ch = make(chan pageResult, m.opts.Prefetch)
		if c.st.Done {
			close(c.ch)
			continue
		}
		m.wg.Add(1)
		go m.prefetch(ctx, c, c.st.Token)
	}
}

type pageResult struct {
	page Page
	err  error
}

func (m *Merger) prefetch(ctx context.Context, c *cursor, token *string) {
	defer m.wg.Done()
	defer close(c.ch)
	for {
		select {
		case m.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		p, err := c.src.NextPage(ctx, token)
		<-m.sem
		if err == nil {
			p.Token = token
		}
		var se *SplitError
		if errors.As(err, &se) {
			se.Token = token
		}
		select {
		case c.ch <- pageResult{page: p, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil || p.Next == nil {
			return
		}
		token = p.Next
	}
}

// Close stops all in-flight requests and waits for the goroutines.
func (m *Merger) Close() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}

// cursor is the consumer side of one range.
type cursor struct {
	index int
	src   Source
	ch    chan pageResult
	st    RangeState
	page  Page
	pos   int
	skip  int // rows of the first page already delivered before a resume
	// prevSkip are the hashes of those rows (from the token), needed only
	// if the range turns out to have split.
	prevSkip []uint64
	// shared: this range is a child of a split whose parent had delivered
	// part of a page; its leading rows found in the set are dropped.
	shared *skipSet
	head   []item
	// headRow is the decoded current ORDER BY row.
	headPayload json.RawMessage
}

// fill makes a row available at pos; false when the range is exhausted.
func (c *cursor) fill(ctx context.Context) (bool, error) {
	for {
		c.skipShared()
		if c.pos < len(c.page.Rows) {
			return true, nil
		}
		if c.st.Done {
			return false, nil
		}
		var r pageResult
		var ok bool
		select {
		case r, ok = <-c.ch:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if !ok {
			// The producer closes the channel after the last page (which
			// already marked the range done) or when cancelled.
			if err := ctx.Err(); err != nil {
				return false, err
			}
			return false, errors.New("partition range " + c.st.ID + ": query was stopped")
		}
		if r.err != nil {
			return false, r.err
		}
		c.page, c.pos = r.page, 0
		c.st.Token, c.st.Consumed = r.page.Token, 0
		if c.skip > 0 {
			switch {
			case c.skip <= len(c.page.Rows) && (c.prevSkip == nil || sameRows(c.page.Rows[:c.skip], c.prevSkip)):
				c.pos, c.st.Consumed = c.skip, c.skip
			case len(c.prevSkip) == c.skip:
				// Not the page the token saw: the range split and this
				// page now comes from a child (the gateway's own fan-out
				// starts at the first child). Drop the delivered rows
				// wherever they come.
				c.addShared(c.st.ID, c.prevSkip)
			default:
				return false, fmt.Errorf("continuation: partition range %s returned fewer rows than already delivered; the data changed since the token was issued", c.st.ID)
			}
			c.skip, c.prevSkip = 0, nil
		}
		if c.pos >= len(c.page.Rows) {
			c.advancePage()
		}
	}
}

// skipShared drops rows at pos that were delivered before a split (each
// at most once across the ranges sharing the set). Equal rows are
// interchangeable, so dropping the first equal row any child meets
// delivers the same rows.
func (c *cursor) skipShared() {
	if c.shared == nil {
		return
	}
	moved := false
	for c.pos < len(c.page.Rows) && c.shared.take(RowHash(c.page.Rows[c.pos])) {
		c.pos++
		c.st.Consumed++
		moved = true
	}
	if c.shared.empty() {
		c.shared = nil
	}
	if moved && c.pos >= len(c.page.Rows) {
		c.advancePage()
	}
}

// addShared adds hashes to the cursor's skip set (creating it).
func (c *cursor) addShared(group string, hashes []uint64) {
	if c.shared == nil {
		c.shared = newSkipSet(group, nil)
	}
	for _, h := range hashes {
		c.shared.n[h]++
	}
}

func sameRows(rows []json.RawMessage, hashes []uint64) bool {
	if len(rows) != len(hashes) {
		return false
	}
	for i, r := range rows {
		if RowHash(r) != hashes[i] {
			return false
		}
	}
	return true
}

// advancePage records that the current page is fully consumed.
func (c *cursor) advancePage() {
	if c.page.Next == nil {
		c.st.Done = true
		c.st.Token, c.st.Consumed = nil, 0
		return
	}
	c.st.Token, c.st.Consumed = c.page.Next, 0
}

// take consumes the row at pos.
func (c *cursor) take() json.RawMessage {
	row := c.page.Rows[c.pos]
	c.pos++
	c.st.Consumed++
	if c.pos >= len(c.page.Rows) {
		c.advancePage()
	}
	return row
}

// Next returns the next merged row, or io.EOF.
func (m *Merger) Next(ctx context.Context) (json.RawMessage, error) {
	if m.done {
		return nil, io.EOF
	}
	if !m.started {
		m.start(ctx)
	}
	for {
		if m.info.Top != nil && m.emitted >= *m.info.Top {
			return m.finish()
		}
		if m.info.Limit != nil && m.emitted >= *m.info.Limit {
			return m.finish()
		}
		row, err := m.core(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return m.finish()
			}
			return nil, err
		}
		keep, err := m.distinct(row)
		if err != nil {
			return nil, err
		}
		if !keep {
			continue
		}
		if m.info.Offset != nil && m.skipped < *m.info.Offset {
			m.skipped++
			continue
		}
		m.emitted++
		return row, nil
	}
}

func (m *Merger) finish() (json.RawMessage, error) {
	m.done = true
	m.Close()
	return nil, io.EOF
}

func (m *Merger) distinct(row json.RawMessage) (bool, error) {
	switch m.info.DistinctType {
	case "Ordered":
		c, err := Canonical(row)
		if err != nil {
			return false, err
		}
		if m.lastItem != nil && string(c) == string(m.lastItem) {
			return false, nil
		}
		m.lastItem, m.last = c, row
		return true, nil
	case "Unordered":
		h, err := hashOf(row)
		if err != nil {
			return false, err
		}
		if _, dup := m.seen[h]; dup {
			return false, nil
		}
		m.seen[h] = struct{}{}
		return true, nil
	}
	return true, nil
}

// core yields the rows of the shape before DISTINCT/OFFSET/LIMIT.
func (m *Merger) core(ctx context.Context) (json.RawMessage, error) {
	switch m.shape {
	case shapeOrderBy:
		return m.nextOrderBy(ctx)
	case shapeValueAggregate, shapeGroupBy:
		if m.drained == nil {
			if err := m.drain(ctx); err != nil {
				return nil, err
			}
		}
		if m.drainAt >= len(m.drained) {
			return nil, io.EOF
		}
		r := m.drained[m.drainAt]
		m.drainAt++
		return r, nil
	}
	for m.seq < len(m.cursors) {
		c := m.cursors[m.seq]
		ok, err := c.fill(ctx)
		if se := asSplit(err); se != nil {
			if _, err := m.replace(c, se); err != nil {
				return nil, err
			}
			continue // the first child now sits at m.seq
		}
		if err != nil {
			return nil, err
		}
		if ok {
			return c.take(), nil
		}
		m.seq++
	}
	return nil, io.EOF
}

// State snapshots the resumable state after the last row Next returned.
func (m *Merger) State() State {
	st := State{Skipped: m.skipped, Emitted: m.emitted}
	if m.shape == shapeGroupBy || m.shape == shapeValueAggregate {
		st.Drained = m.drainAt
	}
	for _, c := range m.cursors {
		// Range ids identify ranges; bounds would only lengthen tokens.
		rs := c.st
		rs.Min, rs.Max = "", ""
		if m.shape == shapeGroupBy || m.shape == shapeValueAggregate {
			rs = RangeState{ID: c.st.ID}
		} else {
			if rs.Token != nil {
				t := *rs.Token
				rs.Token = &t
			}
			switch {
			case c.skip > 0:
				rs.Skip = append([]uint64(nil), c.prevSkip...)
			case rs.Consumed > 0 && rs.Consumed <= len(c.page.Rows):
				for _, row := range c.page.Rows[:rs.Consumed] {
					rs.Skip = append(rs.Skip, RowHash(row))
				}
			}
			if c.shared != nil && !c.shared.empty() {
				rs.Pending, rs.Group = c.shared.list(), c.shared.group
			}
		}
		st.Ranges = append(st.Ranges, rs)
	}
	if m.last != nil {
		st.Last = append(json.RawMessage(nil), m.last...)
	}
	if m.lastKey != nil {
		buf := []byte{'['}
		for i, it := range m.lastKey {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"item":`...)
			if len(it.raw) == 0 {
				buf = buf[:len(buf)-len(`"item":`)] // undefined: {}
			} else {
				buf = append(buf, it.raw...)
			}
			buf = append(buf, '}')
		}
		st.LastKey = append(buf, ']')
	}
	if len(m.seen) > 0 {
		for h := range m.seen {
			st.Seen = append(st.Seen, h)
		}
		sort.Slice(st.Seen, func(i, j int) bool { return st.Seen[i] < st.Seen[j] })
	}
	return st
}

// ---- ORDER BY ----

type orderByRow struct {
	OrderByItems []struct {
		Item json.RawMessage `json:"item"`
	} `json:"orderByItems"`
	Payload json.RawMessage `json:"payload"`
}

type cursorHeap struct {
	cs   []*cursor
	desc []bool
	err  error
}

func (h *cursorHeap) Len() int { return len(h.cs) }
func (h *cursorHeap) Less(i, j int) bool {
	a, b := h.cs[i], h.cs[j]
	for k := range h.desc {
		if k >= len(a.head) || k >= len(b.head) {
			break
		}
		c := compareItems(a.head[k], b.head[k])
		if c == 0 {
			continue
		}
		if h.desc[k] {
			return c > 0
		}
		return c < 0
	}
	return a.index < b.index // deterministic ties: EPK order of ranges
}

// before reports whether sort key a comes strictly before b.
func (h *cursorHeap) before(a, b []item) bool {
	for k := range h.desc {
		if k >= len(a) || k >= len(b) {
			break
		}
		c := compareItems(a[k], b[k])
		if c == 0 {
			continue
		}
		if h.desc[k] {
			return c > 0
		}
		return c < 0
	}
	return false
}

func (h *cursorHeap) Swap(i, j int) { h.cs[i], h.cs[j] = h.cs[j], h.cs[i] }
func (h *cursorHeap) Push(x any)    { h.cs = append(h.cs, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	c := h.cs[len(h.cs)-1]
	h.cs = h.cs[:len(h.cs)-1]
	return c
}

// loadHead decodes the cursor's current row; false when exhausted.
func (m *Merger) loadHead(ctx context.Context, c *cursor) (bool, error) {
	ok, err := c.fill(ctx)
	if err != nil || !ok {
		return false, err
	}
	var r orderByRow
	if err := json.Unmarshal(c.page.Rows[c.pos], &r); err != nil {
		return false, fmt.Errorf("partition range %s: ORDER BY row: %w", c.st.ID, err)
	}
	if len(r.OrderByItems) != len(m.info.OrderBy) {
		return false, fmt.Errorf("partition range %s: ORDER BY row has %d orderByItems, the plan %d", c.st.ID, len(r.OrderByItems), len(m.info.OrderBy))
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

func (m *Merger) nextOrderBy(ctx context.Context) (json.RawMessage, error) {
	if m.heap.desc == nil {
		m.heap.desc = make([]bool, len(m.info.OrderBy))
		for i, d := range m.info.OrderBy {
			m.heap.desc[i] = d == "Descending"
		}
		// Waits for the first page of every range: a merge cannot emit
		// before each range has shown its smallest row.
		for _, c := range append([]*cursor(nil), m.cursors...) {
			ready, err := m.heads(ctx, c)
			if err != nil {
				return nil, err
			}
			m.heap.cs = append(m.heap.cs, ready...)
		}
		heap.Init(&m.heap)
	}
	for m.heap.Len() > 0 {
		c := m.heap.cs[0]
		payload := c.headPayload
		// Ordered DISTINCT: a row that sorts before the last one taken can
		// only be a value that a restarted child of a split range repeats
		// (each range's stream is sorted). Other shapes never drop rows.
		behind := false
		if m.info.DistinctType == "Ordered" {
			behind = m.lastKey != nil && m.heap.before(c.head, m.lastKey)
			if !behind {
				m.lastKey = append(m.lastKey[:0], c.head...)
			}
		}
		c.take()
		ok, err := m.loadHead(ctx, c)
		if se := asSplit(err); se != nil {
			// The children replace the range as separate sorted streams.
			heap.Remove(&m.heap, 0)
			children, err := m.replace(c, se)
			if err != nil {
				return nil, err
			}
			for _, ch := range children {
				ready, err := m.heads(ctx, ch)
				if err != nil {
					return nil, err
				}
				for _, r := range ready {
					heap.Push(&m.heap, r)
				}
			}
		} else if err != nil {
			return nil, err
		} else if ok {
			heap.Fix(&m.heap, 0)
		} else {
			heap.Pop(&m.heap)
		}
		if len(payload) == 0 || behind {
			continue // undefined projection, or a repeated value: no row
		}
		return payload, nil
	}
	return nil, io.EOF
}

// ---- aggregates and GROUP BY: drain all ranges, then combine ----

func (m *Merger) drain(ctx context.Context) error {
	var rows []json.RawMessage
	switch m.shape {
	case shapeValueAggregate:
		accs := make([]*accumulator, len(m.info.Aggregates))
		for i, a := range m.info.Aggregates {
			k, err := aggKind(a)
			if err != nil {
				return err
			}
			accs[i] = newAccumulator(k)
		}
		err := m.eachRow(ctx, func(rangeID string, row json.RawMessage) error {
			var items []struct {
				Item json.RawMessage `json:"item"`
			}
			if err := json.Unmarshal(row, &items); err != nil {
				return fmt.Errorf("partition range %s: aggregate row %s: %w", rangeID, truncate(row), err)
			}
			if len(items) != len(accs) {
				return fmt.Errorf("partition range %s: aggregate row has %d items, the plan %d", rangeID, len(items), len(accs))
			}
			for i, it := range items {
				if err := accs[i].add(it.Item); err != nil {
					return fmt.Errorf("partition range %s: %w", rangeID, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		// A VALUE query has one aggregate; undefined gives no row.
		for _, a := range accs {
			if r := a.result(); r != nil {
				rows = append(rows, r)
			}
		}
	case shapeGroupBy:
		g, err := m.groupBy(ctx)
		if err != nil {
			return err
		}
		rows = g
	}
	if rows == nil {
		rows = []json.RawMessage{}
	}
	m.drained = rows
	return nil
}

// eachRow visits every row of every range (in range order, all ranges
// prefetching in parallel).
//
// A range's rows are folded only once the range has answered completely:
// if it splits midway, its children start over (their partials replace
// the parent's), so none of the parent's partials may have been combined.
func (m *Merger) eachRow(ctx context.Context, fn func(rangeID string, row json.RawMessage) error) error {
	for i := 0; i < len(m.cursors); i++ {
		c := m.cursors[i]
		var rows []json.RawMessage
		split := false
		for {
			ok, err := c.fill(ctx)
			if se := asSplit(err); se != nil {
				if _, err := m.replace(c, se); err != nil {
					return err
				}
				split = true
				break
			}
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			rows = append(rows, c.take())
		}
		if split {
			i-- // visit the children, now at position i
			continue
		}
		for _, r := range rows {
			if err := fn(c.st.ID, r); err != nil {
				return err
			}
		}
	}
	return nil
}

type group struct {
	payload []groupField // in first-seen alias order
	accs    map[string]*accumulator
}

type groupField struct {
	alias string
	value json.RawMessage
}

func (m *Merger) groupBy(ctx context.Context) ([]json.RawMessage, error) {
	groups := map[string]*group{}
	var order []string
	aggOf := map[string]aggregate{}
	for alias, a := range m.info.GroupByAliasToAggregateType {
		if a != nil {
			k, err := aggKind(*a)
			if err != nil {
				return nil, err
			}
			aggOf[alias] = k
		}
	}
	var valueAgg *aggregate
	if m.info.HasSelectValue {
		switch {
		case len(m.info.Aggregates) == 1:
			k, err := aggKind(m.info.Aggregates[0])
			if err != nil {
				return nil, err
			}
			valueAgg = &k
		case len(aggOf) == 1:
			for _, k := range aggOf {
				valueAgg = &k
			}
		}
	}
	err := m.eachRow(ctx, func(rangeID string, row json.RawMessage) error {
		var r struct {
			GroupByItems json.RawMessage `json:"groupByItems"`
			Payload      json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(row, &r); err != nil {
			return fmt.Errorf("partition range %s: GROUP BY row %s: %w", rangeID, truncate(row), err)
		}
		keyRaw := r.GroupByItems
		if len(keyRaw) == 0 {
			keyRaw = json.RawMessage("[]")
		}
		key, err := Canonical(keyRaw)
		if err != nil {
			return err
		}
		g := groups[string(key)]
		if g == nil {
			g = &group{accs: map[string]*accumulator{}}
			groups[string(key)] = g
			order = append(order, string(key))
		}
		return g.add(r.Payload, aggOf, m.info.HasSelectValue, valueAgg)
	})
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 && len(m.info.GroupByExpressions) == 0 && !m.info.HasSelectValue {
		// Aggregates without GROUP BY over no documents: one row where
		// COUNT and SUM are 0 and the others undefined.
		g := &group{accs: map[string]*accumulator{}}
		for _, alias := range aliasOrder(m.info) {
			if k, ok := aggOf[alias]; ok {
				g.accs[alias] = newAccumulator(k)
				g.payload = append(g.payload, groupField{alias: alias})
			}
		}
		groups[""] = g
		order = append(order, "")
	}
	out := make([]json.RawMessage, 0, len(order))
	for _, k := range order {
		r, ok, err := groups[k].render(m.info.HasSelectValue)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func aliasOrder(info *QueryInfo) []string {
	if len(info.GroupByAliases) > 0 {
		return info.GroupByAliases
	}
	var out []string
	for a := range info.GroupByAliasToAggregateType {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// add folds one range's group row into the group. valueAgg is set for
// SELECT VALUE <aggregate> … GROUP BY: the payload is {"item": partial}.
func (g *group) add(payload json.RawMessage, aggOf map[string]aggregate, selectValue bool, valueAgg *aggregate) error {
	if selectValue {
		if valueAgg != nil {
			acc := g.accs[""]
			if acc == nil {
				acc = newAccumulator(*valueAgg)
				g.accs[""] = acc
				g.payload = []groupField{{alias: ""}}
			}
			var p struct {
				Item json.RawMessage `json:"item"`
			}
			if len(payload) > 0 && payload[0] == '{' {
				if err := json.Unmarshal(payload, &p); err != nil {
					return fmt.Errorf("GROUP BY partial: %w", err)
				}
			}
			return acc.add(p.Item)
		}
		// SELECT VALUE <key> … GROUP BY: the payload is the value itself.
		if g.payload == nil {
			g.payload = []groupField{{alias: "", value: payload}}
		}
		return nil
	}
	if len(payload) == 0 {
		return nil
	}
	fields, err := objectFields(payload)
	if err != nil {
		return fmt.Errorf("GROUP BY payload: %w", err)
	}
	first := len(g.payload) == 0
	for _, f := range fields {
		k, isAgg := aggOf[f.alias]
		if !isAgg {
			if first {
				g.payload = append(g.payload, f)
			}
			continue
		}
		acc := g.accs[f.alias]
		if acc == nil {
			acc = newAccumulator(k)
			g.accs[f.alias] = acc
			g.payload = append(g.payload, groupField{alias: f.alias})
		}
		var p struct {
			Item json.RawMessage `json:"item"`
		}
		if len(f.value) > 0 && f.value[0] == '{' {
			if err := json.Unmarshal(f.value, &p); err != nil {
				return fmt.Errorf("GROUP BY partial %s: %w", f.alias, err)
			}
		} else {
			p.Item = f.value
		}
		if err := acc.add(p.Item); err != nil {
			return err
		}
	}
	return nil
}

func (g *group) render(selectValue bool) (json.RawMessage, bool, error) {
	if selectValue {
		if acc := g.accs[""]; acc != nil {
			r := acc.result()
			return r, r != nil, nil
		}
		if len(g.payload) == 0 || len(g.payload[0].value) == 0 {
			return nil, false, nil
		}
		return g.payload[0].value, true, nil
	}
	buf := []byte{'{'}
	n := 0
	for _, f := range g.payload {
		v := f.value
		if acc := g.accs[f.alias]; acc != nil {
			v = acc.result()
		}
		if v == nil {
			continue // undefined: omitted
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		kb, _ := json.Marshal(f.alias)
		buf = append(buf, kb...)
		buf = append(buf, ':')
		buf = append(buf, v...)
		n++
	}
	buf = append(buf, '}')
	return buf, true, nil
}

// objectFields splits a JSON object into its fields in document order.
func objectFields(raw json.RawMessage) ([]groupField, error) {
	dec := json.NewDecoder(bytesReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object: %s", truncate(raw))
	}
	var out []groupField
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, groupField{alias: kt.(string), value: v})
	}
	return out, nil
}

func truncate(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
