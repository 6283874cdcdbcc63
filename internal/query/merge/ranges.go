package merge

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// rangeSet is the cursors of a merge and their prefetchers: one goroutine
// per range fetches pages ahead of the merge, all sharing MaxConcurrency
// request slots.
type rangeSet struct {
	cursors []*cursor
	opts    Options
	// restart: the shape drains every range before combining, so a resume
	// starts the ranges over and a split range's children start from
	// scratch instead of continuing the parent's stream.
	restart bool

	started bool
	sem     chan struct{}
	cancels []context.CancelFunc
	wg      sync.WaitGroup
}

// newRangeSet makes the cursors of ranges, positioned where st left them
// unless restart.
func newRangeSet(ranges []Range, st *State, restart bool, opts Options) (*rangeSet, error) {
	rs := &rangeSet{opts: opts, restart: restart}
	byID := map[string]RangeState{}
	groups := map[string]*skipSet{}
	if st != nil {
		for _, r := range st.Ranges {
			byID[r.ID] = r
		}
	}
	for i, r := range ranges {
		c := &cursor{index: i, src: r.Source, st: RangeState{ID: r.ID, Min: r.Min, Max: r.Max}}
		if st != nil && !restart {
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
		rs.cursors = append(rs.cursors, c)
	}
	return rs, nil
}

// start launches the prefetchers on the first call.
func (rs *rangeSet) start(ctx context.Context) {
	if rs.started {
		return
	}
	rs.started = true
	rs.sem = make(chan struct{}, rs.opts.MaxConcurrency)
	ctx = rs.withCancel(ctx)
	for _, c := range rs.cursors {
		c.ch = make(chan pageResult, rs.opts.Prefetch)
		if c.st.Done {
			close(c.ch)
			continue
		}
		rs.wg.Add(1)
		go rs.prefetch(ctx, c, c.st.Token)
	}
}

// withCancel derives the prefetchers' context, which close cancels.
func (rs *rangeSet) withCancel(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	rs.cancels = append(rs.cancels, cancel)
	return ctx
}

func (rs *rangeSet) prefetch(ctx context.Context, c *cursor, token *string) {
	defer rs.wg.Done()
	defer close(c.ch)
	for {
		select {
		case rs.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		p, err := c.src.NextPage(ctx, token)
		<-rs.sem
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

// close stops all in-flight requests and waits for the goroutines.
func (rs *rangeSet) close() {
	for _, cancel := range rs.cancels {
		cancel()
	}
	rs.wg.Wait()
}

// saved is every range's resumable position, in range order; a shape
// that restarts its ranges keeps only their ids.
func (rs *rangeSet) saved() []RangeState {
	var out []RangeState
	for _, c := range rs.cursors {
		if rs.restart {
			out = append(out, RangeState{ID: c.st.ID})
			continue
		}
		out = append(out, c.saved())
	}
	return out
}
