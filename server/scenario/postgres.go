package scenario

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
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pg is a throwaway PostgreSQL server shared by every scenario of the test
// binary, for `pgcheck`. It starts on first use; StopPostgres stops it.
var pg struct {
	once sync.Once
	conn string // connection string; "" when PostgreSQL is unavailable
	skip string // why it is unavailable
	stop func()
}

// postgresConn returns a connection string to the shared PostgreSQL, or ""
// and the reason it is not available (PostgreSQL is not installed, or did
// not start).
func postgresConn() (conn, why string) {
	pg.once.Do(startPostgres)
	return pg.conn, pg.skip
}

// StopPostgres stops the PostgreSQL that pgcheck started, if any; TestMain
// calls it after the tests.
func StopPostgres() {
	if pg.stop != nil {
		pg.stop()
		pg.stop = nil
	}
}

// pgBinDir finds initdb and postgres: $PG_BINDIR, or the newest
// /usr/lib/postgresql/*/bin, or postgres on $PATH.
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

// pgCredential is who PostgreSQL runs as: PostgreSQL refuses to run as
// root, so as root it runs as the postgres user, owning dir.
func pgCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and there is no postgres user to run PostgreSQL as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func startPostgres() {
	bin := pgBinDir()
	if bin == "" {
		pg.skip = "initdb/postgres not found under /usr/lib/postgresql/*/bin (set PG_BINDIR)"
		return
	}
	dir, err := os.MkdirTemp("", "riffle-scenario-pg-")
	if err != nil {
		pg.skip = err.Error()
		return
	}
	pg.stop = func() { os.RemoveAll(dir) }
	cred, err := pgCredential(dir)
	if err != nil {
		pg.skip = err.Error()
		return
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
	port, err := freePort()
	if err != nil {
		pg.skip = err.Error()
		return
	}
	logf, _ := os.Create(filepath.Join(dir, "postgres.log"))
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=16MB")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		pg.skip = fmt.Sprintf("starting postgres: %v", err)
		return
	}
	pg.stop = func() {
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
	if err := waitPostgres(conn); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		pg.skip = fmt.Sprintf("postgres did not start: %v\n%s", err, log)
		return
	}
	pg.conn = conn
}

func waitPostgres(conn string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgconn.Connect(ctx, conn)
		cancel()
		if err == nil {
			return c.Close(context.Background())
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freePort asks the kernel for a port nobody listens on.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
