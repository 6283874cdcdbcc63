package merge

import (
	"encoding/json"
	"fmt"
	"sort"
)

// orderedDistinct drops a row equal to the one before it: the merge
// delivers equal rows next to each other (DISTINCT with ORDER BY).
type orderedDistinct struct {
	last     json.RawMessage // last row emitted, as the service sent it
	lastItem []byte          // its canonical form
}

func newOrderedDistinct(st *State) (*orderedDistinct, error) {
	d := &orderedDistinct{}
	if st != nil && len(st.Last) > 0 {
		d.last = append(json.RawMessage(nil), st.Last...)
		c, err := Canonical(d.last)
		if err != nil {
			return nil, fmt.Errorf("continuation: %w", err)
		}
		d.lastItem = c
	}
	return d, nil
}

func (d *orderedDistinct) admit(row json.RawMessage) (bool, error) {
	c, err := Canonical(row)
	if err != nil {
		return false, err
	}
	if d.lastItem != nil && string(c) == string(d.lastItem) {
		return false, nil
	}
	d.lastItem, d.last = c, row
	return true, nil
}

func (d *orderedDistinct) full() bool { return false }

func (d *orderedDistinct) save(st *State) {
	if d.last != nil {
		st.Last = append(json.RawMessage(nil), d.last...)
	}
}

// unorderedDistinct drops rows whose canonical hash it has emitted.
type unorderedDistinct struct {
	seen map[uint64]struct{}
}

func newUnorderedDistinct(st *State) *unorderedDistinct {
	d := &unorderedDistinct{seen: map[uint64]struct{}{}}
	if st != nil {
		for _, h := range st.Seen {
			d.seen[h] = struct{}{}
		}
	}
	return d
}

func (d *unorderedDistinct) admit(row json.RawMessage) (bool, error) {
	h, err := hashOf(row)
	if err != nil {
		return false, err
	}
	if _, dup := d.seen[h]; dup {
		return false, nil
	}
	d.seen[h] = struct{}{}
	return true, nil
}

func (d *unorderedDistinct) full() bool { return false }

func (d *unorderedDistinct) save(st *State) {
	if len(d.seen) == 0 {
		return
	}
	for h := range d.seen {
		st.Seen = append(st.Seen, h)
	}
	sort.Slice(st.Seen, func(i, j int) bool { return st.Seen[i] < st.Seen[j] })
}
