// Package engine is the sandbox's Cosmos DB for NoSQL query engine: SQL parser,
// evaluator, query planner (plans and rewritten per-range queries) and
// effective-partition-key hashing. It knows nothing of HTTP; the sandbox
// gateway feeds it documents and turns its results and errors into responses.
package engine

import (
	"context"
	"encoding/json"
	"fmt"
)

// Param is one query parameter: Name includes the leading "@", Value is JSON.
type Param struct {
	Name  string
	Value json.RawMessage
}

// Result is the full result of one query execution.
type Result struct {
	// Rows holds every result row as compact JSON, in result order.
	Rows []json.RawMessage
	// Scanned is the number of documents examined (used for RU billing).
	Scanned int
}

// SyntaxError is a query that the service would reject while compiling it.
// Error() returns the JSON the real service puts after "Message: " in the 400 body.
type SyntaxError struct {
	Code    string // "SC1001", "SC2001", …
	Message string // human text, e.g. "Syntax error, incorrect syntax near 'FRM'."
	Start   int    // byte offset of the offending token
	End     int    // byte offset just past it
}

func (e *SyntaxError) Error() string {
	type loc struct {
		Start int `json:"start"`
		End   int `json:"end"`
	}
	type item struct {
		Severity string `json:"severity"`
		Location loc    `json:"location"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	}
	b, err := json.Marshal(struct {
		Errors []item `json:"errors"`
	}{[]item{{"Error", loc{e.Start, e.End}, e.Code, e.Message}}})
	if err != nil {
		return e.Message
	}
	return string(b)
}

// QueryError is a query that parsed but cannot run (e.g. an unknown parameter);
// the gateway answers it with 400 Bad Request and Error() as the message, in
// the same {"errors":[…]} shape as a SyntaxError (Code "" gives plain text).
type QueryError struct {
	Code    string
	Message string
	Start   int
	End     int
}

func (e *QueryError) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return (&SyntaxError{Code: e.Code, Message: e.Message, Start: e.Start, End: e.End}).Error()
}

func queryErrorf(format string, args ...any) *QueryError {
	return &QueryError{Message: fmt.Sprintf(format, args...)}
}

// Execute runs the query over docs (in storage order) and returns every
// result row as compact JSON, in result order. Scanned counts the documents
// examined (streaming queries stop early once TOP / OFFSET+LIMIT is met). An
// unknown @parameter or an invalid TOP/OFFSET/LIMIT parameter is a
// *QueryError; a cancelled ctx returns an error wrapping ctx.Err(). The
// Query is immutable and may be executed concurrently.
func (q *Query) Execute(ctx context.Context, docs []*Document, params []Param) (*Result, error) {
	return q.execute(ctx, VectorPolicy{}, docs, params)
}
