// Package gatewaytest runs the shell against riffle's own Postgres gateway
// (server/pgwire) serving a small scripted engine, to check that the two
// agree on the wire: command tags, type OIDs and their alignment, notices,
// error positions, statement sets sent as one unit, and cancellation.
//
// It lives apart from package shell so that the shell's own tests do not
// depend on the gateway, which changes independently.
package gatewaytest
