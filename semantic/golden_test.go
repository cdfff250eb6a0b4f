package semantic_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/semantic"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/compile")

func retailModel(t testing.TB) *semantic.Model {
	t.Helper()
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCompileGolden compiles every testdata/compile/*.txtar query and
// compares the SQL (with arguments inline) or the error with the archive.
// go test ./semantic -update rewrites them; review the diff like code.
func TestCompileGolden(t *testing.T) {
	m := retailModel(t)
	files, err := filepath.Glob("testdata/compile/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var query, access, rules []byte
			for _, f := range ar.Files {
				switch f.Name {
				case "query.json":
					query = f.Data
				case "access.json":
					access = f.Data
				case "rules.json":
					rules = f.Data
				}
			}
			opts := compileOptions(t, m, access, rules)
			if query == nil {
				t.Fatal("no query.json section")
			}
			// Each case compiles for DuckDB and for PostgreSQL (an error is the same for both).
			type section struct{ name, text string }
			var sections []section
			q, err := semantic.ParseQuery(query)
			for _, dialect := range []semantic.Dialect{semantic.DuckDB, semantic.Postgres} {
				o := opts
				o.Dialect = dialect
				var plan *semantic.Plan
				var countSQL string
				cerr := err
				switch {
				case cerr == nil && q.List != "":
					var lp *semantic.ListPlan
					if lp, cerr = semantic.CompileList(m, q, o); cerr == nil {
						plan, countSQL = lp.Plan, lp.CountPlan().DisplaySQL()+"\n"
					}
				case cerr == nil:
					plan, cerr = semantic.Compile(m, q, o)
				}
				if cerr != nil {
					sections = []section{{"error", errorText(cerr)}}
					break
				}
				text := plan.DisplaySQL() + "\n"
				if countSQL != "" {
					text += "/* the count */\n" + countSQL
				}
				sections = append(sections, section{dialect.Name() + ".sql", text})
			}
			if *update {
				ar.Files = []txtar.File{{Name: "query.json", Data: query}}
				if access != nil {
					ar.Files = append(ar.Files, txtar.File{Name: "access.json", Data: access})
				}
				if rules != nil {
					ar.Files = append(ar.Files, txtar.File{Name: "rules.json", Data: rules})
				}
				for _, sec := range sections {
					ar.Files = append(ar.Files, txtar.File{Name: sec.name, Data: []byte(sec.text)})
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, sec := range sections {
				var want string
				found := false
				for _, f := range ar.Files {
					if f.Name == sec.name {
						want, found = string(f.Data), true
					}
				}
				if !found {
					t.Fatalf("got %s, but the archive has no %s section:\n%s", sec.name, sec.name, sec.text)
				}
				if sec.text != want {
					t.Errorf("%s differs (run go test ./semantic -update and review)\n--- got\n%s\n--- want\n%s", sec.name, sec.text, want)
				}
			}
		})
	}
}

// compileOptions reads an archive's optional access.json ({"role",
// "attrs"}: a role of the model for a user) and rules.json (raw rule filters).
func compileOptions(t *testing.T, m *semantic.Model, access, rules []byte) semantic.CompileOptions {
	t.Helper()
	var opts semantic.CompileOptions
	if access != nil {
		var a struct {
			Role  string            `json:"role"`
			Attrs map[string]string `json:"attrs"`
		}
		if err := json.Unmarshal(access, &a); err != nil {
			t.Fatalf("access.json: %v", err)
		}
		acc, err := m.Access(a.Role, a.Attrs)
		if err != nil {
			t.Fatalf("access.json: %v", err)
		}
		opts.Access = acc
	}
	if rules != nil {
		if err := json.Unmarshal(rules, &opts.Rules); err != nil {
			t.Fatalf("rules.json: %v", err)
		}
	}
	return opts
}

func errorText(err error) string {
	var list semantic.ErrorList
	if errors.As(err, &list) {
		var b strings.Builder
		for _, e := range list {
			b.WriteString(e.Code + " " + e.Error() + "\n")
		}
		return b.String()
	}
	return err.Error() + "\n"
}
