package pgwire

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// fakeHandler is a small deterministic engine for the gateway's tests. Its
// statements (case-insensitive, ';'-separated in the simple protocol):
//
//	select N       N rows of (n INT, s STRING, ts TIMESTAMP(6), amount DECIMAL(12,2), ok BOOLEAN)
//	types          one row with a value of every type, one row of NULLs
//	echo $1::t ... one row echoing the parameters, typed by their casts
//	set k = v      tag SET, reports ParameterStatus k=v
//	insert ...     tag INSERT 0 1
//	notice         a NOTICE "hello from riffle", tag DO
//	sleep [MS]     blocks until cancelled (or for MS milliseconds)
//	stream N R     N rows of (n INT) from a RowSource (N = 0: endless), the
//	               first R ready at once, each later one after a short wait
//	sources        one row: how many RowSources are open
//	begin, commit, rollback  transaction statements (Result.Txn)
//	copyin [FORMAT] [header]  COPY (n INT, s STRING) FROM STDIN; rows kept in copied
//	copyout [FORMAT] [header] COPY (select 3) TO STDOUT
//	copystream [FORMAT] [N]   COPY TO STDOUT of "stream N 1" (N absent: endless,
//	               until cancelled)
//	…bad…          a syntax error positioned at "bad"
//	…panic…        panics
//
// Users named "reject" are refused at Connect.
type fakeHandler struct {
	cancelled atomic.Int64 // sleeps ended by cancellation
	sessions  atomic.Int64 // open sessions
	sources   atomic.Int64 // open RowSources

	mu     sync.Mutex
	copied [][]*string // rows written by copyin
}

var _ Handler = (*fakeHandler)(nil)

func (h *fakeHandler) Connect(_ context.Context, params map[string]string) (Conn, error) {
	if params["user"] == "reject" {
		return nil, sqlerr.New("28000", `role "reject" does not exist`)
	}
	h.sessions.Add(1)
	return &fakeConn{h: h}, nil
}

type fakeConn struct{ h *fakeHandler }

var _ Conn = (*fakeConn)(nil)

func (c *fakeConn) Close() error {
	c.h.sessions.Add(-1)
	return nil
}

