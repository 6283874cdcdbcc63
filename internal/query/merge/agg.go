package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// accumulator combines per-range partial results of one aggregate as the
// service defines them (cosmos-wire §6.5).
type accumulator struct {
	kind    aggregate
	count   number // Count, and Average's count
	sum     number // Sum and Average's sum
	defined bool   // Sum/Min/Max/Avg saw a value
	best    item   // Min/Max
	// invalid: a Sum partial was undefined (its range saw a non-number)
	// or an Average partial had no sum; the result is undefined then, as
	// the .NET SDK's SumAggregator and AverageAggregator decide.
	invalid bool
}

func newAccumulator(k aggregate) *accumulator {
	zero := intNumber(0)
	return &accumulator{kind: k, count: zero, sum: zero}
}

// add folds one partial (the value of {"item": …}; nil = undefined).
func (a *accumulator) add(partial json.RawMessage) error {
	partial = bytes.TrimSpace(partial)
	if len(partial) == 0 {
		// A range with no values answers SUM 0, so an undefined SUM
		// partial means the range saw a non-number.
		if a.kind == aggSum {
			a.invalid = true
		}
		return nil
	}
	switch a.kind {
	case aggCount:
		it, err := decodeItem(partial)
		if err != nil {
			return err
		}
		if it.rank != rankNumber {
			return fmt.Errorf("COUNT partial %s is not a number", partial)
		}
		a.count = a.count.add(it.num)
	case aggSum:
		it, err := decodeItem(partial)
		if err != nil {
			return err
		}
		if it.rank != rankNumber {
			// A range whose SUM saw a non-number returns undefined; the
			// service's combined SUM is then undefined too.
			a.invalid = true
			return nil
		}
		a.sum = a.sum.add(it.num)
		a.defined = true
	case aggAvg:
		var p struct {
			Sum   json.RawMessage `json:"sum"`
			Count json.RawMessage `json:"count"`
		}
		if err := json.Unmarshal(partial, &p); err != nil {
			return fmt.Errorf("AVG partial %s: %w", partial, err)
		}
		c, err := decodeItem(p.Count)
		if err != nil || c.rank != rankNumber {
			return fmt.Errorf("AVG partial %s has no count", partial)
		}
		if len(p.Sum) == 0 {
			// The range's SUM was undefined: it saw a non-number.
			a.invalid = true
			return nil
		}
		if c.num.isZero() {
			return nil
		}
		s, err := decodeItem(p.Sum)
		if err != nil || s.rank != rankNumber {
			return fmt.Errorf("AVG partial %s has no sum", partial)
		}
		a.sum = a.sum.add(s.num)
		a.count = a.count.add(c.num)
		a.defined = true
	case aggMin, aggMax:
		v := partial
		if partial[0] == '{' {
			// {"min"|"max": v, "count": n} form; count 0 means no value.
			var p map[string]json.RawMessage
			if err := json.Unmarshal(partial, &p); err != nil {
				return fmt.Errorf("MIN/MAX partial %s: %w", partial, err)
			}
			if c, ok := p["count"]; ok {
				key := "min"
				if a.kind == aggMax {
					key = "max"
				}
				ci, err := decodeItem(c)
				if err != nil {
					return err
				}
				if ci.rank == rankNumber && ci.num.isZero() {
					return nil
				}
				v = p[key]
				if len(v) == 0 {
					return nil
				}
			}
		}
		it, err := decodeItem(v)
		if err != nil {
			return err
		}
		if it.rank == rankUndefined {
			return nil
		}
		if !a.defined {
			a.best, a.defined = it, true
			return nil
		}
		c := compareItems(it, a.best)
		if (a.kind == aggMin && c < 0) || (a.kind == aggMax && c > 0) {
			a.best = it
		}
	}
	return nil
}

// result is the combined value, or nil when undefined.
func (a *accumulator) result() json.RawMessage {
	switch a.kind {
	case aggCount:
		return a.count.json()
	case aggSum:
		if a.invalid {
			return nil
		}
		return a.sum.json()
	case aggAvg:
		if a.invalid || !a.defined {
			return nil
		}
		return formatFloat(a.sum.f / a.count.f)
	case aggMin, aggMax:
		if !a.defined {
			return nil
		}
		return a.best.raw
	}
	return nil
}
