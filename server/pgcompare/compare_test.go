package pgcompare

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgconn"

	"riffle/server/node"
)

// pgSep separates riffle's spelling of an expression from PostgreSQL's.
const pgSep = " ;; pg: "

// TestCompare runs every file of testdata/pgcompare; see the package
// comment for the format.
func TestCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a riffle node and a PostgreSQL server")
	}
	ctx := context.Background()
	n, err := node.Start(ctx, node.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0",
		KafkaListen: "127.0.0.1:0", RegistryListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	rf := connect(t, "postgres://riffle@"+n.Addr()+"/riffle?sslmode=disable")

	var pg *pgconn.PgConn
	srv, skip, err := startPostgres()
	switch {
	case err != nil:
		t.Fatalf("PostgreSQL is installed but did not start: %v", err)
	case srv == nil:
		t.Logf("no PostgreSQL to compare with (%s): checking riffle against the golden files only", skip)
	default:
		t.Cleanup(srv.Stop)
		pg = connect(t, srv.Conn)
	}

	var total, agreed, differs, pending int
	datadriven.Walk(t, "../../testdata/pgcompare", func(t *testing.T, path string) {
		// Disagreements are reported after the file has run: datadriven
		// stops a file at its first failure, and a corpus is read whole.
		var disagree []string
		defer func() {
			for _, m := range disagree {
				t.Error(m)
			}
		}()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var out strings.Builder
			// zone=… runs the block in that session time zone on both
			// servers, and puts both back to UTC after it.
			if d.HasArg("zone") {
				var zone string
				d.ScanArgs(t, "zone", &zone)
				for _, c := range []*pgconn.PgConn{rf, pg} {
					if c != nil {
						setZone(t, c, zone)
						defer setZone(t, c, "UTC")
					}
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
				line = strings.TrimSpace(line)
				if line == "" {
					continue
				}
				ours, theirs, _ := strings.Cut(line, pgSep)
				ours = strings.TrimSpace(ours)
				if theirs == "" {
					theirs = ours
				}
				got := eval(t, rf, ours)
				total++
				switch d.Cmd {
				case "compare", "pending":
					if d.Cmd == "pending" && !d.HasArg("reason") {
						t.Fatalf("%s: pending needs reason=(…)", d.Pos)
					}
					if pg == nil {
						break
					}
					want := eval(t, pg, theirs)
					if d.HasArg("round") {
						want = roundLike(want, got)
					}
					switch {
					case d.Cmd == "pending" && want == got:
						disagree = append(disagree, fmt.Sprintf("%s: %s\n  now agrees with PostgreSQL (%s): move it to a compare block", d.Pos, line, got))
					case d.Cmd == "pending":
						pending++
					case want != got:
						disagree = append(disagree, fmt.Sprintf("%s: %s\n  riffle:     %s\n  PostgreSQL: %s", d.Pos, line, got, want))
					default:
						agreed++
					}
				case "differs":
					if !d.HasArg("reason") {
						t.Fatalf("%s: differs needs reason=(…)", d.Pos)
					}
					differs++
				default:
					t.Fatalf("%s: unknown directive %s", d.Pos, d.Cmd)
				}
				fmt.Fprintf(&out, "%s → %s\n", ours, got)
			}
			return out.String()
		})
	})
	t.Logf("%d expressions: %d agree with PostgreSQL, %d listed as deliberate differences, %d pending on other layers",
		total, agreed, differs, pending)
}

// setZone sets c's session time zone.
func setZone(t *testing.T, c *pgconn.PgConn, zone string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Exec(ctx, "SET TIME ZONE '"+zone+"'").ReadAll(); err != nil {
		t.Fatalf("SET TIME ZONE '%s': %v", zone, err)
	}
}

func connect(t *testing.T, dsn string) *pgconn.PgConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// eval runs SELECT expr with the simple protocol and renders its one value
// as text, NULL, or ERROR <SQLSTATE>. An expr that goes on with FROM … (a
// whole query) may return several rows and columns: they render as
// a|b; c|d.
func eval(t *testing.T, c *pgconn.PgConn, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Exec(ctx, "SELECT "+expr).ReadAll()
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return "ERROR " + pe.Code
		}
		t.Fatalf("SELECT %s: %v", expr, err)
	}
	if len(res) != 1 {
		return fmt.Sprintf("unexpected shape: %d results", len(res))
	}
	rows := make([]string, len(res[0].Rows))
	for i, r := range res[0].Rows {
		vals := make([]string, len(r))
		for j, v := range r {
			vals[j] = "NULL"
			if v != nil {
				vals[j] = string(v)
			}
		}
		rows[i] = strings.Join(vals, "|")
	}
	return strings.Join(rows, "; ")
}

// roundLike renders PostgreSQL's numeric result pg with as many fractional
// digits as riffle's result has, rounding half away from zero. It serves
// blocks marked round: riffle's DECIMAL(p, s) fixes a result's scale from
// the operand types (Flink's rule), where PostgreSQL's unconstrained
// numeric picks one per value; the digits must agree to riffle's scale.
func roundLike(pg, riffle string) string {
	want := 0
	if _, frac, ok := strings.Cut(riffle, "."); ok {
		want = len(frac)
	}
	d, ok := new(big.Rat).SetString(pg)
	if !ok || strings.ContainsAny(riffle, "eE") || strings.ContainsAny(pg, "eEN") {
		return pg
	}
	// Round half away from zero: add ±0.5 ulp, then truncate.
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(want)), nil))
	d.Mul(d, scale)
	half := big.NewRat(1, 2)
	if d.Sign() < 0 {
		half.Neg(half)
	}
	d.Add(d, half)
	q := new(big.Int).Quo(d.Num(), d.Denom())
	r := new(big.Rat).SetFrac(q, scale.Num())
	return r.FloatString(want)
}
