// Package audit writes and checks cosmosctl's audit trail: one JSON object
// per line for every data-plane request and every command or MCP tool
// call, appended under a lock shared by every process, file mode 0600.
//
// Tamper evidence: each line ends with "prev", the SHA-256 of the line
// before it, and "hash", the SHA-256 of the line's own bytes up to that
// field.
// Editing a line breaks its hash; deleting or reordering lines breaks the
// next line's prev. Records never hold a token, key, signature, secret,
// parameter value, partition-key value or document content: callers put
// hashes (HashText) there instead.
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Record kinds.
const (
	KindRequest = "request" // one data-plane HTTP request
	KindCommand = "command" // one CLI command
	KindTool    = "tool"    // one MCP tool call
)

// Record is one line. Field order is the line's order.
type Record struct {
	Time          string   `json:"time"` // UTC, RFC 3339 with milliseconds
	Kind          string   `json:"kind"`
	Invocation    string   `json:"invocation,omitempty"` // one id per cosmosctl process: ties requests to their command
	Version       string   `json:"version,omitempty"`
	Command       string   `json:"command,omitempty"`
	Client        string   `json:"client,omitempty"` // MCP client name/version
	OSUser        string   `json:"osUser,omitempty"`
	Host          string   `json:"host,omitempty"`
	Profile       string   `json:"profile,omitempty"`
	TenantID      string   `json:"tenantId,omitempty"`
	PrincipalID   string   `json:"principalId,omitempty"`
	Principal     string   `json:"principal,omitempty"` // UPN or app id
	SignIn        string   `json:"signInMethod,omitempty"`
	Audience      string   `json:"audience,omitempty"`
	Endpoint      string   `json:"endpoint,omitempty"`
	Database      string   `json:"database,omitempty"`
	Container     string   `json:"container,omitempty"`
	Operation     string   `json:"operation,omitempty"` // query, read, read-many, list, describe, can-i probe
	Method        string   `json:"method,omitempty"`
	Resource      string   `json:"resource,omitempty"`
	QueryHash     string   `json:"queryHash,omitempty"`
	QueryText     string   `json:"queryText,omitempty"` // only with --audit-query-text
	ParamNames    []string `json:"paramNames,omitempty"`
	ParamsHash    string   `json:"paramsHash,omitempty"`
	PartitionHash string   `json:"partitionKeyHash,omitempty"`
	Status        int      `json:"status,omitempty"`
	SubStatus     string   `json:"subStatus,omitempty"`
	RequestCharge float64  `json:"requestCharge,omitempty"`
	ItemCount     int      `json:"itemCount,omitempty"`
	DurationMs    float64  `json:"durationMs,omitempty"`
	ActivityID    string   `json:"activityId,omitempty"`
	ExitCode      *int     `json:"exitCode,omitempty"`
	Error         string   `json:"error,omitempty"`
	Prev          string   `json:"prev"`
}

// TimeFormat is the records' time layout.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Stamp formats t for Record.Time.
func Stamp(t time.Time) string { return t.UTC().Format(TimeFormat) }

// HashText is the hex SHA-256 of s, for query texts, parameter values and
// partition-key values that must be matchable but never stored in clear.
func HashText(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// maxLine bounds one record; longer lines are refused on write and on read.
const maxLine = 1 << 20

// Log appends records to one file.
type Log struct {
	path string
	// mu orders the goroutines of this process (a cross-partition query's
	// requests end concurrently): a Flock already held by this Log would
	// let a second goroutine straight through. lock orders processes.
	mu   sync.Mutex
	lock *flock.Flock
}

// Path is the file the log appends to.
func (l *Log) Path() string { return l.path }

// Open prepares path for appending, creating it with mode 0600. It refuses
// anything but a regular file (a FIFO or device would block or swallow the
// trail) and fails when the file cannot be written, so a command stops
// before sending any request rather than losing its record.
func Open(path string) (*Log, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("audit log %s: not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("audit log %s: not a regular file", path)
	}
	return &Log{path: path, lock: flock.New(path+".lock", flock.SetPermissions(0o600))}, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Append writes r as the next line, chained to the current last line, and
// syncs the file (this line and any written before it). The lock is held
// across reading the last line and writing, so concurrent processes never
// interleave lines or fork the chain.
func (l *Log) Append(r Record) error { return l.append(r, true) }

// AppendUnsynced is Append without the sync: the line is in the file (a
// crash of the process loses nothing) and on disk with the next Append.
// Request records use it, their command record syncs them: one sync per
// command instead of one per request.
func (l *Log) AppendUnsynced(r Record) error { return l.append(r, false) }

func (l *Log) append(r Record, sync bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.lock.Lock(); err != nil {
		return fmt.Errorf("audit log %s: lock: %w", l.path, err)
	}
	defer l.lock.Unlock()
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, unwrapPath(err))
	}
	defer f.Close()
	last, err := lastLine(f)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, err)
	}
	// Chained to whatever the last line is, even a damaged one: verify
	// names the damage, and the trail goes on.
	r.Prev = ""
	if len(last) > 0 {
		r.Prev = HashText(string(last))
	}
	line, err := seal(r)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("audit log %s: %w", l.path, unwrapPath(err))
	}
	if !sync {
		return nil
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit log %s: sync: %w", l.path, err)
	}
	return nil
}

