package nexmark

import (
	"strings"

	"riffle/connectors/gen"
	"riffle/sql/types"
)

// Source is a Nexmark table: its events as rows of the table's columns.
// The table declares some of event_type, person, auction and bid (Flink's
// DDL declares all four); a ROW column declares any of its entity's fields,
// by name, in any order. Exactly one ROW is non-NULL in each row.
type Source struct {
	g    *Generator
	cols []column
	// width is, per kind, how many nested values a row of that kind needs.
	width [3]int
	// spare is the memory FillReusing carves nested values from: a slot
	// of slot values per row, the first used slots holding rows not yet
	// released. Row j's values always start at spare[j*slot], whatever
	// its kind, so that boxes[3j+kind], the ROW value's X made for them
	// before, serves again: a slice in an interface is a copy of its
	// header on the heap, an allocation per row, but the same slice of
	// the same memory boxes to the same thing.
	spare []types.Value
	boxes []any
	slot  int
	used  int
}

var _ gen.Reuser = (*Source)(nil)

// colKind says what a table column holds.
type colKind uint8

const (
	colEventType colKind = iota
	colPerson
	colAuction
	colBid
)

// column is one column the source fills.
type column struct {
	idx    int
	kind   colKind
	fields []uint8 // a ROW column's declared fields: indexes into the entity's fields
}

// fieldType is what a field holds: BIGINT, a string, or a TIMESTAMP(3).
type fieldType uint8

const (
	fBigInt fieldType = iota
	fString
	fTime
)

type field struct {
	name string
	t    fieldType
}

// entityFields are each entity's fields, as Flink's DDL names them.
var entityFields = map[colKind][]field{
	colPerson: {{"id", fBigInt}, {"name", fString}, {"emailAddress", fString}, {"creditCard", fString},
		{"city", fString}, {"state", fString}, {"dateTime", fTime}, {"extra", fString}},
	colAuction: {{"id", fBigInt}, {"itemName", fString}, {"description", fString}, {"initialBid", fBigInt},
		{"reserve", fBigInt}, {"dateTime", fTime}, {"expires", fTime}, {"seller", fBigInt}, {"category", fBigInt},
		{"extra", fString}},
	colBid: {{"auction", fBigInt}, {"bidder", fBigInt}, {"price", fBigInt}, {"channel", fString},
		{"url", fString}, {"dateTime", fTime}, {"extra", fString}},
}

var columnKinds = map[string]colKind{"event_type": colEventType, "person": colPerson, "auction": colAuction, "bid": colBid}

// New builds the source of a Nexmark table, checking its columns and
// options. An error is a *gen.OptionError naming the option or column.
func New(t gen.Table) (*Source, error) {
	cfg, err := ParseOptions(t.Options)
	if err != nil {
		return nil, err
	}
	s := &Source{g: NewGenerator(cfg)}
	for _, i := range t.Fill {
		c, err := bindColumn(i, t.Schema.Columns[i])
		if err != nil {
			return nil, err
		}
		s.cols = append(s.cols, c)
		if c.kind != colEventType {
			s.width[c.kind-colPerson] += len(c.fields)
			s.slot = max(s.slot, s.width[c.kind-colPerson])
		}
	}
	return s, nil
}

