package logical

import (
	"fmt"
	"strings"
	"time"
)

// Changelog is the kind of change stream a node produces.
type Changelog uint8

// Changelog kinds, from most to least restrictive.
const (
	// AppendOnly: only inserts (+1). Any sink accepts it.
	AppendOnly Changelog = iota
	// Upsert: inserts, updates and deletes identified by the stream key; a
	// change replaces the previous row with the same key.
	Upsert
	// Retract: inserts and retractions of earlier rows (−1 of the full row).
	Retract
)

func (c Changelog) String() string {
	switch c {
	case AppendOnly:
		return "append-only"
	case Upsert:
		return "upsert"
	}
	return "retract"
}

// Props are the stream properties of a node's output.
type Props struct {
	Changelog Changelog
	// Key is the stream key: column indexes that identify a row among the
	// live rows (nil when rows are not identified, e.g. an append-only log).
	Key []int
	// Bounded is set when the input ends (a snapshot read for a one-shot
	// SELECT), so blocking operators such as Sort may run.
	Bounded bool
	// State describes the state the node itself keeps ("" for a stateless
	// node); EXPLAIN prints it.
	State string
	// Unbounded marks state that grows with the number of keys.
	Unbounded bool
	// Expires marks state that a state TTL (SET 'table.exec.state.ttl')
	// bounds: entries idle longer than the TTL are dropped.
	Expires bool
}

// Format renders the properties as EXPLAIN prints them.
func (p Props) Format(names []string) string { return p.FormatTTL(names, 0) }

// FormatTTL renders the properties under a state TTL (0: none): unbounded
// state that the TTL bounds is shown as expiring.
func (p Props) FormatTTL(names []string, ttl time.Duration) string {
	var b strings.Builder
	b.WriteString(p.Changelog.String())
	if len(p.Key) > 0 {
		ks := make([]string, len(p.Key))
		for i, k := range p.Key {
			ks[i] = names[k]
		}
		fmt.Fprintf(&b, ", key=(%s)", strings.Join(ks, ", "))
	}
	if p.Key != nil && len(p.Key) == 0 {
		b.WriteString(", key=()")
	}
	if p.Bounded {
		b.WriteString(", bounded")
	}
	if p.State != "" {
		b.WriteString("; state: " + p.State)
		switch {
		case p.Unbounded && p.Expires && ttl > 0:
			fmt.Fprintf(&b, " (expires after %s without updates)", ttl)
		case p.Unbounded:
			b.WriteString(" (unbounded)")
		}
	}
	return b.String()
}

// passThrough is the properties of a stateless node that keeps its input's
// changelog, key and boundedness.
func passThrough(in Props) Props {
	in.State, in.Unbounded, in.Expires = "", false, false
	return in
}