func (c *fakeConn) Exec(ctx context.Context, sql string, emit func(*Result) error) error {
	if strings.TrimSpace(sql) == "" {
		return emit(&Result{Empty: true})
	}
	off := 0
	for _, stmt := range strings.Split(sql, ";") {
		start := off + len(stmt) - len(strings.TrimLeft(stmt, " \t\r\n"))
		off += len(stmt) + 1
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		r, err := c.run(ctx, sql, start, strings.TrimSpace(stmt), nil)
		if err != nil {
			return err
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

func (c *fakeConn) Prepare(ctx context.Context, sql string) (*Description, error) {
	stmt := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(sql), ";"))
	if err := fakeCheckTxn(ctx, strings.Fields(stmt + " x")[0]); err != nil {
		return nil, err
	}
	if i := strings.Index(strings.ToLower(sql), "bad"); i >= 0 {
		return nil, sqlerr.At(sql, i, sqlerr.SyntaxError, `syntax error at or near "bad"`)
	}
	if strings.Contains(strings.ToLower(sql), "panic") {
		panic("fake engine panics in Prepare")
	}
	d := &Description{}
	for _, m := range paramRE.FindAllStringSubmatch(stmt, -1) {
		d.ParamTypes = append(d.ParamTypes, castType(m[2]))
	}
	d.Columns = c.columns(stmt, d.ParamTypes)
	return d, nil
}

func (c *fakeConn) ExecPrepared(ctx context.Context, sql string, params []*string) (*Result, error) {
	return c.run(ctx, sql, 0, strings.TrimSpace(strings.TrimRight(strings.TrimSpace(sql), ";")), params)
}

var paramRE = regexp.MustCompile(`\$(\d+)(?:::(\w+))?`)

func castType(name string) types.Type {
	switch strings.ToLower(name) {
	case "int8":
		return types.TBigInt
	case "int4":
		return types.TInt
	case "int2":
		return types.Type{ID: types.SmallInt}
	case "float8":
		return types.TDouble
	case "float4":
		return types.Type{ID: types.Float}
	case "text":
		return types.TString
	case "numeric":
		return types.Type{ID: types.Decimal, Precision: 20, Scale: 4}
	case "bool":
		return types.TBoolean
	case "date":
		return types.TDate
	case "timestamp":
		return types.Type{ID: types.Timestamp, Precision: 6}
	case "timestamptz":
		return types.Type{ID: types.TimestampLTZ, Precision: 6}
	case "bytea":
		return types.Type{ID: types.Varbinary}
	}
	return types.TUnknown
}

var selectCols = []types.Column{
	{Name: "n", Type: types.TInt},
	{Name: "s", Type: types.TString},
	{Name: "ts", Type: types.Type{ID: types.Timestamp, Precision: 6}},
	{Name: "amount", Type: types.Type{ID: types.Decimal, Precision: 12, Scale: 2}},
	{Name: "ok", Type: types.TBoolean},
}

func (c *fakeConn) columns(stmt string, params []types.Type) []types.Column {
	word := strings.ToLower(strings.Fields(stmt + " x")[0])
	switch word {
	case "select":
		return selectCols
	case "stream", "sources":
		return streamCols
	case "types":
		return typesCols
	case "echo":
		cols := make([]types.Column, len(params))
		for i, t := range params {
			if t.ID == types.Unknown {
				t = types.TString
			}
			cols[i] = types.Column{Name: fmt.Sprintf("p%d", i+1), Type: t}
		}
		return cols
	}
	return nil
}

// run executes one statement; pos is its byte offset in sql, for errors.
func (c *fakeConn) run(ctx context.Context, sql string, pos int, stmt string, params []*string) (*Result, error) {
	lower := strings.ToLower(stmt)
	if i := strings.Index(lower, "bad"); i >= 0 {
		return nil, sqlerr.At(sql, pos+i, sqlerr.SyntaxError, `syntax error at or near "bad"`).
			WithHint("Remove the bad word.")
	}
	if strings.Contains(lower, "panic") {
		panic("fake engine panics")
	}
	f := strings.Fields(stmt)
	if err := fakeCheckTxn(ctx, f[0]); err != nil {
		return nil, err
	}
	switch strings.ToLower(f[0]) {
	case "begin":
		return &Result{Tag: "BEGIN", Txn: TxnBegin}, nil
	case "commit":
		return &Result{Tag: "COMMIT", Txn: TxnCommit}, nil
	case "rollback":
		return &Result{Tag: "ROLLBACK", Txn: TxnRollback}, nil
	case "select":
		return selectN(f)
	case "copyin":
		return c.copyIn(f)
	case "copyout":
		r, _ := selectN([]string{"select", "3"})
		format := copyFormatOf(f)
		r.CopyOut = &format
		return r, nil
	case "copystream":
		format := copyFormatOf(f)
		n := 0
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[len(f)-1])
		}
		c.h.sources.Add(1)
		return &Result{Columns: streamCols, CopyOut: &format, Source: &fakeSource{h: c.h, n: n, ready: 1}}, nil
	case "types":
		return &Result{Columns: typesCols, Rows: []types.Row{typesRow(), make(types.Row, len(typesCols))}, Tag: "SELECT 2"}, nil
	case "echo":
		return echo(stmt, params)
	case "set":
		kv := strings.SplitN(strings.TrimSpace(stmt[3:]), "=", 2)
		if len(kv) != 2 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "SET needs name = value")
		}
		return &Result{Tag: "SET", ParamStatus: map[string]string{
			strings.TrimSpace(kv[0]): strings.Trim(strings.TrimSpace(kv[1]), "'")}}, nil
	case "insert":
		return &Result{Tag: "INSERT 0 1"}, nil
	case "notice":
		return &Result{Tag: "DO", Notices: []string{"hello from riffle"}}, nil
	case "stream":
		var n, ready int
		if len(f) != 3 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "stream N R")
		}
		n, _ = strconv.Atoi(f[1])
		ready, _ = strconv.Atoi(f[2])
		c.h.sources.Add(1)
		return &Result{Columns: streamCols, Tag: "STREAM", Source: &fakeSource{h: c.h, n: n, ready: ready}}, nil
	case "sources":
		return &Result{Columns: streamCols, Rows: []types.Row{{types.NewInt(c.h.sources.Load())}}, Tag: "SELECT 1"}, nil
	case "sleep":
		d := 10 * time.Second
		if len(f) > 1 {
			ms, _ := strconv.Atoi(f[1])
			d = time.Duration(ms) * time.Millisecond
		}
		select {
		case <-ctx.Done():
			c.h.cancelled.Add(1)
			return nil, ctx.Err()
		case <-time.After(d):
			return &Result{Tag: "SLEEP"}, nil
		}
	}
	return nil, sqlerr.At(sql, pos, sqlerr.SyntaxError, "unknown statement %q", f[0])
}

