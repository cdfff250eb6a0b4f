package llm_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/datasets"
	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/nlq/llm"
	"github.com/wenshu-bi/wenshu/nlq/llm/llmtest"
	"github.com/wenshu-bi/wenshu/semantic"
)

var update = flag.Bool("update", false, "rewrite the golden prompt files")

// engine builds the ask pipeline on the test data with an LLM on s.
func engine(t *testing.T, s *llmtest.Server) (*nlq.Engine, *[]nlq.LLMCall) {
	t.Helper()
	m, err := datasets.RetailModel()
	if err != nil {
		t.Fatal(err)
	}
	db := datasetstest.Open(t)
	values, err := nlq.LoadValues(context.Background(), m, db)
	if err != nil {
		t.Fatal(err)
	}
	lex := nlq.NewLexicon(m, values)
	var calls []nlq.LLMCall
	e := &nlq.Engine{Model: m, Rules: nlq.NewRules(m, lex), Runner: db, Conversations: nlq.NewMemoryConversations(),
		AsOf: semantic.D(2025, 12, 31), LLMTimeout: 5 * time.Second, NarrativeTimeout: 5 * time.Second}
	if s != nil {
		e.LLM = &nlq.LLMTranslator{Model: m, Lex: lex, Chat: client(s, func(c *llm.Config) { c.StreamIdleTimeout = 500 * time.Millisecond }),
			OnCall: func(c nlq.LLMCall) { calls = append(calls, c) }}
	}
	return e, &calls
}

func ask(t *testing.T, e *nlq.Engine, q string) *nlq.Answer {
	t.Helper()
	ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ans
}

// A question the rules do not read with full confidence.
const vague = "最近生意怎么样，给我看看渠道情况"

func TestConfidentRulesSkipTheLLM(t *testing.T) {
	s := llmtest.New(llmtest.Error(500, "must not be called"))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, "上个月各渠道的销售额")
	if ans.Translator != "rules" {
		t.Errorf("translator %s", ans.Translator)
	}
	// The only call is the narrative's (streamed); it failed, so the template answered.
	for _, r := range s.Requests() {
		if !r.Stream {
			t.Errorf("a translation request went to the LLM: %+v", r)
		}
	}
	if !strings.Contains(ans.Answer, "门店") {
		t.Errorf("narrative %q", ans.Answer)
	}
}

func TestLLMToolCallAnswers(t *testing.T) {
	s := llmtest.New(
		llmtest.ToolCall("semantic_query", `{"metrics":["sales"],"dimensions":["channel"],"time_range":"default"}`),
		llmtest.StreamText("今年门店销售额最高。"))
	defer s.Close()
	e, calls := engine(t, s)
	ans := ask(t, e, vague)
	if ans.Translator != "llm" || ans.Query == nil || ans.Query.Metrics[0] != "sales" || ans.Query.Time.Range.String() != "2025-01-01..2025-12-31" {
		t.Fatalf("answer %+v", ans)
	}
	if len(ans.Rows) != 5 {
		t.Errorf("%d rows", len(ans.Rows))
	}
	if ans.Answer != "今年门店销售额最高。" {
		t.Errorf("narrative %q", ans.Answer)
	}
	if len(*calls) != 2 || (*calls)[0].Purpose != "translate" || (*calls)[0].PromptTokens != 120 || (*calls)[1].Purpose != "narrative" {
		t.Errorf("calls %+v", *calls)
	}
}

