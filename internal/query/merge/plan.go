// Package merge combines the per-partition-range results of a
// cross-partition query into the single result the service defines: k-way
// ORDER BY merge, DISTINCT, aggregates, GROUP BY, OFFSET/LIMIT and TOP,
// and the non-streaming ORDER BY of vector search (a bounded top-k over
// every range's rows). It works on decoded rows and pages and knows
// nothing of HTTP.
//
// Continuation: streaming shapes save each range's position; draining
// shapes (aggregates, GROUP BY, vector search) save how many of their
// combined rows were delivered, and a resume drains again and skips
// those, so a vector search resumed with --max-items costs a full search
// per page.
package merge

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Plan is the gateway's query plan (cosmos-wire §6.3).
type Plan struct {
	Version     int          `json:"partitionedQueryExecutionInfoVersion"`
	QueryInfo   QueryInfo    `json:"queryInfo"`
	QueryRanges []QueryRange `json:"queryRanges"`
}

// QueryInfo says how to merge.
type QueryInfo struct {
	DistinctType                string             `json:"distinctType"`
	Top                         *int64             `json:"top"`
	Offset                      *int64             `json:"offset"`
	Limit                       *int64             `json:"limit"`
	OrderBy                     []string           `json:"orderBy"`
	OrderByExpressions          []string           `json:"orderByExpressions"`
	GroupByExpressions          []string           `json:"groupByExpressions"`
	GroupByAliases              []string           `json:"groupByAliases"`
	Aggregates                  []string           `json:"aggregates"`
	GroupByAliasToAggregateType map[string]*string `json:"groupByAliasToAggregateType"`
	RewrittenQuery              string             `json:"rewrittenQuery"`
	HasSelectValue              bool               `json:"hasSelectValue"`
	HasNonStreamingOrderBy      bool               `json:"hasNonStreamingOrderBy"`
}

// QueryRange is an effective-partition-key range the query touches.
type QueryRange struct {
	Min            string `json:"min"`
	Max            string `json:"max"`
	IsMinInclusive bool   `json:"isMinInclusive"`
	IsMaxInclusive bool   `json:"isMaxInclusive"`
}

// DecodePlan parses a plan body (or the additionalErrorInfo string's content).
func DecodePlan(b []byte) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode query plan: %w", err)
	}
	if err := checkNonStreaming(&p.QueryInfo); err != nil {
		return nil, err
	}
	for _, a := range p.QueryInfo.Aggregates {
		if _, err := aggKind(a); err != nil {
			return nil, err
		}
	}
	for alias, a := range p.QueryInfo.GroupByAliasToAggregateType {
		if a != nil {
			if _, err := aggKind(*a); err != nil {
				return nil, fmt.Errorf("alias %s: %w", alias, err)
			}
		}
	}
	for _, d := range p.QueryInfo.OrderBy {
		if d != "Ascending" && d != "Descending" {
			return nil, fmt.Errorf("unknown ORDER BY direction %q in query plan", d)
		}
	}
	switch p.QueryInfo.DistinctType {
	case "", "None", "Ordered", "Unordered":
	default:
		return nil, fmt.Errorf("unknown distinct type %q in query plan", p.QueryInfo.DistinctType)
	}
	return &p, nil
}

// RangeQuery is the query to run on each partition range: the rewritten
// query with the ORDER BY filter placeholder made neutral, or the original.
func (p *Plan) RangeQuery(original string) string {
	q := p.QueryInfo.RewrittenQuery
	if q == "" {
		return original
	}
	return strings.ReplaceAll(q, "{documentdb-formattableorderbyquery-filter}", "true")
}

// Overlaps reports whether a physical range [min, max) intersects any of
// the plan's query ranges (no query ranges = all ranges).
func (p *Plan) Overlaps(min, max string) bool {
	if len(p.QueryRanges) == 0 {
		return true
	}
	for _, q := range p.QueryRanges {
		if q.Max < min || (q.Max == min && !q.IsMaxInclusive) || q.Min >= max {
			continue
		}
		return true
	}
	return false
}

// Features is the list of query features cosmosctl merges, for the
// x-ms-cosmos-supported-query-features header of a plan request.
const Features = "Aggregate,CompositeAggregate,Distinct,GroupBy,MultipleAggregates,MultipleOrderBy,OffsetAndLimit,OrderBy,Top,NonValueAggregate,NonStreamingOrderBy"

type aggregate int

const (
	aggCount aggregate = iota
	aggSum
	aggAvg
	aggMin
	aggMax
)

func aggKind(s string) (aggregate, error) {
	switch s {
	case "Count":
		return aggCount, nil
	case "Sum":
		return aggSum, nil
	case "Average":
		return aggAvg, nil
	case "Min":
		return aggMin, nil
	case "Max":
		return aggMax, nil
	}
	return 0, fmt.Errorf("the query uses the aggregate %q, which cosmosctl cannot combine across partitions", s)
}
