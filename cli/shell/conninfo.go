package shell

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ConnOptions say which server `riffle shell` connects to, the way psql's
// options do. Each field left empty falls back, in order, on the URL or
// key=value string in Target, on the PGHOST, PGPORT, PGUSER, PGDATABASE and
// PGSSLMODE environment variables, and on riffle's defaults: the address
// in Default, user and database riffle, sslmode prefer. The password is
// never a flag: it comes from the URL, PGPASSWORD or ~/.pgpass (pgconn
// reads both), or a prompt.
type ConnOptions struct {
	// Target is the command line's argument: a postgres:// URL, a
	// "host=… port=…" string, or a database name.
	Target                            string
	Host, Port, User, DBName, SSLMode string
	// Default is the host:port used when nothing else names one.
	Default string
}

// ConnString resolves o into a postgres:// URL. getenv reads the
// environment (os.Getenv; tests pass their own).
func (o ConnOptions) ConnString(getenv func(string) string) (string, error) {
	host, port, err := net.SplitHostPort(o.Default)
	if err != nil {
		return "", fmt.Errorf("invalid default address %q: %w", o.Default, err)
	}
	v := map[string]string{"host": host, "port": port, "user": "riffle", "dbname": "riffle", "sslmode": "prefer"}
	for key, env := range map[string]string{"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"} {
		if e := getenv(env); e != "" {
			v[key] = e
		}
	}
	extra := url.Values{}
	password, hasPassword := "", false
	if t := o.Target; t != "" {
		switch {
		case strings.HasPrefix(t, "postgres://") || strings.HasPrefix(t, "postgresql://"):
			u, err := url.Parse(t)
			if err != nil {
				return "", fmt.Errorf("invalid URL %q: %w", t, err)
			}
			if h := u.Hostname(); h != "" {
				v["host"] = h
			}
			if p := u.Port(); p != "" {
				v["port"] = p
			}
			if u.User != nil {
				if n := u.User.Username(); n != "" {
					v["user"] = n
				}
				password, hasPassword = u.User.Password()
			}
			if db := strings.TrimPrefix(u.Path, "/"); db != "" {
				v["dbname"] = db
			}
			for k, vals := range u.Query() {
				if _, known := v[k]; known {
					v[k] = vals[len(vals)-1]
				} else {
					extra[k] = vals
				}
			}
		case strings.Contains(t, "="):
			for _, kv := range strings.Fields(t) {
				k, val, ok := strings.Cut(kv, "=")
				if !ok {
					return "", fmt.Errorf("invalid connection string %q: %q is not key=value", t, kv)
				}
				switch k {
				case "host", "port", "user", "dbname", "sslmode":
					v[k] = val
				case "password":
					password, hasPassword = val, true
				default:
					extra.Set(k, val)
				}
			}
		default:
			v["dbname"] = t
		}
	}
	for key, flag := range map[string]string{"host": o.Host, "port": o.Port, "user": o.User, "dbname": o.DBName, "sslmode": o.SSLMode} {
		if flag != "" {
			v[key] = flag
		}
	}
	u := url.URL{Scheme: "postgres", User: url.User(v["user"]), Path: "/" + v["dbname"]}
	if hasPassword {
		u.User = url.UserPassword(v["user"], password)
	}
	if strings.HasPrefix(v["host"], "/") {
		// A Unix socket directory goes in the query: it cannot be a URL's host.
		extra.Set("host", v["host"])
		extra.Set("port", v["port"])
	} else {
		u.Host = net.JoinHostPort(v["host"], v["port"])
	}
	extra.Set("sslmode", v["sslmode"])
	u.RawQuery = extra.Encode()
	return u.String(), nil
}
