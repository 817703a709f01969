package policy

import "strings"

// sqlStmt is one SQL statement reduced to what the built-in rules need.
type sqlStmt struct {
	verb     string // first keyword, upper case (after WITH … and EXPLAIN ANALYZE)
	where    bool   // has a top-level WHERE that is not a tautology
	text     string // the statement text, trimmed
	selectTo bool   // SELECT … INTO
}

var sqlVerbs = map[string]bool{"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "DROP": true,
	"TRUNCATE": true, "ALTER": true, "CREATE": true, "REPLACE": true, "MERGE": true, "UPSERT": true, "GRANT": true,
	"REVOKE": true, "COPY": true, "CALL": true, "EXEC": true, "EXECUTE": true, "WITH": true, "SHOW": true,
	"EXPLAIN": true, "DESCRIBE": true, "DESC": true, "VALUES": true, "RENAME": true, "LOAD": true, "DO": true,
	"VACUUM": true, "REINDEX": true, "COMMENT": true, "LOCK": true, "PRAGMA": true, "ATTACH": true, "DETACH": true,
	"BEGIN": true, "COMMIT": true, "ROLLBACK": true, "SET": true, "USE": true, "TABLE": true, "CLUSTER": true, "REFRESH": true}

var sqlReads = map[string]bool{"SELECT": true, "SHOW": true, "EXPLAIN": true, "DESCRIBE": true, "DESC": true,
	"VALUES": true, "TABLE": true, "BEGIN": true, "COMMIT": true, "ROLLBACK": true, "USE": true, "SET": true}

// looksLikeSQL reports whether s starts like a SQL statement: a verb and,
// for writes, the words that must follow it ("DELETE FROM", "UPDATE … SET",
// "DROP TABLE" …), so that a web search for "drop shipping" is not SQL.
func looksLikeSQL(s string) bool {
	toks := sqlTokens(s, 12)
	for len(toks) > 0 && toks[0] == "(" {
		toks = toks[1:]
	}
	if len(toks) < 2 {
		return false
	}
	within := func(n int, words ...string) bool {
		for i := 1; i < len(toks) && i <= n; i++ {
			for _, w := range words {
				if toks[i] == w {
					return true
				}
			}
		}
		return false
	}
	switch toks[0] {
	case "SELECT", "WITH", "SHOW", "EXPLAIN", "DESCRIBE", "PRAGMA", "VACUUM", "REINDEX", "COPY", "EXEC", "EXECUTE", "UPSERT", "ATTACH", "DETACH", "RENAME", "CLUSTER", "REFRESH":
		return toks[0] != "SELECT" || within(11, "FROM", "*", "(", ",", "'", ";") || len(toks) <= 4
	case "DROP", "CREATE", "ALTER":
		return sqlObjects[toks[1]]
	case "DELETE":
		return within(4, "FROM")
	case "UPDATE":
		return within(8, "SET")
	case "INSERT", "REPLACE", "MERGE":
		return within(3, "INTO")
	case "TRUNCATE":
		return toks[1] == "TABLE" || len(toks) <= 3 || toks[2] == ";" || toks[2] == ","
	case "GRANT", "REVOKE":
		return within(11, "ON", "TO", "FROM")
	}
	return false
}

var sqlObjects = map[string]bool{"TABLE": true, "DATABASE": true, "SCHEMA": true, "INDEX": true, "VIEW": true, "USER": true,
	"ROLE": true, "FUNCTION": true, "PROCEDURE": true, "TRIGGER": true, "SEQUENCE": true, "TYPE": true, "EXTENSION": true,
	"COLUMN": true, "MATERIALIZED": true, "TEMPORARY": true, "TEMP": true, "UNIQUE": true, "OR": true, "IF": true,
	"KEYSPACE": true, "COLLECTION": true, "POLICY": true, "DOMAIN": true, "OWNED": true, "UNLOGGED": true}

// parseSQL splits s into statements. Comments and string literals are
// skipped; MySQL /*! … */ comments are code and are kept.
func parseSQL(s string) []sqlStmt {
	if len(s) > 256<<10 {
		s = s[:256<<10]
	}
	var out []sqlStmt
	start := 0
	toks := make([]string, 0, 64)
	flush := func(end int) {
		if len(toks) > 0 && len(out) < 64 {
			st := classifySQL(toks)
			st.text = strings.TrimSpace(s[start:end])
			out = append(out, st)
		}
		toks = toks[:0]
		start = end + 1
	}
	lexSQL(s, func(tok string, pos int) bool {
		if tok == ";" {
			flush(pos)
			return true
		}
		if len(toks) < 4096 {
			toks = append(toks, tok)
		}
		return true
	})
	flush(len(s))
	return out
}

func sqlTokens(s string, max int) []string {
	var toks []string
	lexSQL(s, func(tok string, _ int) bool {
		toks = append(toks, tok)
		return len(toks) < max
	})
	return toks
}

