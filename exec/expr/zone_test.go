package expr

import (
	"testing"
	"time"

	"riffle/planner/scalar"
	"riffle/sql/types"
)

// TestSessionZone checks that TIMESTAMP_LTZ reads as wall-clock time in the
// Env's zone: casts to TIMESTAMP and STRING, EXTRACT, and back.
func TestSessionZone(t *testing.T) {
	ltz := types.Type{ID: types.TimestampLTZ, Precision: 6}
	ts := types.Type{ID: types.Timestamp, Precision: 6}
	instant := time.Date(2024, 7, 1, 22, 30, 0, 0, time.UTC).UnixMicro()
	col := &scalar.ColRef{Idx: 0, Name: "t", T: ltz}
	row := types.Row{types.NewTimestamp(instant)}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	hour, err := scalar.Resolve("extract", []scalar.Expr{&scalar.Const{V: types.NewString("HOUR"), T: types.TUnknown}, col})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		e    scalar.Expr
		zone *time.Location
		want string
	}{
		{&scalar.Cast{Arg: col, T: types.TString}, nil, "2024-07-01 22:30:00"},
		{&scalar.Cast{Arg: col, T: types.TString}, oslo, "2024-07-02 00:30:00"},
		{&scalar.Cast{Arg: col, T: types.TDate}, oslo, "2024-07-02"},
		{hour, nil, "22"},
		{hour, oslo, "0"},
		{&scalar.Cast{Arg: &scalar.Cast{Arg: col, T: ts}, T: ltz}, oslo, "2024-07-01 22:30:00"},
		{&scalar.Cast{Arg: &scalar.Const{V: types.NewTimestamp(instant), T: ts}, T: ltz}, oslo, "2024-07-01 20:30:00"},
	}
	for _, c := range cases {
		f, err := CompileEnv(c.e, Env{Zone: c.zone})
		if err != nil {
			t.Fatalf("%s: %v", c.e, err)
		}
		v, err := f(row)
		if err != nil {
			t.Fatalf("%s: %v", c.e, err)
		}
		if got := types.Text(v, c.e.Type()); got != c.want {
			t.Errorf("%s in %v: got %s, want %s", c.e, c.zone, got, c.want)
		}
	}
}
