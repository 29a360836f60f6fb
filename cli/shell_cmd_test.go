package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// screen is a tmux session running a program in a real terminal, which the
// test types into (send-keys) and reads (capture-pane).
type screen struct {
	t    *testing.T
	tmux string
	sock string
}

// newScreen runs command in a fresh 120×40 terminal.
func newScreen(t *testing.T, name string, env []string, command ...string) *screen {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed (Debian package tmux)")
	}
	sc := &screen{t: t, tmux: tmux, sock: "riffle-shell-" + name + "-" + strings.ReplaceAll(t.Name(), "/", "-")}
	args := []string{"new-session", "-d", "-s", "sh", "-x", "120", "-y", "40"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	sc.tmux0(append(args, strings.Join(command, " "))...)
	t.Cleanup(sc.close)
	return sc
}

func (sc *screen) tmux0(args ...string) string {
	sc.t.Helper()
	out, err := exec.Command(sc.tmux, append([]string{"-L", sc.sock}, args...)...).CombinedOutput()
	if err != nil {
		sc.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (sc *screen) close() { _ = exec.Command(sc.tmux, "-L", sc.sock, "kill-server").Run() }

// keys types keys: tmux key names (Tab, Enter, C-c, Up) or literal text.
func (sc *screen) keys(keys ...string) {
	sc.t.Helper()
	for _, k := range keys {
		switch k {
		case "Tab", "Enter", "C-a", "C-c", "C-e", "C-u", "Up", "G", "q":
			sc.tmux0("send-keys", "-t", "sh", k)
		default:
			// tmux takes an argument ending in ';' for the end of its command.
			if strings.HasSuffix(k, ";") {
				k = strings.TrimSuffix(k, ";") + `\;`
			}
			sc.tmux0("send-keys", "-t", "sh", "-l", k)
		}
	}
}

// text is what the terminal shows, with its scrollback: wrapped lines
// joined, trailing spaces and empty lines dropped, so that `riffle>$` means
// the shell waits at its prompt.
func (sc *screen) text() string {
	lines := strings.Split(sc.tmux0("capture-pane", "-p", "-J", "-S", "-500", "-t", "sh"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// wait waits until the terminal shows text matching re, and returns it.
func (sc *screen) wait(re string) string {
	sc.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(20 * time.Second)
	for {
		text := sc.text()
		if rx.MatchString(text) {
			return text
		}
		if time.Now().After(deadline) {
			sc.t.Fatalf("the terminal never showed %q:\n%s", re, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clear clears the terminal and its scrollback, so that the next wait sees
// only what comes after.
func (sc *screen) clear() {
	sc.t.Helper()
	sc.tmux0("send-keys", "-t", "sh", "-R")
	sc.tmux0("clear-history", "-t", "sh")
}

// TestShellTerminal drives `riffle shell` in a real terminal (tmux) against
// a riffle server: Tab completion of a table and its columns, the \d
// commands, CSV and JSON output, a live SUBSCRIBE in table mode and in
// changelog mode that updates as another connection inserts rows and ends
// with Ctrl-C leaving the shell usable, and the history surviving a restart
// of the shell.
func TestShellTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle server")
	}
	addr := freePort(t)
	s := startServer(t, t.TempDir(), addr, freePort(t))
	defer s.stop(t)
	c := s.conn(t)
	mustExec(t, c, "CREATE TABLE orders (id BIGINT, customer STRING, amount DECIMAL(10,2))")
	mustExec(t, c, "CREATE TABLE users (id BIGINT PRIMARY KEY NOT ENFORCED, name STRING, city STRING)")
	mustExec(t, c, "CREATE MATERIALIZED VIEW per_city AS SELECT city, COUNT(*) AS n FROM users GROUP BY city")
	mustExec(t, c, "CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100")
	mustExec(t, c, "INSERT INTO users VALUES (1, 'ann', 'Paris'), (2, 'bob', 'Lyon')")
	mustExec(t, c, "FLUSH")

	_, port, _ := net.SplitHostPort(addr)
	history := filepath.Join(t.TempDir(), "state", "history")
	env := []string{"RIFFLE_HISTORY=" + history, "PGHOST=127.0.0.1", "PGPORT=1", // the -p flag overrides PGPORT
		"PAGER=", "RIFFLE_PAGER="}
	sc := newScreen(t, "1", env, binary, "shell", "-p", port)
	sc.wait(`riffle>$`)

	// Tab completes a table after FROM, then a column of the tables the
	// statement names, then a column after an alias.
	sc.keys("SELECT * FROM ord", "Tab")
	sc.wait(`riffle> SELECT \* FROM orders$`)
	sc.keys("WHERE cust", "Tab")
	sc.wait(`FROM orders WHERE customer$`)
	sc.keys("C-u", " FROM users u", "C-a", "SELECT u.", "Tab")
	sc.wait(`(?m)^u\.city +u\.id +u\.name$`) // several candidates: listed
	sc.keys("ci", "Tab")
	sc.wait(`riffle> SELECT u\.city  FROM users u$`)
	sc.keys("C-e", "C-u")

	// The \d commands.
	sc.clear()
	sc.keys(`\d`, "Enter")
	sc.wait(`(?s)List of relations.*public \| big_orders \| view.*public \| per_city +\| materialized view.*\(4 rows\)`)
	sc.keys(`\dt`, "Enter")
	sc.wait(`(?s)List of tables.*public \| orders \| table\s+public \| users +\| table\s+\(2 rows\)`)
	sc.keys(`\dm`, "Enter")
	sc.wait(`(?s)List of materialized views.*public \| per_city \| materialized view\s+\(1 row\)`)
	sc.keys(`\d users`, "Enter")
	sc.wait(`(?s)Table "public.users".*id +\| bigint +\| not null.*city +\| text.*Primary key: \(id\)\s+Definition:\s+CREATE TABLE users`)
	sc.keys(`\d per_city`, "Enter")
	sc.wait(`(?s)Materialized view "public.per_city".*View definition:\s+SELECT city, COUNT`)

	// CSV and JSON.
	sc.clear()
	sc.keys(`\pset format csv`, "Enter", "SELECT * FROM users WHERE id = 1;", "Enter")
	sc.wait(`(?m)^id,name,city\s+^1,ann,Paris$`)
	sc.keys(`\pset format json`, "Enter", "SELECT * FROM users WHERE id = 2;", "Enter")
	sc.wait(`(?m)^\{"id":2,"name":"bob","city":"Lyon"\}$`)
	sc.keys(`\pset format aligned`, "Enter")

	// A result taller than the terminal goes through the pager.
	if _, err := exec.LookPath("less"); err != nil {
		t.Log("less is not installed (Debian package less): the pager is not tested")
	} else {
		sc.clear()
		sc.keys("SELECT typname FROM pg_catalog.pg_type ORDER BY typname;", "Enter")
		sc.wait(`(?s)typname\s+-+\s+.*\n:$`) // less's prompt
		sc.keys("G")                         // to the end, where the footer is
		sc.wait(`\(\d+ rows\)\s+\(END\)$`)
		sc.keys("q")
		sc.wait(`riffle>$`)
		sc.keys(`\pset pager off`, "Enter")
		sc.wait(`Pager usage is off\.\s+riffle>$`)
	}

	// A live SUBSCRIBE in table mode: redrawn in place as rows come.
	sc.clear()
	sc.keys("SUBSCRIBE per_city;", "Enter")
	sc.wait(`(?s)Lyon +\| 1.*Paris +\| 1.*\(2 rows, 2 changes, as of .*; Ctrl-C to stop\)`)
	mustExec(t, c, "INSERT INTO users VALUES (3, 'cid', 'Paris'), (4, 'dee', 'Rome')")
	text := sc.wait(`(?s)Lyon +\| 1.*Paris +\| 2.*Rome +\| 1.*\(3 rows, 5 changes, as of .*; Ctrl-C to stop\)`)
	if n := strings.Count(text, "Paris"); n != 1 {
		t.Errorf("the table was not redrawn in place: Paris shows %d times:\n%s", n, text)
	}
	sc.keys("C-c")
	sc.wait(`\(3 rows, 5 changes, as of .*; stopped\)\s+riffle>$`)
	sc.keys("SELECT 'alive' AS status;", "Enter")
	sc.wait(`(?s)status\s+-+\s+alive\s+\(1 row\)\s+riffle>$`)

	// The same in changelog mode: each change a line.
	sc.clear()
	sc.keys(`\pset subscribe changelog`, "Enter", "SELECT city, COUNT(*) AS n FROM users GROUP BY city EMIT CHANGES;", "Enter")
	sc.wait(`(?s)op +\| +op_ts +\| city +\| n.*\+I \| .* \| Rome +\| 1`)
	mustExec(t, c, "INSERT INTO users VALUES (5, 'eve', 'Rome')")
	sc.wait(`(?s)-U \| .* \| Rome +\| 1\s+\+U \| .* \| Rome +\| 2`)
	// A query (not a view) followed runs as a temporary query while it lasts.
	if subs := subscriptions(t, c); len(subs) != 1 {
		t.Errorf("while EMIT CHANGES runs, SHOW QUERIES lists subscriptions %v, want one", subs)
	}
	sc.keys("C-c")
	sc.wait(`\(5 changes, stopped\)\s+riffle>$`)
	sc.keys("SELECT 'still alive' AS status;", "Enter")
	sc.wait(`still alive\s+\(1 row\)\s+riffle>$`)
	sc.keys(`\q`, "Enter")

	// The history survives: a new shell recalls the last statements.
	var data []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.HasSuffix(string(data), "\\q\n"); time.Sleep(50 * time.Millisecond) {
		data, _ = os.ReadFile(history)
	}
	if !strings.Contains(string(data), "SUBSCRIBE per_city;\n") || !strings.HasSuffix(string(data), "SELECT 'still alive' AS status;\n\\q\n") {
		t.Errorf("history file:\n%s", data)
	}
	sc2 := newScreen(t, "2", env, binary, "shell", "-p", port)
	sc2.wait(`riffle>$`)
	sc2.keys("Up", "Up")
	sc2.wait(`riffle> SELECT 'still alive' AS status;$`)
	sc2.keys("Enter")
	sc2.wait(`still alive\s+\(1 row\)\s+riffle>$`)

	// Scripts: -c with --format, and a SUBSCRIBE streaming JSON lines until
	// SIGINT.
	out, err := exec.Command(binary, "shell", "-p", port, "--format", "csv", "-c", "SELECT * FROM per_city", "-c", `\dm`).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "city,n\nLyon,1\nParis,2\nRome,2\n") || !strings.Contains(string(out), "public,per_city,materialized view") {
		t.Errorf("riffle shell -c: %v\n%s", err, out)
	}
	script := filepath.Join(t.TempDir(), "report.sql")
	os.WriteFile(script, []byte("SELECT name FROM users WHERE id = 1;\nSELECT nope;\nSELECT 'not reached';\n"), 0o600)
	cmd := exec.Command(binary, "shell", "-p", port, "-f", script)
	out, _ = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.HasPrefix(string(out), " name \n------\n ann\n(1 row)\n\nERROR:  column \"nope\" does not exist") ||
		strings.Contains(string(out), "not reached") {
		t.Errorf("riffle shell -f: exit %d\n%s", code, out)
	}
	sub := exec.Command(binary, "shell", "-p", port, "--format", "json", "-c", "SUBSCRIBE per_city")
	stdout, err := sub.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	sub.Stderr = &stderr
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	for _, want := range []string{`{"op":"+I","op_ts":"`, `{"op":"+I","op_ts":"`, `{"op":"+I","op_ts":"`} {
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), want) {
			t.Fatalf("SUBSCRIBE in a script printed %q, want %s…", lines.Text(), want)
		}
	}
	mustExec(t, c, "INSERT INTO users VALUES (6, 'fay', 'Lyon')")
	for _, want := range []string{`{"op":"-U",`, `{"op":"+U",`} {
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), want) || !strings.Contains(lines.Text(), `"city":"Lyon"`) {
			t.Fatalf("SUBSCRIBE in a script printed %q, want %s…", lines.Text(), want)
		}
	}
	sub.Process.Signal(os.Interrupt)
	sub.Wait()
	if code := sub.ProcessState.ExitCode(); code != 3 || !strings.Contains(stderr.String(), "57014") {
		t.Errorf("SUBSCRIBE in a script after SIGINT: exit %d\n%s", code, stderr.String())
	}

	// The SUBSCRIBEs ended on the server too: no temporary query is left.
	if subs := subscriptions(t, c); len(subs) != 0 {
		t.Errorf("subscription queries %v still run after Ctrl-C", subs)
	}
}

// subscriptions lists the temporary queries of the subscriptions running
// on the server (SHOW QUERIES ids sub1, sub2, …).
func subscriptions(t *testing.T, c *pgx.Conn) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := c.Query(ctx, "SHOW QUERIES")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var subs []string
	for rows.Next() {
		if id := string(rows.RawValues()[0]); strings.HasPrefix(id, "sub") {
			subs = append(subs, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return subs
}

// TestShellPassword connects `riffle shell` to a server with users: at a
// terminal, the shell asks for the password the server wants, as psql
// does, and a wrong one ends with the server's refusal.
func TestShellPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle server")
	}
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("ann:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	s := startServer(t, t.TempDir(), addr, freePort(t), "--users", users)
	defer s.stop(t)
	host, port, _ := net.SplitHostPort(addr)
	env := []string{"RIFFLE_HISTORY=", "PGPASSWORD="}
	sc := newScreen(t, "1", env, binary, "shell", "-h", host, "-p", port, "-U", "ann")
	sc.wait(`Password for user ann:$`)
	sc.keys("s3cret", "Enter")
	sc.wait(`(?s)connected to .* as ann .*riffle>$`)
	sc.keys("SELECT current_user;", "Enter")
	sc.wait(`ann\s+\(1 row\)\s+riffle>$`)

	// tmux runs the command with sh: keep the terminal open after the shell exits.
	sc2 := newScreen(t, "2", env, binary, "shell", "-W", "postgres://ann@"+addr+"/riffle", "; echo exit $?; sleep 60")
	sc2.wait(`Password for user ann:$`)
	sc2.keys("wrong", "Enter")
	sc2.wait(`connection to .* refused: password authentication failed for user "ann" \(SQLSTATE 28P01\)\s+exit 2$`)
}

// TestEmbeddedShell runs `riffle` with no command in a terminal: it starts
// the server and opens the shell on it, with completion, and stops both
// when the shell quits.
func TestEmbeddedShell(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle server")
	}
	dir := t.TempDir()
	sc := newScreen(t, "1", []string{"RIFFLE_HISTORY="}, binary, "--data-dir", dir, "--listen", "127.0.0.1:0",
		"--kafka-listen", "127.0.0.1:0", "--registry-listen", "127.0.0.1:0", "; echo exit $?; sleep 60")
	sc.wait(`(?s)riffle is running\..*riffle shell: connected to 127\.0\.0\.1:\d+ as riffle.*riffle>$`)
	sc.keys("CREATE TABLE clicks (id BIGINT, url STRING);", "Enter")
	sc.wait(`CREATE TABLE\s+riffle>$`)
	sc.keys("SELECT ur", "Tab")
	sc.wait(`riffle> SELECT url$`) // the column, though no FROM names its table yet
	sc.keys("FROM cl", "Tab")
	sc.wait(`riffle> SELECT url FROM clicks$`)
	sc.keys("C-u", `\q`, "Enter")
	sc.wait(`exit 0$`)
}
