package bind

import (
	"strconv"
	"strings"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// maxGroupingSets bounds how many grouping sets a GROUP BY may expand to
// (a CUBE of n expressions has 2^n), as PostgreSQL bounds CUBE to 12.
const maxGroupingSets = 4096

// hasGroupingSets reports whether a GROUP BY uses GROUPING SETS, ROLLUP or
// CUBE (the dialect layer's placeholder calls), or WITH ROLLUP.
func hasGroupingSets(g *ast.GroupByClause) bool {
	if g.Rollup {
		return true
	}
	for _, it := range g.Items {
		if _, ok := groupingCall(it.Expr); ok {
			return true
		}
	}
	return false
}

// groupingCall returns the placeholder name of a grouping construct.
func groupingCall(e ast.ExprNode) (string, bool) {
	f, ok := e.(*ast.FuncCallExpr)
	if !ok {
		return "", false
	}
	switch f.FnName.L {
	case parse.RollupFunc, parse.CubeFunc, parse.GroupingSetsFunc, parse.GroupingSetFunc:
		return f.FnName.L, true
	}
	return "", false
}

// groupingSetsBy binds a GROUP BY with grouping sets: the distinct group
// expressions, the sets (the cross product of the items' sets), and the
// GROUPING() calls of the query, into a GroupingSets node under the
// aggregate. The aggregate groups by its group columns, the set number and
// the GROUPING() columns (ctx.groups), so each set's groups stay apart.
func (b *Binder) groupingSetsBy(s *ast.SelectStmt, sc *scope, in logical.Node, ctx *aggContext) error {
	g := &logical.GroupingSets{Input: in}
	var keys []string
	add := func(e ast.ExprNode) (int, error) {
		if f, ok := e.(*ast.FuncCallExpr); ok && strings.HasPrefix(f.FnName.L, parse.GroupWindowPrefix) {
			return 0, b.notYet(s, "group windows with grouping sets are", "group by window_start and window_end of a window table function")
		}
		x, err := b.groupItem(e, s.Fields, sc)
		if err != nil {
			return 0, err
		}
		for i, k := range keys {
			if k == x.String() {
				return i, nil
			}
		}
		keys, g.Groups = append(keys, x.String()), append(g.Groups, x)
		return len(g.Groups) - 1, nil
	}
	var sets [][]int
	if s.GroupBy.Rollup {
		var elems [][]int
		for _, it := range s.GroupBy.Items {
			i, err := add(it.Expr)
			if err != nil {
				return err
			}
			elems = append(elems, []int{i})
		}
		sets = rollup(elems)
	} else {
		sets = [][]int{{}}
		for _, it := range s.GroupBy.Items {
			item, err := b.itemSets(it.Expr, add)
			if err != nil {
				return err
			}
			var next [][]int
			for _, a := range sets {
				for _, z := range item {
					next = append(next, union(a, z))
				}
			}
			if len(next) > maxGroupingSets {
				return b.position(sqlerr.New(sqlerr.ProgramLimitExceeded, "too many grouping sets present"), it.Expr)
			}
			sets = next
		}
	}
	g.Sets = sets
	width := in.Schema().Len()
	g.Out.Columns = append([]types.Column{}, in.Schema().Columns...)
	for i, e := range g.Groups {
		name := groupName(e, i)
		g.Out.Columns = append(g.Out.Columns, types.Column{Name: name, Type: e.Type(), Nullable: true})
		ctx.groups = append(ctx.groups, &scalar.ColRef{Idx: width + i, Name: name, T: e.Type()})
		ctx.groupKeys = append(ctx.groupKeys, keys[i])
	}
	ctx.groupExprs = len(g.Groups)
	// The set number keeps apart sets that give the same rows (the same
	// set twice, or (a) and (a, b) where b is NULL).
	g.Out.Columns = append(g.Out.Columns, types.Column{Name: "grouping_set", Type: types.TBigInt})
	ctx.groups = append(ctx.groups, &scalar.ColRef{Idx: width + len(g.Groups), Name: "grouping_set", T: types.TBigInt})
	ctx.groupKeys = append(ctx.groupKeys, "\x00grouping set")
	calls, err := b.groupingCalls(s, sc, keys)
	if err != nil {
		return err
	}
	ctx.grouping = map[string]int{}
	for _, args := range calls {
		key := argKey(args)
		if _, ok := ctx.grouping[key]; ok {
			continue
		}
		ctx.grouping[key] = len(ctx.groups)
		g.Grouping = append(g.Grouping, args)
		g.Out.Columns = append(g.Out.Columns, types.Column{Name: "grouping", Type: types.TBigInt})
		ctx.groups = append(ctx.groups, &scalar.ColRef{Idx: g.Out.Len() - 1, Name: "grouping", T: types.TBigInt})
		ctx.groupKeys = append(ctx.groupKeys, "\x00grouping "+key)
	}
	ctx.sets = g
	return nil
}

// itemSets is the list of grouping sets one GROUP BY item stands for: an
// expression is one set of it; ROLLUP (a, b) is (a, b), (a), (); CUBE
// (a, b) every subset; GROUPING SETS the sets of its elements, in order.
// A parenthesised list is one element of several expressions.
func (b *Binder) itemSets(e ast.ExprNode, add func(ast.ExprNode) (int, error)) ([][]int, error) {
	name, ok := groupingCall(e)
	if !ok {
		i, err := add(e)
		return [][]int{{i}}, err
	}
	f := e.(*ast.FuncCallExpr)
	elem := func(a ast.ExprNode) ([]int, error) {
		inner, isCall := a.(*ast.FuncCallExpr)
		if !isCall || inner.FnName.L != parse.GroupingSetFunc {
			i, err := add(a)
			return []int{i}, err
		}
		var set []int
		for _, x := range inner.Args {
			i, err := add(x)
			if err != nil {
				return nil, err
			}
			set = union(set, []int{i})
		}
		return set, nil
	}
	var elems [][]int
	if name != parse.GroupingSetsFunc {
		for _, a := range f.Args {
			set, err := elem(a)
			if err != nil {
				return nil, err
			}
			elems = append(elems, set)
		}
	}
	switch name {
	case parse.GroupingSetFunc:
		var set []int
		for _, x := range elems {
			set = union(set, x)
		}
		return [][]int{set}, nil
	case parse.RollupFunc:
		return rollup(elems), nil
	case parse.CubeFunc:
		if len(elems) > 12 {
			return nil, b.position(sqlerr.New(sqlerr.ProgramLimitExceeded, "CUBE is limited to 12 elements"), e)
		}
		var sets [][]int
		for mask := (1 << len(elems)) - 1; mask >= 0; mask-- {
			var set []int
			for i, x := range elems {
				if mask&(1<<(len(elems)-1-i)) != 0 {
					set = union(set, x)
				}
			}
			sets = append(sets, set)
		}
		return sets, nil
	}
	var sets [][]int
	for _, a := range f.Args {
		if _, nested := groupingCall(a); nested {
			more, err := b.itemSets(a, add)
			if err != nil {
				return nil, err
			}
			sets = append(sets, more...)
			continue
		}
		set, err := elem(a)
		if err != nil {
			return nil, err
		}
		sets = append(sets, set)
	}
	return sets, nil
}

// rollup is ROLLUP's sets: every prefix of elems, longest first.
func rollup(elems [][]int) [][]int {
	var sets [][]int
	for n := len(elems); n >= 0; n-- {
		var set []int
		for _, x := range elems[:n] {
			set = union(set, x)
		}
		sets = append(sets, set)
	}
	return sets
}

// union is a followed by the members of z not in a.
func union(a, z []int) []int {
	out := append([]int{}, a...)
	for _, x := range z {
		found := false
		for _, y := range out {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

func argKey(args []int) string {
	var sb strings.Builder
	for i, a := range args {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(a))
	}
	return sb.String()
}

// groupingCalls finds the GROUPING() and GROUPING_ID() calls of the select
// list, HAVING and ORDER BY, and binds each one's arguments to the group
// expressions they name (keys).
func (b *Binder) groupingCalls(s *ast.SelectStmt, sc *scope, keys []string) ([][]int, error) {
	v := &groupingFinder{}
	for _, f := range s.Fields.Fields {
		if f.Expr != nil {
			f.Expr.Accept(v)
		}
	}
	if s.Having != nil {
		s.Having.Expr.Accept(v)
	}
	if s.OrderBy != nil {
		for _, it := range s.OrderBy.Items {
			it.Expr.Accept(v)
		}
	}
	var out [][]int
	for _, f := range v.calls {
		args, err := b.groupingArgs(f, sc, keys)
		if err != nil {
			return nil, err
		}
		out = append(out, args)
	}
	return out, nil
}

// groupingArgs binds a GROUPING() call's arguments over the input and
// finds each among the group expressions; as in PostgreSQL, anything else
// is an error.
func (b *Binder) groupingArgs(f *ast.FuncCallExpr, sc *scope, keys []string) ([]int, error) {
	if len(f.Args) == 0 {
		return nil, b.position(sqlerr.New(sqlerr.SyntaxError, "%s needs at least one argument", strings.ToUpper(f.FnName.O)), f)
	}
	var args []int
	for _, a := range f.Args {
		e, err := b.expr(a, sc)
		if err != nil {
			return nil, err
		}
		at := -1
		for i, k := range keys {
			if k == e.String() {
				at = i
			}
		}
		if at < 0 {
			return nil, b.position(sqlerr.New(sqlerr.GroupingError,
				"arguments to GROUPING must be grouping expressions of the associated query level"), a)
		}
		args = append(args, at)
	}
	return args, nil
}

// grouping binds a GROUPING() call in an aggregating query: its column of
// the GroupingSets, or 0 under a plain GROUP BY, where no column is ever
// rolled up.
func (b *Binder) grouping(f *ast.FuncCallExpr) (scalar.Expr, error) {
	ctx := b.agg
	ctx.inAgg = true
	args, err := b.groupingArgs(f, ctx.input, ctx.groupKeys[:ctx.groupExprs])
	ctx.inAgg = false
	if err != nil {
		return nil, err
	}
	if ctx.sets == nil {
		return &scalar.Const{V: types.NewInt(0), T: types.TBigInt}, nil
	}
	i, ok := ctx.grouping[argKey(args)]
	if !ok {
		return nil, b.position(sqlerr.New(sqlerr.GroupingError, "GROUPING is not allowed here"), f)
	}
	return &scalar.ColRef{Idx: i, Name: "grouping", T: types.TBigInt}, nil
}

// isGrouping reports whether a call is GROUPING() or GROUPING_ID().
func isGrouping(f *ast.FuncCallExpr) bool {
	return f.FnName.L == "grouping" || f.FnName.L == "grouping_id"
}

// groupingFinder collects GROUPING() calls outside subqueries.
type groupingFinder struct{ calls []*ast.FuncCallExpr }

func (v *groupingFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.FuncCallExpr:
		if isGrouping(n) {
			v.calls = append(v.calls, n)
			return n, true
		}
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, false
}

func (v *groupingFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }
