package logical

import (
	"riffle/planner/scalar"
)

// TimeAttrs returns the output columns of n that are event-time
// attributes: columns whose watermark flows with the stream, so that
// windows can close and interval joins can drop rows. A table's attribute
// is its WATERMARK FOR column; stateless nodes keep the attributes they pass
// on unchanged, a window TVF adds window_time, and nodes that can emit a
// row later than its time allows (aggregates, regular joins, Top-N) end
// them, as in Flink.
func TimeAttrs(n Node) []int {
	switch n := n.(type) {
	case *Scan:
		if n.Object.Watermark != nil {
			return []int{n.Object.Watermark.Column}
		}
	case *Filter, *Normalize, *Sort, *Limit, *Over:
		return TimeAttrs(n.Inputs()[0])
	case *Project:
		return projectTimeAttrs(n)
	case *WindowTVF:
		in := TimeAttrs(n.Input)
		for _, c := range in {
			if c == n.TimeCol {
				return append(in, n.Input.Schema().Len()+2)
			}
		}
		return in
	case *TemporalJoin:
		return TimeAttrs(n.Left)
	case *Join:
		if n.Interval == nil || n.Kind == SemiJoin || n.Kind == AntiJoin {
			return nil
		}
		out := TimeAttrs(n.Left)
		w := n.Left.Schema().Len()
		for _, c := range TimeAttrs(n.Right) {
			out = append(out, w+c)
		}
		return out
	case *Union:
		return unionTimeAttrs(n)
	}
	return nil
}

func projectTimeAttrs(p *Project) []int {
	var out []int
	in := TimeAttrs(p.Input)
	for i, e := range p.Exprs {
		if c, ok := e.(*scalar.ColRef); ok {
			for _, a := range in {
				if a == c.Idx {
					out = append(out, i)
				}
			}
		}
	}
	return out
}

func unionTimeAttrs(u *Union) []int {
	var out []int
	for i, in := range u.Ins {
		attrs := TimeAttrs(in)
		if i == 0 {
			out = attrs
			continue
		}
		var keep []int
		for _, a := range out {
			for _, b := range attrs {
				if a == b {
					keep = append(keep, a)
				}
			}
		}
		out = keep
	}
	return out
}
