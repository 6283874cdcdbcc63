package merge

import (
	"context"
	"encoding/json"
	"io"
)

// drained is the part shared by shapes that read every range to the end
// and then combine (aggregates, GROUP BY): it replays the combined rows,
// and its state is how many of them were delivered.
type drained struct {
	rs      *rangeSet
	combine func(ctx context.Context) ([]json.RawMessage, error)
	rows    []json.RawMessage // nil until combined
	at      int
}

func newDrained(rs *rangeSet, st *State, combine func(ctx context.Context) ([]json.RawMessage, error)) *drained {
	d := &drained{rs: rs, combine: combine}
	if st != nil {
		d.at = st.Drained
	}
	return d
}

func (d *drained) next(ctx context.Context) (json.RawMessage, error) {
	if d.rows == nil {
		rows, err := d.combine(ctx)
		if err != nil {
			return nil, err
		}
		if rows == nil {
			rows = []json.RawMessage{}
		}
		d.rows = rows
	}
	if d.at >= len(d.rows) {
		return nil, io.EOF
	}
	r := d.rows[d.at]
	d.at++
	return r, nil
}

func (d *drained) save(st *State) {
	st.Drained = d.at
	st.Ranges = d.rs.saved()
}

// eachRow visits every row of every range (in range order, all ranges
// prefetching in parallel).
//
// A range's rows are folded only once the range has answered completely:
// if it splits midway, its children start over (their partials replace
// the parent's), so none of the parent's partials may have been combined.
func (d *drained) eachRow(ctx context.Context, fn func(rangeID string, row json.RawMessage) error) error {
	for i := 0; i < len(d.rs.cursors); i++ {
		c := d.rs.cursors[i]
		var rows []json.RawMessage
		split := false
		for {
			ok, err := c.fill(ctx)
			if se := asSplit(err); se != nil {
				if _, err := d.rs.replace(ctx, c, se); err != nil {
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
