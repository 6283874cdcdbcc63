package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// CosmosBackend is the Backend of a Cosmos DB account, through azcosmos.
type CosmosBackend struct {
	client *cosmos.Client
	// used: a request of this backend went through the azcosmos client,
	// which has read the account by then; see Plan.
	used atomic.Bool
}

// NewCosmosBackend queries through client.
func NewCosmosBackend(client *cosmos.Client) *CosmosBackend {
	return &CosmosBackend{client: client}
}

func (b *CosmosBackend) container(spec Spec) (*azcosmos.ContainerClient, error) {
	ctr, err := b.client.NewContainer(spec.Database, spec.Container)
	if err != nil {
		return nil, fmt.Errorf("container %s/%s: %w", spec.Database, spec.Container, err)
	}
	return ctr, nil
}

func queryOptions(spec Spec, token *string) *azcosmos.QueryOptions {
	return &azcosmos.QueryOptions{
		QueryParameters:      spec.Params,
		PageSizeHint:         spec.PageSize,
		ContinuationToken:    token,
		PopulateIndexMetrics: spec.IndexMetrics,
	}
}

// QueryPage implements Backend.
func (b *CosmosBackend) QueryPage(ctx context.Context, spec Spec, token *string) (Page, error) {
	ctr, err := b.container(spec)
	if err != nil {
		return Page{}, err
	}
	pk := azcosmos.NewPartitionKey()
	if spec.PartitionKey != nil {
		pk = *spec.PartitionKey
	}
	b.used.Store(true)
	resp, err := ctr.NewQueryItemsPager(spec.Query, pk, queryOptions(spec, token)).NextPage(ctx)
	if err != nil {
		if spec.PartitionKey == nil {
			return Page{}, asRefusal(err)
		}
		return Page{}, err
	}
	return pageOf(resp), nil
}

// asRefusal recognises the gateway's refusal of a cross-partition query:
// 400/1004 carries the plan; the non-VALUE aggregate refusal does not, so
// the plan must be requested. Any other error is returned as is.
func asRefusal(err error) error {
	f, ok := cosmos.AsFailure(err)
	if !ok || f.Status != http.StatusBadRequest {
		return err
	}
	if f.SubStatus == "1004" {
		return &Refusal{PlanJSON: f.AdditionalErrorInfo, Err: err}
	}
	if strings.Contains(f.Message, "only supports 'VALUE <AggreateFunc>'") ||
		strings.Contains(f.Message, "can not be directly served by the gateway") {
		return &Refusal{Err: err}
	}
	return err
}

// Plan implements Backend (cosmos-wire §6.2).
func (b *CosmosBackend) Plan(ctx context.Context, spec Spec) (*merge.Plan, Cost, error) {
	var cost Cost
	ctr, err := b.container(spec)
	if err != nil {
		return nil, cost, err
	}
	if !b.used.Swap(true) {
		// The client's first call bootstraps the account read with this
		// call's context headers (cosmos-wire §2.1); make it a plain one so
		// the plan-request headers do not land on GET /.
		if _, err := ctr.Read(ctx, nil); err != nil {
			return nil, cost, err
		}
		cost.Extra++
	}
	pctx := policy.WithHTTPHeader(ctx, http.Header{
		"x-ms-cosmos-is-query-plan-request":    {"True"},
		"x-ms-cosmos-supported-query-features": {merge.Features},
	})
	o := &azcosmos.QueryOptions{QueryParameters: spec.Params}
	pg, err := ctr.NewQueryItemsPager(spec.Query, azcosmos.NewPartitionKey(), o).NextPage(pctx)
	if err != nil {
		return nil, cost, err
	}
	cost.Charge = float64(pg.RequestCharge)
	body, err := runtime.Payload(pg.RawResponse)
	if err != nil {
		return nil, cost, fmt.Errorf("read query plan: %w", err)
	}
	var probe struct {
		QueryInfo json.RawMessage `json:"queryInfo"`
	}
	if json.Unmarshal(body, &probe) != nil || len(probe.QueryInfo) == 0 {
		return nil, cost, errors.New("the server does not serve query plans, and refused to run this query across partitions; pass --pk to run it in one partition")
	}
	p, err := merge.DecodePlan(body)
	if err != nil {
		return nil, cost, fmt.Errorf("the gateway's query plan: %w", err)
	}
	return p, cost, nil
}

