package pgwire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"riffle/sql/types"
)

// copyValues are strings that every format must carry through unchanged:
// its delimiters, quotes, escapes, line breaks, the null strings and the
// end-of-data marker as data.
var copyValues = []string{
	"plain", "", "tab\there", "new\nline", "cr\rlf\r\n", `back\slash`, `\N`, `\.`, "comma,", `"quoted"`,
	"'single'", "héllo wörld", "NULL", " lead and trail ", `\x41\101`, "semi;colon",
}

// TestCopyRoundTrip encodes rows as COPY TO does and decodes them as COPY
// FROM does, in every format and with options, fed whole and cut into
// pieces at every byte.
func TestCopyRoundTrip(t *testing.T) {
	cols := []types.Column{{Name: "a", Type: types.TString}, {Name: "b", Type: types.TString}}
	var rows []types.Row
	var want [][]*string
	for i, v := range copyValues {
		other := types.NewString(strings.Repeat("x", i))
		rows = append(rows, types.Row{types.NewString(v), other})
		s, o := v, strings.Repeat("x", i)
		want = append(want, []*string{&s, &o})
	}
	rows = append(rows, types.Row{types.Null, types.NewString("after null")})
	after := "after null"
	want = append(want, []*string{nil, &after})

	csvSemi := NewCopy(CopyCSV)
	csvSemi.Delimiter, csvSemi.Quote, csvSemi.Escape, csvSemi.Null, csvSemi.Header = ';', '\'', '\\', "NULL?", true
	textPipe := NewCopy(CopyText)
	textPipe.Delimiter, textPipe.Null, textPipe.Header = '|', "<null>", true
	for name, c := range map[string]Copy{
		"text": NewCopy(CopyText), "csv": NewCopy(CopyCSV), "binary": NewCopy(CopyBinary),
		"csv-options": csvSemi, "text-options": textPipe,
	} {
		t.Run(name, func(t *testing.T) {
			enc := &copyEncoder{c: &c, cols: cols}
			data := append([]byte(nil), enc.start()...)
			for _, r := range rows {
				b, err := enc.row(r)
				if err != nil {
					t.Fatal(err)
				}
				data = append(data, b...)
			}
			data = append(data, enc.end()...)
			for _, piece := range []int{len(data), 1, 2, 7} {
				got, err := decodeAll(c, cols, data, piece)
				if err != nil {
					t.Fatalf("pieces of %d: %v\ndata %q", piece, err, data)
				}
				if g, w := render(got), render(want); g != w {
					t.Fatalf("pieces of %d:\n got %s\nwant %s\ndata %q", piece, g, w, data)
				}
			}
		})
	}
}

// decodeAll decodes data sent in pieces of the given size.
func decodeAll(c Copy, cols []types.Column, data []byte, piece int) ([][]*string, error) {
	var got [][]*string
	ci := &CopyIn{Copy: c, Table: "t", Columns: cols, Row: func(f []*string) error {
		got = append(got, f)
		return nil
	}}
	d := newCopyDecoder(ci)
	for len(data) > 0 {
		n := min(piece, len(data))
		if err := d.feed(data[:n], false); err != nil {
			return nil, err
		}
		data = data[n:]
	}
	return got, d.feed(nil, true)
}

func render(rows [][]*string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("[")
		for i, f := range r {
			if i > 0 {
				b.WriteString(" ")
			}
			if f == nil {
				b.WriteString("NULL")
			} else {
				fmt.Fprintf(&b, "%q", *f)
			}
		}
		b.WriteString("]")
	}
	return b.String()
}

