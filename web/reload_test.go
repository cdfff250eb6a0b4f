package web_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
	"github.com/wenshu-bi/wenshu/semantic/postgres"
	"github.com/wenshu-bi/wenshu/web"
)

// TestModelReload: an admin reloads the model without a restart; a model
// with errors, or one that does not fit the data, is refused with its
// errors and the old model keeps answering.
func TestModelReload(t *testing.T) {
	var mu sync.Mutex
	src := string(datasets.RetailYAML())
	opts := webOptions()
	opts.LoadModel = func() (*semantic.Model, error) {
		mu.Lock()
		defer mu.Unlock()
		return semantic.ParseModel("model.yaml", []byte(src))
	}
	ts := newTestServer(t, "", 0, opts)
	set := func(s string) { mu.Lock(); src = s; mu.Unlock() }
	_, res := doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"root","role":"admin"}`)
	root := res["token"].(string)
	_, res = doJSON(t, "POST", ts.URL+"/api/v1/users", `{"name":"hq","role":"hq"}`, "Authorization", "Bearer "+root)
	hq := res["token"].(string)
	ask := func(q string) map[string]any {
		_, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"`+q+`"}`, "Authorization", "Bearer "+hq)
		return res
	}
	if res := ask("上个月的流水"); res["query"] != nil {
		t.Fatalf("流水 is not a word of the model yet, but was answered: %v", res["query"])
	}
	// A new synonym, reloaded.
	set(strings.Replace(string(datasets.RetailYAML()), "synonyms: [营业额,", "synonyms: [流水, 营业额,", 1))
	if !strings.Contains(string(datasets.RetailYAML()), "synonyms: [营业额,") {
		t.Fatal("the test's edit does not apply to the model")
	}
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/model/reload", "", "Authorization", "Bearer "+hq); code != 403 {
		t.Errorf("a non-admin reloaded the model: %d %v", code, res)
	}
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/model/reload", "", "Authorization", "Bearer "+root); code != 200 || res["reloaded"] != true {
		t.Fatalf("reload: %d %v", code, res)
	}
	if res := ask("上个月的流水"); !strings.Contains(fmt_(res["query"]), `"sales"`) {
		t.Errorf("after the reload 流水 is not sales: %v", res["query"])
	}
	// A model with errors: refused with its list, the old one keeps serving.
	set(strings.Replace(src, "agg: sum", "agg: total", 1))
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/model/reload", "", "Authorization", "Bearer "+root)
	if code != 422 || !strings.Contains(fmt_(res), `unknown aggregation \"total\"`) {
		t.Errorf("a broken model: %d %v", code, res)
	}
	// A model naming a column the data lacks: refused too.
	set(strings.Replace(string(datasets.RetailYAML()), "expr: paid_amount", "expr: paid_amount_x", 1))
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/model/reload", "", "Authorization", "Bearer "+root); code != 422 || !strings.Contains(fmt_(res), "does not fit the data") {
		t.Errorf("a model that does not fit the data: %d %v", code, res)
	}
	if res := ask("上个月的流水"); !strings.Contains(fmt_(res["query"]), `"sales"`) || res["rows"] == nil {
		t.Errorf("the last good model stopped answering: %v", res)
	}
}

func TestReloadNeedsAModelFile(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	if code, res := doJSON(t, "POST", ts.URL+"/api/v1/model/reload", ""); code < 400 || !strings.Contains(fmt_(res), "without a model file") {
		t.Errorf("reload without a model file: %d %v", code, res)
	}
}

// downRunner is an engine whose server went away.
type downRunner struct{ nlq.Runner }

func (downRunner) Ping(context.Context) error { return errors.New("connection refused") }

// TestHealthAndReadiness: /healthz reports each dependency, /readyz is 503
// while the data engine is down.
func TestHealthAndReadiness(t *testing.T) {
	ts := newTestServer(t, "", 0, webOptions())
	if code, res := doJSON(t, "GET", ts.URL+"/readyz", ""); code != 200 || !strings.Contains(fmt_(res), `"engine":{"status":"ok"}`) || !strings.Contains(fmt_(res), `"store":{"status":"ok"}`) {
		t.Errorf("readyz: %d %v", code, res)
	}
	down := newTestServerWith(t, func(e *nlq.Engine) { e.Runner = downRunner{e.Runner} })
	if code, res := doJSON(t, "GET", down.URL+"/readyz", ""); code != 503 || !strings.Contains(fmt_(res), "connection refused") {
		t.Errorf("readyz with the engine down: %d %v", code, res)
	}
	if code, res := doJSON(t, "GET", down.URL+"/healthz", ""); code != 200 || res["status"] != "degraded" {
		t.Errorf("healthz with the engine down: %d %v", code, res)
	}
}

// lostRunner is an engine whose server went away mid-serving.
type lostRunner struct{ nlq.Runner }

func (lostRunner) Run(context.Context, *semantic.Plan) (*semantic.Result, error) {
	return nil, fmt.Errorf("%w: dial tcp: connection refused", postgres.ErrUnreachable)
}

// TestDataUnreachable: a question while the database is unreachable gets a
// 503 saying so at once (and the websocket an error event), not a hang or a 500.
func TestDataUnreachable(t *testing.T) {
	var lost bool
	ts := newTestServerWith(t, func(e *nlq.Engine) {
		e.Runner = lostRunner{e.Runner}
		lost = true
	})
	if !lost {
		t.Fatal("the engine was not replaced")
	}
	code, res := doJSON(t, "POST", ts.URL+"/api/v1/ask", `{"question":"上个月的销售额"}`)
	if code != 503 || errCode(res) != "data_unreachable" || !strings.Contains(fmt_(res), "cannot be reached") {
		t.Errorf("ask while the data is unreachable: %d %v", code, res)
	}
}

// TestPendingOptionsSurviveARestart: a clarification's numbered options are
// kept in the store, so "2" is answered after a restart (or on another
// replica sharing the store); a wrong number keeps them, an hour forgets them.
func TestPendingOptionsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	st, err := web.OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	opts := []nlq.Option{{Label: "各渠道的销售额", Question: "上个月各渠道的销售额"}, {Label: "各城市的销售额", Question: "上个月各城市的销售额"}}
	if err := st.PutPending(ctx, "u\x00c", opts, now); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = web.OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok, _ := st.TakePending(ctx, "u\x00c", 3, now); ok {
		t.Error("option 3 of 2 was taken")
	}
	if o, ok, err := st.TakePending(ctx, "u\x00c", 2, now.Add(time.Minute)); err != nil || !ok || o.Question != "上个月各城市的销售额" {
		t.Errorf("after a restart, option 2: %v %v %v", o, ok, err)
	}
	if _, ok, _ := st.TakePending(ctx, "u\x00c", 1, now); ok {
		t.Error("the options were answered twice")
	}
	st.PutPending(ctx, "u\x00d", opts, now)
	if _, ok, _ := st.TakePending(ctx, "u\x00d", 1, now.Add(2*time.Hour)); ok {
		t.Error("options two hours old were still answered")
	}
}
