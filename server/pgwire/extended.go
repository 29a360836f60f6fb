package pgwire

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// The extended query protocol: Parse makes a prepared statement, Bind makes
// a portal from it with parameter values, Describe and Execute act on
// either, Close drops them. Statements and portals named "" are the unnamed
// ones, silently replaced by the next Parse or Bind.

// prepared is a statement accepted by Parse.
type prepared struct {
	sql   string
	desc  *Description
	oids  []uint32 // one per parameter: the client's if it gave one, else the engine's
	empty bool     // only whitespace and semicolons: EmptyQueryResponse
}

// portal is a bound statement. It runs at its first Execute; a result larger
// than that Execute's row limit is kept and continued by the next one.
type portal struct {
	stmt    *prepared
	params  []*string
	formats []int16
	result  *Result
	sent    int  // rows of result already sent
	ended   bool // result's Source has no more rows (it is closed)
}

// Codes PostgreSQL uses for the extended protocol's own errors.
const (
	duplicatePreparedStatement = "42P05"
	duplicateCursor            = "42P03"
	invalidSQLStatementName    = "26000"
	invalidCursorName          = "34000"
)

// queryError attaches the statement text an error's position refers to.
type queryError struct {
	err error
	sql string
}

func (e *queryError) Error() string { return e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

func (s *session) extended(msg pgproto3.FrontendMessage) error {
	if s.stmts == nil {
		s.stmts, s.portals = map[string]*prepared{}, map[string]*portal{}
	}
	switch m := msg.(type) {
	case *pgproto3.Parse:
		return s.parse(m)
	case *pgproto3.Bind:
		return s.bind(m)
	case *pgproto3.Describe:
		return s.describe(m)
	case *pgproto3.Execute:
		return s.execute(m)
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			delete(s.stmts, m.Name)
		} else {
			s.dropPortal(m.Name)
		}
		s.be.Send(&pgproto3.CloseComplete{})
	}
	return nil
}

func (s *session) parse(m *pgproto3.Parse) error {
	if _, ok := s.stmts[m.Name]; ok && m.Name != "" {
		return sqlerr.New(duplicatePreparedStatement, "prepared statement %q already exists", m.Name)
	}
	p := &prepared{sql: m.Query, desc: &Description{}}
	if strings.Trim(m.Query, " \t\r\n;") == "" {
		p.empty = true
	} else {
		ctx, done := s.beginStatement()
		err := s.call(ctx, m.Query, func() (err error) {
			p.desc, err = s.conn.Prepare(ctx, m.Query)
			return err
		})
		done()
		if err != nil {
			return &queryError{err, m.Query}
		}
		if p.desc == nil {
			p.desc = &Description{}
		}
	}
	n := max(len(p.desc.ParamTypes), len(m.ParameterOIDs))
	p.oids = make([]uint32, n)
	for i := range n {
		if i < len(m.ParameterOIDs) && m.ParameterOIDs[i] != 0 {
			p.oids[i] = m.ParameterOIDs[i]
		} else if i < len(p.desc.ParamTypes) {
			p.oids[i] = OID(p.desc.ParamTypes[i])
		}
	}
	s.stmts[m.Name] = p
	s.be.Send(&pgproto3.ParseComplete{})
	return nil
}

func (s *session) bind(m *pgproto3.Bind) error {
	p, ok := s.stmts[m.PreparedStatement]
	if !ok {
		return sqlerr.New(invalidSQLStatementName, "prepared statement %q does not exist", m.PreparedStatement)
	}
	if _, ok := s.portals[m.DestinationPortal]; ok && m.DestinationPortal != "" {
		return sqlerr.New(duplicateCursor, "cursor %q already exists", m.DestinationPortal)
	}
	params, err := bindParams(p, m)
	if err != nil {
		return err
	}
	if err := checkFormats(m.ResultFormatCodes, p.desc.Columns); err != nil {
		return err
	}
	s.dropPortal(m.DestinationPortal) // the unnamed portal, replaced
	s.portals[m.DestinationPortal] = &portal{
		stmt: p, params: params,
		formats: append([]int16(nil), m.ResultFormatCodes...),
	}
	s.be.Send(&pgproto3.BindComplete{})
	return nil
}

