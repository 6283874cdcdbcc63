package merge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
)

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

type pageResult struct {
	page Page
	err  error
}

// cursor is the consumer side of one range: the page being read, the
// position in it, and what a resume or a split asks it to skip.
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
	// head and headPayload are the decoded current ORDER BY row.
	head        []item
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

// saved is the cursor's resumable position for a token.
func (c *cursor) saved() RangeState {
	// Range ids identify ranges; bounds would only lengthen tokens.
	rs := c.st
	rs.Min, rs.Max = "", ""
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
	return rs
}
