-- Bids per channel in ten-second windows, final when the watermark passes
-- the window's end.
CREATE MATERIALIZED VIEW per_window AS
SELECT channel, window_start, window_end, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE valid_bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY channel, window_start, window_end;
