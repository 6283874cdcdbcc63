package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// database is the in-memory state of one database.
type database struct {
	id    string
	rid   string
	ts    int64
	colls map[string]*container
	order []string
}

// container is the in-memory state of one container. Documents are kept in
// insertion order; each remembers its physical range and change-feed LSN.
type container struct {
	db         *database
	id         string
	rid        string
	ts         int64
	pk         engine.PartitionKeyDef
	defaultTTL *int
	vectors    engine.VectorPolicy
	vecIndexes []VectorIndex
	throughput int    // provisioned RU/s its offer reports
	offerID    string // its offer's rid
	ranges     []engine.Range
	docs       []*storedDoc
	byKey      map[string]int // docKey(id, pk) → index in docs
	lsn        int64          // last LSN handed out; also the change-feed position
	version    int64          // bumped on every write; part of query cache keys
	nextDoc    uint32
	// Split bookkeeping (split.go): every ancestor of a range created by a
	// split, the pkranges feed generation (its etag) and the next range id.
	parents     map[string][]string
	rangesGen   int
	nextRangeID int
}

// storedDoc is a document with system properties already appended to its bytes.
type storedDoc struct {
	doc      *engine.Document
	raw      json.RawMessage
	id       string
	pkKey    string // canonical form of the partition key values
	epk      string
	rangeIdx int
	lsn      int64
	etag     string
	ts       int64
}

// isSystemKey reports the properties the service owns; user copies are dropped.
func isSystemKey(k string) bool {
	switch k {
	case "_rid", "_self", "_etag", "_attachments", "_ts":
		return true
	}
	return false
}

func newDatabase(id string, n int, ts int64) *database {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, uint32(n))
	return &database{id: id, rid: encodeRID(b), ts: ts, colls: map[string]*container{}}
}

func newContainer(db *database, c Container, n int, ts int64) (*container, error) {
	def := c.PartitionKey
	if len(def.Paths) == 0 {
		return nil, fmt.Errorf("partition key has no paths")
	}
	for _, p := range def.Paths {
		if !strings.HasPrefix(p, "/") || len(p) < 2 {
			return nil, fmt.Errorf("partition key path %q must start with / and name a property", p)
		}
	}
	switch def.Kind {
	case "":
		def.Kind = "Hash"
		if len(def.Paths) > 1 {
			def.Kind = "MultiHash"
		}
	case "Hash":
		if len(def.Paths) != 1 {
			return nil, fmt.Errorf("partition key kind Hash needs exactly one path, got %d", len(def.Paths))
		}
	case "MultiHash":
		if len(def.Paths) > 3 {
			return nil, fmt.Errorf("partition key kind MultiHash allows at most 3 paths, got %d", len(def.Paths))
		}
	default:
		return nil, fmt.Errorf("partition key kind %q is not Hash or MultiHash", def.Kind)
	}
	switch def.Version {
	case 0:
		def.Version = 2
	case 1, 2:
	default:
		return nil, fmt.Errorf("partition key version %d is not 1 or 2", def.Version)
	}
	if def.Kind == "MultiHash" && def.Version != 2 {
		return nil, fmt.Errorf("partition key kind MultiHash requires version 2")
	}
	n2 := c.PhysicalPartitions
	if n2 <= 0 {
		n2 = 1
	}
	rb := make([]byte, 8)
	copy(rb, decodeRID(db.rid))
	binary.LittleEndian.PutUint32(rb[4:], uint32(n)<<8)
	coll := &container{
		db: db, id: c.ID, rid: encodeRID(rb), ts: ts, pk: def, defaultTTL: c.DefaultTTL, throughput: c.Throughput,
		vectors: c.Vectors, vecIndexes: c.VectorIndexes,
		ranges: engine.SplitRanges(n2), byKey: map[string]int{},
		parents: map[string][]string{}, nextRangeID: n2,
	}
	if len(coll.ranges) == 0 {
		return nil, fmt.Errorf("engine returned no partition key ranges for %d partitions", n2)
	}
	for i, item := range c.Items {
		sd, err := coll.prepare(item, ts)
		if err != nil {
			return nil, fmt.Errorf("item #%d: %w", i+1, err)
		}
		if _, dup := coll.byKey[docKey(sd.id, sd.pkKey)]; dup {
			return nil, fmt.Errorf("item #%d: duplicate id %q in logical partition %s", i+1, sd.id, sd.pkKey)
		}
		coll.insert(sd)
	}
	return coll, nil
}

func docKey(id, pkKey string) string { return pkKey + "\x00" + id }

// prepare validates a user document and appends the system properties.
func (c *container) prepare(item json.RawMessage, ts int64) (*storedDoc, error) {
	userDoc, err := engine.NewDocument(item)
	if err != nil {
		return nil, fmt.Errorf("invalid document: %w", err)
	}
	id := userDoc.ID()
	if id == "" {
		return nil, fmt.Errorf(`document has no string "id"`)
	}
	if strings.ContainsAny(id, "/\\?#") {
		return nil, fmt.Errorf("id %q contains one of the characters / \\ ? # that Cosmos DB rejects", id)
	}
	values := engine.PartitionKeyValues(c.pk, userDoc)
	pkKey, err := canonicalValues(values)
	if err != nil {
		return nil, fmt.Errorf("id %q: partition key: %w", id, err)
	}
	epk, err := engine.EffectivePartitionKey(c.pk, values)
	if err != nil {
		return nil, fmt.Errorf("id %q: effective partition key: %w", id, err)
	}
	c.nextDoc++
	rb := make([]byte, 16)
	copy(rb, decodeRID(c.rid))
	binary.BigEndian.PutUint64(rb[8:], uint64(c.nextDoc))
	rid := encodeRID(rb)
	etag := fmt.Sprintf(`"%08x-0000-0000-0000-%012x"`, c.nextDoc, ts)
	sys := fmt.Sprintf(`"_rid":%q,"_self":%q,"_etag":%q,"_attachments":"attachments/","_ts":%d`,
		rid, "dbs/"+c.db.rid+"/colls/"+c.rid+"/docs/"+rid+"/", etag, ts)
	raw, err := appendSystemProperties(item, sys)
	if err != nil {
		return nil, fmt.Errorf("id %q: %w", id, err)
	}
	doc, err := engine.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("id %q: document with system properties: %w", id, err)
	}
	return &storedDoc{doc: doc, raw: raw, id: id, pkKey: pkKey, epk: epk, rangeIdx: c.rangeOf(epk), etag: etag, ts: ts}, nil
}

