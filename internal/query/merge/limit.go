package merge

import "encoding/json"

// offset drops the first n rows of the merged result (OFFSET).
type offset struct {
	n, skipped int64
}

func newOffset(n int64, st *State) *offset {
	o := &offset{n: n}
	if st != nil {
		o.skipped = st.Skipped
	}
	return o
}

func (o *offset) admit(json.RawMessage) (bool, error) {
	if o.skipped < o.n {
		o.skipped++
		return false, nil
	}
	return true, nil
}

func (o *offset) full() bool { return false }

func (o *offset) save(st *State) { st.Skipped = o.skipped }

// limit counts the rows emitted and stops at TOP and LIMIT (either may be
// nil). It is the last stage: every row it admits is emitted.
type limit struct {
	top, limit *int64
	emitted    int64
}

func newLimit(top, lim *int64, st *State) *limit {
	l := &limit{top: top, limit: lim}
	if st != nil {
		l.emitted = st.Emitted
	}
	return l
}

func (l *limit) admit(json.RawMessage) (bool, error) {
	l.emitted++
	return true, nil
}

func (l *limit) full() bool {
	return (l.top != nil && l.emitted >= *l.top) || (l.limit != nil && l.emitted >= *l.limit)
}

func (l *limit) save(st *State) { st.Emitted = l.emitted }
