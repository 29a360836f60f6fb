package pgwire

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"riffle/sql/types"
)

// simpleQuery answers a Query message: every statement's result in turn,
// an ErrorResponse if one fails, and always a ReadyForQuery.
func (s *session) simpleQuery(sql string) error {
	ctx, done := s.beginStatement()
	emitted := 0
	var writeErr error
	err := s.call(ctx, sql, func() error {
		return s.conn.Exec(ctx, sql, func(r *Result) error {
			emitted++
			defer s.closeSource(r)
			s.applyTxn(r)
			if r.CopyIn != nil || r.CopyOut != nil {
				if writeErr = s.sendNotices(r); writeErr != nil {
					return writeErr
				}
				var err error
				writeErr, err = s.copy(ctx, r)
				if writeErr != nil {
					return writeErr
				}
				return err
			}
			if writeErr = s.sendResult(r, nil, 0, true); writeErr != nil {
				return writeErr
			}
			if r.Source == nil {
				return nil
			}
			n, _, werr, srcErr := s.pump(ctx, r, nil, 0)
			if writeErr = werr; writeErr != nil {
				return writeErr
			}
			if srcErr != nil {
				return srcErr // the statement's error, sent as an ErrorResponse
			}
			s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(sourceTag(r, n))})
			return s.sendParamStatus(r)
		})
	})
	done()
	if writeErr != nil {
		return writeErr // the client is gone; nothing more to say to it
	}
	switch {
	case err != nil:
		s.sendError(err, sql)
	case emitted == 0 && strings.TrimSpace(sql) == "":
		// The engine owes nothing for an empty string, PostgreSQL answers it.
		s.be.Send(&pgproto3.EmptyQueryResponse{})
	}
	return s.readyForQuery()
}

// copy runs a COPY result's sub-protocol, then CommandComplete. writeErr
// means the client is gone; err is the statement's error.
func (s *session) copy(ctx context.Context, r *Result) (writeErr, err error) {
	var n int
	if r.CopyIn != nil {
		n, err = s.copyIn(ctx, r.CopyIn)
		var gone *clientGone
		if errors.As(err, &gone) {
			return gone.err, nil
		}
	} else if n, writeErr, err = s.copyOut(ctx, r); writeErr != nil {
		return writeErr, nil
	}
	if err != nil {
		return nil, err
	}
	s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(copyTag(n))})
	return nil, s.sendParamStatus(r)
}

// sendResult sends one complete statement result: notices, the row
// description (simple protocol only; the extended protocol describes with
// Describe), the rows in the given formats, then CommandComplete or
// EmptyQueryResponse, then any changed parameter values.
func (s *session) sendResult(r *Result, formats []int16, skip int, describe bool) error {
	if err := s.sendNotices(r); err != nil {
		return err
	}
	if r.Empty {
		s.be.Send(&pgproto3.EmptyQueryResponse{})
		return s.sendParamStatus(r)
	}
	if describe && r.Columns != nil {
		s.be.Send(rowDescription(r.Columns, nil))
	}
	if r.Source != nil {
		return nil // the caller pumps the rows, then completes
	}
	if _, err := s.sendRows(r, formats, skip, len(r.Rows)); err != nil {
		return err
	}
	s.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(r.Tag)})
	return s.sendParamStatus(r)
}

func (s *session) sendNotices(r *Result) error {
	for _, n := range r.Notices {
		if err := s.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE",
			Code: "00000", Message: n}, len(n)); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) sendParamStatus(r *Result) error {
	names := make([]string, 0, len(r.ParamStatus))
	for k := range r.ParamStatus {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "TimeZone" {
			// The text form of timestamptz follows the zone the client was
			// told of, as PostgreSQL's does.
			s.zone, _ = types.LoadZone(r.ParamStatus[k])
		}
		s.be.Send(&pgproto3.ParameterStatus{Name: k, Value: r.ParamStatus[k]})
	}
	return nil
}

// sendRows sends rows [from, to) of r as DataRows and returns how many it
// sent. An encoding failure (a binary format the gateway cannot produce) is
// returned as the statement's error.
func (s *session) sendRows(r *Result, formats []int16, from, to int) (int, error) {
	// buf must not be nil: an empty value is sliced from it, and a nil
	// slice would go out as NULL.
	buf := make([]byte, 0, 256)
	for i := from; i < to; i++ {
		row := r.Rows[i]
		values := make([][]byte, len(row))
		for j, v := range row {
			if v.IsNull() {
				continue
			}
			var t types.Type
			if j < len(r.Columns) {
				t = r.Columns[j].Type
			}
			at := len(buf)
			var err error
			if buf, err = appendValue(buf, v, t, formatFor(formats, j), s.zone); err != nil {
				return i - from, err
			}
			values[j] = buf[at:len(buf):len(buf)]
		}
		if err := s.send(&pgproto3.DataRow{Values: values}, len(buf)+4*len(row)); err != nil {
			return i - from, err
		}
		buf = buf[:0] // Send has already encoded (copied) the row

	}
	return to - from, nil
}

// appendValue appends v in format; text renders a timestamptz in zone.
func appendValue(b []byte, v types.Value, t types.Type, format int16, zone *time.Location) ([]byte, error) {
	if format == formatBinary {
		return appendBinaryValue(b, v, t)
	}
	return appendTextIn(b, v, t, zone), nil
}

// formatFor applies the Bind message's result-format rule: no codes means
// all text, one code applies to every column, else one code per column.
func formatFor(formats []int16, col int) int16 {
	switch {
	case len(formats) == 0:
		return formatText
	case len(formats) == 1:
		return formats[0]
	case col < len(formats):
		return formats[col]
	}
	return formatText
}

// rowDescription describes columns in the given formats.
func rowDescription(cols []types.Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, c := range cols {
		oid := columnOID(c.Type)
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(c.Name),
			DataTypeOID:  oid,
			DataTypeSize: TypeSize(oid),
			TypeModifier: TypeMod(c.Type),
			Format:       formatFor(formats, i),
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}
