package merge

import (
	"context"
	"encoding/json"
	"io"
)

// passthrough concatenates the ranges in EPK order (no ORDER BY): the
// rows of one range as they arrive, then the next range's.
type passthrough struct {
	rs  *rangeSet
	seq int // the range being read
}

func newPassthrough(_ *QueryInfo, rs *rangeSet, _ *State) (shape, error) {
	return &passthrough{rs: rs}, nil
}

func (p *passthrough) next(ctx context.Context) (json.RawMessage, error) {
	for p.seq < len(p.rs.cursors) {
		c := p.rs.cursors[p.seq]
		ok, err := c.fill(ctx)
		if se := asSplit(err); se != nil {
			if _, err := p.rs.replace(ctx, c, se); err != nil {
				return nil, err
			}
			continue // the first child now sits at seq
		}
		if err != nil {
			return nil, err
		}
		if ok {
			return c.take(), nil
		}
		p.seq++
	}
	return nil, io.EOF
}

func (p *passthrough) save(st *State) { st.Ranges = p.rs.saved() }
