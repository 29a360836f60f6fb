import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * pgjdbc against riffle. Mode "basic": connect, statements, PreparedStatements
 * with parameters, then a SUBSCRIBE read incrementally with a fetch size
 * (autocommit off: pgjdbc reads a portal a few rows at a time, which is how
 * it can follow a result that never ends). Mode "metadata": DatabaseMetaData
 * getTables, getColumns and getPrimaryKeys, which read pg_catalog. Prints what
 * it saw, one fact a line; server/clients compares it with jdbc-MODE.out. A
 * failure prints "SQLSTATE code: message" and exits with status 3.
 *
 * Usage: java -cp .:postgresql.jar RiffleClient URL MODE
 */
public class RiffleClient {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        try (Connection c = DriverManager.getConnection(url, "riffle", "")) {
            if (args[1].equals("metadata")) {
                metadata(c);
            } else {
                basic(c, url);
            }
        } catch (SQLException e) {
            System.out.println("SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
            System.exit(3);
        }
    }

    static void basic(Connection c, String url) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE j_orders (id BIGINT, customer STRING, amount DOUBLE)");
            st.execute("CREATE TABLE j_pk (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO j_orders VALUES (?, ?, ?)")) {
            Object[][] rows = {{1L, "ann", 2.5}, {2L, "it's", 4.0}, {3L, "cy", null}};
            for (Object[] r : rows) {
                ps.setLong(1, (Long) r[0]);
                ps.setString(2, (String) r[1]);
                if (r[2] == null) {
                    ps.setNull(3, java.sql.Types.DOUBLE);
                } else {
                    ps.setDouble(3, (Double) r[2]);
                }
                System.out.println("insert " + ps.executeUpdate());
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, customer, amount FROM j_orders WHERE id >= ? AND customer <> ? ORDER BY id")) {
            // Run it often enough for pgjdbc to switch to a named server-side statement.
            for (int i = 0; i < 6; i++) {
                ps.setLong(1, 2);
                ps.setString(2, "zed");
                try (ResultSet rs = ps.executeQuery()) {
                    List<String> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getObject(3));
                    }
                    if (i == 0 || i == 5) {
                        System.out.println("select " + i + " " + out);
                    }
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE MATERIALIZED VIEW j_totals AS SELECT customer, COUNT(*) AS n FROM j_orders GROUP BY customer");
            st.execute("FLUSH");
        }
        subscribe(c, url);
    }

    // subscribe reads a never-ending result two rows at a time.
    static void subscribe(Connection c, String url) throws Exception {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.setFetchSize(2);
            try (ResultSet rs = st.executeQuery("SUBSCRIBE j_totals")) {
                List<String> snap = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    rs.next();
                    snap.add(rs.getString("op") + "|" + rs.getString("customer") + "|" + rs.getLong("n"));
                }
                Collections.sort(snap);
                System.out.println("snapshot " + snap);
                try (Connection other = DriverManager.getConnection(url, "riffle", "");
                     Statement ins = other.createStatement()) {
                    ins.execute("INSERT INTO j_orders VALUES (4, 'ann', 1.0)");
                }
                List<String> change = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    rs.next();
                    change.add(rs.getString("op") + "|" + rs.getString("customer") + "|" + rs.getLong("n")
                            + (rs.getTimestamp("op_ts") != null ? "" : "|no op_ts"));
                }
                System.out.println("change " + change);
            }
        }
        c.commit();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW QUERIES")) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            System.out.println("queries " + ids);
        }
    }

    static void metadata(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS m_items (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)");
        }
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(null, null, "m_items", new String[] {"TABLE"})) {
            while (rs.next()) {
                System.out.println("table " + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
            }
        }
        try (ResultSet rs = md.getColumns(null, null, "m_items", null)) {
            while (rs.next()) {
                System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " " + rs.getInt("ORDINAL_POSITION"));
            }
        }
        try (ResultSet rs = md.getPrimaryKeys(null, null, "m_items")) {
            while (rs.next()) {
                System.out.println("primary key " + rs.getString("COLUMN_NAME") + " " + rs.getInt("KEY_SEQ"));
            }
        }
    }
}
