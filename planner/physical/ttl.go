package physical

import (
	"time"

	"riffle/planner/logical"
)

// ApplyHints sets the state TTL of each stateful node that reads a hinted
// input (STATE_TTL hints, by scan): the smallest TTL among the hinted scans
// below it. Other nodes keep the plan's StateTTL.
func (p *Plan) ApplyHints(scans map[*logical.Scan]time.Duration) {
	if len(scans) == 0 {
		return
	}
	p.NodeTTL = map[logical.Node]time.Duration{}
	var walk func(n logical.Node) (time.Duration, bool)
	walk = func(n logical.Node) (time.Duration, bool) {
		if s, ok := n.(*logical.Scan); ok {
			d, hinted := scans[s]
			return d, hinted
		}
		best, found := time.Duration(0), false
		for _, c := range n.Inputs() {
			if d, ok := walk(c); ok && (!found || d < best) {
				best, found = d, true
			}
		}
		if found && n.Props().Expires {
			p.NodeTTL[n] = best
		}
		return best, found
	}
	walk(p.Root)
}

// TTLOf is the state TTL of node n: a hint's, or the plan's.
func (p *Plan) TTLOf(n logical.Node) time.Duration {
	if d, ok := p.NodeTTL[n]; ok {
		return d
	}
	return p.StateTTL
}
