package engine

// exprOp is the kind of an expression node.
type exprOp uint8

const (
	opLit       exprOp = iota + 1 // lit
	opParam                       // name ("@x")
	opIdent                       // name: a FROM alias
	opProp                        // args[0].name
	opIndex                       // args[0][args[1]]
	opCall                        // name(args...)
	opAgg                         // aggregate name(args[0]); aggIdx set by the planner
	opUnary                       // op args[0]
	opBinary                      // args[0] op args[1]
	opAnd                         // args[0] AND args[1]
	opOr                          // args[0] OR args[1]
	opNot                         // NOT args[0]
	opIn                          // args[0] IN (args[1:]...); not => NOT IN
	opBetween                     // args[0] BETWEEN args[1] AND args[2]; not => NOT BETWEEN
	opLike                        // args[0] LIKE args[1] [ESCAPE args[2]]; not => NOT LIKE
	opTernary                     // args[0] ? args[1] : args[2]
	opCoalesce                    // args[0] ?? args[1]
	opArray                       // [args...]
	opObject                      // {keys[i]: args[i]}
	opExists                      // EXISTS(sub)
	opArraySub                    // ARRAY(sub)
	opScalarSub                   // (sub)
	opFirstSub                    // FIRST(sub)
	opLastSub                     // LAST(sub)
	opAllSub                      // ALL(sub)
)

type expr struct {
	op      exprOp
	lit     *value
	name    string // identifier, property, function (as written), parameter, operator
	upper   string // upper-case function name for opCall/opAgg
	args    []*expr
	keys    []string
	sub     *Query
	not     bool
	aggIdx  int
	bracket bool // opProp written as ["name"]
	start   int
	end     int
}

type selItem struct {
	e     *expr
	alias string // explicit alias, or "" when inferred
	name  string // output property name (alias, inferred, or $n)
}

// fromSource is one input set: the container (first), or a JOIN.
type fromSource struct {
	alias string
	// in: "alias IN expr" iterates the elements of expr.
	in bool
	// e is evaluated in the scope of previous sources; for the first source
	// its root identifier names the container, bound to the document.
	e   *expr
	sub *Query // JOIN (subquery) AS x — iterates the subquery's rows
	// containerName is the first source's container identifier ("c", "root", ...).
	containerName string
}

type orderItem struct {
	e        *expr
	desc     bool
	explicit bool // ASC or DESC was written
}

// Query is a parsed query.
type Query struct {
	text        string
	distinct    bool
	top         *expr
	star        bool
	starAt      int // byte offset of the '*' of SELECT * (error locations)
	selectValue bool
	items       []selItem
	from        []fromSource
	where       *expr
	groupBy     []*expr
	orderBy     []orderItem
	offset      *expr
	limit       *expr

	aggs   []*expr // aggregate nodes in SELECT (and ORDER BY), indexed by aggIdx
	hasAgg bool
	outer  *Query // enclosing query for subqueries
}
