-- Files are read in path order (queries/ before tables/): check, test and
-- apply find the order the declarations depend on by themselves.
INSERT INTO big_bids
SELECT auction, bidder, price, channel FROM valid_bids WHERE price >= 100;
