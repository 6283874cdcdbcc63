package engine

import (
	"context"
	"encoding/json"
)

// Query is a parsed query.
type Query struct {
	text string
}

func (q *Query) execute(ctx context.Context, docs []*Document, params []Param) (*Result, error) {
	return &Result{}, nil
}

// Parse parses query text. Errors are *SyntaxError.
func Parse(text string) (*Query, error) { return &Query{text: text}, nil }

// NeedsCrossPartitionState reports whether the query needs state across ranges.
func (q *Query) NeedsCrossPartitionState() bool { return false }

// NonValueAggregate reports aggregates outside "SELECT VALUE AGG(…)" or GROUP BY.
func (q *Query) NonValueAggregate() bool { return false }

// Plan returns the query plan JSON.
func (q *Query) Plan(pk PartitionKeyDef, params []Param) (json.RawMessage, error) {
	return json.RawMessage(`{}`), nil
}
