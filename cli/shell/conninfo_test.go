package shell

import "testing"

// TestConnString checks where each part of the connection comes from:
// flags over the URL or key=value argument, over PG* variables, over
// riffle's defaults.
func TestConnString(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		name string
		env  map[string]string
		opts ConnOptions
		want string
	}{
		{"defaults", nil, ConnOptions{},
			"postgres://riffle@127.0.0.1:6543/riffle?sslmode=prefer"},
		{"environment", map[string]string{"PGHOST": "db.example", "PGPORT": "5433", "PGUSER": "ann", "PGDATABASE": "prod", "PGSSLMODE": "require"}, ConnOptions{},
			"postgres://ann@db.example:5433/prod?sslmode=require"},
		{"flags over environment", map[string]string{"PGHOST": "db.example", "PGPORT": "5433"}, ConnOptions{Host: "10.0.0.1", Port: "7000", User: "bob", DBName: "d", SSLMode: "disable"},
			"postgres://bob@10.0.0.1:7000/d?sslmode=disable"},
		{"URL over environment", map[string]string{"PGPORT": "5433", "PGUSER": "ann"}, ConnOptions{Target: "postgres://eve:s%20cret@remote:6000/x?sslmode=verify-full&application_name=me"},
			"postgres://eve:s%20cret@remote:6000/x?application_name=me&sslmode=verify-full"},
		{"flags over URL", nil, ConnOptions{Target: "postgresql://eve@remote/x", Port: "6001", User: "root"},
			"postgres://root@remote:6001/x?sslmode=prefer"},
		{"key=value", nil, ConnOptions{Target: "host=h port=1 password=pw connect_timeout=3"},
			"postgres://riffle:pw@h:1/riffle?connect_timeout=3&sslmode=prefer"},
		{"database name", nil, ConnOptions{Target: "analytics"},
			"postgres://riffle@127.0.0.1:6543/analytics?sslmode=prefer"},
		{"Unix socket", nil, ConnOptions{Host: "/run/postgresql", Port: "5432"},
			"postgres://riffle@/riffle?host=%2Frun%2Fpostgresql&port=5432&sslmode=prefer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env = c.env
			c.opts.Default = "127.0.0.1:6543"
			got, err := c.opts.ConnString(getenv)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("ConnString = %s, want %s", got, c.want)
			}
		})
	}
	if _, err := (ConnOptions{Target: "host=h junk", Default: "127.0.0.1:1"}).ConnString(getenv); err == nil {
		t.Error("a key=value string with a bare word was accepted")
	}
}