// lexSQL yields upper-cased words and single punctuation characters;
// literals are yielded as "'" and quoted identifiers as "\"".
func lexSQL(s string, yield func(tok string, pos int) bool) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			if i+2 < len(s) && s[i+2] == '!' { // MySQL executable comment
				i += 3
				for i < len(s) && s[i] >= '0' && s[i] <= '9' {
					i++
				}
				continue
			}
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return
			}
			i += end + 4
		case c == '*' && i+1 < len(s) && s[i+1] == '/':
			i += 2
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(s) {
				if s[j] == '\\' && c == '\'' {
					j += 2
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			tok := "'"
			if c != '\'' {
				tok = "\""
			}
			if !yield(tok, i) {
				return
			}
			i = j + 1
		case c == '$' && i+1 < len(s) && (s[i+1] == '$' || isIdentByte(s[i+1])):
			end := strings.IndexByte(s[i+1:], '$')
			if end < 0 {
				i++
				continue
			}
			tag := s[i : i+end+2]
			close := strings.Index(s[i+len(tag):], tag)
			if close < 0 {
				return
			}
			if !yield("'", i) {
				return
			}
			i += len(tag) + close + len(tag)
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			if !yield(keyword(s[i:j]), i) {
				return
			}
			i = j
		default:
			if !yield(string(c), i) {
				return
			}
			i++
		}
	}
}

// sqlKeywords are the words the analysis compares; other identifiers are
// returned as written (no allocation).
var sqlKeywords = func() map[string]string {
	m := map[string]string{}
	for k := range sqlVerbs {
		m[k] = k
	}
	for k := range sqlObjects {
		m[k] = k
	}
	for _, k := range []string{"WHERE", "INTO", "ANALYZE", "ANALYSE", "TRUE", "OR", "ORDER", "LIMIT", "RETURNING", "AS", "FROM", "SET", "ON", "TO"} {
		m[k] = k
	}
	return m
}()

// keyword returns the canonical upper-case keyword for w, or w itself.
func keyword(w string) string {
	if len(w) > 10 {
		return w
	}
	var buf [10]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	if k, ok := sqlKeywords[string(buf[:len(w)])]; ok {
		return k
	}
	return w
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func classifySQL(toks []string) sqlStmt {
	i := 0
	for i < len(toks) && toks[i] == "(" {
		i++
	}
	if i < len(toks) && toks[i] == "EXPLAIN" {
		if i+1 < len(toks) && (toks[i+1] == "ANALYZE" || toks[i+1] == "ANALYSE") {
			i += 2
		} else {
			return sqlStmt{verb: "EXPLAIN"}
		}
	}
	if i < len(toks) && toks[i] == "WITH" { // skip the CTE list: find the main verb at depth 0
		depth := 0
		for i++; i < len(toks); i++ {
			switch t := toks[i]; {
			case t == "(":
				depth++
			case t == ")":
				depth--
			case depth == 0 && (t == "SELECT" || t == "INSERT" || t == "UPDATE" || t == "DELETE" || t == "MERGE"):
				goto found
			}
		}
	}
found:
	if i >= len(toks) {
		return sqlStmt{}
	}
	st := sqlStmt{verb: toks[i]}
	depth := 0
	for j := i + 1; j < len(toks); j++ {
		switch toks[j] {
		case "(":
			depth++
		case ")":
			depth--
		case "WHERE":
			if depth == 0 && !tautology(toks[j+1:]) {
				st.where = true
			}
		case "INTO":
			if st.verb == "SELECT" && depth == 0 {
				st.selectTo = true
			}
		}
	}
	return st
}

// tautology recognises WHERE 1=1, WHERE TRUE, WHERE 'a'='a', WHERE 1.
func tautology(rest []string) bool {
	if len(rest) == 0 {
		return true
	}
	if rest[0] == "TRUE" || len(rest) == 1 && rest[0] == "1" {
		return true
	}
	if len(rest) >= 3 && rest[1] == "=" && rest[0] == rest[2] && (rest[0] == "'" || isNumeric(rest[0])) {
		return len(rest) == 3 || rest[3] == "OR" || rest[3] == ";" || rest[3] == "ORDER" || rest[3] == "LIMIT" || rest[3] == "RETURNING"
	}
	if len(rest) >= 2 && rest[0] == "1" && rest[1] != "=" && rest[1] != "<" && rest[1] != ">" && rest[1] != "!" {
		return true
	}
	return false
}

func isNumeric(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// write reports whether the statement changes data or schema.
func (s sqlStmt) write() bool {
	if s.verb == "" {
		return false
	}
	return !sqlReads[s.verb] || s.selectTo
}

// destructive describes a schema-destroying or unbounded statement, or "".
func (s sqlStmt) destructive() string {
	switch s.verb {
	case "DROP", "TRUNCATE", "ALTER":
		return s.verb
	case "DELETE", "UPDATE":
		if !s.where {
			return s.verb + " without WHERE"
		}
	}
	return ""
}