func TestInvalidNameRepairedInOneRound(t *testing.T) {
	s := llmtest.New(
		llmtest.ToolCall("semantic_query", `{"metrics":["revenue"],"time_range":"default"}`),
		llmtest.ToolCall("semantic_query", `{"metrics":["sales"],"time_range":"default"}`),
		llmtest.StreamText("ok"))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, vague)
	if ans.Query == nil || ans.Query.Metrics[0] != "sales" {
		t.Fatalf("not repaired: %+v", ans)
	}
	reqs := s.Requests()
	repair := reqs[1].Messages
	last := repair[len(repair)-1]
	if last.Role != "tool" || !strings.Contains(last.Content, "unknown_metric") || !strings.Contains(last.Content, "sales") {
		t.Errorf("the repair round did not carry the typed error: %+v", last)
	}
	if prev := repair[len(repair)-2]; len(prev.ToolCalls) != 1 || prev.ToolCalls[0].Function.Arguments != `{"metrics":["revenue"],"time_range":"default"}` {
		t.Errorf("the repair round lacks the failed call: %+v", prev)
	}
}

// TestFollowUpPromptCarriesTheConversation: a follow-up sent to the LLM
// carries the earlier questions and the previous query.
func TestFollowUpPromptCarriesTheConversation(t *testing.T) {
	s := llmtest.New(
		llmtest.StreamText("门店最高。"), // the first answer's narrative (the rules read it)
		llmtest.ToolCall("semantic_query", `{"metrics":["sales"],"dimensions":["channel"],"time_range":"previous"}`),
		llmtest.StreamText("ok"))
	defer s.Close()
	e, _ := engine(t, s)
	first, err := e.Ask(context.Background(), nlq.AskRequest{Question: "上个月各渠道的销售额"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := e.Ask(context.Background(), nlq.AskRequest{Question: "这个结果跟我想的不一样，再细看看", ConversationID: first.ConversationID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var system string
	for _, r := range s.Requests() {
		if !r.Stream {
			system = r.Messages[0].Content
		}
	}
	for _, want := range []string{"- 上个月各渠道的销售额", `"dimensions":["channel"]`, "previous → 2025-11-01..2025-11-30"} {
		if !strings.Contains(system, want) {
			t.Errorf("the follow-up prompt lacks %q", want)
		}
	}
	if ans.Translator != "llm" || ans.Query.Time.Range.String() != "2025-11-01..2025-11-30" {
		t.Errorf("%s %+v", ans.Translator, ans.Query)
	}
}

func TestSecondFailureClarifies(t *testing.T) {
	s := llmtest.New(
		llmtest.ToolCall("semantic_query", `{"metrics":["revenue"],"time_range":"default"}`),
		llmtest.ToolCall("semantic_query", `{"metrics":["profit"],"time_range":"default"}`),
		llmtest.Error(500, "no third call"))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, vague)
	if ans.Clarification == nil || len(ans.Rows) != 0 || ans.Translator != "llm" {
		t.Fatalf("want a clarification, got %+v", ans)
	}
	if n := len(s.Requests()); n != 2 {
		t.Errorf("%d model calls, want exactly 2", n)
	}
}

func TestMalformedArgumentsAreRepaired(t *testing.T) {
	s := llmtest.New(
		llmtest.ToolCall("semantic_query", `{"metrics":["sales"],`),
		llmtest.ToolCall("semantic_query", `{"metrics":["orders"],"time_range":"default"}`),
		llmtest.StreamText("ok"))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, vague)
	if ans.Query == nil || ans.Query.Metrics[0] != "orders" {
		t.Fatalf("%+v", ans)
	}
	if !strings.Contains(s.Requests()[1].Messages[len(s.Requests()[1].Messages)-1].Content, "bad_json") {
		t.Error("the repair round did not say the JSON was bad")
	}
}

func TestGarbageFallsBackToRules(t *testing.T) {
	s := llmtest.New(llmtest.Text("I think you want sales."))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, "上个月各渠道的销售额情况咋样嘞")
	if ans.Translator != "rules" || ans.Query == nil || ans.Query.Metrics[0] != "sales" {
		t.Fatalf("%+v", ans)
	}
}

func TestLLMDownOrSlowFallsBack(t *testing.T) {
	for name, reply := range map[string]llmtest.Reply{"down": llmtest.Error(503, "unavailable"), "slow": llmtest.Hang()} {
		t.Run(name, func(t *testing.T) {
			s := llmtest.New(reply)
			defer s.Close()
			e, _ := engine(t, s)
			e.LLMTimeout, e.NarrativeTimeout = 300*time.Millisecond, 300*time.Millisecond
			ans := ask(t, e, "上个月各渠道的销售额情况咋样嘞")
			if ans.Translator != "rules" || len(ans.Rows) != 5 {
				t.Fatalf("%+v", ans)
			}
			// The template narrative stands in for the LLM's.
			if !strings.Contains(ans.Answer, "门店") {
				t.Errorf("narrative %q", ans.Answer)
			}
		})
	}
}

func TestClarificationToolCall(t *testing.T) {
	s := llmtest.New(llmtest.ToolCall("ask_clarification", `{"message":"您想看销售额还是订单数？","options":["上个月的销售额","上个月的订单数"],"reason":"ambiguous"}`))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, vague)
	if ans.Clarification == nil || len(ans.Clarification.Options) != 2 || len(ans.Rows) != 0 {
		t.Fatalf("%+v", ans)
	}
}

