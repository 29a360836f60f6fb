package clients

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestPgxEnumPointRange has pgx, over the extended protocol and binary
// formats, write and read a table with a user-defined enum, a point, an
// int4range and an enum array: the enum is registered as pgx registers
// any type it meets (conn.LoadType reads pg_type), point and int4range
// travel in their binary formats both ways.
func TestPgxEnumPointRange(t *testing.T) {
	n := startNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://riffle@"+n.Addr()+"/riffle?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range []string{
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE TABLE moods (id INT, m mood, p point, r int4range, ms mood[])",
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	// Unregistered, an enum reads as its label (pgx's text fallback).
	if _, err := conn.Exec(ctx, "INSERT INTO moods VALUES ($1, $2, $3, $4, $5)",
		1, "happy", pgtype.Point{P: pgtype.Vec2{X: 1.5, Y: -2}, Valid: true},
		pgtype.Range[pgtype.Int4]{Lower: pgtype.Int4{Int32: 1, Valid: true}, Upper: pgtype.Int4{Int32: 5, Valid: true},
			LowerType: pgtype.Inclusive, UpperType: pgtype.Inclusive, Valid: true},
		"{sad,ok}"); err != nil {
		t.Fatalf("insert with binary parameters: %v", err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO moods VALUES (2, 'sad', '(0,0)', '[,3)', ARRAY['happy']::mood[])"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"mood", "_mood"} {
		dt, err := conn.LoadType(ctx, name)
		if err != nil {
			t.Fatalf("LoadType(%q): %v", name, err)
		}
		conn.TypeMap().RegisterType(dt)
	}
	rows, err := conn.Query(ctx, "SELECT id, m, p, r, ms FROM moods WHERE m >= $1 ORDER BY m", "sad")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id int32
		m  string
		p  pgtype.Point
		r  pgtype.Range[pgtype.Int4]
		ms []string
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.m, &r.p, &r.r, &r.ms); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// ORDER BY an enum is declaration order: sad before happy.
	if len(got) != 2 || got[0].id != 2 || got[1].id != 1 {
		t.Fatalf("rows %+v, want ids 2 then 1", got)
	}
	one, two := got[1], got[0]
	if one.m != "happy" || one.p.P != (pgtype.Vec2{X: 1.5, Y: -2}) || len(one.ms) != 2 || one.ms[0] != "sad" || one.ms[1] != "ok" {
		t.Errorf("row 1 is %+v", one)
	}
	// [1,5] is held as PostgreSQL's canonical [1,6).
	if r := one.r; r.Lower.Int32 != 1 || r.Upper.Int32 != 6 || r.LowerType != pgtype.Inclusive || r.UpperType != pgtype.Exclusive {
		t.Errorf("range [1,5] read back as %+v", r)
	}
	if r := two.r; r.LowerType != pgtype.Unbounded || r.Upper.Int32 != 3 || r.UpperType != pgtype.Exclusive {
		t.Errorf("range [,3) read back as %+v", r)
	}

	var count int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM moods WHERE m > $1", "sad").Scan(&count); err != nil || count != 1 {
		t.Errorf("count of moods above sad: %d, %v", count, err)
	}
	var pe *pgconn.PgError
	_, err = conn.Exec(ctx, "INSERT INTO moods (id, m) VALUES ($1, $2)", 3, "angry")
	if !errors.As(err, &pe) || pe.Code != "22P02" {
		t.Errorf("a label the enum lacks: %v, want 22P02", err)
	}
	_, err = conn.Exec(ctx, "DROP TYPE mood")
	if !errors.As(err, &pe) || pe.Code != "2BP01" {
		t.Errorf("DROP TYPE of a used type: %v, want 2BP01", err)
	}
}
