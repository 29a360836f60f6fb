package bind

import (
	"math"
	"strconv"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// binaryOps maps the TiDB operator codes riffle supports to the canonical
// function names of scalar.Resolve.
var binaryOps = map[opcode.Op]string{
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
	opcode.IntDiv: "div", opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.LE: "<=",
	opcode.GT: ">", opcode.GE: ">=", opcode.LogicAnd: "and", opcode.LogicOr: "or",
	opcode.LogicXor: "xor", opcode.NullEQ: "is_not_distinct_from",
	opcode.And: "&", opcode.Or: "|", opcode.LeftShift: "<<", opcode.RightShift: ">>",
}

// expr binds an expression in scope sc.
func (b *Binder) expr(n ast.ExprNode, sc *scope) (scalar.Expr, error) {
	if b.agg != nil && !b.agg.inAgg {
		if e, ok, err := b.aggExpr(n); ok || err != nil {
			return e, err
		}
	}
	switch n := n.(type) {
	case *ast.ParenthesesExpr:
		return b.expr(n.Expr, sc)
	case *ast.ColumnNameExpr:
		return b.column(n.Name, sc)
	case *driver.ValueExpr:
		return b.literal(n)
	case *ast.BinaryOperationExpr:
		fn, ok := binaryOps[n.Op]
		if n.Op == opcode.NullEQ && b.Src.Ext.DistinctFrom[n] {
			fn = "is_distinct_from" // the layer wrote IS DISTINCT FROM as <=>
		}
		if !ok {
			return nil, b.unsupported(n, "operator "+n.Op.String())
		}
		return b.call(n, fn, sc, n.L, n.R)
	case *ast.UnaryOperationExpr:
		switch n.Op {
		case opcode.Minus:
			if c, ok := negativeLiteral(n.V); ok {
				return c, nil
			}
			return b.call(n, "neg", sc, n.V)
		case opcode.Plus:
			return b.expr(n.V, sc)
		case opcode.Not, opcode.Not2:
			return b.call(n, "not", sc, n.V)
		}
		return nil, b.unsupported(n, "operator "+n.Op.String())
	case *ast.IsNullExpr:
		return b.call(n, pick(n.Not, "is_not_null", "is_null"), sc, n.Expr)
	case *ast.IsTruthExpr:
		fn := pick(n.True != 0, "is_true", "is_false")
		if n.Not {
			fn = pick(n.True != 0, "is_not_true", "is_not_false")
		}
		return b.call(n, fn, sc, n.Expr)
	case *ast.PatternLikeOrIlikeExpr:
		fn := pick(n.IsLike, "like", "ilike")
		if n.Escape != '\\' {
			// like takes the escape character as its third argument.
			esc := ast.NewValueExpr(string(rune(n.Escape)), "", "")
			return b.negate(n.Not, n, fn, sc, n.Expr, n.Pattern, esc)
		}
		return b.negate(n.Not, n, fn, sc, n.Expr, n.Pattern)
	case *ast.PatternInExpr:
		if n.Sel != nil {
			return b.valueSubquery(n, sc)
		}
		if f, ok := anyArray(n); ok {
			// x = ANY(arr), which the dialect layer wrote as an IN.
			return b.negate(n.Not, n, "any_eq", sc, n.Expr, f.Args[0])
		}
		return b.negate(n.Not, n, "in", sc, append([]ast.ExprNode{n.Expr}, n.List...)...)
	case *ast.PatternRegexpExpr:
		return b.regexp(n, sc)
	case *ast.BetweenExpr:
		return b.negate(n.Not, n, "between", sc, n.Expr, n.Left, n.Right)
	case *ast.CaseExpr:
		return b.caseExpr(n, sc)
	case *ast.FuncCallExpr:
		return b.funcCall(n, sc)
	case *ast.FuncCastExpr:
		return nil, b.unsupported(n, "this form of CAST")
	case *ast.AggregateFuncExpr:
		if b.agg != nil {
			return b.aggCall(n, nil)
		}
		return nil, b.position(sqlerr.New(sqlerr.GroupingError, "aggregate functions are not allowed here"), n)
	case *ast.WindowFuncExpr:
		if e, ok := b.overRef(n); ok {
			return e, nil
		}
		return nil, b.notYet(n, "window function "+strings.ToUpper(n.Name)+" here is", "arrives later; OVER windows are supported in the select list of a query without GROUP BY")
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr:
		return b.valueSubquery(n, sc)
	}
	return nil, b.unsupported(n, "this expression")
}

// anyArray reports whether an IN list is the placeholder of x = ANY(arr).
func anyArray(n *ast.PatternInExpr) (*ast.FuncCallExpr, bool) {
	if len(n.List) != 1 {
		return nil, false
	}
	f, ok := n.List[0].(*ast.FuncCallExpr)
	return f, ok && f.FnName.L == parse.AnyArrayFunc && len(f.Args) == 1
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// call binds args and resolves fn over them.
func (b *Binder) call(at ast.Node, fn string, sc *scope, args ...ast.ExprNode) (scalar.Expr, error) {
	bound := make([]scalar.Expr, len(args))
	for i, a := range args {
		e, err := b.expr(a, sc)
		if err != nil {
			return nil, err
		}
		bound[i] = e
	}
	e, err := scalar.Resolve(fn, bound)
	if e2, ok := sqlerr.As(err); ok && e2.Code == sqlerr.UndefinedFunction && b.Natives != nil {
		if n, ok, nerr := b.Natives(fn, bound); ok || nerr != nil {
			e, err = n, nerr
		}
	}
	if err != nil {
		return nil, b.position(err, at)
	}
	return e, nil
}

func (b *Binder) negate(not bool, at ast.Node, fn string, sc *scope, args ...ast.ExprNode) (scalar.Expr, error) {
	e, err := b.call(at, fn, sc, args...)
	if err != nil || !not {
		return e, err
	}
	return scalar.Resolve("not", []scalar.Expr{e})
}

// sqlUserFunctions are the SQL functions written without parentheses that
// reach the binder as column names.
var sqlUserFunctions = map[string]bool{"user": true, "session_user": true, "current_role": true}

func (b *Binder) column(n *ast.ColumnName, sc *scope) (scalar.Expr, error) {
	name, table := n.Name.O, n.Table.O
	if e, ok, err := b.rowField(n, sc); ok || err != nil {
		return e, err
	}
	i := sc.lookup(table, name)
	full := name
	if table != "" {
		full = table + "." + name
	}
	if i == -1 && len(b.outer) > 0 {
		if e, ok, err := b.outerColumn(table, name); ok || err != nil {
			return e, err
		}
	}
	switch {
	case i == -2:
		return nil, b.errAt(name, sqlerr.AmbiguousColumn, "column reference %q is ambiguous", full)
	case i < 0 && table != "" && !sc.hasTable(table):
		return nil, b.errAt(table, sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", table)
	case i < 0 && table == "" && sqlUserFunctions[strings.ToLower(name)] && b.Natives != nil:
		// USER and SESSION_USER are PostgreSQL's niladic functions, written
		// without parentheses; TiDB reads them as column names. A column
		// of that name wins (it was looked up first).
		if e, ok, err := b.Natives(strings.ToLower(name), nil); ok || err != nil {
			return e, err
		}
		fallthrough
	case i < 0:
		return nil, b.errAt(name, sqlerr.UndefinedColumn, "column %q does not exist", full)
	}
	c := sc.cols[i]
	return &scalar.ColRef{Idx: i, Name: c.name, T: c.typ}, nil
}

// literal binds a constant. Integer literals are INT when they fit, else
// BIGINT; literals with a decimal point are exact DECIMAL; string literals
// have no type until their context gives one (as in PostgreSQL).
func (b *Binder) literal(n *driver.ValueExpr) (scalar.Expr, error) {
	switch n.Kind() {
	case driver.KindNull:
		return &scalar.Const{T: types.TUnknown}, nil
	case driver.KindInt64:
		v := n.GetInt64()
		if n.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			// TiDB reads TRUE and FALSE as the integers 1 and 0; SQL's are booleans.
			return &scalar.Const{V: types.NewBool(v != 0), T: types.TBoolean}, nil
		}
		t := types.TInt
		if v != int64(int32(v)) {
			t = types.TBigInt
		}
		return &scalar.Const{V: types.NewInt(v), T: t}, nil
	case driver.KindUint64:
		u := n.GetUint64()
		d, err := types.ParseDec(strconv.FormatUint(u, 10))
		if err != nil {
			return nil, err
		}
		return &scalar.Const{V: types.NewDecimal(d), T: types.Type{ID: types.Decimal, Precision: 20}}, nil
	case driver.KindFloat32, driver.KindFloat64:
		return &scalar.Const{V: types.NewFloat(n.GetFloat64()), T: types.TDouble}, nil
	case driver.KindMysqlDecimal:
		s := n.GetMysqlDecimal().String()
		d, err := types.ParseDec(s)
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidText, "invalid numeric literal %q", s)
		}
		digits := len(strings.TrimLeft(strings.Replace(strings.TrimPrefix(s, "-"), ".", "", 1), "0"))
		return &scalar.Const{V: types.NewDecimal(d), T: types.Type{ID: types.Decimal, Precision: max(digits, int(d.Scale), 1), Scale: int(d.Scale)}}, nil
	case driver.KindString:
		return &scalar.Const{V: types.NewString(n.GetString()), T: types.TUnknown}, nil
	case driver.KindBytes:
		return &scalar.Const{V: types.NewString(string(n.GetBytes())), T: types.TUnknown}, nil
	}
	return nil, b.unsupported(n, "this literal")
}

