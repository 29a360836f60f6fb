package types

import (
	"testing"
	"time"
)

// TestLoadZone checks the spellings a session time zone takes, and that
// AppendZoned renders an instant as PostgreSQL's timestamptz text there.
func TestLoadZone(t *testing.T) {
	instant := time.Date(2024, 7, 1, 22, 30, 0, 0, time.UTC).UnixMicro()
	ltz := Type{ID: TimestampLTZ, Precision: 6}
	for _, c := range []struct{ zone, want string }{
		{"UTC", "2024-07-01 22:30:00+00"},
		{"Europe/Berlin", "2024-07-02 00:30:00+02"},
		{"Asia/Kolkata", "2024-07-02 04:00:00+05:30"},
		{"America/St_Johns", "2024-07-01 20:00:00-02:30"},
		{"+02:00", "2024-07-02 00:30:00+02"},
		{"-0530", "2024-07-01 17:00:00-05:30"},
		{"GMT+08:00", "2024-07-02 06:30:00+08"},
		{"UTC-3", "2024-07-01 19:30:00-03"},
		{"-7", "2024-07-01 15:30:00-07"},
	} {
		loc, err := LoadZone(c.zone)
		if err != nil {
			t.Errorf("%s: %v", c.zone, err)
			continue
		}
		if got := string(AppendZoned(nil, instant, ltz, loc)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.zone, got, c.want)
		}
	}
	for _, bad := range []string{"", "Mars/Olympus", "+25:00", "+02:99", "../etc/passwd", "/etc/localtime", "LOCAL"} {
		if _, err := LoadZone(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

// TestLocalRoundTrip checks ToLocal and FromLocal across Berlin's
// spring-forward, where 02:30 does not exist on the wall clock.
func TestLocalRoundTrip(t *testing.T) {
	berlin, err := LoadZone("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := func(s string) int64 {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UnixMicro()
	}
	if got, want := ToLocal(at("2024-03-31 01:30"), berlin), at("2024-03-31 03:30"); got != want {
		t.Errorf("ToLocal 01:30Z: got %d, want %d (03:30 CEST)", got, want)
	}
	if got, want := FromLocal(at("2024-04-01 00:00"), berlin), at("2024-03-31 22:00"); got != want {
		t.Errorf("FromLocal of midnight after the jump: got %d, want %d", got, want)
	}
	if got, want := FromLocal(at("2024-03-31 00:00"), berlin), at("2024-03-30 23:00"); got != want {
		t.Errorf("FromLocal of midnight before the jump: got %d, want %d", got, want)
	}
	if ToLocal(42, nil) != 42 || FromLocal(42, nil) != 42 {
		t.Error("nil zone is UTC")
	}
}
