-- Every bid placed in an auction, as the bidding service writes it.
CREATE TABLE bids (
  auction BIGINT,
  bidder  BIGINT,
  price   BIGINT,
  channel STRING,
  ts      TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'bids', 'format' = 'json');
