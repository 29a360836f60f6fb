package state

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"riffle/sql/types"
)

// TestCodecDataDriven runs testdata/state/codec/*.test, which pin the
// on-disk bytes of both encodings and show the order keys sort in.
//
//	key [desc]   one value per input line: its key encoding in hex and the
//	             value decoded back
//	sort [desc]  the input values in the byte order of their key encodings
//	row          each input line is a row of comma-separated values: its
//	             row encoding in hex and the row decoded back
//
// Values are written kind:literal: null, bool:true, int:-3, float:1.5,
// dec:1.50, str:"a\x00" (or str:word), bytes:…, json:…, date:N, time:N,
// ts:N, interval:N, array:[v,v], map:[k,v], row:[v,v].
func TestCodecDataDriven(t *testing.T) {
	datadriven.Walk(t, "../../testdata/state/codec", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := runCodec(d)
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			return out
		})
	})
}

func runCodec(d *datadriven.TestData) (string, error) {
	lines := strings.Split(strings.TrimSpace(d.Input), "\n")
	var mask byte
	if d.HasArg("desc") {
		mask = 0xFF
	}
	var b strings.Builder
	switch d.Cmd {
	case "key":
		for _, line := range lines {
			v, err := parseOneValue(line)
			if err != nil {
				return "", err
			}
			enc := appendKey(nil, v, mask)
			back, rest, err := DecodeKey(enc)
			if err != nil || len(rest) != 0 {
				return "", fmt.Errorf("decode %x: %v (rest %x)", enc, err, rest)
			}
			fmt.Fprintf(&b, "%-24s %x → %s\n", line, enc, formatValue(back))
		}
	case "sort":
		type item struct {
			line string
			enc  []byte
		}
		var items []item
		for _, line := range lines {
			v, err := parseOneValue(line)
			if err != nil {
				return "", err
			}
			items = append(items, item{line, appendKey(nil, v, mask)})
		}
		sort.SliceStable(items, func(i, j int) bool { return bytes.Compare(items[i].enc, items[j].enc) < 0 })
		for _, it := range items {
			b.WriteString(it.line + "\n")
		}
	case "row":
		for _, line := range lines {
			r, err := parseValues(line)
			if err != nil {
				return "", err
			}
			enc := AppendRow(nil, r)
			back, err := DecodeRow(enc, nil)
			if err != nil {
				return "", fmt.Errorf("decode %x: %v", enc, err)
			}
			fmt.Fprintf(&b, "%x → %s\n", enc, formatValue(types.Value{K: types.KRow, X: []types.Value(back)}))
		}
	default:
		return "", fmt.Errorf("unknown command %s", d.Cmd)
	}
	return b.String(), nil
}

func parseOneValue(s string) (types.Value, error) {
	v, rest, err := parseValue(strings.TrimSpace(s))
	if err == nil && strings.TrimSpace(rest) != "" {
		err = fmt.Errorf("trailing %q", rest)
	}
	return v, err
}

func parseValues(s string) (types.Row, error) {
	var r types.Row
	s = strings.TrimSpace(s)
	for s != "" {
		v, rest, err := parseValue(s)
		if err != nil {
			return nil, err
		}
		r = append(r, v)
		s = strings.TrimPrefix(strings.TrimSpace(rest), ",")
		s = strings.TrimSpace(s)
	}
	return r, nil
}

var kindNames = map[string]types.Kind{
	"bool": types.KBool, "int": types.KInt, "float": types.KFloat, "dec": types.KDecimal,
	"str": types.KString, "bytes": types.KBytes, "json": types.KJSON, "date": types.KDate,
	"time": types.KTime, "ts": types.KTimestamp, "interval": types.KInterval,
	"array": types.KArray, "map": types.KMap, "row": types.KRow,
}

// parseValue reads one kind:literal from the front of s.
func parseValue(s string) (types.Value, string, error) {
	if rest, ok := strings.CutPrefix(s, "null"); ok {
		return types.Null, rest, nil
	}
	name, lit, ok := strings.Cut(s, ":")
	k, known := kindNames[name]
	if !ok || !known {
		return types.Null, s, fmt.Errorf("bad value %q", s)
	}
	switch k {
	case types.KArray, types.KMap, types.KRow:
		return parseList(k, lit)
	case types.KString, types.KBytes, types.KJSON:
		if strings.HasPrefix(lit, `"`) {
			q, err := strconv.QuotedPrefix(lit)
			if err != nil {
				return types.Null, s, err
			}
			u, _ := strconv.Unquote(q)
			return types.Value{K: k, S: u}, lit[len(q):], nil
		}
	}
	end := strings.IndexAny(lit, ",]")
	if end < 0 {
		end = len(lit)
	}
	v, err := scalar(k, lit[:end])
	return v, lit[end:], err
}

func parseList(k types.Kind, s string) (types.Value, string, error) {
	if !strings.HasPrefix(s, "[") {
		return types.Null, s, fmt.Errorf("want [ in %q", s)
	}
	s = strings.TrimSpace(s[1:])
	list := []types.Value{}
	for !strings.HasPrefix(s, "]") {
		v, rest, err := parseValue(s)
		if err != nil {
			return types.Null, s, err
		}
		list = append(list, v)
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ","))
		if s == "" {
			return types.Null, s, fmt.Errorf("unclosed list")
		}
	}
	return types.Value{K: k, X: list}, s[1:], nil
}

func scalar(k types.Kind, lit string) (types.Value, error) {
	switch k {
	case types.KBool:
		return types.NewBool(lit == "true"), nil
	case types.KFloat:
		f, err := strconv.ParseFloat(lit, 64)
		return types.NewFloat(f), err
	case types.KDecimal:
		d, err := types.ParseDec(lit)
		return types.NewDecimal(d), err
	case types.KString, types.KBytes, types.KJSON:
		return types.Value{K: k, S: lit}, nil
	}
	i, err := strconv.ParseInt(lit, 10, 64)
	return types.Value{K: k, I: i}, err
}

// formatValue writes a value back in the syntax parseValue reads.
func formatValue(v types.Value) string {
	for name, k := range kindNames {
		if k != v.K {
			continue
		}
		switch k {
		case types.KBool:
			return name + ":" + strconv.FormatBool(v.Bool())
		case types.KFloat:
			return name + ":" + strconv.FormatFloat(v.Float(), 'g', -1, 64)
		case types.KDecimal:
			return name + ":" + v.Dec().String()
		case types.KString, types.KBytes, types.KJSON:
			return name + ":" + strconv.Quote(v.S)
		case types.KArray, types.KMap, types.KRow:
			parts := make([]string, len(v.List()))
			for i, e := range v.List() {
				parts[i] = formatValue(e)
			}
			return name + ":[" + strings.Join(parts, ",") + "]"
		}
		return name + ":" + strconv.FormatInt(v.I, 10)
	}
	return "null"
}
