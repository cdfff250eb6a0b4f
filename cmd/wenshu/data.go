package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
)

const defaultDB = "data/retail.duckdb"

// defaultGenMemory bounds DuckDB while it generates data.
const defaultGenMemory = "2GB"

// dataConfig is what every command that reads data needs.
type dataConfig struct {
	DB    string
	Model string
	AsOf  string
	// Materialize computes the model's SQL-defined tables once at start.
	Materialize bool
	// MemoryLimit and Threads bound DuckDB (defaults: 40% of the machine's
	// memory, every core).
	MemoryLimit string
	Threads     int
	// CacheMB bounds the result cache.
	CacheMB int
	// onStep, when set, is told each step of a first-start data generation.
	onStep func(step string, done, total int)
	// Scale is the scale of demo data generated on a first start.
	Scale float64
	// PGPool and PGTimeout size the PostgreSQL pool and bound its queries.
	PGPool    int
	PGTimeout time.Duration
}

// flags makes a command's flag set with the data flags registered.
func (c *dataConfig) flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	return fs
}

func (c *dataConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", envOr("WENSHU_DB", defaultDB), "DuckDB data file, or a postgres:// URL (env WENSHU_DB)")
	fs.IntVar(&c.PGPool, "pg-pool", 8, "connections to PostgreSQL (with --db postgres://…)")
	fs.DurationVar(&c.PGTimeout, "pg-timeout", 30*time.Second, "statement timeout of a PostgreSQL query")
	fs.StringVar(&c.Model, "model", envOr("WENSHU_MODEL", ""), "semantic model YAML; empty means the embedded demo model (env WENSHU_MODEL)")
	fs.StringVar(&c.AsOf, "as-of", envOr("WENSHU_AS_OF", ""), "date relative time is resolved against; empty means the model's as_of (env WENSHU_AS_OF)")
	fs.StringVar(&c.MemoryLimit, "memory-limit", envOr("WENSHU_MEMORY_LIMIT", defaultMemoryLimit()),
		"DuckDB memory limit, e.g. 4GB (env WENSHU_MEMORY_LIMIT; default 40% of this machine's memory)")
	fs.IntVar(&c.Threads, "threads", runtime.NumCPU(), "DuckDB worker threads (default: every core)")
	fs.Float64Var(&c.Scale, "scale", 1, "scale of the demo data generated on a first start (0.2 prepares in a few seconds; 1 ≈ 200k members)")
	fs.IntVar(&c.CacheMB, "cache-mb", 256, "memory for cached query results, in MiB (0 turns the cache off)")
	fs.BoolVar(&c.Materialize, "materialize", envOr("WENSHU_MATERIALIZE", "1") != "0",
		"compute the model's SQL-defined tables (sessions) once at start instead of per question (env WENSHU_MATERIALIZE=0 turns it off)")
}

// loadModel reads the model file, or the embedded demo model.
func (c *dataConfig) loadModel() (*semantic.Model, error) {
	if c.Model == "" {
		return datasets.RetailModel()
	}
	data, err := os.ReadFile(c.Model)
	if err != nil {
		return nil, err
	}
	return semantic.ParseModel(c.Model, data)
}

// asOf resolves the --as-of flag against the model.
func (c *dataConfig) asOf(m *semantic.Model) (semantic.Date, error) {
	if c.AsOf != "" {
		return semantic.ParseDate(c.AsOf)
	}
	if !m.AsOf.IsZero() {
		return semantic.Date{Time: m.AsOf}, nil
	}
	now := time.Now()
	return semantic.D(now.Year(), now.Month(), now.Day()), nil
}

// generate writes the demo database to path atomically (a temporary file
// renamed into place), so a half-written file is never mistaken for data.
func generate(ctx context.Context, path string, scale float64, seed int64, memoryLimit string, log *slog.Logger, onStep func(string, int, int)) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	db, err := duckdb.Create(tmp)
	if err != nil {
		return err
	}
	start := time.Now()
	tmpDir := path + ".spill"
	defer os.RemoveAll(tmpDir)
	if err := datasets.Generate(ctx, db, datasets.GenOptions{Scale: scale, Seed: seed, Logger: log, MemoryLimit: memoryLimit, TempDir: tmpDir, OnStep: onStep}); err != nil {
		db.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		db.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := db.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	log.Info("demo data written", "file", path, "scale", scale, "seed", seed, "seconds", time.Since(start).Seconds())
	return nil
}

// ensureDemoData generates the demo database when the file is missing.
func ensureDemoData(ctx context.Context, path string, scale float64, log *slog.Logger, onStep func(string, int, int)) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if scale <= 0 {
		scale = 1
	}
	log.Info("demo data missing, generating it", "file", path, "scale", scale)
	return generate(ctx, path, scale, 42, defaultGenMemory, log, onStep)
}

// duckOptions are the engine options the flags chose.
func (c *dataConfig) duckOptions() duckdb.Options {
	o := duckdb.Options{MemoryLimit: c.MemoryLimit, Threads: c.Threads, CacheBytes: int64(c.CacheMB) << 20}
	if c.CacheMB <= 0 {
		o.CacheEntries = -1
	}
	return o
}

// defaultMemoryLimit is 40% of the machine's memory (Linux /proc/meminfo),
// leaving the rest to the process's own heap and the system; 4GB when the
// machine does not say.
func defaultMemoryLimit() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil && kb > 0 {
				return fmt.Sprintf("%dMB", kb*4/10/1024)
			}
		}
	}
	return "4GB"
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