// bindParams turns Bind's parameter values into the text the engine takes.
func bindParams(p *prepared, m *pgproto3.Bind) ([]*string, error) {
	if len(m.Parameters) != len(p.oids) {
		return nil, sqlerr.New(sqlerr.ProtocolViolation,
			"bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), m.PreparedStatement, len(p.oids))
	}
	pf := m.ParameterFormatCodes
	if len(pf) > 1 && len(pf) != len(m.Parameters) {
		return nil, sqlerr.New(sqlerr.ProtocolViolation,
			"bind message has %d parameter formats but %d parameters", len(pf), len(m.Parameters))
	}
	params := make([]*string, len(m.Parameters))
	for i, raw := range m.Parameters {
		if raw == nil {
			continue
		}
		var text string
		switch f := formatFor(pf, i); f {
		case formatText:
			text = string(raw)
		case formatBinary:
			var err error
			if text, err = decodeBinaryParam(raw, p.oids[i], i+1); err != nil {
				return nil, err
			}
		default:
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "unsupported format code: %d", f)
		}
		params[i] = &text
	}
	return params, nil
}

// checkFormats validates Bind's result format codes against the columns.
func checkFormats(formats []int16, cols []types.Column) error {
	if len(formats) > 1 && len(formats) != len(cols) {
		return sqlerr.New(sqlerr.ProtocolViolation,
			"bind message has %d result formats but query has %d columns", len(formats), len(cols))
	}
	for i, c := range cols {
		switch f := formatFor(formats, i); {
		case f == formatBinary && !canBinary(c.Type):
			return errNoBinary(c.Type)
		case f != formatText && f != formatBinary:
			return sqlerr.New(sqlerr.ProtocolViolation, "unsupported format code: %d", f)
		}
	}
	return nil
}

func (s *session) describe(m *pgproto3.Describe) error {
	if m.ObjectType == 'S' {
		p, ok := s.stmts[m.Name]
		if !ok {
			return sqlerr.New(invalidSQLStatementName, "prepared statement %q does not exist", m.Name)
		}
		s.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: p.oids})
		s.describeColumns(p.desc.Columns, nil)
		return nil
	}
	pt, ok := s.portals[m.Name]
	if !ok {
		return sqlerr.New(invalidCursorName, "portal %q does not exist", m.Name)
	}
	s.describeColumns(pt.stmt.desc.Columns, pt.formats)
	return nil
}

func (s *session) describeColumns(cols []types.Column, formats []int16) {
	if cols == nil {
		s.be.Send(&pgproto3.NoData{})
		return
	}
	s.be.Send(rowDescription(cols, formats))
}