func TestExactRepeatSkipsTheLLM(t *testing.T) {
	s := llmtest.New(llmtest.Error(500, "must not be called"))
	defer s.Close()
	e, _ := engine(t, s)
	e.LLM = nil // the narrative comes from the template here
	q := &semantic.Query{Metrics: []string{"aov"}, Dimensions: []string{"tier"}, Time: &semantic.Time{Range: &semantic.DateRange{
		Start: semantic.D(2025, 1, 1), End: semantic.D(2025, 12, 31)}}}
	e.Examples = nlq.NewExampleIndex([]nlq.Example{{Question: vague, Query: q, Source: "admin"}})
	ans := ask(t, e, " "+vague+"？")
	if ans.Translator != "memory" || ans.Query.Metrics[0] != "aov" || len(s.Requests()) != 0 {
		t.Fatalf("translator %s query %+v requests %d", ans.Translator, ans.Query, len(s.Requests()))
	}
}

// TestPromptHoldsOnlyLinkedMetrics checks that the prompt carries what the
// question needs and not the whole catalog, against a golden file.
func TestPromptHoldsOnlyLinkedMetrics(t *testing.T) {
	e, _ := engine(t, llmtest.New(llmtest.Error(500, "unused")))
	m := e.Model
	e.LLM.Examples = nlq.NewExampleIndex([]nlq.Example{{Question: "上个月各渠道的加购率",
		Query: &semantic.Query{Metrics: []string{"add_to_cart_rate"}, Dimensions: []string{"channel"}}}})
	msgs, tools, err := e.LLM.Prompt("上个月各渠道的转化率怎么样", nil, semantic.D(2025, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	system := msgs[0].Content
	for _, want := range []string{"conversion_rate", "channel", "2025-11-01..2025-11-30", "上个月各渠道的加购率"} {
		if !strings.Contains(system, want) {
			t.Errorf("the prompt lacks %q", want)
		}
	}
	for _, mt := range m.Metrics {
		if mt.Name != "conversion_rate" && strings.Contains(system, mt.Description.Zh) {
			t.Errorf("the prompt holds the definition of %s, which the question does not need", mt.Name)
		}
	}
	// The tool schema lists every metric name as an enum, and no hidden one.
	schema, _ := json.Marshal(tools[0].Parameters)
	if !strings.Contains(string(schema), `"nps"`) || strings.Contains(string(schema), `"paying_sessions"`) {
		t.Errorf("schema enums: %s", schema)
	}
	golden := "testdata/prompt_conversion_by_channel.golden"
	got := system + "\n--- user\n" + msgs[1].Content + "\n"
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("prompt differs from %s (go test ./nlq/llm -update, then review):\n%s", golden, got)
	}
}

var numberRE = regexp.MustCompile(`\d[\d,]*(\.\d+)?`)

// TestNarrativeNumbersComeFromTheResult: a narrative stating the result's
// numbers is streamed; one that invents a number is cut at that sentence
// and the template takes over.
func TestNarrativeNumbersComeFromTheResult(t *testing.T) {
	e, _ := engine(t, nil)
	q := "上个月各渠道的销售额"
	base := ask(t, e, q)
	// Build a narrative from real cells: the top channel, its value, its share.
	top := base.Rows[0]
	v := top[1].(float64)
	total := 0.0
	for _, r := range base.Rows {
		total += r[1].(float64)
	}
	good := "上个月" + top[0].(string) + "销售额最高，为 ¥" + nlq.FormatValue(v, "", "zh") + "。" +
		"占五个渠道合计的 " + strings.TrimSuffix(nlq.FormatValue(v/total, "percent", "zh"), "%") + "%。"
	s := llmtest.New(llmtest.StreamText(good))
	defer s.Close()
	e2, _ := engine(t, s)
	var deltas []string
	ans, err := e2.Ask(context.Background(), nlq.AskRequest{Question: q}, func(ev nlq.Event) {
		if ev.Type == "answer_delta" {
			deltas = append(deltas, ev.Data.(string))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Answer != good || len(deltas) != 2 {
		t.Fatalf("answer %q deltas %q", ans.Answer, deltas)
	}
	// Every number of the accepted narrative is a cell or derived from cells.
	for _, n := range numberRE.FindAllString(ans.Answer, -1) {
		if !strings.Contains(good, n) {
			t.Errorf("number %s", n)
		}
	}
	bad := llmtest.New(llmtest.StreamText("上个月销售额为 ¥123,456,789。同比增长 37.5%。"))
	defer bad.Close()
	e3, _ := engine(t, bad)
	ans = ask(t, e3, q)
	if strings.Contains(ans.Answer, "123,456,789") || ans.Answer != base.Answer {
		t.Errorf("an invented number got through: %q", ans.Answer)
	}
}

// TestLLMMemberList: the LLM path lists members through the member_list
// tool (one repair round for a name it invented), and the list is the one
// hand-written SQL gives.
func TestLLMMemberList(t *testing.T) {
	s := llmtest.New(
		llmtest.ToolCall("member_list", `{"audience":"members","filters":[{"dimension":"tier","op":"in","values":["gold"]},{"dimension":"recency_days","op":"gte","values":[180]}]}`),
		llmtest.ToolCall("member_list", `{"audience":"members","filters":[{"dimension":"tier","op":"in","values":["gold"]},{"dimension":"days_since_last_order","op":"gte","values":[180],"include_missing":true}]}`))
	defer s.Close()
	e, _ := engine(t, s)
	ans := ask(t, e, "帮我把那些半年多没来过的金卡老客拎出来")
	if ans.Translator != "llm" || ans.List == nil || ans.Query.List != "members" {
		t.Fatalf("answer %+v", ans)
	}
	tools := s.Requests()[0].Tools
	if len(tools) != 3 || tools[2].Function.Name != "member_list" {
		t.Errorf("the request does not offer member_list: %+v", tools)
	}
	if last := s.Requests()[1].Messages; !strings.Contains(last[len(last)-1].Content, "recency_days") {
		t.Errorf("the repair round lacks the error: %+v", last[len(last)-1])
	}
	_, want, _, err := datasetstest.Open(t).Query(context.Background(), `WITH l AS (SELECT customer_id, max(order_time::DATE) ld FROM orders
		WHERE status = 'completed' AND customer_id IS NOT NULL AND order_time < DATE '2026-01-01' GROUP BY 1)
		SELECT count(*) FROM customers c LEFT JOIN l USING (customer_id)
		WHERE c.tier = 'gold' AND c.registered_at < DATE '2026-01-01' AND (l.ld IS NULL OR DATE '2025-12-31' - l.ld >= 180)`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ans.List.Total) != fmt.Sprint(want[0][0]) || ans.List.Total == 0 {
		t.Errorf("list of %d members, hand SQL counts %v", ans.List.Total, want[0][0])
	}
}