// copyFormatOf reads "copyin csv header" and the like.
func copyFormatOf(f []string) Copy {
	c := NewCopy(CopyText)
	for _, w := range f[1:] {
		switch w {
		case "csv":
			c = NewCopy(CopyCSV)
		case "binary":
			c = NewCopy(CopyBinary)
		case "header":
			c.Header = true
		case "match":
			c.HeaderMatch = true
		}
	}
	return c
}

// copyIn takes rows of (n INT, s STRING); n must be an integer. Rows are
// kept only when the COPY succeeds.
func (c *fakeConn) copyIn(f []string) (*Result, error) {
	var rows [][]*string
	ci := &CopyIn{Copy: copyFormatOf(f), Table: "fake", Columns: selectCols[:2],
		Row: func(fields []*string) error {
			if fields[0] != nil {
				if _, err := strconv.Atoi(*fields[0]); err != nil {
					return &FieldError{Column: 0, Err: sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type integer: %q", *fields[0])}
				}
			}
			rows = append(rows, fields)
			return nil
		},
		Done: func(context.Context) (int, error) {
			c.h.mu.Lock()
			defer c.h.mu.Unlock()
			c.h.copied = append(c.h.copied, rows...)
			return len(rows), nil
		}}
	return &Result{CopyIn: ci}, nil
}

// fakeCheckTxn refuses all but COMMIT and ROLLBACK in a failed block, as
// the Conn contract asks.
func fakeCheckTxn(ctx context.Context, verb string) error {
	switch strings.ToLower(verb) {
	case "commit", "rollback":
		return nil
	}
	if InFailedTransaction(ctx) {
		return sqlerr.New(inFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	return nil
}

func selectN(f []string) (*Result, error) {
	n := 1
	if len(f) > 1 {
		var err error
		if n, err = strconv.Atoi(f[1]); err != nil || n < 0 {
			return nil, sqlerr.New(sqlerr.InvalidText, "invalid row count %q", f[1])
		}
	}
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).UnixMicro()
	r := &Result{Columns: selectCols, Tag: fmt.Sprintf("SELECT %d", n)}
	for i := 1; i <= n; i++ {
		amount := types.DecFromInt(int64(i) * 125)
		amount.Scale = 2
		r.Rows = append(r.Rows, types.Row{
			types.NewInt(int64(i)),
			types.NewString(fmt.Sprintf("row %d", i)),
			types.NewTimestamp(base + int64(i)*1_000_000),
			types.NewDecimal(amount),
			types.NewBool(i%2 == 0),
		})
	}
	return r, nil
}

func echo(stmt string, params []*string) (*Result, error) {
	var ptypes []types.Type
	for _, m := range paramRE.FindAllStringSubmatch(stmt, -1) {
		ptypes = append(ptypes, castType(m[2]))
	}
	if len(params) != len(ptypes) {
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "echo got %d parameters for %d placeholders", len(params), len(ptypes))
	}
	cols := (&fakeConn{}).columns(stmt, ptypes)
	row := make(types.Row, len(params))
	for i, p := range params {
		if p == nil {
			continue
		}
		v, err := parseValue(*p, cols[i].Type)
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidText, "parameter $%d: %v", i+1, err)
		}
		row[i] = v
	}
	return &Result{Columns: cols, Rows: []types.Row{row}, Tag: "SELECT 1"}, nil
}

// parseValue reads the text form of a parameter, as the engine will.
func parseValue(s string, t types.Type) (types.Value, error) {
	switch t.ID {
	case types.BigInt, types.Int, types.SmallInt:
		i, err := strconv.ParseInt(s, 10, 64)
		return types.NewInt(i), err
	case types.Double, types.Float:
		f, err := strconv.ParseFloat(s, 64)
		return types.NewFloat(f), err
	case types.Boolean:
		b, err := strconv.ParseBool(s)
		return types.NewBool(b), err
	case types.Decimal:
		d, err := types.ParseDec(s)
		if err != nil {
			return types.Null, err
		}
		return types.NewDecimal(d.Rescale(int32(t.Scale))), nil
	case types.Date:
		d, err := time.Parse("2006-01-02", s)
		return types.NewDate(d.Unix() / 86400), err
	case types.Timestamp, types.TimestampLTZ:
		ts, err := time.Parse("2006-01-02 15:04:05.999999", strings.TrimRight(strings.TrimSuffix(s, "+00"), "Z"))
		return types.NewTimestamp(ts.UnixMicro()), err
	case types.Varbinary:
		b, err := hex.DecodeString(strings.TrimPrefix(s, `\x`))
		return types.NewBytes(b), err
	}
	return types.NewString(s), nil
}

