package merge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
)

// groupBy combines GROUP BY rows ({"groupByItems": key, "payload": …})
// and non-VALUE aggregates (one group, aliases to partials) across
// ranges: groups in first-seen order, each alias's partials folded.
type groupBy struct {
	*drained
	info  *QueryInfo
	aggOf map[string]aggregate // aliases that hold aggregates
	// valueAgg is set for SELECT VALUE <aggregate> … GROUP BY.
	valueAgg *aggregate
}

func newGroupBy(info *QueryInfo, rs *rangeSet, st *State) (shape, error) {
	g := &groupBy{info: info, aggOf: map[string]aggregate{}}
	for alias, a := range info.GroupByAliasToAggregateType {
		if a != nil {
			k, err := aggKind(*a)
			if err != nil {
				return nil, err
			}
			g.aggOf[alias] = k
		}
	}
	if info.HasSelectValue {
		switch {
		case len(info.Aggregates) == 1:
			k, err := aggKind(info.Aggregates[0])
			if err != nil {
				return nil, err
			}
			g.valueAgg = &k
		case len(g.aggOf) == 1:
			for _, k := range g.aggOf {
				g.valueAgg = &k
			}
		}
	}
	g.drained = newDrained(rs, st, g.combine)
	return g, nil
}

func (g *groupBy) combine(ctx context.Context) ([]json.RawMessage, error) {
	groups := map[string]*group{}
	aggOf, valueAgg := g.aggOf, g.valueAgg
	var order []string
	err := g.eachRow(ctx, func(rangeID string, row json.RawMessage) error {
		var r struct {
			GroupByItems json.RawMessage `json:"groupByItems"`
			Payload      json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(row, &r); err != nil {
			return fmt.Errorf("partition range %s: GROUP BY row %s: %w", rangeID, truncate(row), err)
		}
		keyRaw := r.GroupByItems
		if len(keyRaw) == 0 {
			keyRaw = json.RawMessage("[]")
		}
		key, err := Canonical(keyRaw)
		if err != nil {
			return err
		}
		grp := groups[string(key)]
		if grp == nil {
			grp = &group{accs: map[string]*accumulator{}}
			groups[string(key)] = grp
			order = append(order, string(key))
		}
		return grp.add(r.Payload, aggOf, g.info.HasSelectValue, valueAgg)
	})
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 && len(g.info.GroupByExpressions) == 0 && !g.info.HasSelectValue {
		// Aggregates without GROUP BY over no documents: one row where
		// COUNT and SUM are 0 and the others undefined.
		grp := &group{accs: map[string]*accumulator{}}
		for _, alias := range aliasOrder(g.info) {
			if k, ok := aggOf[alias]; ok {
				grp.accs[alias] = newAccumulator(k)
				grp.payload = append(grp.payload, groupField{alias: alias})
			}
		}
		groups[""] = grp
		order = append(order, "")
	}
	out := make([]json.RawMessage, 0, len(order))
	for _, k := range order {
		r, ok, err := groups[k].render(g.info.HasSelectValue)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

type group struct {
	payload []groupField // in first-seen alias order
	accs    map[string]*accumulator
}

type groupField struct {
	alias string
	value json.RawMessage
}

func aliasOrder(info *QueryInfo) []string {
	if len(info.GroupByAliases) > 0 {
		return info.GroupByAliases
	}
	var out []string
	for a := range info.GroupByAliasToAggregateType {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// add folds one range's group row into the group. valueAgg is set for
// SELECT VALUE <aggregate> … GROUP BY: the payload is [{"item": partial}].
func (g *group) add(payload json.RawMessage, aggOf map[string]aggregate, selectValue bool, valueAgg *aggregate) error {
	if selectValue {
		if valueAgg != nil {
			acc := g.accs[""]
			if acc == nil {
				acc = newAccumulator(*valueAgg)
				g.accs[""] = acc
				g.payload = []groupField{{alias: ""}}
			}
			partial, err := valuePartial(payload)
			if err != nil {
				return err
			}
			return acc.add(partial)
		}
		// SELECT VALUE <key> … GROUP BY: the payload is the value itself.
		if g.payload == nil {
			g.payload = []groupField{{alias: "", value: payload}}
		}
		return nil
	}
	if len(payload) == 0 {
		return nil
	}
	fields, err := objectFields(payload)
	if err != nil {
		return fmt.Errorf("GROUP BY payload: %w", err)
	}
	first := len(g.payload) == 0
	for _, f := range fields {
		k, isAgg := aggOf[f.alias]
		if !isAgg {
			if first {
				g.payload = append(g.payload, f)
			}
			continue
		}
		acc := g.accs[f.alias]
		if acc == nil {
			acc = newAccumulator(k)
			g.accs[f.alias] = acc
			g.payload = append(g.payload, groupField{alias: f.alias})
		}
		var p struct {
			Item json.RawMessage `json:"item"`
		}
		if len(f.value) > 0 && f.value[0] == '{' {
			if err := json.Unmarshal(f.value, &p); err != nil {
				return fmt.Errorf("GROUP BY partial %s: %w", f.alias, err)
			}
		} else {
			p.Item = f.value
		}
		if err := acc.add(p.Item); err != nil {
			return err
		}
	}
	return nil
}

// valuePartial reads the partial of a SELECT VALUE <aggregate> … GROUP BY
// payload: [{"item": partial}] as the service sends it (an array, like a
// VALUE aggregate's row), or {"item": partial} as earlier sandboxes did.
func valuePartial(payload json.RawMessage) (json.RawMessage, error) {
	payload = bytes.TrimSpace(payload)
	var p struct {
		Item json.RawMessage `json:"item"`
	}
	switch {
	case len(payload) == 0:
		return nil, nil
	case payload[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(payload, &items); err != nil {
			return nil, fmt.Errorf("GROUP BY partial %s: %w", truncate(payload), err)
		}
		if len(items) != 1 {
			return nil, fmt.Errorf("GROUP BY partial %s has %d items, want 1", truncate(payload), len(items))
		}
		payload = bytes.TrimSpace(items[0])
		if len(payload) == 0 || payload[0] != '{' {
			return nil, fmt.Errorf("GROUP BY partial %s is not {\"item\": …}", truncate(payload))
		}
	case payload[0] != '{':
		return nil, fmt.Errorf("GROUP BY partial %s is not [{\"item\": …}]", truncate(payload))
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("GROUP BY partial %s: %w", truncate(payload), err)
	}
	return p.Item, nil
}

func (g *group) render(selectValue bool) (json.RawMessage, bool, error) {
	if selectValue {
		if acc := g.accs[""]; acc != nil {
			r := acc.result()
			return r, r != nil, nil
		}
		if len(g.payload) == 0 || len(g.payload[0].value) == 0 {
			return nil, false, nil
		}
		return g.payload[0].value, true, nil
	}
	buf := []byte{'{'}
	n := 0
	for _, f := range g.payload {
		v := f.value
		if acc := g.accs[f.alias]; acc != nil {
			v = acc.result()
		}
		if v == nil {
			continue // undefined: omitted
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		kb, _ := json.Marshal(f.alias)
		buf = append(buf, kb...)
		buf = append(buf, ':')
		buf = append(buf, v...)
		n++
	}
	buf = append(buf, '}')
	return buf, true, nil
}

// objectFields splits a JSON object into its fields in document order.
func objectFields(raw json.RawMessage) ([]groupField, error) {
	dec := json.NewDecoder(bytesReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not an object: %s", truncate(raw))
	}
	var out []groupField
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, groupField{alias: kt.(string), value: v})
	}
	return out, nil
}
