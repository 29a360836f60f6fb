package gen

import (
	"strconv"
	"strings"
	"time"
)

// Common are the options every generated table takes, beyond its
// connector's own.
type Common struct {
	// Seed ('seed', default 0) picks the table's random stream: the same
	// seed gives the same rows. Flink's generators are unseeded and differ
	// on every run; riffle's are reproducible, which restarts need anyway.
	Seed uint64
	// BaseTime ('base-time') is the time of row 0 in milliseconds since the
	// epoch: Nexmark's baseTime, datagen's "now". CREATE TABLE fixes it at
	// the time of the statement unless given (see Defaults), so that every
	// query over the table, and every restart of one, see the same times.
	BaseTime int64
	// Splits ('scan.parallelism', default 1, as Flink's datagen names it)
	// is how many splits the table is read in.
	Splits int
}

// CommonOptions are the keys Common reads.
var CommonOptions = []string{"seed", "base-time", "scan.parallelism"}

// BaseTimeLayout is how 'base-time' is written when CREATE TABLE fills it
// in: a TIMESTAMP(3) literal in UTC.
const BaseTimeLayout = "2006-01-02 15:04:05.000"

// MaxSplits bounds 'scan.parallelism'.
const MaxSplits = 1024

// Common reads the options every generated table takes.
func (o *Options) Common() (Common, error) {
	var c Common
	if v, ok := o.m["seed"]; ok {
		o.used["seed"] = true
		s := strings.TrimSpace(v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			c.Seed = uint64(n)
		} else if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			c.Seed = u
		} else {
			return c, Bad("seed", "'seed' must be an integer, not %q", v)
		}
	}
	if v, ok := o.m["base-time"]; ok {
		o.used["base-time"] = true
		ms, err := ParseBaseTime(v)
		if err != nil {
			return c, Bad("base-time", "'base-time' must be a timestamp such as '2024-01-01 00:00:00.000' (UTC) or milliseconds since the epoch, not %q", v)
		}
		c.BaseTime = ms
	}
	n, err := o.Int("scan.parallelism", 1, 1, MaxSplits)
	c.Splits = int(n)
	return c, err
}

// ParseBaseTime reads a 'base-time': milliseconds since the epoch, or a
// timestamp 'yyyy-MM-dd HH:mm:ss[.SSS]' in UTC.
func ParseBaseTime(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return ms, nil
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999", v)
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

// Defaults fills in the options a generated table is created with: its
// 'base-time' is the time of the CREATE TABLE unless given, so the table's
// rows are fixed from then on.
func Defaults(opts map[string]string, now time.Time) {
	if _, ok := opts["base-time"]; !ok {
		opts["base-time"] = now.UTC().Format(BaseTimeLayout)
	}
}
