package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
)

// dataDB is what a command reads: DuckDB for a file, PostgreSQL for a
// postgres:// URL (--db).
type dataDB interface {
	nlq.Runner
	CheckModel(ctx context.Context, m *semantic.Model, opts semantic.CompileOptions) error
	Stats(ctx context.Context) (map[string]int64, error)
	Query(ctx context.Context, query string, args ...any) ([]string, [][]any, bool, error)
	Close() error
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openData opens --db read-only.
func openData(ctx context.Context, cfg *dataConfig) (dataDB, error) {
	if isPostgresURL(cfg.DB) {
		return postgres.Open(ctx, cfg.DB, postgres.Options{MaxConns: int32(cfg.PGPool), Timeout: cfg.PGTimeout})
	}
	return duckdb.Open(cfg.DB, cfg.duckOptions())
}

// openEngine opens the data read-only and builds the ask pipeline on it.
func openEngine(ctx context.Context, cfg *dataConfig, log *slog.Logger) (*nlq.Engine, dataDB, error) {
	m, err := cfg.loadModel()
	if err != nil {
		return nil, nil, err
	}
	asOf, err := cfg.asOf(m)
	if err != nil {
		return nil, nil, err
	}
	if cfg.DB == defaultDB && cfg.Model == "" {
		if err := ensureDemoData(ctx, cfg.DB, cfg.Scale, log, cfg.onStep); err != nil {
			return nil, nil, err
		}
	}
	db, err := openData(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	// A model naming a column or table the data lacks fails here, by name.
	if err := db.CheckModel(ctx, m, semantic.CompileOptions{AsOf: asOf}); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("the model does not fit the data:\n%w", err)
	}
	log.Info("engine", "db", redactURL(cfg.DB), "memory_limit", cfg.MemoryLimit, "threads", cfg.Threads, "cache_mb", cfg.CacheMB)
	values, err := nlq.LoadValues(ctx, m, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	lex := nlq.NewLexicon(m, values)
	sizes, err := db.Stats(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, lex), Runner: db, Conversations: nlq.NewMemoryConversations(), AsOf: asOf, Logger: log,
		Admission: &nlq.Admission{Stats: nlq.NewStats(sizes, values)}}
	if duck, ok := db.(*duckdb.DB); ok && cfg.Materialize {
		// Derived tables (the demo's sessions) are computed once, not per question.
		for _, t := range m.Tables {
			if t.SQL == "" || strings.Contains(t.SQL, "{{") {
				continue // a table as of the question's day is computed per question
			}
			start := time.Now()
			if err := duck.Materialize(ctx, t.Name, t.SQL); err != nil {
				db.Close()
				return nil, nil, err
			}
			e.Materialized = append(e.Materialized, t.Name)
			log.Info("materialized", "table", t.Name, "ms", time.Since(start).Milliseconds())
		}
	}
	return e, db, nil
}

// redactURL hides a URL's password in logs.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}

func runAsk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dataConfig
	fs := cfg.flags("ask", stderr)
	asJSON := fs.Bool("json", false, "print one /api/v1/ask JSON object per question")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("ask takes one or more questions, asked in order as one conversation")
	}
	e, db, err := openEngine(ctx, &cfg, newLogger(stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer db.Close()
	conv := nlq.NewConversationID()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, q := range fs.Args() {
		ans, err := e.Ask(ctx, nlq.AskRequest{Question: q, ConversationID: conv}, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		if *asJSON {
			if err := enc.Encode(ans); err != nil {
				return err
			}
			continue
		}
		printAnswer(stdout, e.Model, q, ans)
	}
	return nil
}

func printAnswer(w io.Writer, m *semantic.Model, q string, ans *nlq.Answer) {
	fmt.Fprintf(w, "Q: %s\n", q)
	if ans.Reading != nil {
		fmt.Fprintf(w, "   %s\n", ans.Reading.Text)
	}
	for _, n := range ans.Notes {
		fmt.Fprintf(w, "   (%s)\n", n)
	}
	if len(ans.Rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		var head []string
		for _, c := range ans.Columns {
			head = append(head, c.Label)
		}
		fmt.Fprintln(tw, "   "+strings.Join(head, "\t"))
		for _, row := range ans.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = cellText(m, ans, i, v)
			}
			fmt.Fprintln(tw, "   "+strings.Join(cells, "\t"))
		}
		tw.Flush()
	}
	// A clarification's answer lists its options already.
	fmt.Fprintf(w, "A: %s\n", ans.Answer)
}

// cellText shows a cell as the page does: labels for codes, periods by
// their grain, numbers in full.
func cellText(m *semantic.Model, ans *nlq.Answer, i int, v any) string {
	c := ans.Columns[i]
	switch c.Role {
	case semantic.RoleTime:
		return nlq.BucketLabel(c.Name, v, ans.Lang)
	case semantic.RoleDimension:
		if d := m.Dimension(c.Name); d != nil {
			if l := d.ValueLabel(v, ans.Lang); l != "" {
				return l
			}
		}
	}
	return nlq.FormatValue(v, nlq.UnitOf(c), ans.Lang)
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dataConfig
	fs := cfg.flags("eval", stderr)
	file := fs.String("questions", "", "question file in the format of shared/eval/dev.yaml")
	min := fs.Float64("min", 0, "fail when the accuracy is below this fraction")
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	qs, err := nlq.ParseQuestions(data)
	if err != nil {
		return err
	}
	e, db, err := openEngine(ctx, &cfg, newLogger(stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer db.Close()
	results, err := nlq.Evaluate(ctx, e, db, qs)
	if err != nil {
		return err
	}
	if acc := nlq.PrintEval(stdout, results); acc < *min {
		return fmt.Errorf("accuracy %.1f%% is below %.1f%%", acc*100, *min*100)
	}
	return nil
}
