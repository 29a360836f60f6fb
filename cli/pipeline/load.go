package pipeline

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"riffle/sql/parse"
	"riffle/sql/sqlerr"
)

// Kind is what a declaration declares.
type Kind string

// Declaration kinds, as the plan prints them.
const (
	Table            Kind = "table"
	View             Kind = "view"
	MaterializedView Kind = "materialized view"
	Query            Kind = "query" // INSERT INTO … SELECT
)

// Decl is one declaration of a pipeline directory.
type Decl struct {
	File      string // path relative to the directory, with forward slashes
	Line, Col int    // where the statement starts
	Kind      Kind
	// Name is the object's name; for a query, "insert into <target>", with
	// "#2", "#3", … after the first query writing the same target.
	Name   string
	Target string // a query's sink table
	Stmt   parse.Statement
	// SQL is the statement as written; Norm its normalised form, which is
	// what apply compares with the running catalog.
	SQL, Norm string
	// Settings are the SET statements before it in its file, in order.
	Settings []*parse.Set
	// Uses names what it reads (and, for a query, its target), as binding
	// found them; filled in by Check.
	Uses []string
	// layout is the state layout of its plan (materialized views and
	// queries); filled in by Check.
	layout []string
}

// Pos is the declaration's position, "file:line:col".
func (d *Decl) Pos() string { return fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Col) }

// Diag is an error in a file, positioned.
type Diag struct {
	File      string
	Line, Col int
	Err       *sqlerr.Error
	Note      string // what else the user should know (a dependency that failed)
}

// String renders file:line:col: message (SQLSTATE code), then the hint.
func (d *Diag) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s (SQLSTATE %s)", d.File, d.Line, d.Col, d.Err.Message, d.Err.Code)
	if d.Err.Hint != "" {
		b.WriteString("\n\thint: " + d.Err.Hint)
	}
	if d.Note != "" {
		b.WriteString("\n\tnote: " + d.Note)
	}
	return b.String()
}

// diag positions err in file: where the error says, else at the statement.
func diag(file string, err error, src *parse.Source) *Diag {
	e := sqlerr.Wrap(err, sqlerr.Internal)
	d := &Diag{File: file, Line: e.Line, Col: e.Col, Err: e}
	if d.Line == 0 && src != nil {
		d.Line, d.Col = sqlerr.LineCol(src.Input, src.Offset)
	}
	if d.Line == 0 {
		d.Line, d.Col = 1, 1
	}
	return d
}

// Load reads every .sql file under dir (hidden folders left out), in path
// order, into declarations. Errors are positioned in their files; a file
// with an error contributes none of its declarations.
func Load(dir string) ([]*Decl, []*Diag, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && path != dir && strings.HasPrefix(e.Name(), ".") {
			return filepath.SkipDir
		}
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%s holds no .sql files", dir)
	}
	sort.Strings(files)
	var decls []*Decl
	var diags []*Diag
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		rel, _ := filepath.Rel(dir, path)
		ds, dg := LoadFile(filepath.ToSlash(rel), string(text))
		decls, diags = append(decls, ds...), append(diags, dg...)
	}
	decls, dup := name(decls)
	return decls, append(diags, dup...), nil
}

// LoadFile reads one file's text. name is how messages call the file.
func LoadFile(name, text string) ([]*Decl, []*Diag) {
	stmts, err := parse.Parse(text)
	if err != nil {
		return nil, []*Diag{diag(name, err, nil)}
	}
	var decls []*Decl
	var diags []*Diag
	var settings []*parse.Set
	for _, st := range stmts {
		src := st.Source()
		d := &Decl{File: name, Stmt: st, SQL: src.Text, Norm: Normalize(src.Text), Settings: settings}
		d.Line, d.Col = sqlerr.LineCol(src.Input, src.Offset)
		switch st := st.(type) {
		case *parse.Empty:
			continue
		case *parse.Set:
			settings = append(append([]*parse.Set(nil), settings...), st)
			continue
		case *parse.CreateTable:
			d.Kind, d.Name = Table, st.Name.Name
		case *parse.CreateView:
			d.Kind, d.Name = View, st.Name.Name
			if st.Materialized {
				d.Kind = MaterializedView
			}
		case *parse.Insert:
			if st.Query == nil {
				diags = append(diags, diag(name, src.Errorf(0, sqlerr.FeatureNotSupported,
					"INSERT … VALUES writes rows once; a pipeline file declares continuous queries").
					WithHint("write INSERT INTO %s SELECT …, or feed rows in a test file's step", st.Table.Name), src))
				continue
			}
			d.Kind, d.Target = Query, st.Table.Name
		default:
			diags = append(diags, diag(name, src.Errorf(0, sqlerr.FeatureNotSupported,
				"a pipeline file declares tables, views and queries; this statement is not a declaration").
				WithHint("pipeline files hold CREATE TABLE, CREATE [MATERIALIZED] VIEW, INSERT INTO … SELECT and SET"), src))
			continue
		}
		decls = append(decls, d)
	}
	return decls, diags
}

// name gives queries their names and refuses an object declared twice,
// keeping the first declaration only.
func name(decls []*Decl) ([]*Decl, []*Diag) {
	var diags []*Diag
	var kept []*Decl
	first := map[string]*Decl{}
	perTarget := map[string]int{}
	for _, d := range decls {
		if d.Kind == Query {
			t := strings.ToLower(d.Target)
			perTarget[t]++
			d.Name = "insert into " + t
			if n := perTarget[t]; n > 1 {
				d.Name += fmt.Sprintf("#%d", n)
			}
			kept = append(kept, d)
			continue
		}
		k := strings.ToLower(d.Name)
		if f, ok := first[k]; ok {
			src := d.Stmt.Source()
			diags = append(diags, diag(d.File, src.Errorf(0, sqlerr.DuplicateTable,
				"%s %q is declared twice; it was first declared at %s", d.Kind, d.Name, f.Pos()), src))
			continue
		}
		first[k] = d
		kept = append(kept, d)
	}
	return kept, diags
}

// Normalize renders a statement's text for comparison: its tokens without
// comments (an optimizer hint /*+ … */ stays), keywords and unquoted names
// lower-case, one space apart, and without CREATE's OR REPLACE and IF NOT
// EXISTS, which say how to create, not what.
func Normalize(sql string) string {
	toks, err := parse.Tokenize(sql)
	if err != nil {
		return sql
	}
	var words []string
	for _, t := range toks {
		switch t.Kind {
		case parse.TokEOF:
			continue
		case parse.TokComment:
			if c := sql[t.Start:t.End]; strings.HasPrefix(c, "/*+") {
				words = append(words, c)
			}
		case parse.TokIdent:
			words = append(words, strings.ToLower(t.Val))
		case parse.TokQuotedIdent:
			words = append(words, `"`+strings.ReplaceAll(t.Val, `"`, `""`)+`"`)
		case parse.TokString, parse.TokEString:
			words = append(words, "'"+strings.ReplaceAll(t.Val, "'", "''")+"'")
		default:
			words = append(words, t.Val)
		}
	}
	if len(words) > 0 && words[len(words)-1] == ";" {
		words = words[:len(words)-1]
	}
	if len(words) > 2 && words[0] == "create" && words[1] == "or" && words[2] == "replace" {
		words = append(words[:1], words[3:]...)
	}
	for i := 1; i+2 < len(words) && i < 4; i++ {
		if words[i] == "if" && words[i+1] == "not" && words[i+2] == "exists" && words[0] == "create" {
			words = append(words[:i], words[i+3:]...)
			break
		}
	}
	return strings.Join(words, " ")
}
