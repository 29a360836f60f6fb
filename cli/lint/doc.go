// Package lint holds riffle's repository checks, run as tests so CI keeps
// them true: dependencies point downward only (cli → server → exec →
// planner/connectors → catalog → sql), every package opens with a doc.go,
// and the code is gofmt, go vet and staticcheck clean.
package lint
