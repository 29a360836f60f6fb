-- The bids large enough for the fraud team to look at, for their consumers.
CREATE TABLE big_bids (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING)
WITH ('connector' = 'kafka', 'topic' = 'big-bids', 'format' = 'json');
