package engine

import (
	"strings"

	"riffle/server/pgwire"
	"riffle/sql/parse"
	"riffle/sql/sqlerr"
	"riffle/sql/types"
)

// copyFormat checks a COPY's options as PostgreSQL's ProcessCopyOptions
// does, with its messages, and returns the data format they describe;
// cols are the columns copied, which FORCE_* options name.
func copyFormat(st *parse.Copy, cols []types.Column) (pgwire.Copy, error) {
	seen := map[string]parse.CopyOption{}
	for _, o := range st.Options {
		if _, dup := seen[o.Name]; dup {
			return pgwire.Copy{}, st.Src.Errorf(o.Pos, sqlerr.SyntaxError, "conflicting or redundant options")
		}
		seen[o.Name] = o
	}
	c := pgwire.NewCopy(pgwire.CopyText)
	if o, ok := seen["format"]; ok {
		switch o.Value {
		case "text":
		case "csv":
			c = pgwire.NewCopy(pgwire.CopyCSV)
		case "binary":
			c = pgwire.NewCopy(pgwire.CopyBinary)
		default:
			return c, st.Src.Errorf(o.Pos, sqlerr.InvalidParameter, "COPY format \"%s\" not recognized", o.Value)
		}
	}
	o := optionChecker{st: st, c: &c, seen: seen, cols: cols}
	for _, opt := range st.Options {
		if err := o.apply(opt); err != nil {
			return c, err
		}
	}
	return c, o.crossCheck()
}

type optionChecker struct {
	st   *parse.Copy
	c    *pgwire.Copy
	seen map[string]parse.CopyOption
	cols []types.Column
}

func (o *optionChecker) errorf(opt parse.CopyOption, code, format string, args ...any) *sqlerr.Error {
	return o.st.Src.Errorf(opt.Pos, code, format, args...)
}

// apply checks one option and sets what it says.
func (o *optionChecker) apply(opt parse.CopyOption) error {
	c, binary, csv := o.c, o.c.Format == pgwire.CopyBinary, o.c.Format == pgwire.CopyCSV
	needString := func() error {
		if !opt.HasValue || opt.Columns != nil || opt.Star {
			return o.errorf(opt, sqlerr.SyntaxError, "%s requires a parameter", opt.Name)
		}
		return nil
	}
	oneByte := func(what string) (byte, error) {
		if err := needString(); err != nil {
			return 0, err
		}
		if len(opt.Value) != 1 {
			return 0, o.errorf(opt, sqlerr.FeatureNotSupported, "COPY %s must be a single one-byte character", what)
		}
		return opt.Value[0], nil
	}
	var err error
	switch opt.Name {
	case "format":
	case "freeze":
		_, err = o.boolean(opt)
	case "delimiter":
		if binary {
			return o.errorf(opt, sqlerr.SyntaxError, "cannot specify DELIMITER in BINARY mode")
		}
		c.Delimiter, err = oneByte("delimiter")
	case "null":
		if binary {
			return o.errorf(opt, sqlerr.SyntaxError, "cannot specify NULL in BINARY mode")
		}
		if err = needString(); err == nil {
			c.Null = opt.Value
		}
	case "header":
		if binary {
			return o.errorf(opt, sqlerr.FeatureNotSupported, "cannot specify HEADER in BINARY mode")
		}
		if opt.Value == "match" && opt.HasValue {
			if !o.st.From {
				return o.errorf(opt, sqlerr.FeatureNotSupported, "cannot use \"match\" with HEADER in COPY TO")
			}
			c.Header, c.HeaderMatch = true, true
			return nil
		}
		c.Header, err = o.boolean(opt)
	case "quote":
		if !csv {
			return o.errorf(opt, sqlerr.FeatureNotSupported, "COPY quote available only in CSV mode")
		}
		c.Quote, err = oneByte("quote")
	case "escape":
		if !csv {
			return o.errorf(opt, sqlerr.FeatureNotSupported, "COPY escape available only in CSV mode")
		}
		c.Escape, err = oneByte("escape")
	case "force_quote":
		if !csv || o.st.From {
			return o.forceErr(opt, "quote", "COPY TO", !csv)
		}
		c.ForceQuote, err = o.columnFlags(opt)
	case "force_not_null":
		if !csv || !o.st.From {
			return o.forceErr(opt, "not null", "COPY FROM", !csv)
		}
		c.ForceNotNull, err = o.columnFlags(opt)
	case "force_null":
		if !csv || !o.st.From {
			return o.forceErr(opt, "null", "COPY FROM", !csv)
		}
		c.ForceNull, err = o.columnFlags(opt)
	case "encoding":
		if err = needString(); err == nil {
			if e := strings.ToUpper(strings.ReplaceAll(opt.Value, "-", "")); e != "UTF8" && e != "UNICODE" {
				return o.errorf(opt, sqlerr.FeatureNotSupported, "COPY encoding %q is not supported", opt.Value).
					WithHint("riffle reads and writes UTF8 only")
			}
		}
	default:
		return o.errorf(opt, sqlerr.SyntaxError, "option \"%s\" not recognized", opt.Name)
	}
	return err
}

