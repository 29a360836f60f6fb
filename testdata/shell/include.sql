-- Used by run.test: \i runs these statements and stops at the first error.
DROP TABLE IF EXISTS included;
CREATE TABLE included (id int);
INSERT INTO included VALUES (1), (2);
SELECT count(*) AS n FROM included;
SELECT nosuch FROM included;
SELECT 'not reached';