// execute runs a portal (on its first Execute) and sends up to MaxRows rows
// of its result (0 means all). With rows left over it sends PortalSuspended
// and keeps the result for the next Execute of the same portal.
func (s *session) execute(m *pgproto3.Execute) error {
	pt, ok := s.portals[m.Portal]
	if !ok {
		return sqlerr.New(invalidCursorName, "portal %q does not exist", m.Portal)
	}
	if pt.stmt.empty {
		s.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	first := pt.result == nil
	if first {
		if err := s.run(pt); err != nil {
			return err
		}
		s.applyTxn(pt.result)
		if err := s.sendNotices(pt.result); err != nil {
			return err
		}
	}
	r := pt.result
	if r.Empty {
		s.be.Send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if r.CopyIn != nil || r.CopyOut != nil {
		if !first {
			return sqlerr.New(invalidCursorName, "portal %q has finished", m.Portal)
		}
		// A COPY of a subscription copies until the client cancels; its
		// source is done with when the COPY is, however it ends.
		defer s.closeSource(r)
		ctx, done := s.beginStatement()
		defer done()
		var writeErr error
		err := s.call(ctx, pt.stmt.sql, func() (err error) {
			writeErr, err = s.copy(ctx, r)
			return err
		})
		if writeErr != nil {
			return writeErr
		}
		if err != nil {
			return &queryError{err, pt.stmt.sql}
		}
		return nil
	}
	if r.Source != nil || pt.ended {
		return s.executeSource(pt, int(m.MaxRows))
	}
	end := len(r.Rows)
	if m.MaxRows > 0 && uint64(pt.sent)+uint64(m.MaxRows) < uint64(end) {
		end = pt.sent + int(m.MaxRows)
	}
	n, err := s.sendRows(r, pt.formats, pt.sent, end)
	pt.sent += n
	if err != nil {
		return err
	}
	if end < len(r.Rows) {
		s.be.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(completionTag(r.Tag, first, n))})
	if first {
		return s.sendParamStatus(r)
	}
	return nil
}

// executeSource sends up to maxRows rows (0: all) of a portal whose
// result comes from a RowSource: rows go out as the source produces them,
// and a subscription, which never ends, runs until the client cancels it.
// With rows left it suspends the portal, as for a held result.
func (s *session) executeSource(pt *portal, maxRows int) error {
	r := pt.result
	if pt.ended {
		s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(sourceTag(r, 0))})
		return nil
	}
	// A source may wait for rows for as long as the client wants, so each
	// Execute is a statement (and a CancelRequest target) of its own.
	ctx, done := s.beginStatement()
	defer done()
	var n int
	var ended bool
	var writeErr error
	err := s.call(ctx, pt.stmt.sql, func() error {
		var srcErr error
		n, ended, writeErr, srcErr = s.pump(ctx, r, pt.formats, maxRows)
		return srcErr
	})
	if writeErr != nil {
		return writeErr
	}
	if err != nil {
		// As in PostgreSQL, a portal whose execution failed cannot go on.
		s.closeSource(r)
		pt.ended = true
		return &queryError{err, pt.stmt.sql}
	}
	if !ended {
		s.be.Send(&pgproto3.PortalSuspended{})
		return nil
	}
	s.closeSource(r)
	pt.ended = true
	s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(sourceTag(r, n))})
	return nil
}

// dropPortal forgets a portal, closing what its result still holds.
func (s *session) dropPortal(name string) {
	if pt, ok := s.portals[name]; ok {
		s.closeSource(pt.result)
		delete(s.portals, name)
	}
}

// dropAll forgets every portal, at the end of the session.
func (s *session) dropAll() {
	for name := range s.portals {
		s.dropPortal(name)
	}
}

// completionTag is the CommandComplete tag of an Execute. A portal fetched
// in pieces reports, as PostgreSQL does, the rows of the last piece
// ("SELECT 2"), not the total.
func completionTag(tag string, first bool, n int) string {
	if first || !strings.HasPrefix(tag, "SELECT ") {
		return tag
	}
	return "SELECT " + strconv.Itoa(n)
}

// run executes a portal's statement and keeps its result on the portal.
func (s *session) run(pt *portal) error {
	ctx, done := s.beginStatement()
	defer done()
	var r *Result
	err := s.call(ctx, pt.stmt.sql, func() (err error) {
		r, err = s.conn.ExecPrepared(ctx, pt.stmt.sql, pt.params)
		return err
	})
	if err != nil {
		return &queryError{err, pt.stmt.sql}
	}
	if r == nil {
		r = &Result{Empty: true}
	}
	if r.Columns != nil {
		if err := checkFormats(pt.formats, r.Columns); err != nil {
			s.closeSource(r)
			return err
		}
	}
	pt.result = r
	return nil
}
