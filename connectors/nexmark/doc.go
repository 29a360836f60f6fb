// Package nexmark generates the events of the Nexmark benchmark, as Flink's
// nexmark source does ('connector' = 'nexmark'): people, auctions and bids
// in the proportions 1:3:46, with ids, prices, hot auctions, bidders and
// sellers, event times and padding exactly as Flink's generator
// (github.com/nexmark/nexmark, nexmark-flink; the spec riffle follows is
// ../shared/nexmark/GENERATOR.md beside the checkout).
//
//	CREATE TABLE nexmark (event_type INT, person ROW<…>, auction ROW<…>, bid ROW<…>,
//	    dateTime AS CASE … END, WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND)
//	WITH ('connector' = 'nexmark', 'first-event.rate' = '10000', 'events.num' = '1000000')
//
// Generator makes event n of the table (NewGenerator, Next), Source turns
// events into rows of the table's declared columns (New, Fill) for the
// runtime, which reads it through connectors/gen's Source contract.
//
// # Where riffle departs from Flink
//
//   - Events are a function of the table's seed and their number: each is
//     drawn from a generator seeded with both (Beam's scheme; Flink's is
//     unseeded), so a restart regenerates exactly what was not committed
//     and splits can generate any part of the stream.
//   - The table is one timeline, Flink's with parallelism 1: event n has
//     Flink's event number 1+n, event id 2+n and event time
//     baseTime + (1+n)·10⁶/'first-event.rate' µs (truncated to ms).
//     'scan.parallelism' splits it round-robin (split s of k generates
//     events s, s+k, …), so k splits hold exactly the events one does.
//     Flink instead gives each of k generators a block of ids on its own
//     timeline, k times slower, which makes the stream depend on k.
//   - A bidder is a person id (Flink adds 1000 to it a second time).
//   - 'base-time' and 'seed' are riffle's options; CREATE TABLE fixes the
//     base time at its own time unless given.
//   - The channel URLs and the string extras are cut from are built from
//     fixed seeds rather than an unseeded generator, so they too are the
//     same in every process.
//
// 'rate.shape', 'rate.period', 'rate.limited' and 'next-event.rate' are
// accepted and unused, as in Flink's generator.
package nexmark
