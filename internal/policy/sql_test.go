package policy

import "testing"

func TestLooksLikeSQL(t *testing.T) {
	for s, want := range map[string]bool{
		"DROP TABLE users":                  true,
		"drop shipping business ideas":      false,
		"delete from t":                     true,
		"delete my account":                 false,
		"UPDATE users SET a = 1":            true,
		"update on the project":             false,
		"INSERT INTO t VALUES (1)":          true,
		"insert coin":                       false,
		"TRUNCATE audit_log":                true,
		"truncate the text to 10 words":     false,
		"SELECT * FROM users":               true,
		"select the best laptop for coding": false,
		"GRANT ALL ON db TO bob":            true,
		"/* x */ DELETE FROM t":             true,
		"(SELECT 1)":                        true,
		"ALTER TABLE t ADD c int":           true,
		"alter ego":                         false,
	} {
		if got := looksLikeSQL(s); got != want {
			t.Errorf("looksLikeSQL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestSQLClassify(t *testing.T) {
	for s, want := range map[string]string{
		"DELETE FROM t":                              "DELETE without WHERE",
		"DELETE FROM t WHERE id = 3":                 "",
		"DELETE FROM t WHERE 1=1":                    "DELETE without WHERE",
		"delete from t where true":                   "DELETE without WHERE",
		"UPDATE t SET a = (SELECT b FROM c WHERE d)": "UPDATE without WHERE",
		"WITH x AS (SELECT 1) DELETE FROM t":         "DELETE without WHERE",
		"EXPLAIN ANALYZE DELETE FROM t":              "DELETE without WHERE",
		"EXPLAIN DELETE FROM t":                      "",
		"SELECT 'DROP TABLE x'":                      "",
		"SELECT 1 -- ; DROP TABLE x":                 "",
		"SELECT 1 /*! ; DROP TABLE x */":             "DROP",
		"SELECT $$ ; DROP TABLE x $$":                "",
		"select 1; drop table x":                     "DROP",
	} {
		got := ""
		for _, st := range parseSQL(s) {
			if d := st.destructive(); d != "" {
				got = d
			}
		}
		if got != want {
			t.Errorf("parseSQL(%q) destructive = %q, want %q", s, got, want)
		}
	}
}
