package expr

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"riffle/planner/scalar"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// JSON functions; planner/scalar's funcs_nested.go documents their
// semantics. Navigation works on the input text with json.RawMessage, so
// an extracted object or array keeps the spelling it had in the input.

func init() {
	define(buildJSONPath, "json_value", "json_extract")
	define(buildJSONArrow, "json_arrow", "json_arrow_text")
}

// pathStep is one accessor of a JSON path: a member name, or an index when
// member is false.
type pathStep struct {
	name   string
	index  int
	member bool
}

func errJSONPath(p string) error {
	return sqlerr.New(sqlerr.SyntaxError, "syntax error in JSON path \"%s\"", p)
}

func errJSONText(s string) error {
	return sqlerr.New(sqlerr.InvalidText, "invalid input syntax for type json: \"%s\"", s)
}

// parsePath reads '[lax|strict] $', then .name, ."name", [n], ['name'] or
// ["name"] accessors.
func parsePath(p string) ([]pathStep, error) {
	s := strings.TrimSpace(p)
	for _, mode := range []string{"lax ", "strict "} {
		s = strings.TrimPrefix(s, mode)
	}
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "$") {
		return nil, errJSONPath(p)
	}
	s = s[1:]
	var steps []pathStep
	for s != "" {
		switch {
		case s[0] == '.' && len(s) > 1 && s[1] == '"':
			end := strings.IndexByte(s[2:], '"')
			if end < 0 {
				return nil, errJSONPath(p)
			}
			steps, s = append(steps, pathStep{name: s[2 : 2+end], member: true}), s[3+end:]
		case s[0] == '.':
			end := 1
			for end < len(s) && s[end] != '.' && s[end] != '[' {
				end++
			}
			if end == 1 {
				return nil, errJSONPath(p)
			}
			steps, s = append(steps, pathStep{name: s[1:end], member: true}), s[end:]
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, errJSONPath(p)
			}
			in := strings.TrimSpace(s[1:end])
			if len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0] {
				steps = append(steps, pathStep{name: in[1 : len(in)-1], member: true})
			} else if i, err := strconv.Atoi(in); err == nil && i >= 0 {
				steps = append(steps, pathStep{index: i})
			} else {
				return nil, errJSONPath(p)
			}
			s = s[end+1:]
		default:
			return nil, errJSONPath(p)
		}
	}
	return steps, nil
}

// step applies one accessor to a JSON value; ok is false when it selects
// nothing (a missing member, an index out of range, the wrong container).
func step(raw []byte, st pathStep) (json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, false
	}
	switch {
	case st.member && raw[0] == '{':
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, false
		}
		v, ok := m[st.name]
		return v, ok
	case !st.member && raw[0] == '[':
		var a []json.RawMessage
		if json.Unmarshal(raw, &a) != nil {
			return nil, false
		}
		i := st.index
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, false
		}
		return a[i], true
	}
	return nil, false
}

// walk applies a path to JSON text, checking first that the text is JSON.
func walk(text string, steps []pathStep) (json.RawMessage, bool, error) {
	raw := []byte(text)
	if !json.Valid(raw) {
		return nil, false, errJSONText(text)
	}
	for _, st := range steps {
		var ok bool
		if raw, ok = step(raw, st); !ok {
			return nil, false, nil
		}
	}
	return bytes.TrimSpace(raw), true, nil
}

// scalarText renders a JSON scalar as SQL text: a string unquoted, a number
// or boolean as written; null is NULL. Objects and arrays are NULL unless
// containers is set (->> returns them as text).
func scalarText(raw json.RawMessage, containers bool) types.Value {
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return types.Null
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return types.Null
		}
		return types.NewString(s)
	case raw[0] == '{' || raw[0] == '[':
		if !containers {
			return types.Null
		}
	}
	return types.NewString(string(raw))
}

func buildJSONPath(c *scalar.Call, args []Func) (Func, error) {
	value := c.Fn == "json_value"
	result := func(raw json.RawMessage) types.Value {
		if value {
			return scalarText(raw, false)
		}
		return types.NewJSON(string(raw))
	}
	if p, ok := constValue(c.Args[1]); ok && !p.IsNull() {
		steps, err := parsePath(p.S)
		if err != nil {
			return nil, err
		}
		return strict1(args[0], func(x types.Value) (types.Value, error) {
			raw, ok, err := walk(x.S, steps)
			if !ok || err != nil {
				return types.Null, err
			}
			return result(raw), nil
		}), nil
	}
	return strict2(args[0], args[1], func(x, p types.Value) (types.Value, error) {
		steps, err := parsePath(p.S)
		if err != nil {
			return types.Null, err
		}
		raw, ok, err := walk(x.S, steps)
		if !ok || err != nil {
			return types.Null, err
		}
		return result(raw), nil
	}), nil
}

func buildJSONArrow(c *scalar.Call, args []Func) (Func, error) {
	asText := c.Fn == "json_arrow_text"
	return strict2(args[0], args[1], func(x, k types.Value) (types.Value, error) {
		var steps []pathStep
		switch {
		case k.K == types.KInt:
			steps = []pathStep{{index: int(k.I)}}
		case strings.HasPrefix(k.S, "$"):
			var err error
			if steps, err = parsePath(k.S); err != nil {
				return types.Null, err
			}
		default:
			steps = []pathStep{{name: k.S, member: true}}
		}
		raw, ok, err := walk(x.S, steps)
		if !ok || err != nil {
			return types.Null, err
		}
		if asText {
			return scalarText(raw, true), nil
		}
		return types.NewJSON(string(raw)), nil
	}), nil
}
