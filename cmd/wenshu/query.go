package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/wenshu-bi/wenshu/semantic"
)

// queryOutput is the /api/v1/query result shape.
type queryOutput struct {
	Query    *semantic.Query     `json:"query"`
	SQL      string              `json:"sql"`
	Columns  []semantic.Column   `json:"columns"`
	Rows     [][]any             `json:"rows"`
	Chart    semantic.Chart      `json:"chart"`
	Range    *semantic.DateRange `json:"range,omitempty"`
	Previous *semantic.DateRange `json:"previous_range,omitempty"`
	Trunc    bool                `json:"truncated,omitempty"`
}

func runQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dataConfig
	fs := cfg.flags("query", stderr)
	lang := fs.String("lang", "zh", "language of column labels (zh or en)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("query takes one argument, the query JSON")
	}
	m, err := cfg.loadModel()
	if err != nil {
		return err
	}
	asOf, err := cfg.asOf(m)
	if err != nil {
		return err
	}
	q, err := semantic.ParseQuery([]byte(fs.Arg(0)))
	if err != nil {
		return err
	}
	dialect := semantic.DuckDB
	if isPostgresURL(cfg.DB) {
		dialect = semantic.Postgres
	}
	plan, err := semantic.CompileAny(m, q, semantic.CompileOptions{AsOf: asOf, Dialect: dialect})
	if err != nil {
		return printValidation(stdout, err)
	}
	if cfg.DB == defaultDB && cfg.Model == "" {
		if err := ensureDemoData(ctx, cfg.DB, cfg.Scale, newLogger(stderr, slog.LevelInfo), nil); err != nil {
			return err
		}
	}
	db, err := openData(ctx, &cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Run(ctx, plan)
	if err != nil {
		return err
	}
	semantic.Localize(res.Columns, *lang)
	out := queryOutput{Query: q, SQL: plan.DisplaySQL(), Columns: res.Columns, Rows: res.Rows,
		Chart: semantic.ChooseChart(res.Columns, len(res.Rows)), Range: plan.Range, Previous: plan.Previous, Trunc: res.Truncated}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// printValidation prints validation errors as JSON and fails.
func printValidation(w io.Writer, err error) error {
	var list semantic.ErrorList
	if errors.As(err, &list) {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]any{"error": map[string]any{"code": list[0].Code, "message": list.Error(), "details": list}})
	}
	return err
}