func (o *optionChecker) forceErr(opt parse.CopyOption, what, direction string, notCSV bool) error {
	if notCSV {
		return o.errorf(opt, sqlerr.FeatureNotSupported, "COPY force %s available only in CSV mode", what)
	}
	return o.errorf(opt, sqlerr.FeatureNotSupported, "COPY force %s only available using %s", what, direction)
}

// boolean reads a boolean option's value: alone it is true.
func (o *optionChecker) boolean(opt parse.CopyOption) (bool, error) {
	if !opt.HasValue {
		return true, nil
	}
	if b, ok := boolOption(opt.Value); ok {
		return b, nil
	}
	return false, o.errorf(opt, sqlerr.SyntaxError, "%s requires a Boolean value", opt.Name)
}

// columnFlags marks the columns an option names (every one for *).
func (o *optionChecker) columnFlags(opt parse.CopyOption) ([]bool, error) {
	flags := make([]bool, len(o.cols))
	if opt.Star {
		for i := range flags {
			flags[i] = true
		}
		return flags, nil
	}
	if opt.Columns == nil {
		return nil, o.errorf(opt, sqlerr.SyntaxError, "%s requires a list of columns", opt.Name)
	}
	for _, n := range opt.Columns {
		i := (types.Schema{Columns: o.cols}).Find(n.Name)
		if i < 0 {
			return nil, o.st.Src.Errorf(n.Pos, sqlerr.InvalidColumnReference,
				"%s column \"%s\" not referenced by COPY", strings.ToUpper(opt.Name), n.Name)
		}
		flags[i] = true
	}
	return flags, nil
}

// crossCheck checks the options against each other.
func (o *optionChecker) crossCheck() error {
	c := o.c
	if c.Format == pgwire.CopyBinary {
		return nil
	}
	at := func(name string) parse.CopyOption {
		if opt, ok := o.seen[name]; ok {
			return opt
		}
		return parse.CopyOption{Pos: -1}
	}
	switch {
	case c.Delimiter == '\n' || c.Delimiter == '\r':
		return o.errorf(at("delimiter"), sqlerr.InvalidParameter, "COPY delimiter cannot be newline or carriage return")
	case strings.ContainsAny(c.Null, "\r\n"):
		return o.errorf(at("null"), sqlerr.InvalidParameter, "COPY null representation cannot use newline or carriage return")
	case c.Format == pgwire.CopyText && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, c.Delimiter) >= 0:
		return o.errorf(at("delimiter"), sqlerr.InvalidParameter, "COPY delimiter cannot be \"%s\"", string(c.Delimiter))
	case strings.IndexByte(c.Null, c.Delimiter) >= 0:
		return o.errorf(at("delimiter"), sqlerr.InvalidParameter, "COPY delimiter must not appear in the NULL specification")
	case c.Format == pgwire.CopyCSV && c.Delimiter == c.Quote:
		return o.errorf(at("quote"), sqlerr.InvalidParameter, "COPY delimiter and quote must be different")
	case c.Format == pgwire.CopyCSV && strings.IndexByte(c.Null, c.Quote) >= 0:
		return o.errorf(at("null"), sqlerr.InvalidParameter, "CSV quote character must not appear in the NULL specification")
	}
	return nil
}