func (b *Binder) caseExpr(n *ast.CaseExpr, sc *scope) (scalar.Expr, error) {
	var operand scalar.Expr
	if n.Value != nil {
		v, err := b.expr(n.Value, sc)
		if err != nil {
			return nil, err
		}
		operand = v
	}
	c := &scalar.Case{}
	results := []scalar.Expr{}
	for _, w := range n.WhenClauses {
		cond, err := b.expr(w.Expr, sc)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = scalar.Resolve("=", []scalar.Expr{operand, cond}); err != nil {
				return nil, b.position(err, w.Expr)
			}
		}
		then, err := b.expr(w.Result, sc)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, scalar.When{Cond: cond, Then: then})
		results = append(results, then)
	}
	if n.ElseClause != nil {
		e, err := b.expr(n.ElseClause, sc)
		if err != nil {
			return nil, err
		}
		c.Else = e
		results = append(results, e)
	}
	ts := make([]types.Type, len(results))
	for i, r := range results {
		ts[i] = r.Type()
	}
	t, err := scalar.CommonType(ts...)
	if err != nil {
		return nil, b.position(err, n)
	}
	// Coerce, not just cast: an untyped literal arm that cannot be the
	// common type is an error now, with a position, as in PostgreSQL.
	for i := range c.Whens {
		if c.Whens[i].Then, err = scalar.Coerce(c.Whens[i].Then, t); err != nil {
			return nil, b.position(err, n)
		}
	}
	if c.Else != nil {
		if c.Else, err = scalar.Coerce(c.Else, t); err != nil {
			return nil, b.position(err, n)
		}
	}
	c.T = t
	return c, nil
}

