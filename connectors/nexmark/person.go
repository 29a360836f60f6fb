package nexmark

import "riffle/connectors/gen"

var (
	firstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	cities     = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	states     = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	// names are every "First Last", built once so a person's name costs
	// no allocation.
	names = func() []string {
		out := make([]string, 0, len(firstNames)*len(lastNames))
		for _, f := range firstNames {
			for _, l := range lastNames {
				out = append(out, f+" "+l)
			}
		}
		return out
	}()
)

// person is Flink's PersonGenerator.nextPerson, drawing in its order:
// name (first, last), email, credit card (four groups), city, state, extra.
func (g *Generator) person(r *gen.Rand, id, ts int64, p *Person) {
	p.ID = g.lastBase0PersonID(id) + firstPersonID
	first := r.Intn(len(firstNames))
	p.Name = names[first*len(lastNames)+r.Intn(len(lastNames))]
	p.EmailAddress = nextString(r, 7, ' ') + "@" + nextString(r, 5, ' ') + ".com"
	p.CreditCard = creditCard(r)
	p.City = cities[r.Intn(len(cities))]
	p.State = states[r.Intn(len(states))]
	p.DateTime = ts
	size := 8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) + len(p.City) + len(p.State)
	p.Extra = g.nextExtra(r, size, int(g.cfg.AvgPersonSize))
}

// creditCard is four groups of four digits ("%04d"), space separated.
func creditCard(r *gen.Rand) string {
	var b [19]byte
	for i := range 4 {
		n := r.Intn(10000)
		at := i * 5
		if i > 0 {
			b[at-1] = ' '
		}
		for j := 3; j >= 0; j-- {
			b[at+j] = byte('0' + n%10)
			n /= 10
		}
	}
	return string(b[:])
}
