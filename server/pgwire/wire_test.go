package pgwire

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestWire runs the golden files in testdata/server/pgwire: exact message
// sequences sent with pgproto3.Frontend and the gateway's answers.
//
// Directives:
//
//	connect [user=U] [ssl] [v32]   open a connection (answering SSLRequest first
//	                               with ssl, asking for protocol 3.2 with v32) and
//	                               print the startup answer
//	send [ready=N]                 send the input's messages, print the answers
//	                               up to the last ReadyForQuery expected (one
//	                               per query/sync line, or N), or until the
//	                               server hangs up
//
// Input lines of send:
//
//	query SQL
//	parse [name=S] [oids=20,25] SQL
//	bind [portal=P] [stmt=S] [pfmt=0,1] [rfmt=1] [param=V|NULL|x:HEX]...
//	describe S|P [NAME]
//	execute [portal=P] [max=N]
//	close S|P [NAME]
//	copydata "GO STRING"           CopyData with the unquoted bytes
//	copydone | copyfail MSG
//	sync | flush | terminate
//	raw HEX                        bytes sent as they are
//	big N                          a Query message of N bytes
func TestWire(t *testing.T) {
	files, err := filepath.Glob("../../testdata/server/pgwire/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ts := startServer(t, Options{MaxMessageSize: 4096})
			var c *wireClient
			datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
				switch td.Cmd {
				case "connect":
					if c != nil {
						c.nc.Close()
					}
					c = dialWire(t, ts, td)
					t.Cleanup(func() { c.nc.Close() })
					return c.out.String()
				case "send":
					ready := -1
					if td.HasArg("ready") {
						td.ScanArgs(t, "ready", &ready)
					}
					return c.send(t, td.Input, ready)
				}
				t.Fatalf("%s: unknown directive %q", td.Pos, td.Cmd)
				return ""
			})
		})
	}
}

type wireClient struct {
	nc  net.Conn
	fe  *pgproto3.Frontend
	out strings.Builder
}

func dialWire(t *testing.T, ts *testServer, td *datadriven.TestData) *wireClient {
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	c := &wireClient{nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	user := "riffle"
	version := uint32(pgproto3.ProtocolVersion30)
	params := map[string]string{}
	for _, a := range td.CmdArgs {
		switch a.Key {
		case "user":
			user = a.Vals[0]
		case "ssl":
			c.fe.Send(&pgproto3.SSLRequest{})
			c.flush(t)
			b := make([]byte, 1)
			if _, err := nc.Read(b); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&c.out, "SSL answer %q\n", b)
		case "v32":
			version = pgproto3.ProtocolVersion32
			params["_pq_.test_option"] = "on"
		}
	}
	params["user"], params["application_name"] = user, "wire_test"
	c.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: version, Parameters: params})
	c.flush(t)
	c.receive(t, 1)
	return c
}

func (c *wireClient) flush(t *testing.T) {
	if err := c.fe.Flush(); err != nil {
		t.Fatal(err)
	}
}

func (c *wireClient) send(t *testing.T, input string, override int) string {
	c.out.Reset()
	ready := 0
	for _, line := range strings.Split(input, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if raw, ok := rawLine(t, line); ok {
			c.flush(t)
			if _, err := c.nc.Write(raw); err != nil {
				t.Fatal(err)
			}
			continue
		}
		msg := parseLine(t, line)
		switch msg.(type) {
		case *pgproto3.Query, *pgproto3.Sync:
			ready++
		}
		c.fe.Send(msg)
	}
	c.flush(t)
	if override >= 0 {
		ready = override
	}
	c.receive(t, ready)
	return c.out.String()
}

// receive prints messages until the want'th ReadyForQuery, the connection's
// end, or (when want is 0) a pause in the output.
func (c *wireClient) receive(t *testing.T, want int) {
	wait := 5 * time.Second
	if want == 0 {
		wait = 300 * time.Millisecond
	}
	for seen := 0; want == 0 || seen < want; {
		_ = c.nc.SetReadDeadline(time.Now().Add(wait))
		msg, err := c.fe.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && want == 0 {
				return
			}
			fmt.Fprintf(&c.out, "connection closed (%s)\n", closedReason(err))
			return
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			seen++
		}
		c.out.WriteString(renderMessage(msg) + "\n")
	}
}

func closedReason(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "EOF"
}

func rawLine(t *testing.T, line string) ([]byte, bool) {
	f := strings.Fields(line)
	switch f[0] {
	case "raw":
		b, err := hex.DecodeString(strings.Join(f[1:], ""))
		if err != nil {
			t.Fatalf("raw %q: %v", line, err)
		}
		return b, true
	case "big":
		n, _ := strconv.Atoi(f[1])
		b, _ := (&pgproto3.Query{String: "select " + strings.Repeat("x", n)}).Encode(nil)
		return b, true
	}
	return nil, false
}

