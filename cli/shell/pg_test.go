package shell

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A throwaway PostgreSQL server shared by the tests of this package. It is
// started on first use and stopped by TestMain.
var pg struct {
	once    sync.Once
	conn    string // connection string, "" if PostgreSQL is unavailable
	skip    string // why it is unavailable
	cmd     *exec.Cmd
	dir     string
	cleanup func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pg.cleanup != nil {
		pg.cleanup()
	}
	os.Exit(code)
}

// postgres returns a connection string to a fresh database on the shared
// server, or skips the test when no PostgreSQL binaries are installed.
func postgres(t *testing.T) string {
	t.Helper()
	pg.once.Do(startPostgres)
	if pg.conn == "" {
		t.Skipf("no PostgreSQL to test against: %s", pg.skip)
	}
	return pg.conn
}

// pgBinDir finds initdb and postgres: $PG_BINDIR, or the newest
// /usr/lib/postgresql/*/bin.
func pgBinDir() string {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "postgres")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func startPostgres() {
	bin := pgBinDir()
	if bin == "" {
		pg.skip = "initdb/postgres not found under /usr/lib/postgresql/*/bin (set PG_BINDIR)"
		return
	}
	// PostgreSQL refuses to run as root; as root, run it as the postgres user.
	var cred *syscall.Credential
	dir, err := os.MkdirTemp("", "riffle-shell-pg-")
	if err != nil {
		pg.skip = err.Error()
		return
	}
	pg.dir = dir
	pg.cleanup = func() { os.RemoveAll(dir) }
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			pg.skip = "running as root and there is no postgres user to run PostgreSQL as"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			pg.skip = err.Error()
			return
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "riffle",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		pg.skip = fmt.Sprintf("initdb failed: %v\n%s", err, out)
		return
	}
	port := freePort()
	logf, _ := os.Create(filepath.Join(dir, "postgres.log"))
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=16MB")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		pg.skip = fmt.Sprintf("starting postgres: %v", err)
		return
	}
	pg.cmd = cmd
	pg.cleanup = func() {
		cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.RemoveAll(dir)
	}
	conn := fmt.Sprintf("postgres://riffle@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgconn.Connect(ctx, conn)
		cancel()
		if err == nil {
			c.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			pg.skip = fmt.Sprintf("postgres did not start: %v\n%s", err, log)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	pg.conn = conn
}

// freePort asks the kernel for a port nobody listens on.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 54329
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newDatabase creates an empty database on the shared server and returns a
// connection string to it, so that each test file starts from nothing.
func newDatabase(t *testing.T, name string) string {
	t.Helper()
	base := postgres(t)
	ctx := context.Background()
	c, err := pgconn.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := c.Exec(ctx, stmt).ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("postgres://riffle@127.0.0.1:%d/%s?sslmode=disable",
		mustPort(t, base), name)
}

func mustPort(t *testing.T, conn string) int {
	c, err := pgconn.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	return int(c.Port)
}
