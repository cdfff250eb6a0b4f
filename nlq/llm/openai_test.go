package llm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/nlq/llm"
	"github.com/wenshu-bi/wenshu/nlq/llm/llmtest"
)

func client(s *llmtest.Server, mod func(*llm.Config)) *llm.Client {
	cfg := llm.Config{APIKey: "test-key", BaseURL: s.BaseURL(), Model: "test-model",
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, StreamIdleTimeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	return llm.New(cfg)
}

var anyTool = []nlq.ToolSpec{{Name: "semantic_query", Parameters: map[string]any{"type": "object"}}}

func TestToolCall(t *testing.T) {
	s := llmtest.New(llmtest.ToolCall("semantic_query", `{"metrics":["sales"]}`))
	defer s.Close()
	res, err := client(s, nil).Chat(context.Background(), nlq.ChatRequest{
		Messages: []nlq.ChatMessage{{Role: "user", Content: "hi"}}, Tools: anyTool, ToolChoice: "required"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ToolCalls) != 1 || res.ToolCalls[0].Name != "semantic_query" || res.ToolCalls[0].Arguments != `{"metrics":["sales"]}` {
		t.Fatalf("tool calls %+v", res.ToolCalls)
	}
	if res.PromptTokens != 120 || res.CompletionTokens != 30 {
		t.Errorf("usage %d/%d", res.PromptTokens, res.CompletionTokens)
	}
	req := s.Requests()[0]
	if req.Model != "test-model" || len(req.Tools) != 1 || req.ToolChoice != "required" || req.Stream {
		t.Errorf("request %+v", req)
	}
}

func TestStreamedToolCallDeltas(t *testing.T) {
	args := `{"metrics":["conversion_rate"],"dimensions":["channel"],"time_range":"asked"}`
	s := llmtest.New(llmtest.StreamToolCall("semantic_query", args))
	defer s.Close()
	res, err := client(s, nil).Chat(context.Background(), nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}, Tools: anyTool},
		func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ToolCalls) != 1 || res.ToolCalls[0].Arguments != args || res.ToolCalls[0].ID != "call_1" {
		t.Fatalf("reassembled %+v", res.ToolCalls)
	}
	if res.PromptTokens != 120 {
		t.Errorf("stream usage %d", res.PromptTokens)
	}
}

func TestStreamedText(t *testing.T) {
	s := llmtest.New(llmtest.StreamText("", "上个月", "销售额", "为 ¥1,234。"))
	defer s.Close()
	var got []string
	res, err := client(s, nil).Chat(context.Background(), nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}},
		func(d string) { got = append(got, d) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "上个月|销售额|为 ¥1,234。" || res.Content != "上个月销售额为 ¥1,234。" {
		t.Errorf("deltas %q content %q", got, res.Content)
	}
	if !s.Requests()[0].Stream {
		t.Error("not streamed")
	}
}

func TestRetriesRateLimitsAndServerErrors(t *testing.T) {
	s := llmtest.New(llmtest.Error(429, "slow down"), llmtest.Error(500, "boom"), llmtest.ToolCall("semantic_query", `{}`))
	defer s.Close()
	res, err := client(s, nil).Chat(context.Background(), nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ToolCalls) != 1 || len(s.Requests()) != 3 {
		t.Errorf("after 429 and 500: %d requests, %+v", len(s.Requests()), res)
	}
	// Retries are bounded: a provider that keeps failing gives a typed error.
	down := llmtest.New(llmtest.Error(500, "down"))
	defer down.Close()
	_, err = client(down, nil).Chat(context.Background(), nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}}, nil)
	var ae *llm.APIError
	if !errors.As(err, &ae) || ae.Status != 500 {
		t.Fatalf("want APIError 500, got %v", err)
	}
	if n := len(down.Requests()); n != 3 {
		t.Errorf("%d requests, want 1 + 2 retries", n)
	}
	// A client error is not retried.
	bad := llmtest.New(llmtest.Error(400, "bad request"))
	defer bad.Close()
	client(bad, nil).Chat(context.Background(), nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}}, nil)
	if n := len(bad.Requests()); n != 1 {
		t.Errorf("a 400 was retried: %d requests", n)
	}
}

func TestStalledStream(t *testing.T) {
	s := llmtest.New(llmtest.Stall("上个月"))
	defer s.Close()
	c := client(s, func(c *llm.Config) { c.StreamIdleTimeout = 200 * time.Millisecond })
	var got string
	_, err := c.Chat(context.Background(), nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}}, func(d string) { got += d })
	if !errors.Is(err, llm.ErrStalled) {
		t.Fatalf("want ErrStalled, got %v", err)
	}
	if got != "上个月" {
		t.Errorf("content before the stall %q", got)
	}
	select {
	case <-s.Canceled:
	case <-time.After(30 * time.Second):
		t.Error("the stalled upstream request was not canceled")
	}
}

func TestCallerGoingAwayCancelsUpstream(t *testing.T) {
	s := llmtest.New(llmtest.Stall("a", "b"))
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := client(s, nil).Chat(ctx, nlq.ChatRequest{Messages: []nlq.ChatMessage{{Role: "user", Content: "x"}}}, func(string) {
			select {
			case <-first:
			default:
				close(first)
			}
		})
		done <- err
	}()
	<-first // mid-stream
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	select {
	case <-s.Canceled:
	case <-time.After(30 * time.Second):
		t.Error("the upstream request was not canceled")
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "WENSHU_LLM_MODEL": "qwen-plus"}
	cfg, ok := llm.FromEnv(func(k string) string { return env[k] })
	if !ok || cfg.Model != "qwen-plus" || cfg.BaseURL != env["OPENAI_BASE_URL"] {
		t.Errorf("%+v %v", cfg, ok)
	}
	if _, ok := llm.FromEnv(func(string) string { return "" }); ok {
		t.Error("no key must mean no LLM")
	}
}