// parseLine reads one frontend message from its line in a send block.
func parseLine(t *testing.T, line string) pgproto3.FrontendMessage {
	cmd, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	opts, text := lineOptions(rest)
	switch cmd {
	case "query":
		return &pgproto3.Query{String: rest}
	case "parse":
		return &pgproto3.Parse{Name: opts["name"], Query: text, ParameterOIDs: uint32s(opts["oids"])}
	case "bind":
		b := &pgproto3.Bind{DestinationPortal: opts["portal"], PreparedStatement: opts["stmt"],
			ParameterFormatCodes: int16s(opts["pfmt"]), ResultFormatCodes: int16s(opts["rfmt"])}
		for _, p := range strings.Fields(rest) {
			v, ok := strings.CutPrefix(p, "param=")
			switch {
			case !ok:
			case v == "NULL":
				b.Parameters = append(b.Parameters, nil)
			case strings.HasPrefix(v, "x:"):
				raw, _ := hex.DecodeString(v[2:])
				b.Parameters = append(b.Parameters, raw)
			default:
				b.Parameters = append(b.Parameters, []byte(v))
			}
		}
		return b
	case "describe", "close":
		kind, name, _ := strings.Cut(rest, " ")
		if cmd == "close" {
			return &pgproto3.Close{ObjectType: kind[0], Name: name}
		}
		return &pgproto3.Describe{ObjectType: kind[0], Name: name}
	case "execute":
		n, _ := strconv.Atoi(opts["max"])
		return &pgproto3.Execute{Portal: opts["portal"], MaxRows: uint32(n)}
	case "copydata":
		data, err := strconv.Unquote(rest)
		if err != nil {
			t.Fatalf("copydata %s: %v", rest, err)
		}
		return &pgproto3.CopyData{Data: []byte(data)}
	case "copydone":
		return &pgproto3.CopyDone{}
	case "copyfail":
		return &pgproto3.CopyFail{Message: rest}
	case "sync":
		return &pgproto3.Sync{}
	case "flush":
		return &pgproto3.Flush{}
	case "terminate":
		return &pgproto3.Terminate{}
	}
	t.Fatalf("unknown message line %q", line)
	return nil
}

// lineOptions splits leading key=value words off a line.
func lineOptions(s string) (map[string]string, string) {
	opts := map[string]string{}
	for {
		word, rest, _ := strings.Cut(s, " ")
		k, v, ok := strings.Cut(word, "=")
		if !ok || k == "" || strings.ContainsAny(k, "$'(") || k == "param" {
			return opts, s
		}
		opts[k] = v
		s = rest
	}
}

func uint32s(s string) []uint32 {
	var r []uint32
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.ParseUint(f, 10, 32); err == nil {
			r = append(r, uint32(n))
		}
	}
	return r
}

func int16s(s string) []int16 {
	var r []int16
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(f, 10, 16); err == nil {
			r = append(r, int16(n))
		}
	}
	return r
}

// renderMessage prints one backend message compactly and deterministically.
func renderMessage(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		var b strings.Builder
		b.WriteString("RowDescription")
		for _, f := range m.Fields {
			fmt.Fprintf(&b, " %s:%s", f.Name, TypeName(f.DataTypeOID))
			if f.TypeModifier != -1 {
				fmt.Fprintf(&b, "(%d)", f.TypeModifier)
			}
			if f.Format != 0 {
				b.WriteString("/bin")
			}
		}
		return b.String()
	case *pgproto3.DataRow:
		vals := make([]string, len(m.Values))
		for i, v := range m.Values {
			if v == nil {
				vals[i] = "NULL"
			} else {
				vals[i] = strconv.Quote(string(v))
			}
		}
		return "DataRow " + strings.Join(vals, " ")
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.CopyData:
		return "CopyData " + strconv.Quote(string(m.Data))
	case *pgproto3.CopyInResponse:
		return fmt.Sprintf("CopyInResponse format=%d columns=%v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyOutResponse:
		return fmt.Sprintf("CopyOutResponse format=%d columns=%v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.ErrorResponse:
		s := renderError(m.Severity, m.Code, m.Message, m.Hint, m.Position)
		if m.Where != "" {
			s += " CONTEXT: " + m.Where
		}
		return s
	case *pgproto3.NoticeResponse:
		return renderError(m.Severity, m.Code, m.Message, m.Hint, m.Position)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.ParameterStatus:
		return "ParameterStatus " + m.Name + "=" + m.Value
	case *pgproto3.ParameterDescription:
		names := make([]string, len(m.ParameterOIDs))
		for i, oid := range m.ParameterOIDs {
			names[i] = strconv.Itoa(int(oid))
		}
		return "ParameterDescription [" + strings.Join(names, " ") + "]"
	case *pgproto3.BackendKeyData:
		return fmt.Sprintf("BackendKeyData (secret of %d bytes)", len(m.SecretKey))
	case *pgproto3.NegotiateProtocolVersion:
		return fmt.Sprintf("NegotiateProtocolVersion 3.%d %v", m.NewestMinorProtocol, m.UnrecognizedOptions)
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

func renderError(sev, code, msg, hint string, pos int32) string {
	s := fmt.Sprintf("%s %s %s", sev, code, msg)
	if pos > 0 {
		s += fmt.Sprintf(" (position %d)", pos)
	}
	if hint != "" {
		s += " HINT: " + hint
	}
	return s
}
