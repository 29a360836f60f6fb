package pgcompare

import (
	"riffle/server/pgtest"
)

// startPostgres starts the PostgreSQL riffle is compared with, in the
// settings the corpus assumes: C.UTF-8 for byte-order comparisons with
// Unicode case mapping; UTC, ISO dates and postgres interval style, as
// riffle renders them; shortest float output.
func startPostgres() (*pgtest.Server, string, error) {
	return pgtest.Start(pgtest.Options{Prefix: "riffle-pgcompare-", Locale: "C.UTF-8", Settings: []string{
		"TimeZone=UTC", "DateStyle=ISO, MDY", "IntervalStyle=postgres", "extra_float_digits=1"}})
}
