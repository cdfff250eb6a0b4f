// Command wenshu is the one Wenshu binary: it generates the demo data, runs
// semantic queries, benchmarks the compiler, answers questions and serves the
// chat page. This file only wires flags and environment to the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `wenshu — ChatBI over a metrics semantic layer

Usage:
  wenshu serve [--addr :8080] [--db FILE] [--model FILE] [--meta FILE] [--as-of DATE]
  wenshu gen   [--scale 1] [--seed 42] [--out data/retail.duckdb]
  wenshu import --db FILE [--table NAME] [--append|--replace] SOURCE...
  wenshu init  --db FILE [--out model.yaml]
  wenshu query [--db FILE] [--model FILE] [--as-of DATE] 'QUERY JSON'
  wenshu bench [--scale 1] [--db FILE] [--runs 7]
  wenshu ask   [--db FILE] [--as-of DATE] [--json] QUESTION...
  wenshu eval  --questions FILE [--db FILE] [--min 0.95]
  wenshu user  add|list|remove|token|attr --meta FILE ...
  wenshu push  list|runs ID|run ID --meta FILE

Run "wenshu COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // help was asked for and printed: a success
		}
		fmt.Fprintln(os.Stderr, "wenshu:", err)
		os.Exit(1)
	}
}

// run dispatches a command line; it is main without the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return flag.ErrHelp
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"gen":    runGen,
		"import": runImport,
		"init":   runInit,
		"query":  runQuery,
		"bench":  runBench,
		"ask":    runAsk,
		"serve":  runServe,
		"eval":   runEval,
		"user":   runUser,
		"push":   runPush,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
