"""psycopg2 against riffle: connect, parameterised queries (psycopg2
interpolates them client-side and sends simple queries, inside the BEGIN it
issues itself), and named (server-side) cursors over a SELECT and over a
SUBSCRIBE read with fetchmany. Prints what it saw, one fact a line;
server/clients compares it with psycopg2.out.

Usage: python3 psycopg2_client.py HOST PORT
"""
import sys
import threading
import time

import psycopg2


def connect(host, port):
    return psycopg2.connect(host=host, port=port, user="riffle", dbname="riffle", sslmode="disable")


def main(host, port):
    conn = connect(host, port)
    cur = conn.cursor()
    cur.execute("CREATE TABLE py_orders (id BIGINT, customer STRING, amount DOUBLE)")
    cur.execute("INSERT INTO py_orders VALUES (%s, %s, %s), (%s, %s, %s), (%s, %s, %s)",
                (1, "ann", 2.5, 2, "it's", None, 3, "cy", 7.0))
    print("insert", cur.statusmessage)
    conn.commit()
    cur.execute("SELECT id, customer, amount FROM py_orders WHERE id >= %s AND customer <> %s ORDER BY id", (2, "zed"))
    print("params", cur.fetchall())
    conn.commit()

    # A named cursor over a SELECT: DECLARE … WITHOUT HOLD, FETCH FORWARD n.
    named = conn.cursor("orders_cursor")
    named.execute("SELECT id, customer FROM py_orders WHERE id < %s ORDER BY id", (10,))
    print("named first", named.fetchone())
    print("named many", named.fetchmany(1))
    print("named rest", named.fetchall())
    named.close()
    conn.commit()

    cur.execute("CREATE MATERIALIZED VIEW py_totals AS SELECT customer, COUNT(*) AS n FROM py_orders GROUP BY customer")
    cur.execute("FLUSH")
    conn.commit()

    # A named cursor over SUBSCRIBE: fetchmany returns what is ready,
    # waiting for the first row.
    sub = conn.cursor("totals_sub")
    sub.execute("SUBSCRIBE py_totals")
    print("subscribe snapshot", sorted((op, c, n) for op, _, c, n in sub.fetchmany(10)))

    def later():
        time.sleep(0.3)
        other = connect(host, port)
        other.autocommit = True
        other.cursor().execute("INSERT INTO py_orders VALUES (4, 'ann', 1.0)")
        other.close()

    threading.Thread(target=later).start()
    print("subscribe change", [(op, c, n) for op, _, c, n in sub.fetchmany(10)])
    sub.close()
    conn.commit()

    # The subscription is gone with its cursor.
    cur.execute("SHOW QUERIES")
    print("queries", [r[0] for r in cur.fetchall()])
    conn.commit()

    enums(conn)
    conn.close()


def enums(conn):
    """A user-defined enum, a point and an int4range, read as the captured
    psycopg2 session read its moods table (../shared/pgclients): the enum
    is a str, the range psycopg2's NumericRange, and an array of the enum
    parsed once registered with register_type."""
    import psycopg2.extensions
    import psycopg2.extras

    cur = conn.cursor()
    cur.execute("CREATE TYPE py_mood AS ENUM ('sad', 'ok', 'happy')")
    cur.execute("CREATE TABLE py_moods (id INT, m py_mood, p point, r int4range, ms py_mood[])")
    cur.execute("INSERT INTO py_moods VALUES (%s, %s, %s, %s, %s), (2, 'sad', '(0,0)', 'empty', NULL)",
                (1, "happy", "(1.5,-2)", psycopg2.extras.NumericRange(1, 5, "[]"), ["sad", "ok"]))
    cur.execute("FLUSH")
    conn.commit()
    cur.execute("SELECT * FROM py_moods ORDER BY m")
    print("moods columns", [d.name for d in cur.description])
    for row in cur.fetchall():
        print("moods row", row)
    conn.commit()

    cur.execute("SELECT typarray FROM pg_type WHERE typname = 'py_mood'")
    array_oid = cur.fetchone()[0]
    psycopg2.extensions.register_type(
        psycopg2.extensions.new_array_type((array_oid,), "py_mood[]", psycopg2.STRING), conn)
    cur.execute("SELECT ms FROM py_moods WHERE m > %s", ("sad",))
    print("mood array", cur.fetchall())
    conn.commit()

    try:
        cur.execute("SELECT %s::py_mood", ("angry",))
    except psycopg2.Error as e:
        print("bad label", e.pgcode, e.pgerror.splitlines()[0])
    conn.rollback()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
