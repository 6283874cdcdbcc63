package merge

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// asSplit returns the SplitError in err, if any.
func asSplit(err error) *SplitError {
	var se *SplitError
	if err != nil && errors.As(err, &se) {
		return se
	}
	return nil
}

// drains reports whether the shape reads every range to the end before
// producing anything (aggregates, GROUP BY).
func (m *Merger) drains() bool {
	return m.shape == shapeGroupBy || m.shape == shapeValueAggregate
}

// replace puts the children of a split range in c's place (EPK order is
// kept, so ties still break by range order) and starts fetching them.
//
// Streaming shapes continue the parent's stream: each child resumes the
// parent's continuation (the service then returns the child's share of
// the parent's remaining rows). If the parent had delivered part of a page
// that was never fetched again (a resumed token), the children skip those
// rows between them. Draining shapes restart the children from scratch:
// the parent's rows were never combined (eachRow).
func (m *Merger) replace(c *cursor, se *SplitError) ([]*cursor, error) {
	if len(se.Children) == 0 {
		return nil, fmt.Errorf("partition key range %s is gone and no range replaces it: %w", se.Range, se.Err)
	}
	at := slices.Index(m.cursors, c)
	if at < 0 {
		return nil, fmt.Errorf("partition key range %s split, but the merge does not know it", se.Range)
	}
	var token *string
	var shared *skipSet
	if !m.drains() {
		token = se.Token
		if c.skip > 0 {
			if len(c.prevSkip) != c.skip {
				return nil, fmt.Errorf("continuation: partition key range %s has split and the token does not say which of its rows were delivered; run the query again without --continuation", c.st.ID)
			}
			c.addShared(c.st.ID, c.prevSkip)
			c.skip, c.prevSkip = 0, nil
		}
		shared = c.shared
	}
	children := make([]*cursor, len(se.Children))
	for i, r := range se.Children {
		var t *string
		if token != nil {
			v := *token
			t = &v
		}
		ch := &cursor{src: r.Source, st: RangeState{ID: r.ID, Min: r.Min, Max: r.Max, Token: t}, shared: shared}
		ch.ch = make(chan pageResult, m.opts.Prefetch)
		children[i] = ch
	}
	m.cursors = slices.Concat(m.cursors[:at], children, m.cursors[at+1:])
	for i, x := range m.cursors {
		x.index = i
	}
	for _, ch := range children {
		m.wg.Add(1)
		go m.prefetch(m.ctx, ch, ch.st.Token)
	}
	return children, nil
}

// heads loads the ORDER BY head of c, or of the children replacing it
// when it has split, and returns the cursors that have a row.
func (m *Merger) heads(ctx context.Context, c *cursor) ([]*cursor, error) {
	ok, err := m.loadHead(ctx, c)
	if se := asSplit(err); se != nil {
		children, err := m.replace(c, se)
		if err != nil {
			return nil, err
		}
		var out []*cursor
		for _, ch := range children {
			r, err := m.heads(ctx, ch)
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

// Remap rewrites a saved state for ranges that have split since it was
// taken. ranges are the current ranges the query reads; parents gives each
// current range's ancestors (the pkranges feed's "parents"). A saved range
// that is no longer current is replaced by those of ranges that descend
// from it: each resumes the parent's continuation, and rows of the
// parent's page that were already delivered are skipped between them.
// Saved ranges that are neither current nor anyone's parent are left for
// New to reject as stale.
func Remap(st *State, ranges []Range, parents map[string][]string) error {
	current := map[string]bool{}
	for _, r := range ranges {
		current[r.ID] = true
	}
	var out []RangeState
	for _, rs := range st.Ranges {
		if current[rs.ID] {
			out = append(out, rs)
			continue
		}
		var kids []string
		for _, r := range ranges {
			if slices.Contains(parents[r.ID], rs.ID) {
				kids = append(kids, r.ID)
			}
		}
		if len(kids) == 0 {
			out = append(out, rs) // stale or foreign: New says so
			continue
		}
		pending, group := rs.Pending, rs.Group
		if rs.Consumed > 0 {
			if len(rs.Skip) != rs.Consumed {
				return fmt.Errorf("partition key range %s has split and the token does not say which of its rows were delivered", rs.ID)
			}
			pending = append(append([]uint64(nil), rs.Pending...), rs.Skip...)
			if group == "" {
				group = rs.ID
			}
		}
		for _, id := range kids {
			c := RangeState{ID: id, Done: rs.Done, Pending: pending, Group: group}
			if rs.Token != nil {
				t := *rs.Token
				c.Token = &t
			}
			if len(c.Pending) == 0 {
				c.Pending, c.Group = nil, ""
			}
			out = append(out, c)
		}
	}
	seen := map[string]bool{}
	for _, rs := range out {
		if seen[rs.ID] {
			return fmt.Errorf("partition key range %s appears twice after mapping splits", rs.ID)
		}
		seen[rs.ID] = true
	}
	st.Ranges = out
	return nil
}
