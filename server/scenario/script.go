package scenario

import (
	"fmt"
	"strings"
)

// Directive is one directive of a scenario file: its command line, its
// input, and the output the file expects. The file format is datadriven's
// (cockroachdb/datadriven), read here without the testing package so that
// `riffle test` can run scenario files outside `go test`.
type Directive struct {
	// Pos is "path:line" of the command line, for messages.
	Pos     string
	Line    int // 1-based line of the command
	Cmd     string
	CmdArgs []Arg
	// Input is the text between the command line and the "----" line,
	// trimmed; Expected is the text after it, with a final newline unless
	// it is empty.
	Input, Expected string

	// sep is the 0-based line index of the "----" separator (-1 if none);
	// the expected block is lines [sep+1, end), end excluding the blank
	// line that closes it.
	sep, end int
}

// Arg is one argument of a command line: a key, with values when written
// key=value or key=(a, b).
type Arg struct {
	Key  string
	Vals []string
}

// HasArg reports whether the command line has an argument named key.
func (d *Directive) HasArg(key string) bool {
	_, ok := d.Arg(key)
	return ok
}

// Arg returns the argument named key.
func (d *Directive) Arg(key string) (Arg, bool) {
	for _, a := range d.CmdArgs {
		if a.Key == key {
			return a, true
		}
	}
	return Arg{}, false
}

// Script is a parsed scenario file.
type Script struct {
	Path       string
	Directives []*Directive
	lines      []string
}

// ParseScript parses a scenario file's text. Like datadriven it skips
// blank and # comment lines between directives, joins command lines ending
// in \, reads the input up to a "----" line and the expected output up to a
// blank line, or, after a second "----", up to a "----" "----" pair (an
// output with blank lines in it).
func ParseScript(path, text string) (*Script, error) {
	s := &Script{Path: path, lines: strings.Split(strings.TrimSuffix(text, "\n"), "\n")}
	if text == "" {
		s.lines = nil
	}
	ls := s.lines
	for i := 0; i < len(ls); i++ {
		line := strings.TrimSpace(ls[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		d := &Directive{Pos: fmt.Sprintf("%s:%d", path, i+1), Line: i + 1, sep: -1}
		for strings.HasSuffix(line, `\`) && i+1 < len(ls) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(ls[i])
		}
		var err error
		if d.Cmd, d.CmdArgs, err = parseCommand(line); err != nil {
			return nil, fmt.Errorf("%s: %v", d.Pos, err)
		}
		var in []string
		for i++; i < len(ls) && ls[i] != "----"; i++ {
			in = append(in, ls[i])
		}
		d.Input = strings.TrimSpace(strings.Join(in, "\n"))
		if i < len(ls) {
			d.sep = i
			var err error
			if i, err = d.readExpected(ls, i+1); err != nil {
				return nil, err
			}
		}
		d.end = i
		s.Directives = append(s.Directives, d)
	}
	return s, nil
}

// readExpected reads the expected block starting at line from and returns
// the index of the line that ends it (the blank line, or len(ls)).
func (d *Directive) readExpected(ls []string, from int) (int, error) {
	var out []string
	i := from
	if i < len(ls) && ls[i] == "----" {
		for i++; ; i++ {
			if i >= len(ls) {
				return 0, fmt.Errorf("%s: the output after ---- ---- must end with ---- ----", d.Pos)
			}
			if ls[i] == "----" && i+1 < len(ls) && ls[i+1] == "----" {
				i += 2
				break
			}
			out = append(out, ls[i])
		}
	} else {
		for ; i < len(ls) && strings.TrimSpace(ls[i]) != ""; i++ {
			out = append(out, ls[i])
		}
	}
	if len(out) > 0 {
		d.Expected = strings.Join(out, "\n") + "\n"
	}
	return i, nil
}

// parseCommand splits a command line into the command and its arguments:
// key, key=value, key=(v1, v2).
func parseCommand(line string) (string, []Arg, error) {
	fields, err := splitArgs(line)
	if err != nil || len(fields) == 0 {
		return "", nil, err
	}
	var args []Arg
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		a := Arg{Key: k}
		if ok {
			if strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")") {
				for _, x := range strings.Split(v[1:len(v)-1], ",") {
					a.Vals = append(a.Vals, strings.TrimSpace(x))
				}
			} else {
				a.Vals = []string{v}
			}
		}
		args = append(args, a)
	}
	return fields[0], args, nil
}

// splitArgs splits at spaces outside parentheses.
func splitArgs(line string) ([]string, error) {
	var out []string
	depth, start := 0, -1
	for i, c := range line {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced ) in %q", line)
			}
		case c == ' ' || c == '\t':
			if depth == 0 {
				if start >= 0 {
					out = append(out, line[start:i])
				}
				start = -1
				continue
			}
		}
		if start < 0 {
			start = i
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced ( in %q", line)
	}
	if start >= 0 {
		out = append(out, line[start:])
	}
	return out, nil
}

// Rewrite returns the file's text with each directive's expected output
// replaced by got[i] (for directive i; a directive missing from got keeps
// what it had), in datadriven's layout: an output with a blank line in it
// goes between "----" "----" pairs.
func (s *Script) Rewrite(got map[*Directive]string) string {
	var b strings.Builder
	next := 0 // next line of s.lines to copy
	for _, d := range s.Directives {
		out, ok := got[d]
		if !ok {
			continue
		}
		from := d.sep
		if from < 0 {
			from = d.end
		}
		for ; next < from; next++ {
			b.WriteString(s.lines[next] + "\n")
		}
		b.WriteString("----\n")
		out = strings.TrimSuffix(out, "\n")
		switch {
		case out == "":
		case strings.Contains(out, "\n\n") || strings.HasPrefix(out, "\n"):
			b.WriteString("----\n" + out + "\n----\n----\n")
		default:
			b.WriteString(out + "\n")
		}
		next = d.end
	}
	for ; next < len(s.lines); next++ {
		b.WriteString(s.lines[next] + "\n")
	}
	return b.String()
}
