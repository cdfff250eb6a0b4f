// Package llm connects Wenshu's LLM path to any OpenAI-compatible endpoint
// (OpenAI, DeepSeek, Qwen/DashScope, Ollama, vLLM, llama.cpp server) through
// github.com/sashabaranov/go-openai. It satisfies nlq.ChatModel: tool calls,
// streaming (tool-call deltas reassembled across chunks), usage, bounded
// retries with backoff on 429 and 5xx (hashicorp/go-retryablehttp), and a
// stall deadline on streams.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	openai "github.com/sashabaranov/go-openai"

	"github.com/wenshu-bi/wenshu/nlq"
)

// Config configures a Client; see FromEnv.
type Config struct {
	APIKey  string
	BaseURL string // default https://api.openai.com/v1
	Model   string // default gpt-4o-mini
	// MaxRetries bounds retries of 429 and 5xx answers (default 2).
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff (default 200 ms, 2 s).
	RetryWaitMin, RetryWaitMax time.Duration
	// StreamIdleTimeout ends a stream that sends nothing for this long
	// (default 10 s).
	StreamIdleTimeout time.Duration
	// ToolChoice is sent when a call requires a tool: "required" (OpenAI,
	// DeepSeek, Qwen) or "auto" for servers that reject "required".
	ToolChoice string
	Logger     *slog.Logger
}

// ErrStalled is returned when a stream stops sending before it is done.
var ErrStalled = errors.New("llm: the stream stalled")

// Client is a chat model on an OpenAI-compatible endpoint.
type Client struct {
	api *openai.Client
	cfg Config
}

// New makes a client.
func New(cfg Config) *Client {
	if cfg.Model == "" {
		cfg.Model = "gpt-4o-mini"
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 2
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = 200 * time.Millisecond
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = 2 * time.Second
	}
	if cfg.StreamIdleTimeout == 0 {
		cfg.StreamIdleTimeout = 10 * time.Second
	}
	if cfg.ToolChoice == "" {
		cfg.ToolChoice = "required"
	}
	rc := retryablehttp.NewClient()
	rc.RetryMax = cfg.MaxRetries
	rc.RetryWaitMin, rc.RetryWaitMax = cfg.RetryWaitMin, cfg.RetryWaitMax
	rc.Logger = nil
	if cfg.Logger != nil {
		rc.Logger = cfg.Logger
	}
	// After the last retry, hand back the provider's own answer (its error
	// body says what is wrong) instead of a generic "giving up".
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = cfg.BaseURL
	}
	oc.HTTPClient = rc.StandardClient()
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg}
}

// ModelName is the model the client asks.
func (c *Client) ModelName() string { return c.cfg.Model }

func (c *Client) request(req nlq.ChatRequest) openai.ChatCompletionRequest {
	out := openai.ChatCompletionRequest{Model: c.cfg.Model, Temperature: req.Temperature}
	for _, m := range req.Messages {
		om := openai.ChatCompletionMessage{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			om.ToolCalls = append(om.ToolCalls, openai.ToolCall{ID: tc.ID, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments}})
		}
		out.Messages = append(out.Messages, om)
	}
	for _, t := range req.Tools {
		out.Tools = append(out.Tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: t.Parameters}})
	}
	switch req.ToolChoice {
	case "":
	case "required":
		out.ToolChoice = c.cfg.ToolChoice
	case "auto", "none":
		out.ToolChoice = req.ToolChoice
	default:
		out.ToolChoice = openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: req.ToolChoice}}
	}
	return out
}

// Chat implements nlq.ChatModel.
func (c *Client) Chat(ctx context.Context, req nlq.ChatRequest, onDelta func(string)) (*nlq.ChatResponse, error) {
	start := time.Now()
	oreq := c.request(req)
	if onDelta == nil {
		res, err := c.api.CreateChatCompletion(ctx, oreq)
		if err != nil {
			return nil, wrap(err)
		}
		if len(res.Choices) == 0 {
			return nil, fmt.Errorf("llm: the answer has no choices")
		}
		m := res.Choices[0].Message
		out := &nlq.ChatResponse{Content: m.Content, PromptTokens: res.Usage.PromptTokens,
			CompletionTokens: res.Usage.CompletionTokens, Latency: time.Since(start)}
		for _, tc := range m.ToolCalls {
			out.ToolCalls = append(out.ToolCalls, nlq.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		return out, nil
	}
	return c.stream(ctx, oreq, onDelta, start)
}

// stream reads an SSE answer, reassembling tool-call deltas by index and
// ending the request when no chunk arrives within the idle timeout.
func (c *Client) stream(ctx context.Context, oreq openai.ChatCompletionRequest, onDelta func(string), start time.Time) (*nlq.ChatResponse, error) {
	oreq.Stream = true
	oreq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := time.AfterFunc(c.cfg.StreamIdleTimeout, func() { cancel(ErrStalled) })
	defer idle.Stop()
	s, err := c.api.CreateChatCompletionStream(sctx, oreq)
	if err != nil {
		return nil, streamErr(sctx, err)
	}
	defer s.Close()
	out := &nlq.ChatResponse{}
	calls := map[int]*nlq.ToolCall{}
	for {
		chunk, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, streamErr(sctx, err)
		}
		idle.Reset(c.cfg.StreamIdleTimeout)
		if chunk.Usage != nil {
			out.PromptTokens, out.CompletionTokens = chunk.Usage.PromptTokens, chunk.Usage.CompletionTokens
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				out.Content += ch.Delta.Content
				onDelta(ch.Delta.Content)
			}
			for _, tc := range ch.Delta.ToolCalls {
				i := 0
				if tc.Index != nil {
					i = *tc.Index
				}
				call := calls[i]
				if call == nil {
					call = &nlq.ToolCall{}
					calls[i] = call
				}
				if tc.ID != "" {
					call.ID = tc.ID
				}
				call.Name += tc.Function.Name
				call.Arguments += tc.Function.Arguments
			}
		}
	}
	idx := make([]int, 0, len(calls))
	for i := range calls {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		out.ToolCalls = append(out.ToolCalls, *calls[i])
	}
	out.Latency = time.Since(start)
	return out, nil
}

func streamErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); errors.Is(cause, ErrStalled) {
		return ErrStalled
	}
	return wrap(err)
}

// APIError is an error answer of the provider.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("llm: provider answered %d: %s", e.Status, e.Message)
}

func wrap(err error) error {
	var ae *openai.APIError
	var re *openai.RequestError
	switch {
	case errors.As(err, &ae):
		return &APIError{Status: ae.HTTPStatusCode, Message: ae.Message}
	case errors.As(err, &re):
		return &APIError{Status: re.HTTPStatusCode, Message: string(re.Body)}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("llm: %w", err)
}

// FromEnv reads OPENAI_API_KEY, OPENAI_BASE_URL and WENSHU_LLM_MODEL; ok is
// false when no key is set (the server then runs on the rules translator).
func FromEnv(getenv func(string) string) (Config, bool) {
	cfg := Config{APIKey: getenv("OPENAI_API_KEY"), BaseURL: getenv("OPENAI_BASE_URL"), Model: getenv("WENSHU_LLM_MODEL"),
		ToolChoice: getenv("WENSHU_LLM_TOOL_CHOICE")}
	return cfg, cfg.APIKey != ""
}

// compile-time check
var _ nlq.ChatModel = (*Client)(nil)
