package pgtest

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

// Options shape the server beyond the defaults.
type Options struct {
	// Locale is initdb's locale; "" means "C".
	Locale string
	// Settings are extra server settings, "name=value" each.
	Settings []string
	// Prefix names the temporary directory, to tell servers apart.
	Prefix string
}

// Server is a running throwaway PostgreSQL.
type Server struct {
	// Conn connects to its postgres database as the superuser riffle.
	Conn string
	stop func()
}

// Stop shuts the server down and removes its directory.
func (s *Server) Stop() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Start starts a server. When none can run here (no binaries, no postgres
// user to run as) it returns a nil Server and says why in skip; err is for
// a server that should have started and did not.
func Start(o Options) (s *Server, skip string, err error) {
	bin := BinDir()
	if bin == "" {
		return nil, "initdb/postgres not found under /usr/lib/postgresql/*/bin (install postgresql or set PG_BINDIR)", nil
	}
	dir, err := os.MkdirTemp("", o.Prefix+"pg-")
	if err != nil {
		return nil, "", err
	}
	cleanup := func() { os.RemoveAll(dir) }
	cred, skip, err := credential(dir)
	if skip != "" || err != nil {
		cleanup()
		return nil, skip, err
	}
	locale := o.Locale
	if locale == "" {
		locale = "C"
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "riffle",
		"--auth=trust", "-E", "UTF8", "--locale="+locale, "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		cleanup()
		return nil, "", fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		cleanup()
		return nil, "", err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		cleanup()
		return nil, "", err
	}
	args := []string{"-D", data, "-k", dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "shared_buffers=16MB"}
	for _, kv := range o.Settings {
		args = append(args, "-c", kv)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		cleanup()
		return nil, "", fmt.Errorf("starting postgres: %v", err)
	}
	s = &Server{Conn: fmt.Sprintf("postgres://riffle@127.0.0.1:%d/postgres?sslmode=disable", port)}
	s.stop = func() {
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
	if err := wait(s.Conn); err != nil {
		log, _ := os.ReadFile(logPath)
		s.Stop()
		return nil, "", fmt.Errorf("postgres did not start: %v\n%s", err, log)
	}
	return s, "", nil
}

// BinDir finds initdb and postgres: $PG_BINDIR, or the newest
// /usr/lib/postgresql/*/bin, or the directory of postgres on $PATH; "" when
// PostgreSQL is not installed.
func BinDir() string {
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

// credential is who PostgreSQL runs as: as root, the postgres user, made
// owner of dir.
func credential(dir string) (*syscall.Credential, string, error) {
	if os.Geteuid() != 0 {
		return nil, "", nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, "running as root and there is no postgres user to run PostgreSQL as", nil
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, "", err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, "", nil
}

func wait(conn string) error {
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