// TestCopyDecode reads what other programs write: PostgreSQL's escapes,
// CRLF line ends, quoted line breaks, FORCE_NULL and FORCE_NOT_NULL, and
// data ending without a newline or after the end marker.
func TestCopyDecode(t *testing.T) {
	cols := []types.Column{{Name: "a", Type: types.TString}, {Name: "b", Type: types.TString}}
	csv := NewCopy(CopyCSV)
	forced := NewCopy(CopyCSV)
	forced.ForceNotNull, forced.ForceNull = []bool{true, false}, []bool{false, true}
	for _, tc := range []struct {
		c    Copy
		data string
		want string
	}{
		{NewCopy(CopyText), "\\x41\\101\\z\t\\N\r\n", `["AAz" NULL]`},
		{NewCopy(CopyText), "a\tb\n\\.\nignored\tjunk\n", `["a" "b"]`},
		{NewCopy(CopyText), "last\tline", `["last" "line"]`},
		{NewCopy(CopyText), "\t\n", `["" ""]`},
		{csv, "\"multi\nline\",\"a \"\"q\"\"\"\r\n", `["multi\nline" "a \"q\""]`},
		{csv, ",\"\"\n", `[NULL ""]`},
		{csv, "ab\"cd\"ef,x", `["abcdef" "x"]`},
		{forced, ",\"\"\n", `["" NULL]`},
	} {
		got, err := decodeAll(tc.c, cols, []byte(tc.data), len(tc.data))
		if err != nil || render(got) != tc.want {
			t.Errorf("%q: got %s, %v; want %s", tc.data, render(got), err, tc.want)
		}
	}
	for _, tc := range []struct {
		c    Copy
		data string
		want string
	}{
		{NewCopy(CopyText), "a\tb\nc\n", `missing data for column "b" (COPY t, line 2)`},
		{csv, "a,b\n\"c,d\n", `unterminated CSV quoted field (COPY t, line 2)`},
		{csv, "a,b\rc,d\n", `literal carriage return found in data (COPY t, line 1)`},
		{NewCopy(CopyBinary), "PGCOPY\n\xff\r\n\x00\x00\x01\x00\x00\x00\x00\x00\x00", `invalid COPY file header (WITH OIDS) (COPY t, line 1)`},
		{NewCopy(CopyBinary), "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03", `row field count is 3, expected 2 (COPY t, line 1)`},
		{NewCopy(CopyBinary), "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00", `unexpected EOF in COPY data (COPY t, line 1)`},
	} {
		_, err := decodeAll(tc.c, cols, []byte(tc.data), len(tc.data))
		if err == nil || err.Error() != "error ("+codeOf(err)+"): "+tc.want {
			t.Errorf("%q: %v, want %s", tc.data, err, tc.want)
		}
	}
}

func codeOf(err error) string {
	if e := errorResponse(err, ""); e != nil {
		return e.Code
	}
	return ""
}

// TestCopyStreamCancel: COPY of a never-ending stream sends rows as they
// come until the client cancels; the session then goes on, and the
// stream's source is closed.
func TestCopyStreamCancel(t *testing.T) {
	ts := startServer(t, Options{})
	cfg, _ := pgx.ParseConfig(ts.url("riffle"))
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var buf bytes.Buffer
	_, err = c.PgConn().CopyTo(ctx, &buf, "copystream csv")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(buf.String(), "1\n2\n3\n") {
		t.Errorf("streamed %q", buf.String())
	}
	mustQuery(t, c)
	if n := ts.h.sources.Load(); n != 0 {
		t.Errorf("%d row sources still open after the cancelled COPY", n)
	}
}

// TestPgconnCopyFrom drives the fake's COPY FROM with pgconn in text and
// csv, and pgx's binary CopyFrom encoder through CopyFrom's raw form.
func TestPgconnCopyFrom(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.connect(t, pgx.QueryExecModeSimpleProtocol)
	for _, tc := range []struct{ sql, data string }{
		{"copyin", "1\tone\n2\t\\N\n"},
		{"copyin csv header", "n,s\n3,\"th,ree\"\n"},
	} {
		if _, err := c.PgConn().CopyFrom(context.Background(), strings.NewReader(tc.data), tc.sql); err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
	}
	ts.h.mu.Lock()
	defer ts.h.mu.Unlock()
	if got := render(ts.h.copied); got != `["1" "one"]["2" NULL]["3" "th,ree"]` {
		t.Errorf("copied %s", got)
	}
}
