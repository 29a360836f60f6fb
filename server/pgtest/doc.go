// Package pgtest starts a throwaway PostgreSQL server for tests that check
// riffle against the real thing: the shell's output, the scalar corpus, and
// the final results of streaming scenarios. It runs initdb with trust
// authentication in a temporary directory and postgres on a free loopback
// port, as the postgres user when the tests run as root (PostgreSQL refuses
// to run as root). Where PostgreSQL is not installed, Start says why, and
// the caller skips.
package pgtest
