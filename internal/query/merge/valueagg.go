package merge

import (
	"context"
	"encoding/json"
	"fmt"
)

// valueAggregate combines SELECT VALUE <aggregate> partials: each range
// returns [{"item": partial}, …], one item per aggregate.
type valueAggregate struct {
	*drained
	kinds []aggregate
}

func newValueAggregate(info *QueryInfo, rs *rangeSet, st *State) (shape, error) {
	v := &valueAggregate{}
	for _, a := range info.Aggregates {
		k, err := aggKind(a)
		if err != nil {
			return nil, err
		}
		v.kinds = append(v.kinds, k)
	}
	v.drained = newDrained(rs, st, v.combine)
	return v, nil
}

func (v *valueAggregate) combine(ctx context.Context) ([]json.RawMessage, error) {
	accs := make([]*accumulator, len(v.kinds))
	for i, k := range v.kinds {
		accs[i] = newAccumulator(k)
	}
	err := v.eachRow(ctx, func(rangeID string, row json.RawMessage) error {
		var items []struct {
			Item json.RawMessage `json:"item"`
		}
		if err := json.Unmarshal(row, &items); err != nil {
			return fmt.Errorf("partition range %s: aggregate row %s: %w", rangeID, truncate(row), err)
		}
		if len(items) != len(accs) {
			return fmt.Errorf("partition range %s: aggregate row has %d items, the plan %d", rangeID, len(items), len(accs))
		}
		for i, it := range items {
			if err := accs[i].add(it.Item); err != nil {
				return fmt.Errorf("partition range %s: %w", rangeID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A VALUE query has one aggregate; undefined gives no row.
	var rows []json.RawMessage
	for _, a := range accs {
		if r := a.result(); r != nil {
			rows = append(rows, r)
		}
	}
	return rows, nil
}
