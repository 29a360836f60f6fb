package bind

import (
	"slices"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"riffle/planner/logical"
	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// join binds a JOIN (or a comma join, which is an inner join whose
// condition the WHERE clause gives: see foldWhere).
func (b *Binder) join(j *ast.Join) (logical.Node, *scope, error) {
	left, lsc, err := b.fromItem(j.Left)
	if err != nil {
		return nil, nil, err
	}
	if rts, ok := j.Right.(*ast.TableSource); ok {
		if t := b.temporalOf(rts); t != nil {
			return b.temporalJoin(j, left, lsc, rts, t)
		}
	}
	right, rsc, err := b.fromItem(j.Right)
	if err != nil {
		return nil, nil, err
	}
	kind := logical.InnerJoin
	switch j.Tp {
	case ast.LeftJoin:
		kind = logical.LeftJoin
	case ast.RightJoin:
		kind = logical.RightJoin
	}
	var cond ast.ExprNode
	if j.On != nil {
		cond = j.On.Expr
		if f, ok := cond.(*ast.FuncCallExpr); ok && kind == logical.LeftJoin && len(f.Args) == 1 &&
			len(f.FnName.L) > len(parse.FullJoinPrefix) && f.FnName.L[:len(parse.FullJoinPrefix)] == parse.FullJoinPrefix {
			kind, cond = logical.FullJoin, f.Args[0] // FULL JOIN reaches TiDB as LEFT JOIN … ON __riffle_full_join_N(cond)
		}
	}
	if j.NaturalJoin {
		e := b.Src.Errorf(max(b.Src.Find("NATURAL", 0), 0), sqlerr.FeatureNotSupported, "NATURAL JOIN is not supported")
		return nil, nil, e.WithHint("write the condition with ON or USING")
	}
	sc := concat(lsc, rsc)
	on, err := b.joinCondition(cond, j.Using, lsc, rsc, sc)
	if err != nil {
		return nil, nil, err
	}
	if kind != logical.InnerJoin && on == nil {
		return nil, nil, b.Src.Errorf(max(b.nodePos(j), 0), sqlerr.SyntaxError, "an outer join needs a join condition (ON or USING)")
	}
	return b.makeJoin(kind, left, right, on), sc, nil
}

// joinCondition binds ON cond, or USING (cols) as equalities; USING hides
// the right-hand copies from unqualified names, as in PostgreSQL.
func (b *Binder) joinCondition(cond ast.ExprNode, using []*ast.ColumnName, lsc, rsc, sc *scope) (scalar.Expr, error) {
	if cond != nil {
		e, err := b.expr(cond, sc)
		if err != nil {
			return nil, err
		}
		if e.Type().ID != types.Boolean && e.Type().ID != types.Unknown {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch,
				"argument of JOIN/ON must be type BOOLEAN, not type %s", e.Type()), cond)
		}
		return scalar.NewCast(e, types.TBoolean), nil
	}
	var eqs []scalar.Expr
	for _, c := range using {
		li, ri := lsc.lookup("", c.Name.O), rsc.lookup("", c.Name.O)
		if li < 0 || ri < 0 {
			return nil, b.errAt(c.Name.O, sqlerr.UndefinedColumn, "column %q specified in USING clause does not exist in both tables", c.Name.O)
		}
		ri += len(lsc.cols)
		l := &scalar.ColRef{Idx: li, Name: sc.cols[li].name, T: sc.cols[li].typ}
		r := &scalar.ColRef{Idx: ri, Name: sc.cols[ri].name, T: sc.cols[ri].typ}
		eq, err := scalar.Resolve("=", []scalar.Expr{l, r})
		if err != nil {
			return nil, b.errAt(c.Name.O, sqlerr.DatatypeMismatch, "%v", err)
		}
		eqs = append(eqs, eq)
		sc.cols[ri].hidden = true
	}
	return and(eqs), nil
}

// makeJoin builds a Join with its equi-keys and interval bounds taken from
// the condition.
func (b *Binder) makeJoin(kind logical.JoinKind, left, right logical.Node, on scalar.Expr) *logical.Join {
	j := &logical.Join{Kind: kind, Left: left, Right: right, On: on}
	ls, rs := left.Schema(), right.Schema()
	j.Out.Columns = append(append([]types.Column{}, ls.Columns...), rs.Columns...)
	for i := range j.Out.Columns {
		j.Out.Columns[i].Nullable = true
	}
	if kind == logical.SemiJoin || kind == logical.AntiJoin {
		j.Out = ls
	}
	if on != nil {
		j.LeftKeys, j.RightKeys, j.NullSafe, j.Residual = equiKeys(on, ls.Len())
		if left.Props().Changelog == logical.AppendOnly && right.Props().Changelog == logical.AppendOnly {
			// Time bounds can drop rows as the watermark passes only when
			// no row is ever retracted later.
			j.Interval = intervalBounds(on, ls.Len(), logical.TimeAttrs(left), logical.TimeAttrs(right))
		}
	}
	return j
}

