package pgwire

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPsql runs the real psql client against the gateway.
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not installed")
	}
	ts := startServer(t, Options{})
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		base := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(ts.addr.Port), "-U", "riffle", "-d", "riffle", "-X"}
		cmd := exec.CommandContext(ctx, psql, append(base, args...)...)
		cmd.Env = append(cmd.Environ(), "PGCONNECT_TIMEOUT=10", "PGSSLMODE=prefer", "PGTZ=UTC")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct {
		name    string
		args    []string
		want    string
		wantErr bool
	}{
		{name: "rows", args: []string{"-A", "-t", "-c", "SELECT 3"},
			want: "1|row 1|2024-01-02 03:04:06|1.25|f\n2|row 2|2024-01-02 03:04:07|2.50|t\n3|row 3|2024-01-02 03:04:08|3.75|f\n"},
		{name: "multi", args: []string{"-A", "-t", "-c", "SELECT 1; insert into t values (1); SELECT 2"},
			// psql 15 shows every result of a multi-statement string.
			want: "1|row 1|2024-01-02 03:04:06|1.25|f\nINSERT 0 1\n1|row 1|2024-01-02 03:04:06|1.25|f\n2|row 2|2024-01-02 03:04:07|2.50|t\n"},
		{name: "header", args: []string{"-A", "-c", "select 1"},
			want: "n|s|ts|amount|ok\n1|row 1|2024-01-02 03:04:06|1.25|f\n(1 row)\n"},
		{name: "error", args: []string{"-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "select bad"}, wantErr: true,
			want: "ERROR:  syntax error at or near \"bad\"\nLINE 1: select bad\n               ^\nHINT:  Remove the bad word.\n"},
		{name: "notice", args: []string{"-A", "-t", "-c", "notice"}, want: "NOTICE:  hello from riffle\nDO\n"},
		{name: "two-commands", args: []string{"-A", "-t", "-c", "select 1", "-c", "types"},
			want: "1|row 1|2024-01-02 03:04:06|1.25|f\n" +
				`t|-7|123456|1099511627776|1.5|-22500000000|-12345.67890|ab |héllo|a "quoted", text|\xdeadbeef|2024-02-29|13:14:15.123456|` +
				`2024-02-29 13:14:15.123456|2024-02-29 13:14:15.123456+00|1 day 01:01:01|1 year 2 mons|{"k": [1, 2]}|{1,NULL,3}|{x,"a,b","","NULL",NULL}|{k=1}|(1,"x y")` + "\n" +
				"|||||||||||||||||||||\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(tc.args...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("psql: err = %v\n%s", err, out)
			}
			if out != tc.want {
				t.Errorf("psql output\n got: %q\nwant: %q", out, tc.want)
			}
		})
	}
	if out, _ := run("-c", "select 1"); !strings.Contains(out, "(1 row)") {
		t.Errorf("aligned output: %q", out)
	}
}
