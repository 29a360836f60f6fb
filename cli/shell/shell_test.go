package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgconn"
)

const testdata = "../../testdata/shell/"

// TestSplit checks where statements end: `split` cuts a whole script,
// `feed` feeds it line by line as the interactive loop does and shows the
// prompt each line would be typed at.
func TestSplit(t *testing.T) {
	datadriven.RunTest(t, testdata+"split.test", func(t *testing.T, td *datadriven.TestData) string {
		var b strings.Builder
		switch td.Cmd {
		case "split":
			for i, stmt := range Split(td.Input) {
				writeStmt(&b, i+1, stmt)
			}
		case "feed":
			var s Splitter
			n := 0
			for _, l := range strings.Split(td.Input, "\n") {
				prompt := Prompt
				if s.Pending() != "" || s.InLiteral() {
					prompt = ContinuationPrompt
				}
				fmt.Fprintf(&b, "%s%s\n", prompt, l)
				for _, stmt := range s.Feed(l + "\n") {
					n++
					writeStmt(&b, n, stmt)
				}
			}
			if p := s.Pending(); p != "" {
				fmt.Fprintf(&b, "pending: %s\n", p)
			}
		default:
			td.Fatalf(t, "unknown command %s", td.Cmd)
		}
		return b.String()
	})
}

func writeStmt(b *strings.Builder, n int, stmt string) {
	fmt.Fprintf(b, "[%d] %s\n", n, strings.ReplaceAll(stmt, "\n", "\n    "))
}

// typeOIDs are the names render tests may give column types by.
var typeOIDs = map[string]uint32{
	"bool": 16, "int8": 20, "int2": 21, "int4": 23, "text": 25, "oid": 26, "json": 114,
	"float4": 700, "float8": 701, "varchar": 1043, "date": 1082, "timestamp": 1114,
	"numeric": 1700,
}

// TestRender checks the aligned, expanded, CSV and JSON formats
// (`render format=csv`). The input gives
// `cols: name type | …`, then `row: v | …` lines (NULL is a null value, \n a
// newline inside a value), and optional `tag: …`, `title: …` and
// `footer: …` lines.
func TestRender(t *testing.T) {
	datadriven.RunTest(t, testdata+"render.test", func(t *testing.T, td *datadriven.TestData) string {
		if td.Cmd != "render" {
			td.Fatalf(t, "unknown command %s", td.Cmd)
		}
		var f Format
		f.Expanded = td.HasArg("expanded")
		if td.HasArg("format") {
			var name string
			td.ScanArgs(t, "format", &name)
			var err error
			if f.Output, err = ParseOutput(name); err != nil {
				td.Fatalf(t, "%v", err)
			}
		}
		if td.HasArg("null") {
			td.ScanArgs(t, "null", &f.Null)
		}
		r := parseResult(t, td)
		var out bytes.Buffer
		if err := Render(&out, r, f); err != nil {
			t.Fatal(err)
		}
		return out.String()
	})
}

func parseResult(t *testing.T, td *datadriven.TestData) *Result {
	r := &Result{}
	for _, l := range strings.Split(td.Input, "\n") {
		key, val, _ := strings.Cut(l, ":")
		val = strings.TrimSpace(val)
		switch key {
		case "cols":
			r.Columns = []Column{}
			for _, c := range splitCells(val) {
				name, typ, _ := strings.Cut(c, " ")
				oid, ok := typeOIDs[typ]
				if !ok {
					td.Fatalf(t, "unknown type %q", typ)
				}
				r.Columns = append(r.Columns, Column{Name: unescape(name), TypeOID: oid})
			}
		case "row":
			var row [][]byte
			for _, v := range splitCells(val) {
				if v == "NULL" {
					row = append(row, nil)
				} else {
					row = append(row, []byte(unescape(v)))
				}
			}
			r.Rows = append(r.Rows, row)
		case "tag":
			r.Tag = val
		case "title":
			r.Title = val
		case "footer":
			r.Footer = append(r.Footer, val)
		case "":
		default:
			td.Fatalf(t, "unknown input line %q", l)
		}
	}
	return r
}