// equiKeys finds the conjuncts l = r (or l IS NOT DISTINCT FROM r, a key
// under which NULLs match) with l over the left columns and r over the
// right ones (rebased to the right input); the other conjuncts are the
// residual condition (nil when there are none).
func equiKeys(on scalar.Expr, width int) (lk, rk []scalar.Expr, nullSafe []bool, residual scalar.Expr) {
	var rest []scalar.Expr
	for _, c := range conjuncts(on) {
		call, ok := c.(*scalar.Call)
		if !ok || (call.Fn != "=" && call.Fn != "is_not_distinct_from") || len(call.Args) != 2 {
			rest = append(rest, c)
			continue
		}
		a, z := call.Args[0], call.Args[1]
		alo, ahi := colRange(a)
		zlo, zhi := colRange(z)
		if alo < 0 || zlo < 0 {
			rest = append(rest, c)
			continue
		}
		if alo >= width && zhi < width {
			a, z, alo, ahi, zlo, zhi = z, a, zlo, zhi, alo, ahi
		}
		if ahi < width && zlo >= width {
			lk = append(lk, a)
			rk = append(rk, mapCols(z, func(i int) int { return i - width }))
			nullSafe = append(nullSafe, call.Fn == "is_not_distinct_from")
			continue
		}
		rest = append(rest, c)
	}
	return lk, rk, nullSafe, and(rest)
}

// timeOffset reads e as a time column plus a constant day-time interval:
// col, col + INTERVAL, col - INTERVAL.
func timeOffset(e scalar.Expr) (col int, off int64, ok bool) {
	if c, isCast := e.(*scalar.Cast); isCast && c.Arg.Type().ID == c.T.ID {
		e = c.Arg
	}
	switch e := e.(type) {
	case *scalar.ColRef:
		return e.Idx, 0, true
	case *scalar.Call:
		if (e.Fn != "+" && e.Fn != "-") || len(e.Args) != 2 {
			return 0, 0, false
		}
		k, isConst := e.Args[1].(*scalar.Const)
		if !isConst || k.T.ID != types.IntervalDT || k.V.IsNull() {
			return 0, 0, false
		}
		col, off, ok = timeOffset(e.Args[0])
		if e.Fn == "-" {
			return col, off - k.V.Int(), ok
		}
		return col, off + k.V.Int(), ok
	}
	return 0, 0, false
}

// intervalBounds recognises an interval join: conjuncts that bound a right
// time attribute by a left one (r.t BETWEEN l.t - a AND l.t + b,
// l.t >= r.t - a, …), with both a lower and an upper bound.
func intervalBounds(on scalar.Expr, width int, lt, rt []int) *logical.IntervalBounds {
	var lower, upper *int64
	var lcol, rcol = -1, -1
	// bound records lhs op rhs, op one of >=, >, <=, <.
	bound := func(lhs, rhs scalar.Expr, op string) {
		lc, lo, ok1 := timeOffset(lhs)
		rc, ro, ok2 := timeOffset(rhs)
		if !ok1 || !ok2 {
			return
		}
		if lc < width && rc >= width { // flip so that the right column is on the left
			lhs, rhs = rhs, lhs
			lc, lo, rc, ro = rc, ro, lc, lo
			op = map[string]string{">=": "<=", ">": "<", "<=": ">=", "<": ">"}[op]
		}
		if lc < width || rc >= width || !slices.Contains(rt, lc-width) || !slices.Contains(lt, rc) {
			return
		}
		if (lcol >= 0 && lcol != rc) || (rcol >= 0 && rcol != lc-width) {
			return
		}
		lcol, rcol = rc, lc-width
		// right + lo  op  left + ro  ⇒  right op left + (ro - lo)
		d := ro - lo
		switch op {
		case ">":
			d++
			fallthrough
		case ">=":
			lower = &d
		case "<":
			d--
			fallthrough
		case "<=":
			upper = &d
		}
	}
	for _, c := range conjuncts(on) {
		call, ok := c.(*scalar.Call)
		if !ok {
			continue
		}
		switch {
		case call.Fn == "between" && len(call.Args) == 3:
			bound(call.Args[0], call.Args[1], ">=")
			bound(call.Args[0], call.Args[2], "<=")
		case len(call.Args) == 2 && (call.Fn == ">=" || call.Fn == ">" || call.Fn == "<=" || call.Fn == "<"):
			bound(call.Args[0], call.Args[1], call.Fn)
		}
	}
	if lower == nil || upper == nil {
		return nil
	}
	return &logical.IntervalBounds{LeftTime: lcol, RightTime: rcol, Lower: *lower, Upper: *upper}
}

