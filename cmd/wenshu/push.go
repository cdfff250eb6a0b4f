package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/web"
)

const pushUsage = `Usage:
  wenshu push list --meta FILE            subscriptions and alerts, with their last tick
  wenshu push runs --meta FILE ID         a subscription's or alert's runs and deliveries (JSON lines)
  wenshu push run  --meta FILE [--db FILE] ID   send a subscription (or evaluate an alert) now

The store is a file only one process may open: while wenshu serve runs, use /api/v1/subscriptions.
`

func runPush(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, pushUsage)
		if len(args) == 0 {
			return errors.New("push needs a subcommand")
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	var cfg dataConfig
	fs := cfg.flags("push "+sub, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pushUsage) }
	meta := fs.String("meta", envOr("WENSHU_META", ""), "metadata store (default wenshu-meta.db beside the data file)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *meta == "" {
		*meta = filepath.Join(filepath.Dir(cfg.DB), "wenshu-meta.db")
	}
	if (sub == "run" || sub == "runs") && fs.NArg() != 1 {
		return fmt.Errorf("push %s takes one subscription or alert id", sub)
	}
	st, err := web.OpenStore(*meta)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tOWNER\tSCHEDULE\tCHANNELS\tLAST TICK\tQUESTION")
		subs, err := st.Subscriptions(ctx)
		if err != nil {
			return err
		}
		for _, s := range subs {
			fmt.Fprintf(tw, "%s\tsubscription\t%s\t%s %s\t%s\t%s\t%s\n", s.ID, s.OwnerName, s.Schedule, s.Timezone, channelTypes(s.Channels), tick(s.LastTick), s.Question)
		}
		alerts, err := st.Alerts(ctx)
		if err != nil {
			return err
		}
		for _, a := range alerts {
			fmt.Fprintf(tw, "%s\talert (%s)\t%s\t%s %s\t%s\t%s\t%s\n", a.ID, a.State, a.OwnerName, a.Schedule, a.Timezone, channelTypes(a.Channels), tick(a.LastTick), a.Question)
		}
		return tw.Flush()
	case "runs":
		runs, err := st.Runs(ctx, fs.Arg(0), 100)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, r := range runs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	case "run":
		log := newLogger(stderr, slog.LevelWarn)
		engine, db, err := openEngine(ctx, &cfg, log)
		if err != nil {
			return err
		}
		defer db.Close()
		engine.Conversations = st
		srv := web.NewServer(engine, st, log, web.Options{PushAllowHosts: os.Getenv("WENSHU_PUSH_ALLOW_HOSTS"), SMTP: smtpFromEnv()})
		out, err := srv.RunNow(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	fmt.Fprint(stderr, pushUsage)
	return fmt.Errorf("unknown push subcommand %q", sub)
}

func channelTypes(chs []push.Channel) string {
	var out []string
	for _, c := range chs {
		if c.Type == push.ChannelChat {
			out = append(out, c.Platform+" chat")
			continue
		}
		out = append(out, c.Type)
	}
	return strings.Join(out, ",")
}

func tick(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format(time.RFC3339)
}
