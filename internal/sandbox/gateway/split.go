package gateway

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// epkSpan is an effective-partition-key interval [min, max). A max of "FF"
// is unbounded above, as the last range's is (container.rangeOf).
type epkSpan struct{ min, max string }

func spanOf(r engine.Range) epkSpan { return epkSpan{r.MinInclusive, r.MaxExclusive} }

func (s epkSpan) has(epk string) bool {
	return epk >= s.min && (s.max == "FF" || epk < s.max)
}

// covers reports whether o lies inside s.
func (s epkSpan) covers(o epkSpan) bool {
	if o.min < s.min {
		return false
	}
	return s.max == "FF" || (o.max != "FF" && o.max <= s.max)
}

// rangesIn lists the indexes of the current ranges inside s, in EPK order.
func (c *container) rangesIn(s epkSpan) []int {
	var out []int
	for i, r := range c.ranges {
		if s.covers(spanOf(r)) {
			out = append(out, i)
		}
	}
	return out
}

// isRangeUnion reports whether s is exactly a run of whole current ranges:
// what a range that existed before splits covers now.
func (c *container) isRangeUnion(s epkSpan) bool {
	in := c.rangesIn(s)
	if len(in) == 0 {
		return false
	}
	return c.ranges[in[0]].MinInclusive == s.min && c.ranges[in[len(in)-1]].MaxExclusive == s.max
}

func (c *container) parentsOf(id string) []string {
	p := c.parents[id]
	if p == nil {
		return []string{}
	}
	return append([]string(nil), p...)
}

// epkMidpoint is the hex EPK halfway between min and max ("FF" standing for
// the top of the 126-bit hash space engine.SplitRanges divides).
func epkMidpoint(min, max string) (string, error) {
	parse := func(s string, top bool) (*big.Int, error) {
		if s == "" {
			return new(big.Int), nil
		}
		if top && s == "FF" {
			return new(big.Int).Lsh(big.NewInt(1), 126), nil
		}
		if len(s) > 32 {
			s = s[:32] // hierarchical keys: the first component decides
		}
		v, ok := new(big.Int).SetString(s+strings.Repeat("0", 32-len(s)), 16)
		if !ok {
			return nil, fmt.Errorf("EPK bound %q is not hex", s)
		}
		return v, nil
	}
	lo, err := parse(min, false)
	if err != nil {
		return "", err
	}
	hi, err := parse(max, true)
	if err != nil {
		return "", err
	}
	mid := new(big.Int).Add(lo, hi)
	mid.Rsh(mid, 1)
	if mid.Cmp(lo) <= 0 {
		return "", fmt.Errorf("range [%q, %q) is too narrow to split", min, max)
	}
	out := fmt.Sprintf("%032X", mid)
	if out <= min || (max != "FF" && out >= max) {
		return "", fmt.Errorf("range [%q, %q) is too narrow to split", min, max)
	}
	return out, nil
}

// SplitRange splits one physical partition key range of a container into
// two children at its EPK midpoint, as the service does when a partition
// grows: the children get new ids and list the old id (and its ancestors)
// as parents in the pkranges feed, the feed gets a new etag, and documents
// move to the child owning their EPK. From then on requests pinned to the
// old id get 410 with substatus 1002, and continuation tokens the old range
// issued resume on the children (each returns its share of the rows the
// parent had not yet returned, in the parent's order).
func (g *Gateway) SplitRange(db, coll, rangeID string) ([]string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.lookup(resourceRef{db: db, coll: coll})
	if c == nil {
		return nil, fmt.Errorf("split: container %s/%s does not exist", db, coll)
	}
	return c.split(rangeID)
}

func (c *container) split(rangeID string) ([]string, error) {
	idx, ok := c.rangeIndexByID(rangeID)
	if !ok {
		return nil, fmt.Errorf("split: %s/%s has no partition key range %q", c.db.id, c.id, rangeID)
	}
	old := c.ranges[idx]
	mid, err := epkMidpoint(old.MinInclusive, old.MaxExclusive)
	if err != nil {
		return nil, fmt.Errorf("split %s/%s range %s: %w", c.db.id, c.id, rangeID, err)
	}
	lo := engine.Range{ID: strconv.Itoa(c.nextRangeID), MinInclusive: old.MinInclusive, MaxExclusive: mid}
	hi := engine.Range{ID: strconv.Itoa(c.nextRangeID + 1), MinInclusive: mid, MaxExclusive: old.MaxExclusive}
	c.nextRangeID += 2
	ancestry := append(c.parentsOf(rangeID), rangeID)
	c.parents[lo.ID] = ancestry
	c.parents[hi.ID] = append([]string(nil), ancestry...)
	delete(c.parents, rangeID)

	ranges := make([]engine.Range, 0, len(c.ranges)+1)
	ranges = append(ranges, c.ranges[:idx]...)
	ranges = append(ranges, lo, hi)
	ranges = append(ranges, c.ranges[idx+1:]...)
	c.ranges = ranges
	for _, d := range c.docs {
		d.rangeIdx = c.rangeOf(d.epk)
	}
	// Range indexes moved: cached results and routing maps are stale.
	c.version++
	c.rangesGen++
	return []string{lo.ID, hi.ID}, nil
}

// splitTrigger splits a range once enough query pages were served for it.
type splitTrigger struct {
	db, coll, rangeID string
	after             int
	served            int
	done              chan []string
}

// SplitRangeAfter arms a one-shot trigger for tests: once n query pages
// of range rangeID (pinned to it, or read by a cross-partition query the
// gateway serves itself) have been answered, the range is split as
// SplitRange does, before the request that served the n-th page returns.
// The returned channel receives the children's ids (nil if the split
// failed) and is then closed.
func (g *Gateway) SplitRangeAfter(db, coll, rangeID string, n int) <-chan []string {
	t := &splitTrigger{db: db, coll: coll, rangeID: rangeID, after: n, done: make(chan []string, 1)}
	g.triggerMu.Lock()
	g.triggers = append(g.triggers, t)
	g.triggerMu.Unlock()
	return t.done
}

// servedPage counts a query page of a range and fires due triggers. It is
// called without g.mu held (a split takes the write lock).
func (g *Gateway) servedPage(db, coll, rangeID string) {
	g.pageFail.servedPage()
	g.triggerMu.Lock()
	var due []*splitTrigger
	keep := g.triggers[:0]
	for _, t := range g.triggers {
		if t.db == db && t.coll == coll && t.rangeID == rangeID {
			t.served++
			if t.served >= t.after {
				due = append(due, t)
				continue
			}
		}
		keep = append(keep, t)
	}
	g.triggers = keep
	g.triggerMu.Unlock()
	for _, t := range due {
		children, err := g.SplitRange(t.db, t.coll, t.rangeID)
		if err != nil {
			children = nil
		}
		t.done <- children
		close(t.done)
	}
}
