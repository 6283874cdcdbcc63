package engine

import (
	"context"
	"encoding/json"
	"math"
	"strings"
)

// VectorEmbedding is one entry of a container's vectorEmbeddingPolicy.
type VectorEmbedding struct {
	Path             string // "/embedding"
	DataType         string // "float32" (the default), "float16", "int8" or "uint8"
	Dimensions       int
	DistanceFunction string // "cosine" (the default), "dotproduct" or "euclidean"
}

// VectorPolicy is a container's vectorEmbeddingPolicy. VectorDistance takes
// its default distance function and data type from the entry whose path is
// the path of its first argument, as the service does; the zero policy
// leaves every VectorDistance call to its options (else cosine, float32).
type VectorPolicy struct {
	Embeddings []VectorEmbedding
}

// ExecuteWithPolicy is Execute for a container with a vector embedding
// policy, which VectorDistance (and ORDER BY VectorDistance) depend on.
func (q *Query) ExecuteWithPolicy(ctx context.Context, vp VectorPolicy, docs []*Document, params []Param) (*Result, error) {
	return q.execute(ctx, vp, docs, params)
}

// PlanWithPolicy is Plan for a container with a vector embedding policy: a
// cross-partition ORDER BY VectorDistance gets a non-streaming plan whose
// direction follows the call's distance function.
func (q *Query) PlanWithPolicy(pk PartitionKeyDef, vp VectorPolicy, params []Param) (json.RawMessage, error) {
	return q.plan(pk, vp, params)
}

// distanceFunction is a VectorDistance metric.
type distanceFunction uint8

const (
	distCosine distanceFunction = iota
	distDotProduct
	distEuclidean
)

// parseDistanceFunction reads a distanceFunction name; the service's
// documentation and SDKs spell them in any case ("cosine", "DotProduct").
func parseDistanceFunction(s string) (distanceFunction, bool) {
	switch strings.ToLower(s) {
	case "cosine":
		return distCosine, true
	case "dotproduct":
		return distDotProduct, true
	case "euclidean":
		return distEuclidean, true
	}
	return 0, false
}

// closestFirstDescending: cosine and dot product are similarities (larger
// is closer), euclidean is a distance (smaller is closer).
func (d distanceFunction) closestFirstDescending() bool { return d != distEuclidean }

// vectorDataType is how vector components are read.
type vectorDataType uint8

const (
	vecFloat32 vectorDataType = iota
	vecFloat16
	vecInt8
	vecUint8
)

func parseVectorDataType(s string) (vectorDataType, bool) {
	switch strings.ToLower(s) {
	case "float32":
		return vecFloat32, true
	case "float16":
		return vecFloat16, true
	case "int8":
		return vecInt8, true
	case "uint8":
		return vecUint8, true
	}
	return 0, false
}

// vectorSettings are the distance function and data type one call uses.
type vectorSettings struct {
	dist distanceFunction
	typ  vectorDataType
}

const vectorDistanceName = "VECTORDISTANCE"

// vectorDistanceSpec is the built-in table's entry. Evaluation goes through
// executor.vectorDistance with the call itself (its argument paths pick the
// policy entry); called without them it falls back to options or cosine.
func vectorDistanceSpec() fnSpec {
	return fnSpec{min: 2, max: 4, undefOK: true, fn: func(x *executor, a []*value) *value {
		return x.vectorDistance(&expr{op: opCall, upper: vectorDistanceName}, a)
	}}
}

// isVectorDistance reports a VectorDistance call.
func isVectorDistance(e *expr) bool {
	return e != nil && e.op == opCall && e.upper == vectorDistanceName
}

// vectorPath is the container path ("/a/b") that e reads relative to the
// document root (c.a.b, c["a"]["b"]), or "" when e is not such a path.
func vectorPath(e *expr) string {
	var segs []string
	for ; e != nil; e = e.args[0] {
		switch e.op {
		case opProp:
			segs = append(segs, e.name)
			continue
		case opIdent:
			if len(segs) == 0 {
				return ""
			}
			var sb strings.Builder
			for i := len(segs) - 1; i >= 0; i-- {
				sb.WriteByte('/')
				sb.WriteString(segs[i])
			}
			return sb.String()
		}
		return ""
	}
	return ""
}

// vectorSettingsFor works out the distance function and data type of a
// VectorDistance call: its options argument, else the policy entry for the
// path of its first argument (or of its second, when the first is a
// literal vector), else cosine and float32. opts is the evaluated options
// argument (nil when absent). An unusable options object is a *QueryError.
func (x *executor) vectorSettingsFor(e *expr, opts *value) (vectorSettings, error) {
	s := vectorSettings{dist: distCosine, typ: vecFloat32}
	for _, a := range e.args[:min(2, len(e.args))] {
		p := vectorPath(a)
		if p == "" {
			continue
		}
		for _, ve := range x.vectors.Embeddings {
			if ve.Path != p {
				continue
			}
			if d, ok := parseDistanceFunction(ve.DistanceFunction); ok {
				s.dist = d
			}
			if t, ok := parseVectorDataType(ve.DataType); ok {
				s.typ = t
			}
		}
		break
	}
	if opts == nil {
		return s, nil
	}
	if opts.kind != kindObject {
		return s, queryErrorf("The fourth argument of VectorDistance must be an object literal such as {\"distanceFunction\": \"cosine\", \"dataType\": \"float32\"}.")
	}
	for i, k := range opts.keys {
		v := opts.vals[i]
		switch strings.ToLower(k) {
		case "distancefunction":
			d, ok := distanceFunction(0), false
			if v != nil && v.kind == kindString {
				d, ok = parseDistanceFunction(v.str)
			}
			if !ok {
				return s, queryErrorf("VectorDistance: distanceFunction %s is not supported; use \"cosine\", \"dotproduct\" or \"euclidean\".", toJSON(v))
			}
			s.dist = d
		case "datatype":
			t, ok := vectorDataType(0), false
			if v != nil && v.kind == kindString {
				t, ok = parseVectorDataType(v.str)
			}
			if !ok {
				return s, queryErrorf("VectorDistance: dataType %s is not supported; use \"float32\", \"float16\", \"int8\" or \"uint8\".", toJSON(v))
			}
			s.typ = t
		case "searchlistsizemultiplier", "quantizedvectorlistmultiplier", "filterpriority":
			// Index tuning: the sandbox always computes exact distances.
		default:
			return s, queryErrorf("VectorDistance: unknown option %q; valid options are distanceFunction, dataType, searchListSizeMultiplier, quantizedVectorListMultiplier and filterPriority.", k)
		}
	}
	return s, nil
}