func (b *Binder) funcCall(n *ast.FuncCallExpr, sc *scope) (scalar.Expr, error) {
	name := n.FnName.L
	switch {
	case strings.HasPrefix(name, parse.CastPrefix):
		ext, ok := b.Src.Ext.Casts[name]
		if !ok || len(n.Args) != 1 {
			return nil, sqlerr.New(sqlerr.Internal, "unknown cast placeholder %s", name)
		}
		arg, err := b.expr(n.Args[0], sc)
		if err != nil {
			return nil, err
		}
		if ext.Name != "" {
			return b.pgCast(arg, ext)
		}
		if arg.Type().IsReg() && ext.Type.IsString() && b.Natives != nil {
			// A reg* value reads as the name of what it identifies.
			if e, ok, err := b.Natives("::text", []scalar.Expr{arg}); ok || err != nil {
				if err != nil {
					return nil, b.position(err, n)
				}
				return e, nil
			}
		}
		if arg.Type().ID != types.Unknown && !scalar.CanCast(arg.Type(), ext.Type) {
			return nil, b.Src.Errorf(ext.Pos, sqlerr.DatatypeMismatch, "cannot cast type %s to %s", arg.Type(), ext.Type)
		}
		t := ext.Type
		if ext.Varchar && b.FoldNames {
			// To a client, x::varchar is varchar, not text (SQLAlchemy
			// reads ix.indkey::varchar); riffle's type is the same.
			t.PG = "varchar"
		}
		return &scalar.Cast{Arg: arg, T: t, Try: ext.Try}, nil
	case strings.HasPrefix(name, parse.ParamPrefix):
		return b.param(name)
	case name == "unnest" || name == "_pg_expandarray" || name == "pg_partition_ancestors" || name == "generate_subscripts":
		if e, ok, err := b.selectSRF(n, sc); ok {
			return e, err
		}
	case name == parse.ArraySubqueryFunc:
		sub, ok := n.Args[0].(*ast.SubqueryExpr)
		if len(n.Args) != 1 || !ok {
			return nil, sqlerr.New(sqlerr.Internal, "bad ARRAY(subquery) placeholder")
		}
		return b.arraySubquery(sub, sc)
	case strings.HasPrefix(name, parse.FilterPrefix):
		return nil, b.position(sqlerr.New(sqlerr.GroupingError, "aggregate functions are not allowed here"), n)
	case strings.HasPrefix(name, parse.IntervalPrefix):
		return b.interval(name)
	case name == ast.DateLiteral || name == ast.TimeLiteral || name == ast.TimestampLiteral:
		return b.typedLiteral(n)
	case strings.HasPrefix(name, parse.GroupWindowPrefix):
		return nil, b.position(sqlerr.New(sqlerr.GroupingError, "a group window function is allowed only in GROUP BY"), n)
	case name == "proctime" && len(n.Args) == 0:
		// Processing time: the wall-clock time a row is processed at.
		return &scalar.Call{Fn: "proctime", T: types.Type{ID: types.TimestampLTZ, Precision: 3}}, nil
	case name == "current_watermark" && len(n.Args) == 1:
		arg, err := b.expr(n.Args[0], sc)
		if err != nil {
			return nil, err
		}
		if id := arg.Type().ID; id != types.Timestamp && id != types.TimestampLTZ {
			return nil, b.position(sqlerr.New(sqlerr.DatatypeMismatch, "CURRENT_WATERMARK takes a time attribute, not %s", arg.Type()), n)
		}
		return &scalar.Call{Fn: "current_watermark", Args: []scalar.Expr{arg}, T: arg.Type()}, nil
	}
	name = strings.TrimPrefix(name, parse.ConstructorPrefix)
	if name == parse.ExtractFunc {
		name = "extract"
	}
	args := make([]ast.ExprNode, 0, len(n.Args))
	for _, a := range n.Args {
		switch a := a.(type) {
		case *ast.TimeUnitExpr:
			args = append(args, ast.NewValueExpr(a.Unit.String(), "", ""))
		case *ast.TrimDirectionExpr:
			args = append(args, ast.NewValueExpr(a.Direction.String(), "", ""))
		case *ast.FuncCallExpr:
			if unit, ok := strings.CutPrefix(a.FnName.L, parse.TimeUnitPrefix); ok {
				// FLOOR(x TO unit) reaches TiDB as FLOOR(x, __riffle_unit_unit()).
				args = append(args, ast.NewValueExpr(strings.ToUpper(unit), "", ""))
				continue
			}
			args = append(args, a)
		default:
			args = append(args, a)
		}
	}
	e, err := b.call(n, name, sc, args...)
	if c, ok := e.(*scalar.Call); ok && err == nil && c.Fn == "extract" && b.FoldNames {
		// PostgreSQL's EXTRACT is numeric, with the fraction of the
		// second the unit has; Flink's (a continuous query's) is BIGINT.
		c = &scalar.Call{Fn: scalar.PGExtract, Args: c.Args,
			T: types.Type{ID: types.Decimal, Precision: 38, Scale: scalar.PGExtractScale(scalar.UnitOf(c.Args[0]), c.Args[1].Type())}}
		return c, nil
	}
	return e, err
}

