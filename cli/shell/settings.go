package shell

import (
	"fmt"
	"strconv"
	"strings"
)

// settings follows the session settings changed with SET, so that the
// prompt can show them: a riffle session's settings (the state TTL, the
// emit and late-row settings, the time zone) shape every query created in
// it, and a query keeps the ones it was created with, so a user should see
// them before typing CREATE MATERIALIZED VIEW. The shell learns them from
// the SET and RESET statements that succeed, which works against any
// server; settings changed in other ways (a SET inside a function) are not
// seen.
type settings struct {
	keys []string // in the order first set
	vals map[string]string
}

// observe updates the settings after stmt ran successfully.
func (st *settings) observe(stmt string) {
	toks := lex(stmt)
	for len(toks) > 0 && toks[len(toks)-1].text == ";" {
		toks = toks[:len(toks)-1]
	}
	if len(toks) < 2 {
		return
	}
	switch toks[0].upper() {
	case "RESET":
		if len(toks) == 2 && toks[1].upper() == "ALL" {
			st.keys, st.vals = nil, nil
			return
		}
		st.unset(settingName(toks[1:]))
	case "SET":
		rest := toks[1:]
		if w := rest[0].upper(); w == "SESSION" || w == "LOCAL" {
			rest = rest[1:]
		}
		if len(rest) >= 3 && rest[0].upper() == "TIME" && rest[1].upper() == "ZONE" {
			st.set("timezone", settingValue(rest[2:]))
			return
		}
		for i, t := range rest {
			if t.text == "=" || t.upper() == "TO" {
				st.set(settingName(rest[:i]), settingValue(rest[i+1:]))
				return
			}
		}
	}
}

// settingName is the name of a setting: 'table.exec.state.ttl' (quoted as
// Flink writes it), table.exec.state.ttl or TimeZone (folded to lower
// case, as PostgreSQL does). "time zone" is PostgreSQL's timezone.
func settingName(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case tokString, tokQuoted:
			b.WriteString(t.stringValue())
		default:
			b.WriteString(strings.ToLower(t.text))
		}
	}
	return b.String()
}

// settingValue is a value as SET takes it: one literal, or words.
func settingValue(toks []token) string {
	if len(toks) == 1 {
		return toks[0].stringValue()
	}
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.text != "," {
			b.WriteByte(' ')
		}
		b.WriteString(t.stringValue())
	}
	return b.String()
}

func (st *settings) set(key, val string) {
	if key == "" {
		return
	}
	if strings.EqualFold(val, "DEFAULT") {
		st.unset(key)
		return
	}
	if st.vals == nil {
		st.vals = map[string]string{}
	}
	if _, ok := st.vals[key]; !ok {
		st.keys = append(st.keys, key)
	}
	st.vals[key] = val
}

func (st *settings) unset(key string) {
	if _, ok := st.vals[key]; !ok {
		return
	}
	delete(st.vals, key)
	for i, k := range st.keys {
		if k == key {
			st.keys = append(st.keys[:i], st.keys[i+1:]...)
			break
		}
	}
}

// maxPromptSettings is how wide the settings in the prompt may get before
// the later ones are only counted.
const maxPromptSettings = 40

// String is the settings as the prompt shows them: "[k=v, k=v]", the
// later ones counted ("+2") when they would make the prompt too long.
func (st *settings) String() string {
	if len(st.keys) == 0 {
		return ""
	}
	var parts []string
	width := 0
	for i, k := range st.keys {
		p := k + "=" + st.vals[k]
		if i > 0 && width+len(p) > maxPromptSettings {
			parts = append(parts, "+"+strconv.Itoa(len(st.keys)-i))
			break
		}
		parts = append(parts, p)
		width += len(p) + 2
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// resultModeKey is Flink's SQL client setting for how a query's result
// shows; the shell takes it as \pset subscribe, so that Flink users' habit
// works. It never reaches the server.
const resultModeKey = "sql-client.execution.result-mode"

// resultMode recognizes SET 'sql-client.execution.result-mode' = 'mode'
// and returns the subscribe mode it asks for: table, or changelog for
// Flink's changelog and tableau (rows printed as they come).
func resultMode(stmt string) (mode string, ok bool, err error) {
	toks := lex(stmt)
	for len(toks) > 0 && toks[len(toks)-1].text == ";" {
		toks = toks[:len(toks)-1]
	}
	if len(toks) < 4 || toks[0].upper() != "SET" {
		return "", false, nil
	}
	for i, t := range toks[1:] {
		if t.text == "=" || t.upper() == "TO" {
			if settingName(toks[1:i+1]) != resultModeKey {
				return "", false, nil
			}
			switch v := strings.ToLower(settingValue(toks[i+2:])); v {
			case "table":
				return SubscribeTable, true, nil
			case "changelog", "tableau":
				return SubscribeChangelog, true, nil
			default:
				return "", true, fmt.Errorf("invalid value %q for %s: expected table, changelog or tableau", v, resultModeKey)
			}
		}
	}
	return "", false, nil
}
