package web_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/web"
)

// slowRunner delays every query until its delay passes or its context ends.
type slowRunner struct {
	inner nlq.Runner
	delay time.Duration
}

func (r slowRunner) Run(ctx context.Context, p *semantic.Plan) (*semantic.Result, error) {
	select {
	case <-time.After(r.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return r.inner.Run(ctx, p)
}

func newHTTPTest(srv *web.Server) *httptest.Server { return httptest.NewServer(srv.Handler()) }

type testServer struct {
	*httptest.Server
	srv   *web.Server
	store *web.Store
	db    *duckdb.DB
	meta  string
}

// newTestServer serves the demo model over the test database; delay slows
// every query (for cancel tests).
func newTestServer(t testing.TB, meta string, delay time.Duration, opts web.Options) *testServer {
	t.Helper()
	return newTestServerFull(t, meta, delay, opts, nil)
}

// newTestServerWith lets a test change the engine (add an LLM) before serving.
func newTestServerWith(t testing.TB, change func(*nlq.Engine)) *testServer {
	t.Helper()
	return newTestServerFull(t, "", 0, webOptions(), change)
}

func newTestServerFull(t testing.TB, meta string, delay time.Duration, opts web.Options, change func(*nlq.Engine)) *testServer {
	t.Helper()
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	values, err := nlq.LoadValues(context.Background(), m, db)
	if err != nil {
		t.Fatal(err)
	}
	if meta == "" {
		meta = filepath.Join(t.TempDir(), "meta.db")
	}
	store, err := web.OpenStore(meta)
	if err != nil {
		t.Fatal(err)
	}
	var runner nlq.Runner = db
	if delay > 0 {
		runner = slowRunner{db, delay}
	}
	examples := nlq.NewExampleIndex(nil)
	engine := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: runner,
		Conversations: store, AsOf: semantic.D(2025, 12, 31), Examples: examples}
	opts.Examples = examples
	if change != nil {
		change(engine)
	}
	srv := web.NewServer(engine, store, testLogger(t), opts)
	ts := &testServer{Server: httptest.NewServer(srv.Handler()), srv: srv, store: store, db: db, meta: meta}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ts.srv.Shutdown(ctx)
	ts.Server.Close()
	ts.store.Close()
	ts.db.Close()
}

// testLogger logs to the test's output when WENSHU_TEST_LOG is set.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("WENSHU_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}