// vectorDistance evaluates VectorDistance(a, b[, bruteForce[, options]]).
// Vectors that are not flat arrays of numbers of equal length give
// undefined (the documentation: no score and no error); a bruteForce flag
// that is not a boolean, or bad options, fail the query.
func (x *executor) vectorDistance(e *expr, args []*value) *value {
	if len(args) < 2 || len(args) > 4 {
		return nil
	}
	if len(args) >= 3 && (args[2] == nil || args[2].kind != kindBool) {
		x.fail(queryErrorf("The third argument of VectorDistance (bruteForce) must be a boolean."))
		return nil
	}
	var opts *value
	if len(args) == 4 {
		if opts = args[3]; opts == nil {
			x.fail(queryErrorf("The fourth argument of VectorDistance must be an object literal such as {\"distanceFunction\": \"cosine\"}."))
			return nil
		}
	}
	s, err := x.vectorSettingsFor(e, opts)
	if err != nil {
		x.fail(err)
		return nil
	}
	a, okA := vectorComponents(args[0], s.typ)
	b, okB := vectorComponents(args[1], s.typ)
	if !okA || !okB || len(a) != len(b) || len(a) == 0 {
		return nil
	}
	var dot, na, nb, sq float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
		d := a[i] - b[i]
		sq += d * d
	}
	var r float64
	switch s.dist {
	case distCosine:
		if na == 0 || nb == 0 {
			return nil
		}
		r = dot / (math.Sqrt(na) * math.Sqrt(nb))
	case distDotProduct:
		r = dot
	default:
		r = math.Sqrt(sq)
	}
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return nil
	}
	return numVal(r)
}

// vectorComponents reads a vector as its data type stores it: float32 (and,
// approximately, float16) components are rounded to float32; int8/uint8
// components must be integers in range.
func vectorComponents(v *value, t vectorDataType) ([]float64, bool) {
	if v == nil || v.kind != kindArray {
		return nil, false
	}
	out := make([]float64, len(v.arr))
	for i, el := range v.arr {
		if el == nil || el.kind != kindNumber {
			return nil, false
		}
		f := el.num
		switch t {
		case vecFloat32, vecFloat16:
			f = float64(float32(f))
		case vecInt8:
			if f != math.Trunc(f) || f < -128 || f > 127 {
				return nil, false
			}
		case vecUint8:
			if f != math.Trunc(f) || f < 0 || f > 255 {
				return nil, false
			}
		}
		out[i] = f
	}
	return out, true
}

// fail records the first error of an execution; the row loops stop at the
// next tick.
func (x *executor) fail(err error) {
	if x.err == nil {
		x.err = err
	}
}

// orderDescending gives, for each ORDER BY item of q, whether it sorts
// descending: as written, except that an ORDER BY VectorDistance sorts
// closest first by the call's distance function (descending for cosine and
// dot product, ascending for euclidean).
func (x *executor) orderDescending(q *Query) ([]bool, error) {
	out := make([]bool, len(q.orderBy))
	for i, o := range q.orderBy {
		out[i] = o.desc
		if !isVectorDistance(o.e) {
			continue
		}
		var opts *value
		if len(o.e.args) == 4 {
			// Options are an object literal (or a parameter): constant per query.
			opts = x.eval(o.e.args[3], &env{})
		}
		s, err := x.vectorSettingsFor(o.e, opts)
		if err != nil {
			return nil, err
		}
		out[i] = s.dist.closestFirstDescending()
	}
	return out, nil
}

// hasVectorOrderBy: an ORDER BY VectorDistance needs every range drained
// before the first row is known (hasNonStreamingOrderBy in the plan).
func (q *Query) hasVectorOrderBy() bool {
	for _, o := range q.orderBy {
		if isVectorDistance(o.e) {
			return true
		}
	}
	return false
}

// checkVectorOrderBy refuses ORDER BY VectorDistance(…) ASC|DESC as the
// service does: the direction comes from the distance function.
func checkVectorOrderBy(q *Query) error {
	for _, o := range q.orderBy {
		if o.explicit && isVectorDistance(o.e) {
			return &QueryError{Message: "Specifying a sorting order (ASC or DESC) with VectorDistance function is not supported."}
		}
	}
	for _, f := range q.from {
		if f.sub != nil {
			if err := checkVectorOrderBy(f.sub); err != nil {
				return err
			}
		}
	}
	return nil
}
