-- A bid with no price is a client bug; nothing downstream should see it.
CREATE VIEW valid_bids AS
SELECT auction, bidder, price, channel, ts FROM bids WHERE price > 0;