// seal renders r and appends its own hash: the SHA-256 of the bytes up to
// the `,"hash":` that follows.
func seal(r Record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("audit record: %w", err)
	}
	body := b[:len(b)-1] // drop the closing brace
	sum := sha256.Sum256(body)
	line := make([]byte, 0, len(body)+80)
	line = append(line, body...)
	line = append(line, `,"hash":"`...)
	line = append(line, hex.EncodeToString(sum[:])...)
	line = append(line, "\"}\n"...)
	if len(line) > maxLine {
		return nil, fmt.Errorf("audit record of %d bytes exceeds %d", len(line), maxLine)
	}
	return line, nil
}

var hashField = []byte(`,"hash":"`)

// lineHash checks a line's own hash and returns it.
func lineHash(line []byte) (string, bool) {
	line = bytes.TrimRight(line, "\r\n")
	i := bytes.LastIndex(line, hashField)
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) {
		return "", false
	}
	got := string(line[i+len(hashField) : len(line)-2])
	sum := sha256.Sum256(line[:i])
	return got, got == hex.EncodeToString(sum[:])
}

// lastLine reads the file's last complete line without reading the whole
// file: backwards in small chunks until a newline, at most maxLine bytes,
// so an append costs the same on a large trail as on a new one.
func lastLine(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	const chunk = 8 << 10
	var tail []byte
	for end := st.Size(); end > 0; {
		n := min(end, chunk)
		part := make([]byte, n, n+int64(len(tail)))
		if _, err := f.ReadAt(part, end-n); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		tail = append(part, tail...)
		end -= n
		line := bytes.TrimRight(tail, "\n")
		if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
			return line[i+1:], nil
		}
		if len(line) > maxLine {
			return nil, fmt.Errorf("its last line is longer than %d bytes", maxLine)
		}
		if end == 0 {
			return line, nil
		}
	}
	return nil, nil
}

// BrokenError names the first line that breaks the chain.
type BrokenError struct {
	Line   int
	Reason string
}

func (e *BrokenError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Verify reads a trail and checks every line's hash and chain. It returns
// the number of records, or a *BrokenError naming the first bad line.
func Verify(r io.Reader) (int, error) {
	n := 0
	prev := ""
	err := scan(r, func(no int, line []byte) error {
		n = no
		if _, ok := lineHash(line); !ok {
			return &BrokenError{Line: no, Reason: "its hash does not match its content (edited, or not an audit record)"}
		}
		var rec struct {
			Prev *string `json:"prev"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Prev == nil {
			return &BrokenError{Line: no, Reason: "not an audit record"}
		}
		if *rec.Prev != prev {
			reason := "it does not follow the line before it (a line was deleted, inserted or moved)"
			if no == 1 {
				reason = "it is not the first record of the trail (lines before it were deleted)"
			}
			return &BrokenError{Line: no, Reason: reason}
		}
		prev = HashText(string(line))
		return nil
	})
	return n, err
}

// scan calls fn for each non-empty line, numbered from 1.
func scan(r io.Reader, fn func(no int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine+2)
	no := 0
	for sc.Scan() {
		no++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(no, line); err != nil {
			return err
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return &BrokenError{Line: no + 1, Reason: fmt.Sprintf("longer than %d bytes", maxLine)}
	}
	return sc.Err()
}

// Filter selects records for `audit show`; zero fields match everything.
type Filter struct {
	Since     time.Time
	Principal string // matches Principal or PrincipalID
	Container string
	Status    int
}

func (f Filter) match(r *Record) bool {
	if !f.Since.IsZero() {
		t, err := time.Parse(TimeFormat, r.Time)
		if err != nil || t.Before(f.Since) {
			return false
		}
	}
	if f.Principal != "" && f.Principal != r.Principal && f.Principal != r.PrincipalID {
		return false
	}
	if f.Container != "" && f.Container != r.Container && f.Container != r.Database+"/"+r.Container {
		return false
	}
	return f.Status == 0 || f.Status == r.Status
}

// Read streams the records of a trail that match f, in order, with their
// raw lines.
func Read(r io.Reader, f Filter, fn func(rec Record, line []byte) error) error {
	return scan(r, func(no int, line []byte) error {
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return &BrokenError{Line: no, Reason: "not an audit record"}
		}
		if !f.match(&rec) {
			return nil
		}
		return fn(rec, line)
	})
}

// Totals sums the request records of one command for its command record;
// safe for the concurrent requests of a cross-partition query.
type Totals struct {
	mu  sync.Mutex
	sum Sum
}

// Sum is what Totals counted.
type Sum struct {
	Requests     int
	Charge       float64
	Items        int // the responses' item counts
	LastStatus   int
	FirstFailure int // the first status >= 400 (0 = none)
}

// Add counts one request record.
func (t *Totals) Add(r Record) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sum.Requests++
	t.sum.Charge += r.RequestCharge
	t.sum.Items += r.ItemCount
	t.sum.LastStatus = r.Status
	if r.Status >= 400 && t.sum.FirstFailure == 0 {
		t.sum.FirstFailure = r.Status
	}
}

// Sum returns the totals so far.
func (t *Totals) Sum() Sum {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sum
}
