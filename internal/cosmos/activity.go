package cosmos

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/uuid"

	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/redact"
)

// AuditFunc receives one record per data-plane request. An error fails
// the call that sent the request: auditing is never silently lost.
type AuditFunc func(audit.Record) error

// activityPolicy runs once per attempt (after the SDK's retry loops), so
// every HTTP exchange has its own activity id, which is the key the
// service's diagnostic logs (CDBDataPlaneRequests.ActivityId) share.
type activityPolicy struct {
	audit AuditFunc
}

func (p activityPolicy) Do(req *policy.Request) (*http.Response, error) {
	r := req.Raw()
	id := uuid.NewString()
	r.Header.Set("x-ms-activity-id", id)
	if p.audit == nil {
		return req.Next()
	}
	start := time.Now()
	resp, err := req.Next()
	rec := RequestRecord(r, resp, time.Since(start))
	rec.Time = audit.Stamp(start)
	rec.ActivityID = id
	if err != nil {
		// Transport errors name the URL and the cause, never a header;
		// masked all the same in case a proxy echoes one.
		rec.Error = redact.Secrets(err.Error())
	}
	if aerr := p.audit(rec); aerr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, auditError{aerr}
	}
	return resp, err
}

// auditError stops the SDK's retries: a retry cannot fix the audit log.
type auditError struct{ err error }

func (e auditError) Error() string { return e.err.Error() }
func (e auditError) Unwrap() error { return e.err }
func (e auditError) NonRetriable() {}

// RequestRecord is the audit record of one exchange: what the request
// addressed and the response's status, charge and item count. It reads no
// header but those and no body.
func RequestRecord(r *http.Request, resp *http.Response, d time.Duration) audit.Record {
	rec := audit.Record{Kind: audit.KindRequest, Method: r.Method, DurationMs: float64(d.Microseconds()) / 1000}
	rec.Resource = "/" + strings.Trim(r.URL.Path, "/")
	rec.Database, rec.Container, rec.Operation = classify(r.Method, r.URL, r.Header.Get("Content-Type"))
	if resp != nil {
		rec.Status = resp.StatusCode
		rec.SubStatus = resp.Header.Get("x-ms-substatus")
		if v, err := strconv.ParseFloat(resp.Header.Get("x-ms-request-charge"), 64); err == nil {
			rec.RequestCharge = v
		}
		if v, err := strconv.Atoi(resp.Header.Get("x-ms-item-count")); err == nil {
			rec.ItemCount = v
		}
	}
	return rec
}

// Operations of request records.
const (
	OpQuery    = "query"    // POST …/docs with a query
	OpRead     = "read"     // GET …/docs/ID
	OpList     = "list"     // document feeds, database and container listings
	OpDescribe = "describe" // GET of a database or container
	OpMetadata = "metadata" // GET / (account), partition key ranges, offers
)

// classify parses the resource path into database, container and operation.
func classify(method string, u *url.URL, contentType string) (db, coll, op string) {
	p := strings.Trim(u.EscapedPath(), "/")
	var segs []string
	if p != "" {
		segs = strings.Split(p, "/")
	}
	for i, s := range segs {
		if v, err := url.PathUnescape(s); err == nil {
			segs[i] = v
		}
	}
	n := len(segs)
	at := func(i int, want string) bool { return i < n && segs[i] == want }
	if at(0, "dbs") && n >= 2 {
		db = segs[1]
	}
	if db != "" && at(2, "colls") && n >= 4 {
		coll = segs[3]
	}
	isQuery := method == http.MethodPost && isQueryContentType(contentType)
	switch {
	case n == 0, at(0, "offers"), coll != "" && at(4, "pkranges"):
		op = OpMetadata
	case coll != "" && at(4, "docs") && n == 5 && isQuery:
		op = OpQuery
	case coll != "" && at(4, "docs") && n == 6 && method == http.MethodGet:
		op = OpRead
	case method == http.MethodGet && (n == 1 || n == 3 || n == 5), isQuery && (n == 1 || n == 3):
		op = OpList
	case method == http.MethodGet && (n == 2 || n == 4):
		op = OpDescribe
	default:
		op = strings.ToLower(method)
	}
	return db, coll, op
}

func isQueryContentType(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/query+json")
}