// pgCast binds a cast to a PostgreSQL catalog type (oid, regclass, name,
// …). The environment converts names to OIDs (::regclass and friends look
// the name up); otherwise the value converts as the family holding it.
func (b *Binder) pgCast(arg scalar.Expr, ext parse.CastExt) (scalar.Expr, error) {
	if t, ok := b.castType(ext.Name); ok {
		if arg.Type().ID != types.Unknown && !scalar.CanCast(arg.Type(), t) {
			return nil, b.Src.Errorf(ext.Pos, sqlerr.DatatypeMismatch, "cannot cast type %s to %s", arg.Type(), t)
		}
		if ext.Try {
			return &scalar.Cast{Arg: arg, T: t, Try: true}, nil
		}
		return scalar.NewCast(arg, t), nil
	}
	t, ok := types.PGType(ext.Name)
	if !ok {
		return nil, b.Src.Errorf(ext.Pos, sqlerr.UndefinedObject, "type %q does not exist", ext.Name)
	}
	if b.Natives != nil {
		if e, ok, err := b.Natives("::"+ext.Name, []scalar.Expr{arg}); ok || err != nil {
			if se, ok := sqlerr.As(err); ok && se.Line == 0 {
				se.SetPos(b.Src.Input, b.Src.Offset+ext.Pos)
			}
			return e, err
		}
	}
	if arg.Type().ID != types.Unknown && !scalar.CanCast(arg.Type(), types.Type{ID: t.ID, Elem: t.Elem, Length: t.Length}) {
		return nil, b.Src.Errorf(ext.Pos, sqlerr.DatatypeMismatch, "cannot cast type %s to %s", arg.Type(), t)
	}
	return &scalar.Cast{Arg: arg, T: t, Try: ext.Try}, nil
}