func splitCells(s string) []string {
	if s == "" {
		return nil
	}
	cells := strings.Split(s, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func unescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\s`, " ", `\e`, "").Replace(s)
}

// TestErrors checks how server errors print. `caret pos=N` shows the LINE
// and caret for a 1-based character position in the input statement;
// `error` prints a whole error whose fields are given as `field: value`
// lines, followed by `stmt:` and the statement.
func TestErrors(t *testing.T) {
	datadriven.RunTest(t, testdata+"errors.test", func(t *testing.T, td *datadriven.TestData) string {
		switch td.Cmd {
		case "caret":
			var pos int
			td.ScanArgs(t, "pos", &pos)
			return Caret(td.Input, pos)
		case "error":
			head, stmt, _ := strings.Cut(td.Input, "stmt:\n")
			pe := &pgconn.PgError{Severity: "ERROR"}
			for _, l := range strings.Split(strings.TrimSpace(head), "\n") {
				key, val, _ := strings.Cut(l, ": ")
				switch key {
				case "message":
					pe.Message = val
				case "code":
					pe.Code = val
				case "position":
					p, _ := strconv.Atoi(val)
					pe.Position = int32(p)
				case "detail":
					pe.Detail = val
				case "hint":
					pe.Hint = val
				case "severity":
					pe.Severity = val
				default:
					td.Fatalf(t, "unknown field %q", key)
				}
			}
			var out bytes.Buffer
			WriteError(&out, pe, stmt)
			return out.String()
		}
		td.Fatalf(t, "unknown command %s", td.Cmd)
		return ""
	})
}

// bannerRE matches the parts of the banner that depend on the server.
var bannerRE = regexp.MustCompile(`(?m)connected to 127\.0\.0\.1:\d+ as riffle \(server .*\)$`)

var timingRE = regexp.MustCompile(`Time: \d+\.\d{3} ms`)

// TestRun runs scripts end to end against a real PostgreSQL: `run` feeds
// the input to Run as a script (or as typed at a terminal with
// `run interactive`) and shows what it printed on Out and Err, interleaved,
// followed by the exit code when Run failed.
func TestRun(t *testing.T) {
	conn := newDatabase(t, "shell_run")
	datadriven.RunTest(t, testdata+"run.test", func(t *testing.T, td *datadriven.TestData) string {
		if td.Cmd != "run" {
			td.Fatalf(t, "unknown command %s", td.Cmd)
		}
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := Run(ctx, Config{
			ConnString:  conn,
			In:          strings.NewReader(td.Input),
			Out:         &out,
			Err:         &out,
			Interactive: td.HasArg("interactive"),
			Interrupt:   make(chan os.Signal),
		})
		text := bannerRE.ReplaceAllString(out.String(), "connected to SERVER")
		text = timingRE.ReplaceAllString(text, "Time: N ms")
		var ee *ExitError
		switch {
		case errors.As(err, &ee):
			text += fmt.Sprintf("exit %d\n", ee.Code)
		case err != nil:
			t.Fatalf("Run: %v", err)
		}
		return text
	})
}

// syncBuffer is a bytes.Buffer that Run and the test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestCancel presses Ctrl-C while a long statement runs: the server cancels
// it, the shell reports it and, interactive, goes on with the next statement;
// a script stops.
func TestCancel(t *testing.T) {
	conn := postgres(t)
	for _, interactive := range []bool{true, false} {
		t.Run(fmt.Sprintf("interactive=%v", interactive), func(t *testing.T) {
			var out syncBuffer
			interrupt := make(chan os.Signal, 1)
			done := make(chan error, 1)
			go func() {
				done <- Run(context.Background(), Config{
					ConnString:  conn,
					In:          strings.NewReader("SELECT pg_sleep(60);\nSELECT 'after' AS s;\n"),
					Out:         &out,
					Err:         &out,
					Interactive: interactive,
					Interrupt:   interrupt,
				})
			}()
			waitForQuery(t, conn, "SELECT pg_sleep(60);")
			interrupt <- os.Interrupt
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return after Ctrl-C")
			}
			text := out.String()
			if !strings.Contains(text, "ERROR:  canceling statement due to user request (SQLSTATE 57014)") {
				t.Errorf("no cancel error in output:\n%s", text)
			}
			var ee *ExitError
			if interactive {
				if err != nil || !strings.Contains(text, " after\n") {
					t.Errorf("interactive run: err=%v, output:\n%s", err, text)
				}
			} else if !errors.As(err, &ee) || ee.Code != ExitScript || strings.Contains(text, "after") {
				t.Errorf("script run: err=%v, output:\n%s", err, text)
			}
		})
	}
}

// waitForQuery waits until the server runs query on some connection.
func waitForQuery(t *testing.T, conn, query string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgconn.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	q := fmt.Sprintf("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = '%s'", query)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, err := c.Exec(ctx, q).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if string(res[0].Rows[0][0]) != "0" {
			return
		}
	}
	t.Fatalf("query %q never started", query)
}

// TestConnectError checks that a server that is not there gets a message
// naming the address and saying how to start riffle.
func TestConnectError(t *testing.T) {
	port := freePort() // nobody listens there once freePort returns
	var out bytes.Buffer
	err := Run(context.Background(), Config{
		ConnString: fmt.Sprintf("postgres://riffle@127.0.0.1:%d/riffle?sslmode=disable&connect_timeout=5", port),
		In:         strings.NewReader("SELECT 1;\n"),
		Out:        &out,
		Err:        &out,
		Interrupt:  make(chan os.Signal),
	})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitConnection {
		t.Fatalf("Run = %v, want an ExitError with code %d", err, ExitConnection)
	}
	want := fmt.Sprintf("riffle: cannot connect to 127.0.0.1:%d: connection refused\n"+
		"HINT:  is riffle running? start it with: go run ./cli\n", port)
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	err = Run(context.Background(), Config{ConnString: "postgres://[::1", Out: &out, Err: &out, In: strings.NewReader("")})
	if !errors.As(err, &ee) || !strings.Contains(out.String(), "invalid connection string") {
		t.Errorf("bad connection string: err=%v output=%q", err, out.String())
	}
}

// TestLineEditing types at the line editor (without a real terminal): up
// recalls the previous line, Ctrl-C abandons the line being typed, Ctrl-D
// quits, and the history file keeps the statements that ran.
func TestLineEditing(t *testing.T) {
	conn := postgres(t)
	keys := "SELECT 1 AS a;\r" + // runs
		"\x1b[A\r" + // up: the same again
		"SELECT 'abandoned'\x03" + // Ctrl-C: dropped, not in history
		"SELECT\r  2 AS b;\r" + // over two lines
		"\x04" // Ctrl-D
	histFile := t.TempDir() + "/history"
	os.WriteFile(histFile, []byte("SELECT 'from last time';\n"), 0o600)
	var out syncBuffer
	s := &shell{cfg: Config{ConnString: conn, Out: &out, Err: &out, Interactive: true}, interrupt: make(chan os.Signal)}
	ctx := context.Background()
	if err := s.connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.conn.Close(ctx)
	r := newEditReader(iotest.OneByteReader(strings.NewReader(keys)), &out, -1, loadHistory(histFile), nil)
	if err := s.loopWith(ctx, r); err != nil {
		t.Fatalf("loop: %v\n%s", err, out.String())
	}
	text := out.String()
	if n := strings.Count(text, " a \n---\n 1\n(1 row)"); n != 2 {
		t.Errorf("SELECT 1 ran %d times, want 2:\n%q", n, text)
	}
	if !strings.Contains(text, " b \n---\n 2\n(1 row)") || strings.Contains(text, "abandoned\n(1 row)") {
		t.Errorf("output:\n%q", text)
	}
	data, err := os.ReadFile(histFile)
	if err != nil {
		t.Fatal(err)
	}
	// A statement typed over two lines is one entry, recalled as one line.
	want := "SELECT 'from last time';\nSELECT 1 AS a;\nSELECT 2 AS b;\n"
	if string(data) != want {
		t.Errorf("history file:\n%s\nwant:\n%s", data, want)
	}
}

func TestTiming(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{1234567 * time.Nanosecond, "Time: 1.234 ms\n"},
		{61*time.Second + 500*time.Millisecond, "Time: 61500.000 ms (01:01.500)\n"},
	} {
		var b bytes.Buffer
		writeTiming(&b, c.d)
		if b.String() != c.want {
			t.Errorf("writeTiming(%v) = %q, want %q", c.d, b.String(), c.want)
		}
	}
}

// TestInterruptAtPrompt presses Ctrl-C while the shell waits for input: a
// script ends, the terminal gets a fresh prompt and forgets the statement
// being typed.
func TestInterruptAtPrompt(t *testing.T) {
	conn := postgres(t)
	for _, interactive := range []bool{false, true} {
		t.Run(fmt.Sprintf("interactive=%v", interactive), func(t *testing.T) {
			in, typing := io.Pipe()
			defer typing.Close()
			var out syncBuffer
			interrupt := make(chan os.Signal)
			done := make(chan error, 1)
			go func() {
				done <- Run(context.Background(), Config{ConnString: conn, In: in, Out: &out, Err: &out,
					Interactive: interactive, Interrupt: interrupt})
			}()
			io.WriteString(typing, "SELECT 'forgotten'\n")
			if interactive {
				// Wait until the line is in the statement buffer.
				for !strings.Contains(out.String(), ContinuationPrompt) {
					time.Sleep(5 * time.Millisecond)
				}
			}
			interrupt <- os.Interrupt
			if interactive {
				io.WriteString(typing, "SELECT 'fresh' AS s;\n")
				typing.Close()
			}
			err := <-done
			text := out.String()
			var ee *ExitError
			if interactive {
				if err != nil || strings.Contains(text, "forgotten") || !strings.Contains(text, " fresh\n") {
					t.Errorf("err=%v output:\n%s", err, text)
				}
			} else if !errors.As(err, &ee) || ee.Code != ExitScript || text != "riffle: interrupted\n" {
				t.Errorf("err=%v output:\n%q", err, text)
			}
		})
	}
}

// TestHistorySearch presses Ctrl-R: the line becomes the latest earlier
// statement holding the text typed, and Ctrl-R again the one before it.
func TestHistorySearch(t *testing.T) {
	conn := postgres(t)
	keys := "SELECT 1 AS a;\r" +
		"SELECT 2 AS b;\r" +
		"select\x12\x12\r" + // the second latest statement holding "select"
		"zzz\x12\x15SELECT 3 AS c;\r" + // no match: the line stays; Ctrl-U clears it
		"\x04"
	var out syncBuffer
	s := &shell{cfg: Config{ConnString: conn, Out: &out, Err: &out, Interactive: true}, interrupt: make(chan os.Signal)}
	ctx := context.Background()
	if err := s.connect(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.conn.Close(ctx)
	r := newEditReader(iotest.OneByteReader(strings.NewReader(keys)), &out, -1, loadHistory(""), nil)
	if err := s.loopWith(ctx, r); err != nil {
		t.Fatalf("loop: %v\n%s", err, out.String())
	}
	text := out.String()
	if n := strings.Count(text, " a \n---\n 1\n(1 row)"); n != 2 {
		t.Errorf("SELECT 1 ran %d times, want 2:\n%q", n, text)
	}
	if n := strings.Count(text, " b \n---\n 2\n(1 row)"); n != 1 || !strings.Contains(text, " c \n---\n 3\n(1 row)") {
		t.Errorf("output:\n%q", text)
	}
}
