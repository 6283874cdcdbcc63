package merge

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

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

// asSplit returns the SplitError in err, if any.
func asSplit(err error) *SplitError {
	var se *SplitError
	if err != nil && errors.As(err, &se) {
		return se
	}
	return nil
}

// replace puts the children of a split range in c's place (EPK order is
// kept, so ties still break by range order) and starts fetching them in
// ctx (until close).
//
// Streaming shapes continue the parent's stream: each child resumes the
// parent's continuation (the service then returns the child's share of
// the parent's remaining rows). If the parent had delivered part of a page
// that was never fetched again (a resumed token), the children skip those
// rows between them. Draining shapes restart the children from scratch:
// the parent's rows were never combined (drained.eachRow).
func (rs *rangeSet) replace(ctx context.Context, c *cursor, se *SplitError) ([]*cursor, error) {
	if len(se.Children) == 0 {
		return nil, fmt.Errorf("partition key range %s is gone and no range replaces it: %w", se.Range, se.Err)
	}
	at := slices.Index(rs.cursors, c)
	if at < 0 {
		return nil, fmt.Errorf("partition key range %s split, but the merge does not know it", se.Range)
	}
	var token *string
	var shared *skipSet
	if !rs.restart {
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
		ch.ch = make(chan pageResult, rs.opts.Prefetch)
		children[i] = ch
	}
	rs.cursors = slices.Concat(rs.cursors[:at], children, rs.cursors[at+1:])
	for i, x := range rs.cursors {
		x.index = i
	}
	ctx = rs.withCancel(ctx)
	for _, ch := range children {
		rs.wg.Add(1)
		go rs.prefetch(ctx, ch, ch.st.Token)
	}
	return children, nil
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
