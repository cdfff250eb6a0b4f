package postgres_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/duckdb"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
	"github.com/wenshu-bi/wenshu/semantic/postgres/pgtest"
	"github.com/wenshu-bi/wenshu/semantic/resultcmp"
)

// TestSameRowsOnBothEngines loads the generated data into PostgreSQL and
// checks that every bench query (ratios, repeat and first-order metrics,
// funnels from events, date series, 同比, lifecycle, RFM, the retention
// triangle, the cart win-back, an audience) gives the same rows on DuckDB
// and on PostgreSQL, each compiled for its own dialect from one model.
func TestSameRowsOnBothEngines(t *testing.T) {
	ctx := context.Background()
	pg, duck := engines(t)
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, bq := range datasets.BenchQueries {
		n++
		t.Run(bq.Name, func(t *testing.T) {
			q, err := semantic.ParseQuery([]byte(bq.Query))
			if err != nil {
				t.Fatal(err)
			}
			dp, err := semantic.CompileAny(m, q, semantic.CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pp, err := semantic.CompileAny(m, q, semantic.CompileOptions{Dialect: semantic.Postgres})
			if err != nil {
				t.Fatal(err)
			}
			want, err := duck.Run(ctx, dp)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pg.Run(ctx, pp)
			if err != nil {
				t.Fatalf("%v\n%s", err, pp.DisplaySQL())
			}
			if len(want.Rows) == 0 {
				t.Fatal("no rows on DuckDB: the case tests nothing")
			}
			// And equal to the hand-written SQL on PostgreSQL.
			_, hand, _, err := pg.Query(ctx, bq.HandSQL("postgres"))
			if err != nil {
				t.Fatalf("hand-written SQL on PostgreSQL: %v", err)
			}
			if err := resultcmp.Contains(got.Rows, hand, resultcmp.Options{Exact: true}); err != nil {
				t.Errorf("the compiled query differs from the hand-written SQL on PostgreSQL: %v", err)
			}
			if err := resultcmp.Contains(got.Rows, want.Rows, resultcmp.Options{Exact: true}); err != nil {
				t.Errorf("PostgreSQL differs from DuckDB: %v\n%s", err, pp.DisplaySQL())
			}
		})
	}
	if n < 17 {
		t.Fatalf("only %d bench queries", n)
	}
}

// TestReadOnlyAndTimeout: the engine cannot write, and a slow query is cut.
func TestReadOnlyAndTimeout(t *testing.T) {
	ctx := context.Background()
	pg, err := postgres.Open(ctx, pgtest.URL(t), postgres.Options{Timeout: 200_000_000})
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable (%v)", err)
	}
	defer pg.Close()
	if _, _, _, err := pg.Query(ctx, "CREATE TABLE should_not_exist (x int)"); err == nil {
		t.Error("a write went through a read-only transaction")
	}
	if _, _, _, err := pg.Query(ctx, "SELECT pg_sleep(2)"); err != postgres.ErrTimeout {
		t.Errorf("a 2 s query under a 200 ms timeout: %v", err)
	}
}

// TestQuestionsOnPostgres: the whole ask pipeline on PostgreSQL (the rules
// translator, the compiler in PostgreSQL's dialect, values linked from
// PostgreSQL) answers as it does on DuckDB.
func TestQuestionsOnPostgres(t *testing.T) {
	ctx := context.Background()
	pg, duck := engines(t)
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.CheckModel(ctx, m, semantic.CompileOptions{}); err != nil {
		t.Fatalf("the demo model does not fit PostgreSQL: %v", err)
	}
	engine := func(r nlq.Runner) *nlq.Engine {
		values, err := nlq.LoadValues(ctx, m, r)
		if err != nil {
			t.Fatal(err)
		}
		return &nlq.Engine{Model: m, Rules: nlq.NewRules(m, nlq.NewLexicon(m, values)), Runner: r, Conversations: nlq.NewMemoryConversations(), AsOf: semantic.D(2025, 12, 31)}
	}
	ed, ep := engine(duck), engine(pg)
	for _, q := range []string{"上个月各渠道的销售额", "2025年各会员等级的复购率", "沉睡会员有多少", "RFM各分层的人数", "各渠道的24小时挽回率",
		"2025年各首购月份按首购后第几个月的留存率", "列出近90天没有购买的黄金会员", "sales in Shanghai stores by month this year"} {
		a, err := ed.Ask(ctx, nlq.AskRequest{Question: q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ep.Ask(ctx, nlq.AskRequest{Question: q}, nil)
		if err != nil {
			t.Fatalf("%s on PostgreSQL: %v", q, err)
		}
		if len(a.Rows) == 0 {
			t.Fatalf("%s: no rows on DuckDB", q)
		}
		if err := resultcmp.Contains(b.Rows, a.Rows, resultcmp.Options{Exact: true}); err != nil {
			t.Errorf("%s: PostgreSQL differs from DuckDB: %v\n%s", q, err, b.SQL)
		}
	}
}

// engines opens PostgreSQL (with the generated test data loaded) and the
// DuckDB file it was loaded from; both close with the test.
func engines(t *testing.T) (*postgres.DB, *duckdb.DB) {
	t.Helper()
	pg, err := postgres.Open(context.Background(), pgtest.URL(t), postgres.Options{})
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable (%v): .ci/run starts it; WENSHU_TEST_PG may point elsewhere", err)
	}
	t.Cleanup(func() { pg.Close() })
	duck, err := duckdb.Open(datasetstest.Path(t, datasetstest.Scale, datasetstest.Seed), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { duck.Close() })
	load(t, pg, duck)
	return pg, duck
}

var loaded sync.Once

// load copies the generated test data into PostgreSQL once per test binary,
// with the demo's indexes.
func load(t *testing.T, pg *postgres.DB, duck *duckdb.DB) {
	t.Helper()
	var err error
	loaded.Do(func() {
		ctx := context.Background()
		if err = pg.LoadFrom(ctx, duck.SQL(), "stores", "customers", "products", "orders", "order_items", "member_tier_changes", "events", "surveys"); err != nil {
			return
		}
		for _, ix := range postgres.DemoIndexes {
			if err = pg.Index(ctx, ix[0], ix[1:]...); err != nil {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// proxy forwards a local port to the test server and can cut every
// connection, as a network or a restart would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, addr, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go io.Copy(s, c)
			go io.Copy(c, s)
		}
	}()
	return p
}

func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

// TestServerLostAndBack: a lost server is a typed error at once (the page
// says the data is unreachable rather than hanging), and the pool
// reconnects by itself when the server is back.
func TestServerLostAndBack(t *testing.T) {
	if _, err := postgres.Open(context.Background(), "postgres://postgres:x@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", postgres.Options{}); !errors.Is(err, postgres.ErrUnreachable) {
		t.Errorf("opening a server that is not there: %v", err)
	}
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	p := startProxy(t, "127.0.0.1:0", target)
	addr := p.ln.Addr().String()
	u.Host = addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	pg, err := postgres.Open(ctx, u.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if _, _, _, err := pg.Query(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	p.cut()
	start := time.Now()
	if _, _, _, err := pg.Query(ctx, "SELECT 1"); !errors.Is(err, postgres.ErrUnreachable) {
		t.Errorf("a query while the server is gone: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the lost server was noticed after %v", d)
	}
	p2 := startProxy(t, addr, target)
	defer p2.cut()
	var lastErr error
	for i := 0; i < 20; i++ {
		if _, _, _, lastErr = pg.Query(ctx, "SELECT 1"); lastErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		t.Errorf("the pool did not reconnect when the server came back: %v", lastErr)
	}
}
