package gatewaytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"riffle/cli/shell"
	"riffle/server/pgwire"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// engine is a scripted stand-in for riffle's engine. It remembers every
// text it was asked to run, so tests can show what went over the wire.
type engine struct {
	mu   sync.Mutex
	sent []string
}

var _ pgwire.Handler = (*engine)(nil)

func (e *engine) Connect(context.Context, map[string]string) (pgwire.Conn, error) {
	return &session{e: e}, nil
}

type session struct{ e *engine }

var _ pgwire.Conn = (*session)(nil)

// Exec answers by the statement's first words:
//
//	CREATE …                 tag CREATE TABLE
//	INSERT …                 tag INSERT 0 2
//	SELECT …                 two rows of (id BIGINT, name STRING, price DECIMAL(10,2), ts TIMESTAMP(3), ok BOOLEAN)
//	BEGIN STATEMENT SET; …   a notice counting the INSERTs, tag EXECUTE STATEMENT SET
//	SLEEP                    blocks until cancelled
//
// and anything mentioning pricee fails with a positioned error.
func (s *session) Exec(ctx context.Context, sql string, emit func(*pgwire.Result) error) error {
	s.e.mu.Lock()
	s.e.sent = append(s.e.sent, sql)
	s.e.mu.Unlock()
	upper := strings.ToUpper(sql)
	if i := strings.Index(sql, "pricee"); i >= 0 {
		return sqlerr.At(sql, i, sqlerr.UndefinedColumn, `column "pricee" does not exist`).
			WithHint(`Perhaps you meant to reference the column "price".`)
	}
	switch first := strings.Fields(upper)[0]; {
	case strings.HasPrefix(upper, "BEGIN STATEMENT SET"):
		n := strings.Count(upper, "INSERT")
		return emit(&pgwire.Result{Tag: "EXECUTE STATEMENT SET",
			Notices: []string{fmt.Sprintf("submitted %d INSERT statements as one job", n)}})
	case first == "CREATE":
		return emit(&pgwire.Result{Tag: "CREATE TABLE"})
	case first == "INSERT":
		return emit(&pgwire.Result{Tag: "INSERT 0 2"})
	case first == "SELECT":
		return emit(selectResult())
	case strings.HasPrefix(first, "SLEEP"):
		<-ctx.Done()
		return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	}
	return sqlerr.At(sql, 0, sqlerr.SyntaxError, "syntax error at or near %q", strings.Fields(sql)[0])
}

func selectResult() *pgwire.Result {
	dec := func(s string) types.Value {
		d, err := types.ParseDec(s)
		if err != nil {
			panic(err)
		}
		return types.NewDecimal(d)
	}
	ts := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC).UnixMicro()
	return &pgwire.Result{
		Columns: []types.Column{
			{Name: "id", Type: types.TBigInt},
			{Name: "name", Type: types.TString},
			{Name: "price", Type: types.Type{ID: types.Decimal, Precision: 10, Scale: 2}},
			{Name: "ts", Type: types.TTimestamp},
			{Name: "ok", Type: types.TBoolean},
		},
		Rows: []types.Row{
			{types.NewInt(1), types.NewString("apple"), dec("1.50"), types.NewTimestamp(ts), types.NewBool(true)},
			{types.NewInt(22), types.NewString("kiwi fruit"), dec("10.00"), types.Null, types.NewBool(false)},
		},
		Tag: "SELECT 2",
	}
}

func (s *session) Prepare(context.Context, string) (*pgwire.Description, error) {
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "the shell uses the simple protocol only")
}

func (s *session) ExecPrepared(context.Context, string, []*string) (*pgwire.Result, error) {
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "the shell uses the simple protocol only")
}

func (s *session) Close() error { return nil }

// serve starts a gateway for e on a free port and returns its address.
func serve(t *testing.T, e *engine) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := pgwire.New(e, pgwire.Options{ServerVersion: "15.0 (riffle test)"})
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// TestGateway runs scripts through the gateway. `run` shows what the shell
// printed (Out and Err interleaved) and the exit code on failure; with
// `sent` it also lists the texts the engine received, one Exec each.
func TestGateway(t *testing.T) {
	datadriven.RunTest(t, "../../../testdata/shell/gateway.test", func(t *testing.T, td *datadriven.TestData) string {
		if td.Cmd != "run" {
			td.Fatalf(t, "unknown command %s", td.Cmd)
		}
		e := &engine{}
		addr := serve(t, e)
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		err := shell.Run(ctx, shell.Config{
			ConnString:  "postgres://riffle@" + addr + "/riffle?sslmode=disable",
			In:          strings.NewReader(td.Input),
			Out:         &out,
			Err:         &out,
			Interactive: td.HasArg("interactive"),
			Interrupt:   make(chan os.Signal),
		})
		text := portRE.ReplaceAllString(out.String(), "127.0.0.1:PORT")
		var ee *shell.ExitError
		switch {
		case errors.As(err, &ee):
			text += fmt.Sprintf("exit %d\n", ee.Code)
		case err != nil:
			t.Fatalf("Run: %v", err)
		}
		if td.HasArg("sent") {
			e.mu.Lock()
			for _, s := range e.sent {
				text += "sent: " + strings.ReplaceAll(s, "\n", "\n      ") + "\n"
			}
			e.mu.Unlock()
		}
		return text
	})
}

// TestGatewayCancel presses Ctrl-C during a statement: the gateway turns
// the CancelRequest into a cancelled context for the engine.
func TestGatewayCancel(t *testing.T) {
	addr := serve(t, &engine{})
	var out bytes.Buffer
	interrupt := make(chan os.Signal, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		interrupt <- os.Interrupt
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := shell.Run(ctx, shell.Config{
		ConnString:  "postgres://riffle@" + addr + "/riffle?sslmode=disable",
		In:          strings.NewReader("SLEEP;\nSELECT 1;\n"),
		Out:         &out,
		Err:         &out,
		Interactive: true,
		Interrupt:   interrupt,
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	text := out.String()
	if !strings.Contains(text, "ERROR:  canceling statement due to user request (SQLSTATE 57014)") ||
		!strings.Contains(text, "(2 rows)") {
		t.Errorf("output:\n%s", text)
	}
}