// foldWhere makes WHERE the condition of an inner join at the top of FROM
// (a comma join, or JOIN … ON with more conditions in WHERE), so that its
// equalities become join keys and its time bounds an interval join.
func (b *Binder) foldWhere(in logical.Node, pred scalar.Expr) (logical.Node, bool) {
	j, ok := in.(*logical.Join)
	if !ok || j.Kind != logical.InnerJoin {
		return in, false
	}
	out := in
	for _, c := range conjuncts(pred) {
		out = b.pushDown(out, c)
	}
	return out, true
}

// pushDown puts condition c, over n's columns, into the lowest inner join
// of n whose inputs it reads both of, or on top of the input it reads
// alone: a comma join of many tables (pgjdbc's, psql's) then joins each
// table on its own condition instead of forming their cross product.
func (b *Binder) pushDown(n logical.Node, c scalar.Expr) logical.Node {
	j, ok := n.(*logical.Join)
	if !ok || j.Kind != logical.InnerJoin {
		if f, ok := n.(*logical.Filter); ok {
			return &logical.Filter{Input: f.Input, Pred: and([]scalar.Expr{f.Pred, c})}
		}
		return &logical.Filter{Input: n, Pred: c}
	}
	width := j.Left.Schema().Len()
	lo, hi := colRange(c)
	switch {
	case lo >= 0 && hi < width:
		return b.makeJoin(j.Kind, b.pushDown(j.Left, c), j.Right, j.On)
	case lo >= width:
		right := b.pushDown(j.Right, mapCols(c, func(i int) int { return i - width }))
		return b.makeJoin(j.Kind, j.Left, right, j.On)
	}
	on := c
	if j.On != nil {
		on = and([]scalar.Expr{j.On, c})
	}
	return b.makeJoin(j.Kind, j.Left, j.Right, on)
}

// temporalOf finds the FOR SYSTEM_TIME AS OF clause of a table reference.
func (b *Binder) temporalOf(ts *ast.TableSource) *parse.TemporalJoin {
	for _, t := range b.Src.Ext.Temporal {
		if t.Source == ts {
			return t
		}
	}
	return nil
}

// temporalJoin binds JOIN r FOR SYSTEM_TIME AS OF l.t [AS alias] ON ….
func (b *Binder) temporalJoin(j *ast.Join, left logical.Node, lsc *scope, rts *ast.TableSource, t *parse.TemporalJoin) (logical.Node, *scope, error) {
	kind := logical.InnerJoin
	switch {
	case j.Tp == ast.LeftJoin:
		kind = logical.LeftJoin
	case j.Tp == ast.RightJoin:
		return nil, nil, b.Src.Errorf(t.Pos, sqlerr.FeatureNotSupported, "a temporal join is INNER or LEFT").
			WithHint("put the versioned table on the right of a JOIN or LEFT JOIN")
	case j.On == nil:
		return nil, nil, b.Src.Errorf(t.Pos, sqlerr.SyntaxError, "a temporal join needs an ON condition with an equality on the versioned table's key")
	}
	right, rsc, err := b.tableSource(rts)
	if err != nil {
		return nil, nil, err
	}
	at, err := b.expr(t.Time.Node, lsc)
	if err != nil {
		return nil, nil, err
	}
	if id := at.Type().ID; id != types.Timestamp && id != types.TimestampLTZ {
		return nil, nil, b.Src.Errorf(t.Pos, sqlerr.DatatypeMismatch,
			"FOR SYSTEM_TIME AS OF takes a timestamp, not %s", at.Type())
	}
	sc := concat(lsc, rsc)
	on, err := b.joinCondition(j.On.Expr, nil, lsc, rsc, sc)
	if err != nil {
		return nil, nil, err
	}
	tj := &logical.TemporalJoin{Kind: kind, Left: left, Right: right, Time: at, On: on}
	tj.LeftKeys, tj.RightKeys, _, _ = equiKeys(on, left.Schema().Len())
	if len(tj.LeftKeys) == 0 {
		return nil, nil, b.Src.Errorf(t.Pos, sqlerr.FeatureNotSupported,
			"a temporal join needs an equality between the two sides in its ON condition")
	}
	tj.Out.Columns = append(append([]types.Column{}, left.Schema().Columns...), right.Schema().Columns...)
	return tj, sc, nil
}
