package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/nlq/llm"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/web"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg dataConfig
	fs := cfg.flags("serve", stderr)
	addr := fs.String("addr", envOr("WENSHU_ADDR", ""), "listen address (env WENSHU_ADDR); default :8080, or 127.0.0.1:8080 in open demo mode (no users)")
	meta := fs.String("meta", envOr("WENSHU_META", ""), "metadata store (conversations); empty means wenshu-meta.db beside the data file (env WENSHU_META)")
	logJSON := fs.Bool("log-json", envOr("WENSHU_LOG_JSON", "") != "", "log JSON lines instead of text")
	llmModel := fs.String("llm-model", envOr("WENSHU_LLM_MODEL", ""), "LLM model name (env WENSHU_LLM_MODEL; the LLM is on when OPENAI_API_KEY is set)")
	llmBase := fs.String("llm-base-url", envOr("OPENAI_BASE_URL", ""), "OpenAI-compatible base URL (env OPENAI_BASE_URL)")
	llmTimeout := fs.Duration("llm-timeout", 20*time.Second, "deadline of one LLM translation; after it the rules answer")
	adminToken := fs.String("admin-token", envOr("WENSHU_ADMIN_TOKEN", ""), "a bearer token with the admin role, for scripts (env WENSHU_ADMIN_TOKEN)")
	publicURL := fs.String("public-url", envOr("WENSHU_PUBLIC_URL", ""), "comma-separated origins the page is served from (env WENSHU_PUBLIC_URL); browsers from other origins may not use the API with cookies or open websockets")
	rateLimit := fs.Float64("rate-limit", 10, "API requests per second per user or token (negative: no limit)")
	rateBurst := fs.Int("rate-burst", 40, "burst of API requests per user or token")
	frameAncestors := fs.String("frame-ancestors", envOr("WENSHU_FRAME_ANCESTORS", ""), "space-separated origins that may embed the page in a frame (env WENSHU_FRAME_ANCESTORS); empty means this server only")
	metricsToken := fs.String("metrics-token", envOr("WENSHU_METRICS_TOKEN", ""), "bearer token /metrics requires (env WENSHU_METRICS_TOKEN); empty leaves it open")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var log *slog.Logger
	if *logJSON {
		log = slog.New(slog.NewJSONHandler(stderr, nil))
	} else {
		log = newLogger(stderr, slog.LevelInfo)
	}
	if *meta == "" {
		*meta = filepath.Join(filepath.Dir(cfg.DB), "wenshu-meta.db")
	}
	if err := os.MkdirAll(filepath.Dir(*meta), 0o755); err != nil {
		return err
	}
	store, err := web.OpenStore(*meta)
	if err != nil {
		return err
	}
	defer store.Close()
	nusers, err := store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if *addr == "" {
		*addr = defaultAddr(nusers)
	}
	if nusers == 0 {
		log.Warn("open demo mode: no users exist, so anyone who reaches the server sees every number and manages everything; add one with: wenshu user add --meta " + *meta + " --name NAME --role admin")
	} else {
		log.Info("authentication on", "users", nusers)
	}
	var origins []string
	for _, o := range strings.Split(*publicURL, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			origins = append(origins, strings.ToLower(o))
		}
	}
	bots, err := imFromEnv(os.Getenv, log)
	if err != nil {
		return err
	}
	webOpts := web.Options{IM: bots, IMDefaultRole: os.Getenv("WENSHU_IM_DEFAULT_ROLE"), TranslatorNote: "rules", AdminToken: *adminToken,
		PublicOrigins: origins, FrameAncestors: strings.Fields(*frameAncestors), RateLimit: *rateLimit, RateBurst: *rateBurst, MetricsToken: *metricsToken,
		SecureCookies: strings.HasPrefix(strings.ToLower(*publicURL), "https://"), PushAllowHosts: os.Getenv("WENSHU_PUSH_ALLOW_HOSTS"), SMTP: smtpFromEnv()}

	// Listen at once: while the data is prepared, the page shows progress
	// and /healthz says 503 "preparing".
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if host, port, _ := net.SplitHostPort(ln.Addr().String()); host == "::" || host == "0.0.0.0" {
		url = "http://localhost:" + port
	}
	progress := web.NewProgress()
	swap := web.NewSwap(web.PreparingHandler(progress))
	httpSrv := web.NewHTTPServer(swap, webOpts)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	cfg.onStep = func(step string, done, total int) {
		progress.Set(step, done, total)
		if done == 0 {
			fmt.Fprintf(stdout, "Preparing the demo data (first start only); the page at %s shows the progress\n", url)
		}
		fmt.Fprintf(stdout, "  [%-10s] %d/%d %s\n", strings.Repeat("#", done*10/max(total, 1)), done, total, step)
	}
	engine, db, err := openEngine(ctx, &cfg, log)
	if err != nil {
		httpSrv.Close()
		return err
	}
	defer db.Close()
	engine.Conversations = store
	if r := webOpts.IMDefaultRole; r != "" && engine.Model.Role(r) == nil {
		return fmt.Errorf("WENSHU_IM_DEFAULT_ROLE: the model has no role %q", r)
	}
	for _, b := range bots {
		log.Info("IM bot on", "platform", b.Platform(), "endpoint", "/im/"+b.Platform()+"/events")
		if f, ok := b.(interface{ LoadBotInfo(context.Context) error }); ok {
			go func() {
				ictx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				if err := f.LoadBotInfo(ictx); err != nil {
					log.Warn("feishu bot info not read; any @-mention in a group is taken as addressed to the bot", "err", err)
				}
			}()
		}
	}
	saved, err := store.Examples(ctx)
	if err != nil {
		return err
	}
	examples := nlq.NewExampleIndex(saved)
	engine.Examples = examples
	note := webOpts.TranslatorNote
	if llmCfg, ok := llm.FromEnv(os.Getenv); ok {
		llmCfg.Model, llmCfg.BaseURL, llmCfg.Logger = *llmModel, *llmBase, log
		client := llm.New(llmCfg)
		engine.LLM = &nlq.LLMTranslator{Model: engine.Model, Lex: engine.Rules.Lexicon(), Chat: client, Examples: examples}
		engine.LLMTimeout = *llmTimeout
		note = "rules+llm"
		log.Info("translator: rules first, LLM for the rest", "model", client.ModelName(), "base_url", llmCfg.BaseURL, "prompt_version", nlq.PromptVersion)
	} else {
		log.Info("translator: rules only (no OPENAI_API_KEY); narratives from templates")
	}
	log.Info("ready", "examples", examples.Len(), "vocabulary", engine.Rules.Lexicon().Size())
	webOpts.TranslatorNote, webOpts.Examples = note, examples
	// Files an admin uploads on the page are imported beside the metadata store.
	webOpts.UploadDir = filepath.Join(filepath.Dir(*meta), "uploads")
	if cfg.Model != "" {
		// The model file can change under a running server: POST
		// /api/v1/model/reload or SIGHUP reads it again.
		webOpts.LoadModel = cfg.loadModel
	}
	srv := web.NewServer(engine, store, log, webOpts)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			if err := srv.Reload(ctx); err != nil {
				log.Error("SIGHUP: the model was not reloaded; the old one keeps serving", "err", err)
			}
		}
	}()
	swap.Set(srv.Handler())
	// Subscriptions due are claimed and sent every 30 s (a tick runs once).
	srv.StartScheduler(ctx, 30*time.Second)
	fmt.Fprintf(stdout, "Wenshu is serving %s on %s (data %s, as of %s)\n", engine.Model.Name, url, cfg.DB, engine.AsOf)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight asks")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// defaultAddr is where serve listens without --addr: open demo mode (no
// users) stays on this machine; with users it listens on every interface.
func defaultAddr(users int) string {
	if users == 0 {
		return "127.0.0.1:8080"
	}
	return ":8080"
}

// smtpFromEnv is the mail server of email channels, or nil.
func smtpFromEnv() *push.SMTP {
	addr := os.Getenv("WENSHU_SMTP_ADDR")
	if addr == "" {
		return nil
	}
	return &push.SMTP{Addr: addr, From: os.Getenv("WENSHU_SMTP_FROM"), User: os.Getenv("WENSHU_SMTP_USER"), Password: os.Getenv("WENSHU_SMTP_PASSWORD")}
}
