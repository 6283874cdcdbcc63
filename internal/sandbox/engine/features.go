package engine

// NeedsCrossPartitionState reports whether the query uses TOP, ORDER BY,
// OFFSET/LIMIT, an aggregate, DISTINCT or GROUP BY: state the gateway cannot
// keep across ranges (it answers such queries with 400/1004 and a plan).
func (q *Query) NeedsCrossPartitionState() bool {
	return q.top != nil || len(q.orderBy) > 0 || q.offset != nil || q.hasAgg || q.distinct || len(q.groupBy) > 0 ||
		q.innerNeedsState()
}

// innerNeedsState: a FROM (subquery) that itself needs cross-partition state
// (e.g. TOP inside) cannot be split across ranges at all.
func (q *Query) innerNeedsState() bool {
	// Only a leading subquery reads the container; JOIN subqueries are per document.
	return len(q.from) > 0 && q.from[0].sub != nil && q.from[0].sub.NeedsCrossPartitionState()
}

// NonValueAggregate reports aggregates outside the "SELECT VALUE AGG(…)" form,
// or GROUP BY: across ranges the gateway answers these with "Cross partition
// query only supports 'VALUE <AggreateFunc>' for aggregates."
func (q *Query) NonValueAggregate() bool {
	if len(q.groupBy) > 0 {
		return true
	}
	if !q.hasAgg {
		return false
	}
	return !q.isValueAggregate()
}

// isValueAggregate: SELECT VALUE AGG(x) without GROUP BY, one aggregate at the top.
func (q *Query) isValueAggregate() bool {
	return q.selectValue && len(q.groupBy) == 0 && len(q.aggs) == 1 && q.items[0].e.op == opAgg
}