// bindColumn matches a declared column to what the generator makes.
func bindColumn(i int, col types.Column) (column, error) {
	kind, ok := columnKinds[strings.ToLower(col.Name)]
	if !ok {
		return column{}, gen.BadColumn(col.Name, "column %q is not a column of a nexmark table", col.Name).
			WithHint("a nexmark table has the columns event_type, person, auction and bid (Flink's ddl_gen.sql); computed columns may add others")
	}
	c := column{idx: i, kind: kind}
	if kind == colEventType {
		if !col.Type.IsInteger() {
			return c, gen.BadColumn(col.Name, "column %q must be INT, not %s", col.Name, col.Type)
		}
		return c, nil
	}
	fields := entityFields[kind]
	if col.Type.ID != types.RowType {
		return c, gen.BadColumn(col.Name, "column %q must be a ROW of %s fields, not %s", col.Name, col.Name, col.Type).
			WithHint("declare it as in Flink's ddl_gen.sql: %s", rowText(fields))
	}
	for _, f := range col.Type.Fields {
		j := -1
		for k, ef := range fields {
			if strings.EqualFold(ef.name, f.Name) {
				j = k
			}
		}
		if j < 0 {
			return c, gen.BadColumn(col.Name, "%s has no field %q", col.Name, f.Name).WithHint("its fields are %s", rowText(fields))
		}
		if !fits(fields[j].t, f.Type) {
			return c, gen.BadColumn(col.Name, "field %s.%s must be %s, not %s", col.Name, f.Name, typeText(fields[j].t), f.Type)
		}
		c.fields = append(c.fields, uint8(j))
	}
	return c, nil
}

func fits(t fieldType, ty types.Type) bool {
	switch t {
	case fBigInt:
		return ty.ID == types.BigInt
	case fString:
		return ty.ID == types.Varchar
	}
	return ty.ID == types.Timestamp && ty.Precision >= 3
}

func typeText(t fieldType) string {
	return [...]string{"BIGINT", "VARCHAR", "TIMESTAMP(3)"}[t]
}

func rowText(fs []field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.name + " " + typeText(f.t)
	}
	return "ROW<" + strings.Join(parts, ", ") + ">"
}

// Generator returns the source's generator: tests compute expected results
// from its events.
func (s *Source) Generator() *Generator { return s.g }

// Len is the table's event count ('events.num', or 'stop-at' if smaller;
// -1 without either); the table ends after it unless 'keep-alive'.
func (s *Source) Len() (int64, bool) { return s.g.cfg.Limit(), !s.g.cfg.KeepAlive }

// Splits is 'scan.parallelism'.
func (s *Source) Splits() int { return s.g.cfg.Splits }

// Rate paces the events at 'first-event.rate' per second unless
// 'max-emit-speed': each is emitted when the wall clock has moved as far
// from the first as its event time has, as Flink's reader sleeps until an
// event's wall-clock time.
func (s *Source) Rate() float64 {
	if s.g.cfg.MaxEmitSpeed {
		return 0
	}
	return float64(s.g.cfg.FirstEventRate)
}

// Fill generates events first, first+stride, … as rows. Each row's one
// non-NULL ROW value is carved from one slab per call, sized exactly.
func (s *Source) Fill(first, stride int64, rows []types.Row) {
	s.fill(first, stride, rows, make([]types.Value, s.need(first, stride, len(rows))), nil)
}

// FillReusing is Fill with the values carved from memory released before,
// grown when too small: each value the rows take is written afresh, so
// nothing of the released rows shows through.
func (s *Source) FillReusing(first, stride int64, rows []types.Row) {
	if s.slot == 0 {
		s.fill(first, stride, rows, nil, nil)
		return
	}
	if len(s.spare)/s.slot-s.used < len(rows) {
		// The rows filled since the last Release keep the old memory.
		n := max(len(rows), 2*len(s.spare)/s.slot)
		s.spare, s.boxes, s.used = make([]types.Value, n*s.slot), make([]any, 3*n), 0
	}
	s.fill(first, stride, rows, s.spare[s.used*s.slot:], s.boxes[3*s.used:])
	s.used += len(rows)
}

// Release lets FillReusing write over the rows it has filled.
func (s *Source) Release() { s.used = 0 }

// need is how many nested values rows first, first+stride, … take.
func (s *Source) need(first, stride int64, n int) int {
	need := 0
	for i := range n {
		need += s.width[s.g.KindOf(first+int64(i)*stride)]
	}
	return need
}

