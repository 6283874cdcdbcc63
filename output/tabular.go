package output

import (
	"encoding/json"
	"strconv"
)

// isSystemProperty reports the Cosmos DB bookkeeping fields that the table,
// csv and tsv formats hide; "wide" shows them.
func isSystemProperty(key []byte) bool {
	switch string(key) {
	case "_rid", "_self", "_etag", "_attachments", "_ts":
		return true
	}
	return false
}

// maxDroppedNames bounds the memory spent remembering late columns.
const maxDroppedNames = 100

// rowSink renders rows once the column set is known.
type rowSink interface {
	// start receives the fixed columns and the buffered window rows.
	start(cols []string, rows [][][]byte) error
	// row receives one streamed row; cells are only valid during the call.
	row(cells [][]byte) error
	// finish is called once from Close.
	finish(dropped []string) error
}

type keyCell struct {
	key  string
	cell []byte
}

// tabular turns documents into rows of cells. Columns are the top-level keys
// (scalars and arrays go to a "value" column) in first-seen order over the
// first ColumnWindow documents, with "id" first. Later documents are fitted
// to those columns: missing keys give empty cells, new keys are dropped and
// reported by DroppedColumns.
type tabular struct {
	sink    rowSink
	showSys bool
	escape  func(dst, text []byte) []byte // per-format cell escaping

	window  [][]keyCell
	seen    map[string]bool
	order   []string
	fixed   bool
	cols    []string
	index   map[string]int
	dropped []string
	dropSet map[string]bool

	// reused while streaming so that a row costs no allocations
	arena []byte
	ends  []int
	cells [][]byte
	tmp   []byte
}

func newTabular(sink rowSink, showSys bool, escape func(dst, text []byte) []byte) *tabular {
	return &tabular{sink: sink, showSys: showSys, escape: escape, seen: map[string]bool{}}
}

// appendCell appends the text of one raw JSON value as a cell: strings
// unquoted, null empty, numbers and booleans verbatim, objects and arrays
// as compact JSON.
func (t *tabular) appendCell(dst, raw []byte) []byte {
	text := t.tmp[:0]
	switch raw[0] {
	case '"':
		text = appendUnquoted(text, raw)
	case 'n':
	case '{', '[':
		text = appendJSON(text, raw, jsonStyle{}, 0)
	default:
		text = append(text, raw...)
	}
	t.tmp = text
	if t.escape == nil {
		return append(dst, text...)
	}
	return t.escape(dst, text)
}

// eachField calls fn with every (key, value) of doc that becomes a cell.
func (t *tabular) eachField(doc []byte, fn func(key, val []byte)) {
	if doc[0] != '{' {
		fn([]byte("value"), doc)
		return
	}
	var kbuf []byte
	_ = eachMember(doc, func(rawKey, val []byte) error {
		key := rawKey[1 : len(rawKey)-1]
		if hasByte(key, '\\') {
			kbuf = appendUnquoted(kbuf[:0], rawKey)
			key = kbuf
		}
		if !t.showSys && isSystemProperty(key) {
			return nil
		}
		fn(key, val)
		return nil
	})
}

func (t *tabular) Print(doc json.RawMessage) error {
	if err := validDoc(doc); err != nil {
		return err
	}
	doc = trimValue(doc)
	if !t.fixed {
		var row []keyCell
		t.eachField(doc, func(key, val []byte) {
			k := string(key)
			if !t.seen[k] {
				t.seen[k] = true
				t.order = append(t.order, k)
			}
			row = append(row, keyCell{key: k, cell: t.appendCell(nil, val)})
		})
		t.window = append(t.window, row)
		if len(t.window) >= ColumnWindow {
			return t.fix()
		}
		return nil
	}
	t.arena, t.ends = t.arena[:0], t.ends[:0]
	for i := range t.cells {
		t.cells[i] = nil
	}
	t.eachField(doc, func(key, val []byte) {
		i, ok := t.index[string(key)]
		if !ok {
			t.drop(key)
			return
		}
		start := len(t.arena)
		t.arena = t.appendCell(t.arena, val)
		// Store offsets now and slice later: appending may move the arena.
		t.ends = append(t.ends, i, start, len(t.arena))
	})
	for j := 0; j < len(t.ends); j += 3 {
		t.cells[t.ends[j]] = t.arena[t.ends[j+1]:t.ends[j+2]]
	}
	if len(t.cols) == 0 {
		return nil
	}
	return t.sink.row(t.cells)
}

func (t *tabular) drop(key []byte) {
	if t.dropSet[string(key)] || len(t.dropped) >= maxDroppedNames {
		return
	}
	if t.dropSet == nil {
		t.dropSet = map[string]bool{}
	}
	k := string(key)
	t.dropSet[k] = true
	t.dropped = append(t.dropped, k)
}

// fix freezes the column set and hands the window to the sink.
func (t *tabular) fix() error {
	t.fixed = true
	cols := make([]string, 0, len(t.order))
	if t.seen["id"] {
		cols = append(cols, "id")
	}
	for _, k := range t.order {
		if k != "id" {
			cols = append(cols, k)
		}
	}
	t.cols = cols
	t.index = make(map[string]int, len(cols))
	for i, c := range cols {
		t.index[c] = i
	}
	t.cells = make([][]byte, len(cols))
	rows := make([][][]byte, len(t.window))
	for r, kcs := range t.window {
		cells := make([][]byte, len(cols))
		for _, kc := range kcs {
			cells[t.index[kc.key]] = kc.cell
		}
		rows[r] = cells
	}
	t.window, t.seen, t.order = nil, nil, nil
	if len(cols) == 0 {
		return nil
	}
	return t.sink.start(cols, rows)
}

func (t *tabular) Close() error {
	if !t.fixed {
		if err := t.fix(); err != nil {
			return err
		}
	}
	if len(t.cols) == 0 {
		return nil
	}
	return t.sink.finish(t.dropped)
}

func (t *tabular) DroppedColumns() []string { return append([]string(nil), t.dropped...) }

// escapeControls makes a cell single-line for the table: control characters
// become visible escapes (\n, \t, \r, \u001b) instead of breaking the layout.
func escapeControls(dst, text []byte) []byte {
	for _, c := range text {
		switch {
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, `\u00`...)
			dst = strconv.AppendUint(dst, uint64(c)>>4, 16)
			dst = strconv.AppendUint(dst, uint64(c)&0xf, 16)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// escapeTSV escapes the characters that would break a TSV record, and the
// backslash itself so the escaping can be undone unambiguously.
func escapeTSV(dst, text []byte) []byte {
	for _, c := range text {
		switch c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
