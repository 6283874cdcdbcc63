package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// Backend is the service as a Runner sees it. Every call names the query
// by its Spec (database, container, text, parameters, page size); the
// production implementation is CosmosBackend.
type Backend interface {
	// QueryPage fetches a page of spec's query as written: in the logical
	// partition spec.PartitionKey, or across the container when that is
	// nil. Across the container the gateway serves simple queries itself
	// and refuses the others with a *Refusal.
	QueryPage(ctx context.Context, spec Spec, token *string) (Page, error)
	// Plan fetches the gateway's query plan for spec's query.
	Plan(ctx context.Context, spec Spec) (*merge.Plan, Cost, error)
	// Ranges lists the container's current partition key ranges, sorted
	// by MinInclusive.
	Ranges(ctx context.Context, spec Spec) ([]cosmos.PartitionKeyRange, error)
	// RangePage fetches a page of query (a range's rewritten query, with
	// spec's parameters) pinned to partition key range id. A range that
	// is gone because it split gives a *RangeSplitError.
	RangePage(ctx context.Context, spec Spec, id, query string, token *string) (Page, error)
}

// Cost is what one Backend call spent.
type Cost struct {
	Charge float64 // request units
	// Extra counts round trips the call made besides its main request
	// (re-reading the ranges while a range moved, bootstrapping the client).
	Extra int
}

// Page is one page of results with what it cost.
type Page struct {
	Rows         []json.RawMessage // as the server sent them
	Next         *string           // nil: the stream is exhausted
	QueryMetrics string            // x-ms-documentdb-query-metrics
	IndexMetrics string            // x-ms-cosmos-index-utilization (base64 JSON)
	Cost
}

// Refusal is the gateway's refusal of a cross-partition query that it
// cannot serve itself: the client must merge. PlanJSON is the query plan
// the refusal carries (400/1004); empty when the plan must be requested.
type Refusal struct {
	PlanJSON string
	Err      error // the service's answer
}

func (e *Refusal) Error() string { return e.Err.Error() }
func (e *Refusal) Unwrap() error { return e.Err }

// RangeSplitError is a partition key range that no longer exists because
// it split: Children are the current ranges that descend from it.
type RangeSplitError struct {
	Range    string
	Children []cosmos.PartitionKeyRange
	Err      error // the service's answer (410 with substatus 1002/1007/1008)
	Rereads  int   // range listings it took to find out
}

func (e *RangeSplitError) Error() string {
	return fmt.Sprintf("partition key range %s split: %v", e.Range, e.Err)
}

func (e *RangeSplitError) Unwrap() error { return e.Err }
