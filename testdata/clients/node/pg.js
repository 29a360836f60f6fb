// node-postgres against riffle: connect, simple and parameterised queries
// (the extended protocol with text parameters), a named prepared statement
// run twice, and an error with its SQLSTATE. Prints what it saw, one fact a
// line; server/clients compares it with node-postgres.out.
// Usage: node pg.js HOST PORT
const { Client } = require('pg');

async function main() {
  const [host, port] = process.argv.slice(2);
  const c = new Client({ host, port: Number(port), user: 'riffle', database: 'riffle' });
  await c.connect();
  await c.query('CREATE TABLE np_orders (id BIGINT, customer STRING, amount DOUBLE)');
  let r = await c.query('INSERT INTO np_orders VALUES ($1, $2, $3), ($4, $5, $6)', [1, "it's", 2.5, 2, 'bob', null]);
  console.log('insert', r.command, r.rowCount);
  r = await c.query('SELECT id, customer, amount FROM np_orders ORDER BY id');
  console.log('simple', JSON.stringify(r.rows));
  r = await c.query('SELECT customer FROM np_orders WHERE id = $1 AND customer <> $2', [1, 'zed']);
  console.log('params', JSON.stringify(r.rows), r.fields.map((f) => f.name).join(','));
  for (const id of [2, 1]) {
    r = await c.query({ name: 'byid', text: 'SELECT customer FROM np_orders WHERE id = $1', values: [id] });
    console.log('named', id, JSON.stringify(r.rows));
  }
  try {
    await c.query('SELECT nope FROM np_orders WHERE id = $1', [1]);
  } catch (e) {
    console.log('error', e.code, e.message);
  }
  r = await c.query('SELECT COUNT(*) AS n FROM np_orders');
  console.log('after error', JSON.stringify(r.rows));
  // Row objects are keyed by column name: an unquoted alias folds to lower
  // case, a quoted one keeps its case, as in PostgreSQL.
  r = await c.query('SELECT SUM(amount) AS Total, MAX(id) AS "MaxId", extract(epoch from TIMESTAMP \'2024-01-01 00:00:01.5\') AS Epoch FROM np_orders');
  console.log('names', JSON.stringify(r.rows));
  await c.end();
}

main().catch((e) => {
  console.error('FAILED', e.code || '', e.message);
  process.exit(1);
});
