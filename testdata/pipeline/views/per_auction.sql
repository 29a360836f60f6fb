-- The current standing of every auction.
CREATE MATERIALIZED VIEW per_auction AS
SELECT auction, COUNT(*) AS bids, MAX(price) AS top
FROM valid_bids
GROUP BY auction;