// param binds $n to the value the client bound, as an untyped literal so
// that its context types it (clients send parameters as text).
func (b *Binder) param(name string) (scalar.Expr, error) {
	i, err := strconv.Atoi(strings.TrimPrefix(name, parse.ParamPrefix))
	if err != nil || i < 1 {
		return nil, sqlerr.New(sqlerr.Internal, "bad parameter placeholder %s", name)
	}
	if b.Params == nil {
		// Describing a statement: the parameter's value is not known yet,
		// its type is whatever the first conversion of it says.
		b.ParamCount = max(b.ParamCount, i)
		for len(b.paramTypes) < i {
			b.paramTypes = append(b.paramTypes, &scalar.ParamType{})
		}
		return &scalar.Const{T: types.TUnknown, Param: b.paramTypes[i-1]}, nil
	}
	if i > len(b.Params) {
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "there is no parameter $%d", i)
	}
	p := b.Params[i-1]
	if p == nil {
		return &scalar.Const{T: types.TUnknown}, nil
	}
	return &scalar.Const{V: types.NewString(*p), T: types.TUnknown}, nil
}

// interval binds an INTERVAL literal the dialect layer took out.
func (b *Binder) interval(name string) (scalar.Expr, error) {
	iv, ok := b.Src.Ext.Intervals[name]
	if !ok {
		return nil, sqlerr.New(sqlerr.Internal, "unknown interval placeholder %s", name)
	}
	months, micros, err := iv.Value()
	if err != nil {
		e := sqlerr.Wrap(err, sqlerr.InvalidText)
		if e.Line == 0 {
			e.SetPos(b.Src.Input, b.Src.Offset+iv.Pos)
		}
		return nil, e
	}
	t := iv.Type
	if iv.Unit == "" {
		// An unqualified interval ('14 months', '1 day 02:03:04') takes its
		// type from what it holds; riffle's interval types, Flink's, keep
		// months and days apart.
		switch {
		case months != 0 && micros != 0:
			return nil, b.Src.Errorf(iv.Pos, sqlerr.FeatureNotSupported,
				"an interval of both months and days or times is not supported").
				WithHint("write it as a sum: INTERVAL '1' MONTH + INTERVAL '2' DAY")
		case months != 0:
			t = types.Type{ID: types.IntervalYM}
		default:
			t = types.Type{ID: types.IntervalDT, Precision: 6}
		}
	}
	if t.ID == types.IntervalYM {
		return &scalar.Const{V: types.NewInterval(months), T: t}, nil
	}
	return &scalar.Const{V: types.NewInterval(micros), T: t}, nil
}

