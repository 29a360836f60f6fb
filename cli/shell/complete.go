package shell

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// completer answers Tab. before is the statement typed so far up to the
// cursor, earlier lines included, and after the rest of the line; it
// returns where the word being completed starts in before and the words
// that could replace it.
type completer func(before, after string) (start int, candidates []string)

// keywords are the words Tab offers where no name is expected: the
// statements riffle knows and the common words of queries.
var keywords = strings.Fields(`
ALL ALTER ANALYZE AND AS ASC BEGIN BETWEEN BIGINT BOOLEAN BY CASE CAST CHANGES COMMIT
COUNT CREATE CROSS CUMULATE CURSOR DECIMAL DECLARE DELETE DESC DESCRIBE DESCRIPTOR DISTINCT DOUBLE DROP
ELSE EMIT END ENFORCED EXECUTE EXISTS EXPLAIN FALSE FETCH FLUSH FOR FROM FULL GROUP HAVING HOP IF IN
INNER INSERT INT INTERVAL INTO IS JOIN KEY LEFT LIKE LIMIT MATERIALIZED NOT NULL OFFSET ON OR ORDER
OUTER OVER PARTITION PRIMARY QUERIES QUERY RESET RIGHT ROLLBACK SELECT SESSION SET SHOW STATEMENT STOP
STRING SUBSCRIBE SYSTEM_TIME TABLE TABLES THEN TIMESTAMP TO TOPICS TRUE TUMBLE UNION UPDATE VALUES VIEW
VIEWS WATERMARK WHEN WHERE WINDOW WITH`)

// relationContext lists the words after which only a relation name makes
// sense.
var relationContext = map[string]bool{
	"FROM": true, "JOIN": true, "INTO": true, "UPDATE": true, "TABLE": true, "VIEW": true,
	"SUBSCRIBE": true, "DESCRIBE": true, "EXISTS": true,
}

// backslashCommands are the shell's commands, for Tab after a backslash.
var backslashCommands = []string{`\?`, `\d`, `\dm`, `\dt`, `\dv`, `\g`, `\i`, `\pset`, `\q`, `\r`, `\timing`, `\x`}

// complete finds the candidates for the word before the cursor, with the
// catalog names n (fetched on demand by the caller). The text after the
// cursor counts for aliases: SELECT o.| FROM orders o.
func complete(before, after string, n func() *names) (int, []string) {
	start := len(before)
	for start > 0 && (isIdentByte(before[start-1]) || before[start-1] == '.') {
		start--
	}
	// A backslash command: the command itself, then a relation or a file.
	line := before[strings.LastIndexByte(before, '\n')+1:]
	if trimmed := strings.TrimLeft(line, " \t"); strings.HasPrefix(trimmed, `\`) {
		return completeCommand(before, trimmed, n)
	}
	// A name being typed in double quotes ("Ord) is completed with them.
	if start > 0 && before[start-1] == '"' {
		start--
	}
	var inside Splitter
	inside.Feed(before[:start])
	if inside.InLiteral() || inLineComment(before[:start]) {
		return start, nil // inside a string, a quoted name or a comment
	}
	word := before[start:]
	toks := lex(before[:start])
	if len(toks) > 0 && toks[len(toks)-1].upper() == "SHOW" {
		var cands []string
		for _, k := range []string{"TABLES", "VIEWS", "MATERIALIZED", "QUERIES", "TOPICS", "CREATE"} {
			cands = append(cands, keywordCase(k, word))
		}
		return start, matching(cands, word)
	}
	if qual, col, ok := strings.Cut(word, "."); ok && !strings.Contains(col, ".") {
		rel := strings.ToLower(qual)
		if r, ok := aliases(lex(before + after))[rel]; ok {
			rel = r
		}
		var cands []string
		for _, c := range n().columns[rel] {
			cands = append(cands, qual+"."+quoteIdent(c))
		}
		return start, matching(cands, word)
	}
	prev := ""
	if len(toks) > 0 {
		prev = toks[len(toks)-1].upper()
	}
	if prev == "TO" && len(toks) > 1 && toks[len(toks)-2].upper() == "SUBSCRIBE" {
		prev = "FROM" // SUBSCRIBE TO v
	}
	if relationContext[prev] {
		cands := relationNames(n(), 0)
		if prev == "SUBSCRIBE" {
			cands = append(cands, keywordCase("TO", word))
		}
		return start, matching(cands, word)
	}
	cands := relationNames(n(), 0)
	seen := map[string]bool{}
	rels := referenced(lex(before[:start]+" "+after), n())
	if len(rels) == 0 {
		// SELECT u| before any FROM: the columns of every relation.
		rels = relationNames(n(), 0)
	}
	for _, rel := range rels {
		for _, c := range n().columns[rel] {
			if !seen[c] {
				seen[c] = true
				cands = append(cands, quoteIdent(c))
			}
		}
	}
	if !strings.HasPrefix(word, `"`) { // a keyword is never quoted
		for _, k := range keywords {
			cands = append(cands, keywordCase(k, word))
		}
	}
	return start, matching(cands, word)
}