// fill generates the rows, carving their nested values from slab: one
// after the other, slab holding exactly as many as they need, or, with
// boxes (FillReusing), row j's from slab[j*slot:], reusing boxes made
// before (see Source.spare).
func (s *Source) fill(first, stride int64, rows []types.Row, slab []types.Value, boxes []any) {
	var e Event
	off := 0
	for i, row := range rows {
		s.g.Next(first+int64(i)*stride, &e)
		for ci := range s.cols {
			c := &s.cols[ci]
			if c.kind == colEventType {
				row[c.idx] = types.NewInt(int64(e.Kind))
				continue
			}
			if Kind(c.kind-colPerson) != e.Kind {
				continue
			}
			n := len(c.fields)
			if boxes != nil {
				off = i * s.slot
			}
			vals := slab[off : off+n : off+n]
			off += n
			switch e.Kind {
			case PersonEvent:
				personValues(&e.Person, c.fields, vals)
			case AuctionEvent:
				auctionValues(&e.Auction, c.fields, vals)
			default:
				bidValues(&e.Bid, c.fields, vals)
			}
			if boxes == nil || n == 0 {
				row[c.idx] = types.Value{K: types.KRow, X: vals}
				continue
			}
			box := &boxes[3*i+int(e.Kind)]
			if b, ok := (*box).([]types.Value); !ok || len(b) != n || &b[0] != &vals[0] {
				*box = vals
			}
			row[c.idx] = types.Value{K: types.KRow, X: *box}
		}
	}
}

func ts(ms int64) types.Value { return types.NewTimestamp(ms * 1000) }

func personValues(p *Person, fields []uint8, out []types.Value) {
	for i, f := range fields {
		switch f {
		case 0:
			out[i] = types.NewInt(p.ID)
		case 1:
			out[i] = types.NewString(p.Name)
		case 2:
			out[i] = types.NewString(p.EmailAddress)
		case 3:
			out[i] = types.NewString(p.CreditCard)
		case 4:
			out[i] = types.NewString(p.City)
		case 5:
			out[i] = types.NewString(p.State)
		case 6:
			out[i] = ts(p.DateTime)
		case 7:
			out[i] = types.NewString(p.Extra)
		}
	}
}

func auctionValues(a *Auction, fields []uint8, out []types.Value) {
	for i, f := range fields {
		switch f {
		case 0:
			out[i] = types.NewInt(a.ID)
		case 1:
			out[i] = types.NewString(a.ItemName)
		case 2:
			out[i] = types.NewString(a.Description)
		case 3:
			out[i] = types.NewInt(a.InitialBid)
		case 4:
			out[i] = types.NewInt(a.Reserve)
		case 5:
			out[i] = ts(a.DateTime)
		case 6:
			out[i] = ts(a.Expires)
		case 7:
			out[i] = types.NewInt(a.Seller)
		case 8:
			out[i] = types.NewInt(a.Category)
		case 9:
			out[i] = types.NewString(a.Extra)
		}
	}
}

// canonicalBid is the bid fields of Flink's DDL, in its order.
const canonicalBid = "\x00\x01\x02\x03\x04\x05\x06"

func bidValues(b *Bid, fields []uint8, out []types.Value) {
	if len(fields) == len(canonicalBid) && string(fields) == canonicalBid {
		// Flink's layout, the common case: no switch per field.
		out[0], out[1], out[2] = types.NewInt(b.Auction), types.NewInt(b.Bidder), types.NewInt(b.Price)
		out[3], out[4] = types.NewString(b.Channel), types.NewString(b.URL)
		out[5], out[6] = ts(b.DateTime), types.NewString(b.Extra)
		return
	}
	for i, f := range fields {
		switch f {
		case 0:
			out[i] = types.NewInt(b.Auction)
		case 1:
			out[i] = types.NewInt(b.Bidder)
		case 2:
			out[i] = types.NewInt(b.Price)
		case 3:
			out[i] = types.NewString(b.Channel)
		case 4:
			out[i] = types.NewString(b.URL)
		case 5:
			out[i] = ts(b.DateTime)
		case 6:
			out[i] = types.NewString(b.Extra)
		}
	}
}
