package pgwire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// writes it (cert.pem, key.pem) under dir for psql and the riffle CLI, and
// returns the server's TLS configuration.
func testCert(t testing.TB, dir string) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "riffle test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	for name, b := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

func (ts *testServer) dsn(user, password, sslmode string, extra ...string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: ts.addr.String(),
		Path: "/riffle", RawQuery: strings.Join(append([]string{"sslmode=" + sslmode}, extra...), "&")}
	return u.String()
}

func pgxConnect(dsn string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, dsn)
}

// mustQuery checks that a connection works, and closes it.
func mustQuery(t *testing.T, c *pgx.Conn) {
	t.Helper()
	defer c.Close(context.Background())
	var n int32
	if err := c.QueryRow(context.Background(), "select 1").Scan(&n, nil, nil, nil, nil); err != nil || n != 1 {
		t.Fatalf("query over the connection: %v", err)
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, Options{TLS: testCert(t, dir)})

	c, err := pgxConnect(ts.dsn("riffle", "", "require"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Errorf("sslmode=require connected without TLS: %T", c.PgConn().Conn())
	}
	mustQuery(t, c)

	// The certificate checks out against itself as the CA.
	c, err = pgxConnect(ts.dsn("riffle", "", "verify-full", "sslrootcert="+filepath.Join(dir, "cert.pem")))
	if err != nil {
		t.Fatalf("verify-full: %v", err)
	}
	mustQuery(t, c)

	// A client that does not ask for TLS still gets in, in the clear.
	c, err = pgxConnect(ts.dsn("riffle", "", "disable"))
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, c)

	// A server without a certificate declines, and a client that insists
	// gives up cleanly, leaving the server serving.
	plain := startServer(t, Options{})
	_, err = pgxConnect(plain.dsn("riffle", "", "require"))
	if err == nil || !strings.Contains(err.Error(), "refused TLS") {
		t.Fatalf("sslmode=require without TLS on the server: %v", err)
	}
	c, err = pgxConnect(plain.dsn("riffle", "", "disable"))
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, c)
}

// TestTLSPlaintextInjection: bytes sent after the SSLRequest but before
// the TLS handshake are not taken as protocol (CVE-2021-23214): they are
// not a TLS ClientHello, so the handshake fails and the connection ends.
func TestTLSPlaintextInjection(t *testing.T) {
	ts := startServer(t, Options{TLS: testCert(t, t.TempDir())})
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var b []byte
	b, _ = (&pgproto3.SSLRequest{}).Encode(b)
	b, _ = (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "riffle"}}).Encode(b)
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 64)
	n, _ := readAll(nc, got)
	if n < 1 || got[0] != 'S' || strings.Contains(string(got[:n]), "AuthenticationOk") || n > 1 && got[1] == 'R' {
		t.Fatalf("server answered %q", got[:n])
	}
}

