package gateway

import (
	"encoding/json"
	"strings"
)

// planInfo is the part of a query plan that decides which client features a
// cross-partition execution needs (cosmos-wire.md §6.2–6.3).
type planInfo struct {
	QueryInfo struct {
		DistinctType           string             `json:"distinctType"`
		Top                    *int               `json:"top"`
		Offset                 *int               `json:"offset"`
		Limit                  *int               `json:"limit"`
		OrderBy                []string           `json:"orderBy"`
		GroupByExpressions     []string           `json:"groupByExpressions"`
		Aggregates             []string           `json:"aggregates"`
		GroupByAliasToAggType  map[string]*string `json:"groupByAliasToAggregateType"`
		HasSelectValue         bool               `json:"hasSelectValue"`
		HasNonStreamingOrderBy bool               `json:"hasNonStreamingOrderBy"`
		DCountInfo             *struct {
			DCountAlias string `json:"dCountAlias"`
		} `json:"dCountInfo"`
	} `json:"queryInfo"`
}

// requiredFeatures lists the query features (QueryFeature names) a plan needs.
func requiredFeatures(plan json.RawMessage) ([]string, error) {
	var p planInfo
	if err := json.Unmarshal(plan, &p); err != nil {
		return nil, err
	}
	q := p.QueryInfo
	var out []string
	add := func(cond bool, name string) {
		if cond {
			out = append(out, name)
		}
	}
	add(len(q.Aggregates) > 0 && q.HasSelectValue, "Aggregate")
	aliasAggregate := false // "SELECT COUNT(1) AS n" plans carry the aggregate per alias
	for _, t := range q.GroupByAliasToAggType {
		aliasAggregate = aliasAggregate || t != nil
	}
	add((aliasAggregate || len(q.Aggregates) > 0 && !q.HasSelectValue) && len(q.GroupByExpressions) == 0, "NonValueAggregate")
	add(len(q.Aggregates) > 1, "MultipleAggregates")
	add(q.DistinctType != "" && q.DistinctType != "None", "Distinct")
	add(len(q.GroupByExpressions) > 0, "GroupBy")
	add(len(q.OrderBy) == 1, "OrderBy")
	add(len(q.OrderBy) > 1, "MultipleOrderBy")
	add(q.Offset != nil || q.Limit != nil, "OffsetAndLimit")
	add(q.Top != nil, "Top")
	add(q.HasNonStreamingOrderBy, "NonStreamingOrderBy")
	add(q.DCountInfo != nil && q.DCountInfo.DCountAlias != "", "DCount")
	return out, nil
}

// unsupportedFeatures returns the features the plan needs that the
// comma-separated supported list (x-ms-cosmos-supported-query-features) lacks.
func unsupportedFeatures(plan json.RawMessage, supported string) ([]string, error) {
	need, err := requiredFeatures(plan)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, f := range strings.Split(supported, ",") {
		have[strings.ToLower(strings.TrimSpace(f))] = true
	}
	var missing []string
	for _, f := range need {
		if !have[strings.ToLower(f)] {
			missing = append(missing, f)
		}
	}
	return missing, nil
}

// unsupportedFeaturesMessage is the service's wording (the .NET SDK's
// QueryPlanHandler uses the same text).
func unsupportedFeaturesMessage(missing []string) string {
	lines := []string{"Query contains 1 or more unsupported features. Upgrade your SDK to a version that does support the requested features:"}
	for _, f := range missing {
		lines = append(lines, "Query contained "+f+", which the calling client does not support.")
	}
	b, _ := json.Marshal(struct {
		Errors []string `json:"Errors"`
	}{[]string{strings.Join(lines, "\r\n")}})
	return "Message: " + string(b)
}
