package pgcompare

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// postgresServer is a throwaway PostgreSQL cluster in a temporary directory.
// The approach is cli/shell's: initdb with trust auth, postgres on a free
// port, both as the postgres user when the tests run as root (PostgreSQL
// refuses to run as root).
type postgresServer struct {
	conn string
	stop func()
}

// startPostgres returns a running server, or the reason none can be run
// here (no binaries, no postgres user) as skip.
func startPostgres() (pg *postgresServer, skip string, err error) {
	bin := pgBinDir()
	if bin == "" {
		return nil, "initdb/postgres not found under /usr/lib/postgresql/*/bin (install postgresql or set PG_BINDIR)", nil
	}
	dir, err := os.MkdirTemp("", "riffle-pgcompare-")
	if err != nil {
		return nil, "", err
	}
	cleanup := func() { os.RemoveAll(dir) }
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			cleanup()
			return nil, "running as root and there is no postgres user to run PostgreSQL as", nil
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			cleanup()
			return nil, "", err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "riffle",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		cleanup()
		return nil, "", fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port := freePort()
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		cleanup()
		return nil, "", err
	}
	// C.UTF-8: byte order for comparisons (riffle compares strings by
	// bytes) with Unicode case mapping for upper and lower.
	// TimeZone UTC: riffle's session zone defaults to UTC, and the corpus
	// compares timestamps rendered as text.
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=16MB",
		"-c", "TimeZone=UTC", "-c", "DateStyle=ISO, MDY", "-c", "IntervalStyle=postgres",
		"-c", "extra_float_digits=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		cleanup()
		return nil, "", fmt.Errorf("starting postgres: %v", err)
	}
	stop := func() {
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
		cleanup()
	}
	conn := fmt.Sprintf("postgres://riffle@127.0.0.1:%d/postgres?sslmode=disable", port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgconn.Connect(ctx, conn)
		cancel()
		if err == nil {
			c.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			stop()
			return nil, "", fmt.Errorf("postgres did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &postgresServer{conn: conn, stop: stop}, "", nil
}

// pgBinDir finds initdb and postgres: $PG_BINDIR, or the newest
// /usr/lib/postgresql/*/bin, or the directory of postgres on $PATH.
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

// freePort asks the kernel for a port nobody listens on.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 54329
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