func elem(t types.Type) *types.Type { return &t }

var typesCols = []types.Column{
	{Name: "bool", Type: types.TBoolean},
	{Name: "int2", Type: types.Type{ID: types.SmallInt}},
	{Name: "int4", Type: types.TInt},
	{Name: "int8", Type: types.TBigInt},
	{Name: "float4", Type: types.Type{ID: types.Float}},
	{Name: "float8", Type: types.TDouble},
	{Name: "numeric", Type: types.Type{ID: types.Decimal, Precision: 20, Scale: 5}},
	{Name: "bpchar", Type: types.Type{ID: types.Char, Length: 3}},
	{Name: "varchar", Type: types.Type{ID: types.Varchar, Length: 10}},
	{Name: "text", Type: types.TString},
	{Name: "bytea", Type: types.Type{ID: types.Varbinary}},
	{Name: "date", Type: types.TDate},
	{Name: "time", Type: types.Type{ID: types.Time, Precision: 6}},
	{Name: "timestamp", Type: types.Type{ID: types.Timestamp, Precision: 6}},
	{Name: "timestamptz", Type: types.Type{ID: types.TimestampLTZ, Precision: 6}},
	{Name: "interval_ds", Type: types.Type{ID: types.IntervalDT}},
	{Name: "interval_ym", Type: types.Type{ID: types.IntervalYM}},
	{Name: "json", Type: types.Type{ID: types.JSON}},
	{Name: "ints", Type: types.Type{ID: types.Array, Elem: elem(types.TBigInt)}},
	{Name: "texts", Type: types.Type{ID: types.Array, Elem: elem(types.TString)}},
	{Name: "map", Type: types.Type{ID: types.Map, Key: elem(types.TString), Elem: elem(types.TInt)}},
	{Name: "row", Type: types.Type{ID: types.RowType, Fields: []types.Field{{Name: "a", Type: types.TInt}, {Name: "b", Type: types.TString}}}},
}

func typesRow() types.Row {
	dec, _ := types.ParseDec("-12345.67890")
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC).UnixMicro()
	return types.Row{
		types.NewBool(true),
		types.NewInt(-7),
		types.NewInt(123456),
		types.NewInt(1 << 40),
		types.NewFloat(1.5),
		types.NewFloat(-2.25e10),
		types.NewDecimal(dec),
		types.NewString("ab "),
		types.NewString("héllo"),
		types.NewString(`a "quoted", text`),
		types.NewBytes([]byte{0xde, 0xad, 0xbe, 0xef}),
		types.NewDate(ts / 86400e6),
		types.NewTime(ts % 86400e6),
		types.NewTimestamp(ts),
		types.NewTimestamp(ts),
		types.NewInterval(90061_000_000), // 1 day 01:01:01
		types.NewInterval(14),            // 1 year 2 mons
		types.NewJSON(`{"k": [1, 2]}`),
		{K: types.KArray, X: []types.Value{types.NewInt(1), types.Null, types.NewInt(3)}},
		{K: types.KArray, X: []types.Value{types.NewString("x"), types.NewString("a,b"), types.NewString(""), types.NewString("NULL"), types.Null}},
		{K: types.KMap, X: []types.Value{types.NewString("k"), types.NewInt(1)}},
		{K: types.KRow, X: []types.Value{types.NewInt(1), types.NewString("x y")}},
	}
}

var streamCols = []types.Column{{Name: "n", Type: types.TInt}}

// fakeSource is the RowSource of "stream N R".
type fakeSource struct {
	h        *fakeHandler
	n, ready int
	sent     int
}

func (s *fakeSource) Next(ctx context.Context) (types.Row, error) {
	if s.n > 0 && s.sent >= s.n {
		return nil, io.EOF
	}
	if !s.Ready() {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.sent++
	return types.Row{types.NewInt(int64(s.sent))}, nil
}

func (s *fakeSource) Ready() bool { return s.sent < s.ready || (s.n > 0 && s.sent >= s.n) }

func (s *fakeSource) Close() error {
	s.h.sources.Add(-1)
	return nil
}