// insert appends (or replaces in place) a prepared document and gives it a new LSN.
func (c *container) insert(sd *storedDoc) {
	c.lsn++
	c.version++
	sd.lsn = c.lsn
	k := docKey(sd.id, sd.pkKey)
	if i, ok := c.byKey[k]; ok {
		// Replacement moves the document to the end so the change feed
		// (ordered by LSN) and insertion order stay consistent.
		c.removeAt(i)
	}
	c.byKey[k] = len(c.docs)
	c.docs = append(c.docs, sd)
}

func (c *container) removeAt(i int) {
	delete(c.byKey, docKey(c.docs[i].id, c.docs[i].pkKey))
	c.docs = append(c.docs[:i], c.docs[i+1:]...)
	for j := i; j < len(c.docs); j++ {
		c.byKey[docKey(c.docs[j].id, c.docs[j].pkKey)] = j
	}
	c.version++
}

// rangeOf finds the physical range whose [min, max) holds epk. The last range
// is treated as unbounded above so no hash can fall outside every range.
func (c *container) rangeOf(epk string) int {
	for i, r := range c.ranges {
		if epk >= r.MinInclusive && (i == len(c.ranges)-1 || epk < r.MaxExclusive) {
			return i
		}
	}
	return 0
}

func (c *container) rangeIndexByID(id string) (int, bool) {
	for i, r := range c.ranges {
		if r.ID == id {
			return i, true
		}
	}
	return 0, false
}

// appendSystemProperties adds sys (already-encoded members) at the end of the
// object without re-encoding the user's bytes. Members the service owns are
// removed first (re-imported exports often carry stale _rid/_ts values).
func appendSystemProperties(item json.RawMessage, sys string) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(item)
	if len(trimmed) < 2 || trimmed[0] != '{' || trimmed[len(trimmed)-1] != '}' {
		return nil, fmt.Errorf("document is not a JSON object")
	}
	members, hasSystem, err := objectMembers(trimmed)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if !hasSystem {
		body := bytes.TrimSpace(trimmed[1 : len(trimmed)-1])
		out.Grow(len(trimmed) + len(sys) + 1)
		out.Write(trimmed[:len(trimmed)-1])
		if len(body) > 0 {
			out.WriteByte(',')
		}
		out.WriteString(sys)
		out.WriteByte('}')
		return out.Bytes(), nil
	}
	out.WriteByte('{')
	n := 0
	for _, m := range members {
		if isSystemKey(m.key) {
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(trimmed[m.start:m.end])
		n++
	}
	if n > 0 {
		out.WriteByte(',')
	}
	out.WriteString(sys)
	out.WriteByte('}')
	return out.Bytes(), nil
}

type member struct {
	key        string
	start, end int
}

// objectMembers returns the byte spans of the top-level members of obj.
func objectMembers(obj []byte) ([]member, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, false, fmt.Errorf("document is not a JSON object: %w", err)
	}
	var out []member
	hasSystem := false
	prevEnd := 1
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, fmt.Errorf("invalid document: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false, fmt.Errorf("invalid document: expected a key")
		}
		// The key's opening quote is the first '"' after the previous member.
		start := prevEnd + bytes.IndexByte(obj[prevEnd:], '"')
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false, fmt.Errorf("invalid document: value of %q: %w", key, err)
		}
		end := int(dec.InputOffset())
		out = append(out, member{key: key, start: start, end: end})
		prevEnd = end
		if isSystemKey(key) {
			hasSystem = true
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, fmt.Errorf("invalid document: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, fmt.Errorf("invalid document: trailing data after the object")
	}
	return out, hasSystem, nil
}

// canonicalValues renders partition key values so that equal keys compare
// equal whatever their spelling (1 vs 1.0, "é" vs "\u00e9").
func canonicalValues(values []json.RawMessage) (string, error) {
	parts := make([]string, len(values))
	for i, v := range values {
		if len(bytes.TrimSpace(v)) == 0 {
			parts[i] = "undefined"
			continue
		}
		var x any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			return "", fmt.Errorf("invalid value %s: %w", v, err)
		}
		c, err := canonicalScalar(x)
		if err != nil {
			return "", err
		}
		parts[i] = c
	}
	return "[" + strings.Join(parts, ",") + "]", nil
}

func canonicalScalar(x any) (string, error) {
	switch t := x.(type) {
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(t), nil
	case string:
		b, _ := json.Marshal(t)
		return string(b), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !math.IsInf(f, 0) {
			return "", fmt.Errorf("invalid number %s", t)
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), nil
	case map[string]any:
		if len(t) == 0 {
			return "undefined", nil // {} is how SDKs spell "no value"
		}
	}
	return "", fmt.Errorf("partition key values must be strings, numbers, booleans or null")
}

func encodeRID(b []byte) string {
	return strings.ReplaceAll(base64.StdEncoding.EncodeToString(b), "/", "-")
}

func decodeRID(s string) []byte {
	b, _ := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "-", "/"))
	return b
}
