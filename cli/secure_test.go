package main

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
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestSecureServer runs `riffle server` with --tls-cert, --tls-key,
// --users and limits, and connects as a user would: pgx over TLS with a
// password, and `riffle shell` with PGUSER and PGPASSWORD.
func TestSecureServer(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte("# who may connect\nada:lovelace\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	s := startServer(t, filepath.Join(dir, "data"), addr, freePort(t), "--tls-cert", cert, "--tls-key", key,
		"--users", users, "--max-connections", "3", "--idle-in-transaction-timeout", "1m")
	defer s.stop(t)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, "postgres://ada:lovelace@"+addr+"/riffle?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Errorf("not TLS: %T", c.PgConn().Conn())
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT 1 + 1").Scan(&n); err != nil || n != 2 {
		t.Fatalf("query: %d %v", n, err)
	}
	_, err = pgx.Connect(ctx, "postgres://ada:babbage@"+addr+"/riffle?sslmode=require")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28P01" {
		t.Errorf("wrong password: %v", err)
	}

	cmd := exec.Command(binary, "shell", "--listen", addr)
	cmd.Env = append(os.Environ(), "PGUSER=ada", "PGPASSWORD=lovelace")
	cmd.Stdin = strings.NewReader("SELECT 40 + 2 AS answer;\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "42") {
		t.Errorf("riffle shell with PGUSER/PGPASSWORD: %v\n%s", err, out)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "riffle"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}