func readAll(nc net.Conn, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := nc.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

var testUsers = map[string]string{
	"alice": "s3cret:with colon",
	"bob":   Verifier("hunter2"),
	"émile": "pâté",
}

func TestSCRAM(t *testing.T) {
	ts := startServer(t, Options{Users: testUsers, TLS: testCert(t, t.TempDir())})
	for _, tc := range []struct{ user, password, sslmode, extra string }{
		{"alice", "s3cret:with colon", "disable", ""},
		{"bob", "hunter2", "disable", ""},
		{"émile", "pâté", "disable", ""},
		// Over TLS pgx binds the exchange to the certificate
		// (SCRAM-SHA-256-PLUS); require makes sure it did.
		{"alice", "s3cret:with colon", "require", "channel_binding=require"},
		{"bob", "hunter2", "require", "channel_binding=disable"},
	} {
		t.Run(tc.user+"/"+tc.sslmode+"/"+tc.extra, func(t *testing.T) {
			cfg, err := pgx.ParseConfig(ts.dsn("x", "", tc.sslmode, tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			cfg.User, cfg.Password = tc.user, tc.password
			c, err := pgx.ConnectConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			mustQuery(t, c)
		})
	}
	for _, tc := range []struct{ user, password string }{
		{"alice", "wrong"}, {"bob", ""}, {"nobody", "hunter2"},
	} {
		cfg, _ := pgx.ParseConfig(ts.dsn("x", "", "disable"))
		cfg.User, cfg.Password = tc.user, tc.password
		_, err := pgx.ConnectConfig(context.Background(), cfg)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28P01" || pe.Severity != "FATAL" ||
			pe.Message != fmt.Sprintf("password authentication failed for user %q", tc.user) {
			t.Errorf("%s/%q: err = %v", tc.user, tc.password, err)
		}
	}
	// The exchange never offers clear text on a connection in the clear.
	if got := firstAuthRequest(t, ts); got != "AuthenticationSASL [SCRAM-SHA-256]" {
		t.Errorf("first request = %s", got)
	}
}

// TestCleartextOverTLS: with AuthPassword, a TLS client is asked for the
// password in clear text, and a client in the clear still gets SCRAM.
func TestCleartextOverTLS(t *testing.T) {
	ts := startServer(t, Options{Users: testUsers, Auth: AuthPassword, TLS: testCert(t, t.TempDir())})
	c, err := pgxConnect(ts.dsn("bob", "hunter2", "require"))
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, c)
	_, err = pgxConnect(ts.dsn("bob", "nope", "require"))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28P01" {
		t.Errorf("wrong password over TLS: %v", err)
	}
	c, err = pgxConnect(ts.dsn("alice", "s3cret:with colon", "disable"))
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, c)
	if got := firstAuthRequest(t, ts); got != "AuthenticationSASL [SCRAM-SHA-256]" {
		t.Errorf("first request in the clear = %s", got)
	}
}

// firstAuthRequest starts a session in the clear and returns what the
// server asks for first.
func firstAuthRequest(t *testing.T, ts *testServer) string {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "alice"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	switch m := msg.(type) {
	case *pgproto3.AuthenticationSASL:
		return fmt.Sprintf("AuthenticationSASL %v", m.AuthMechanisms)
	case *pgproto3.AuthenticationCleartextPassword:
		return "AuthenticationCleartextPassword"
	}
	return fmt.Sprintf("%T", msg)
}

// TestSCRAMProtocolErrors: broken SASL messages end the connection with
// 08P01 (or 28P01), never a crash, and leave the server serving.
func TestSCRAMProtocolErrors(t *testing.T) {
	ts := startServer(t, Options{Users: testUsers})
	for name, tc := range map[string]struct {
		mech, first, final string
		want               string
	}{
		"unknown mechanism": {"SCRAM-SHA-1", "n,,n=,r=abc", "", "08P01"},
		"plus without tls":  {"SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,n=,r=abc", "", "08P01"},
		"no nonce":          {"SCRAM-SHA-256", "n,,n=", "", "08P01"},
		"authzid":           {"SCRAM-SHA-256", "n,a=bob,n=,r=abc", "", "0A000"},
		"bad flag":          {"SCRAM-SHA-256", "x,,n=,r=abc", "", "08P01"},
		"nonce mismatch":    {"SCRAM-SHA-256", "n,,n=,r=abc", "c=biws,r=zzz,p=" + strings.Repeat("A", 43) + "=", "08P01"},
		"bad binding":       {"SCRAM-SHA-256", "n,,n=,r=abc", "c=eSws,r=NONCE,p=" + strings.Repeat("A", 43) + "=", "08P01"},
		"short proof":       {"SCRAM-SHA-256", "n,,n=,r=abc", "c=biws,r=NONCE,p=AAAA", "08P01"},
		"wrong proof":       {"SCRAM-SHA-256", "n,,n=,r=abc", "c=biws,r=NONCE,p=" + strings.Repeat("A", 43) + "=", "28P01"},
	} {
		t.Run(name, func(t *testing.T) {
			got := scramByHand(t, ts, tc.mech, tc.first, tc.final)
			if !strings.Contains(got, tc.want) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	c, err := pgxConnect(ts.dsn("bob", "hunter2", "disable"))
	if err != nil {
		t.Fatal(err)
	}
	mustQuery(t, c)
}

// scramByHand sends a SASL exchange's messages as given (NONCE in final is
// replaced by the server's nonce) and returns the code of the error that
// ends it.
func scramByHand(t *testing.T, ts *testServer, mech, first, final string) string {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "bob"}})
	_ = fe.Flush()
	if _, err := fe.Receive(); err != nil { // AuthenticationSASL
		t.Fatal(err)
	}
	fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: mech, Data: []byte(first)})
	_ = fe.Flush()
	for {
		msg, err := fe.Receive()
		if err != nil {
			return "closed: " + err.Error()
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			return m.Severity + " " + m.Code + " " + m.Message
		case *pgproto3.AuthenticationSASLContinue:
			nonce, _, _ := strings.Cut(strings.TrimPrefix(string(m.Data), "r="), ",")
			fe.Send(&pgproto3.SASLResponse{Data: []byte(strings.Replace(final, "NONCE", nonce, 1))})
			_ = fe.Flush()
		default:
			return fmt.Sprintf("%T", msg)
		}
	}
}