// completeCommand completes a backslash command line.
func completeCommand(before, line string, n func() *names) (int, []string) {
	cmd, arg, hasArg := strings.Cut(line, " ")
	if !hasArg {
		return len(before) - len(cmd), matching(backslashCommands, cmd)
	}
	arg = strings.TrimLeft(arg, " ")
	start := len(before) - len(arg)
	switch cmd {
	case `\d`:
		return start, matching(relationNames(n(), 0), arg)
	case `\dt`:
		return start, matching(relationNames(n(), 'r'), arg)
	case `\dv`:
		return start, matching(relationNames(n(), 'v'), arg)
	case `\dm`:
		return start, matching(relationNames(n(), 'm'), arg)
	case `\i`, `\include`:
		return start, files(arg)
	case `\pset`:
		return start, matching([]string{"format", "null", "expanded", "subscribe", "pager"}, arg)
	}
	return start, nil
}

// inLineComment reports whether the end of text is inside a -- comment.
func inLineComment(text string) bool {
	line := text[strings.LastIndexByte(text, '\n')+1:]
	i := strings.Index(line, "--")
	if i < 0 {
		return false
	}
	// The -- counts only outside strings: lex the line up to it.
	var s Splitter
	s.Feed(line[:i])
	return !s.InLiteral()
}

// relationNames lists the relations of one kind (0: all).
func relationNames(n *names, kind byte) []string {
	var out []string
	for _, r := range n.relations {
		if kind == 0 || r.kind == kind {
			out = append(out, quoteIdent(r.name))
		}
	}
	return out
}

// referenced returns the relations a statement names after FROM, JOIN and
// the like, so that their columns are offered.
func referenced(toks []token, n *names) []string {
	var out []string
	for i := 1; i < len(toks); i++ {
		if relationContext[toks[i-1].upper()] {
			if name := toks[i].name(); name != "" {
				if _, ok := n.columns[name]; ok {
					out = append(out, name)
				}
			}
		}
	}
	return out
}

// aliases maps the aliases a statement gives relations (FROM orders o, JOIN
// users AS u) to the relations.
func aliases(toks []token) map[string]string {
	m := map[string]string{}
	for i := 1; i+1 < len(toks); i++ {
		if !relationContext[toks[i-1].upper()] || toks[i].name() == "" {
			continue
		}
		j := i + 1
		if toks[j].upper() == "AS" {
			j++
		}
		if j < len(toks) && toks[j].kind != tokPunct && !isClauseWord(toks[j].upper()) {
			if a := toks[j].name(); a != "" {
				m[a] = toks[i].name()
			}
		}
	}
	return m
}

// isClauseWord reports whether w starts the clause after a relation, so is
// no alias (FROM t WHERE …).
func isClauseWord(w string) bool {
	switch w {
	case "WHERE", "JOIN", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "ON", "GROUP", "ORDER", "LIMIT",
		"UNION", "HAVING", "WINDOW", "EMIT", "FOR", "USING", "SET", "VALUES", "SELECT", "WITH", "AS", "OFFSET":
		return true
	}
	return false
}

// keywordCase writes a keyword in the case the user types in: lower case
// if the word being completed starts with a lower-case letter.
func keywordCase(k, word string) string {
	if word != "" && word[0] >= 'a' && word[0] <= 'z' {
		return strings.ToLower(k)
	}
	return k
}

// matching keeps the candidates that start with prefix, ignoring case and
// an opening double quote (so that ord and "Ord both find "Orders"),
// sorted and without repeats.
func matching(cands []string, prefix string) []string {
	lp := strings.ToLower(strings.TrimPrefix(prefix, `"`))
	seen := map[string]bool{}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(strings.ToLower(strings.TrimPrefix(c, `"`)), lp) && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// files completes a file name for \i: directories get a trailing slash.
func files(prefix string) []string {
	matches, _ := filepath.Glob(globEscape(prefix) + "*")
	var out []string
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.IsDir() {
			m += "/"
		}
		out = append(out, m)
	}
	return out
}

func globEscape(s string) string {
	return strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`).Replace(s)
}

// commonPrefix is the longest prefix all candidates share, ignoring case;
// it is taken from the first candidate.
func commonPrefix(cands []string) string {
	if len(cands) == 0 {
		return ""
	}
	p := cands[0]
	for _, c := range cands[1:] {
		i := 0
		for i < len(p) && i < len(c) && strings.EqualFold(p[i:i+1], c[i:i+1]) {
			i++
		}
		p = p[:i]
	}
	return p
}
