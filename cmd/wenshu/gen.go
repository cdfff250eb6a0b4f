package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
)

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Float64("scale", 1, "scale factor: 1 ≈ 200k members, 1M orders")
	seed := fs.Int64("seed", 42, "random seed; equal seeds give equal data")
	out := fs.String("out", defaultDB, "DuckDB file to write (replaced)")
	memory := fs.String("memory-limit", defaultGenMemory, "DuckDB memory limit while generating; the rest spills to a temporary folder beside --out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return generate(ctx, *out, *scale, *seed, *memory, newLogger(stderr, slog.LevelInfo), nil)
}