func TestParseUsers(t *testing.T) {
	users, err := ParseUsers(strings.NewReader("# riffle users\n\nalice:a:b\r\n bob : x\ncarol:" + Verifier("pw") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if users["alice"] != "a:b" || users["bob"] != " x" || !strings.HasPrefix(users["carol"], "SCRAM-SHA-256$4096:") {
		t.Errorf("users = %q", users)
	}
	for _, bad := range []string{"nocolon\n", ":pw\n", "a:\n", "a:x\na:y\n", "a:SCRAM-SHA-256$x\n"} {
		if _, err := ParseUsers(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestPsqlTLSAndPassword runs psql (libpq) with sslmode=require and
// channel binding, and with PGPASSWORD right and wrong.
func TestPsqlTLSAndPassword(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed; install postgresql-client to run this test")
	}
	dir := t.TempDir()
	secure := startServer(t, Options{Users: testUsers, TLS: testCert(t, dir)})
	plain := startServer(t, Options{})
	run := func(ts *testServer, user string, env ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, psql, "-h", "127.0.0.1", "-p", strconv.Itoa(ts.addr.Port), "-U", user,
			"-d", "riffle", "-X", "-A", "-t", "-w", "-c", `\conninfo`, "-c", "select 1")
		// Only the libpq settings each case gives, none from outside.
		for _, kv := range cmd.Environ() {
			if !strings.HasPrefix(kv, "PG") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, append([]string{"PGCONNECT_TIMEOUT=10"}, env...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(secure, "bob", "PGSSLMODE=require", "PGPASSWORD=hunter2", "PGCHANNELBINDING=require")
	if err != nil || !strings.Contains(out, "SSL connection (protocol: TLS") || !strings.Contains(out, "1|row 1") {
		t.Errorf("psql over TLS with channel binding: %v\n%s", err, out)
	}
	out, err = run(secure, "alice", "PGSSLMODE=disable", "PGPASSWORD=s3cret:with colon")
	if err != nil || strings.Contains(out, "SSL connection") || !strings.Contains(out, "1|row 1") {
		t.Errorf("psql with SCRAM in the clear: %v\n%s", err, out)
	}
	out, err = run(secure, "alice", "PGSSLMODE=prefer", "PGPASSWORD=wrong")
	if err == nil || !strings.Contains(out, `password authentication failed for user "alice"`) {
		t.Errorf("psql with a wrong password: %v\n%s", err, out)
	}
	out, err = run(secure, "alice", "PGSSLMODE=disable")
	if err == nil || !strings.Contains(out, "no password supplied") {
		t.Errorf("psql without a password: %v\n%s", err, out)
	}
	out, err = run(plain, "riffle", "PGSSLMODE=require")
	if err == nil || !strings.Contains(out, "server does not support SSL") {
		t.Errorf("psql sslmode=require against a server without TLS: %v\n%s", err, out)
	}
}