// typedLiteral binds DATE '…', TIME '…' and TIMESTAMP '…', checking the
// text now so that a bad literal is an error of the statement, with a
// position, not of some later row.
func (b *Binder) typedLiteral(n *ast.FuncCallExpr) (scalar.Expr, error) {
	t := scalar.TLiteralTimestamp
	switch n.FnName.L {
	case ast.DateLiteral:
		t = types.TDate
	case ast.TimeLiteral:
		t = types.Type{ID: types.Time, Precision: 6}
	}
	lit, ok := n.Args[0].(*driver.ValueExpr)
	if !ok || len(n.Args) != 1 {
		return nil, b.unsupported(n, "this literal")
	}
	text := lit.GetString()
	v, err := scalar.ParseText(text, t)
	if err != nil {
		e := sqlerr.Wrap(err, sqlerr.InvalidText)
		if e.Line == 0 {
			// The literal's quoted text locates it well enough.
			e.SetPos(b.Src.Input, b.Src.Offset+max(strings.Index(b.Src.Text, "'"+text+"'"), 0))
		}
		return nil, e
	}
	return &scalar.Const{V: v, T: t}, nil
}

// rowField binds r.f and t.r.f, where r is a ROW column: the parser reads
// them as a qualified column name. A table of that name in scope wins, as
// in PostgreSQL.
func (b *Binder) rowField(n *ast.ColumnName, sc *scope) (scalar.Expr, bool, error) {
	qual, col := n.Schema.O, n.Table.O
	if col == "" || (qual == "" && sc.hasTable(col)) {
		return nil, false, nil
	}
	i := sc.lookup(qual, col)
	if i < 0 || sc.cols[i].typ.ID != types.RowType {
		return nil, false, nil
	}
	c := sc.cols[i]
	ref := &scalar.ColRef{Idx: i, Name: c.name, T: c.typ}
	e, err := scalar.Resolve("field", []scalar.Expr{ref, &scalar.Const{V: types.NewString(n.Name.O), T: types.TString}})
	if err != nil {
		return nil, true, b.position(err, &ast.ColumnNameExpr{Name: n})
	}
	return e, true, nil
}

// regexp binds REGEXP/RLIKE and PostgreSQL's ~, ~*, !~ and !~* (which the
// dialect layer wrote as REGEXP and recorded in Ext.Regex): ~* matches
// without regard to case, through an (?i) flag on the pattern.
func (b *Binder) regexp(n *ast.PatternRegexpExpr, sc *scope) (scalar.Expr, error) {
	x, err := b.expr(n.Expr, sc)
	if err != nil {
		return nil, err
	}
	pat, err := b.expr(n.Pattern, sc)
	if err != nil {
		return nil, err
	}
	if ext, ok := b.Src.Ext.Regex[n]; ok && ext.CaseInsensitive {
		flag := &scalar.Const{V: types.NewString("(?i)"), T: types.TString}
		if pat, err = scalar.Resolve("||", []scalar.Expr{flag, scalar.NewCast(pat, types.TString)}); err != nil {
			return nil, b.position(err, n)
		}
	}
	e, err := scalar.Resolve("regexp", []scalar.Expr{x, pat})
	if err != nil {
		return nil, b.position(err, n)
	}
	if n.Not {
		return scalar.Resolve("not", []scalar.Expr{e})
	}
	return e, nil
}

// negativeLiteral folds the sign into an integer literal, as PostgreSQL
// does: -2147483648 is an INT and -9223372036854775808 a BIGINT, though
// their magnitudes do not fit the type.
func negativeLiteral(e ast.ExprNode) (scalar.Expr, bool) {
	v, ok := e.(*driver.ValueExpr)
	if !ok {
		return nil, false
	}
	switch v.Kind() {
	case driver.KindInt64:
		if v.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return nil, false
		}
		n := -v.GetInt64()
		t := types.TInt
		if n != int64(int32(n)) {
			t = types.TBigInt
		}
		return &scalar.Const{V: types.NewInt(n), T: t}, true
	case driver.KindUint64:
		if v.GetUint64() == 1<<63 {
			return &scalar.Const{V: types.NewInt(math.MinInt64), T: types.TBigInt}, true
		}
	}
	return nil, false
}