// Ranges implements Backend.
func (b *CosmosBackend) Ranges(ctx context.Context, spec Spec) ([]cosmos.PartitionKeyRange, error) {
	return b.client.PartitionKeyRanges(ctx, spec.Database, spec.Container)
}

// RangePage implements Backend: the request is pinned to the range with
// x-ms-documentdb-partitionkeyrangeid (cosmos-wire §5.4).
func (b *CosmosBackend) RangePage(ctx context.Context, spec Spec, id, query string, token *string) (Page, error) {
	ctr, err := b.container(spec)
	if err != nil {
		return Page{}, err
	}
	b.used.Store(true)
	rctx := policy.WithHTTPHeader(ctx, http.Header{"x-ms-documentdb-partitionkeyrangeid": {id}})
	rereads := 0
	for attempt := 0; ; attempt++ {
		resp, err := ctr.NewQueryItemsPager(query, azcosmos.NewPartitionKey(), queryOptions(spec, token)).NextPage(rctx)
		if err == nil {
			p := pageOf(resp)
			p.Extra = rereads
			return p, nil
		}
		if attempt >= 3 || !isRangeGone(err) {
			return Page{}, err
		}
		// A split or migration is completing (cosmos-wire §6.4 step 6):
		// re-read the ranges. If this one still exists (migration), retry
		// it; if it split, name its children, which continue its stream.
		ranges, lerr := b.client.PartitionKeyRanges(ctx, spec.Database, spec.Container)
		if lerr != nil {
			return Page{}, fmt.Errorf("partition key range %s is gone and re-reading the ranges failed: %w", id, lerr)
		}
		rereads++
		if hasRange(ranges, id) {
			continue
		}
		if kids := descendants(ranges, id); len(kids) > 0 {
			return Page{}, &RangeSplitError{Range: id, Children: kids, Err: err, Rereads: rereads}
		}
		return Page{}, fmt.Errorf("partition key range %s is gone and no current range replaces it; run the query again: %w", id, err)
	}
}

// descendants are the ranges of all that were split from range id.
func descendants(all []cosmos.PartitionKeyRange, id string) []cosmos.PartitionKeyRange {
	var kids []cosmos.PartitionKeyRange
	for _, r := range all {
		if slices.Contains(r.Parents, id) {
			kids = append(kids, r)
		}
	}
	return kids
}

func isRangeGone(err error) bool {
	f, ok := cosmos.AsFailure(err)
	if !ok || f.Status != http.StatusGone {
		return false
	}
	switch f.SubStatus {
	case "1002", "1007", "1008":
		return true
	}
	return false
}

func hasRange(rs []cosmos.PartitionKeyRange, id string) bool {
	for _, r := range rs {
		if r.ID == id {
			return true
		}
	}
	return false
}

func pageOf(resp azcosmos.QueryItemsResponse) Page {
	p := Page{Rows: pageRows(resp), Next: resp.ContinuationToken, Cost: Cost{Charge: float64(resp.RequestCharge)}}
	if resp.QueryMetrics != nil {
		p.QueryMetrics = *resp.QueryMetrics
	}
	if resp.IndexMetrics != nil {
		p.IndexMetrics = *resp.IndexMetrics
	}
	return p
}

// pageRows returns a page's documents exactly as the server sent them.
// azcosmos re-marshals Items, which HTML-escapes <, > and & (and U+2028,
// U+2029) inside strings; the raw body keeps the stored bytes, so it is
// read instead whenever it can be.
func pageRows(resp azcosmos.QueryItemsResponse) []json.RawMessage {
	if resp.RawResponse != nil {
		if body, err := runtime.Payload(resp.RawResponse); err == nil {
			var env struct {
				Documents []json.RawMessage `json:"Documents"`
			}
			if json.Unmarshal(body, &env) == nil && len(env.Documents) == len(resp.Items) {
				return env.Documents
			}
		}
	}
	rows := make([]json.RawMessage, len(resp.Items))
	for i, it := range resp.Items {
		rows[i] = it
	}
	return rows
}
