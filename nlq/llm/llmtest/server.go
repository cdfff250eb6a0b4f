// Package llmtest is a local OpenAI-compatible server for tests. It speaks
// the real wire format of /chat/completions — JSON answers with tool calls
// and usage, SSE streams (including tool-call deltas split across chunks),
// and error answers — and plays a script of replies, one per request.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Reply answers one request.
type Reply func(w http.ResponseWriter, r *http.Request, req Request)

// Request is the part of a chat completion request tests look at.
type Request struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role       string `json:"role"`
		Content    string `json:"content"`
		ToolCallID string `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name       string         `json:"name"`
			Parameters map[string]any `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice any `json:"tool_choice"`
}

// Server is the fake provider.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	script   []Reply
	requests []Request
	// Canceled receives one value for each request whose client went away
	// before the reply finished.
	Canceled chan struct{}
}

// New starts a server that plays the replies in order (the last one is
// repeated when requests outnumber them).
func New(replies ...Reply) *Server {
	s := &Server{script: replies, Canceled: make(chan struct{}, 16)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// URL is the base URL to give the client (…/v1).
func (s *Server) BaseURL() string { return s.Server.URL + "/v1" }

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		writeError(w, http.StatusUnauthorized, "missing API key")
		return
	}
	var req Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	s.mu.Lock()
	i := len(s.requests)
	s.requests = append(s.requests, req)
	reply := s.script[min(i, len(s.script)-1)]
	s.mu.Unlock()
	reply(w, r, req)
	select {
	case <-r.Context().Done():
		s.Canceled <- struct{}{}
	default:
	}
}

func writeError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": message, "type": "server_error", "code": status}})
}

var usage = map[string]int{"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}

// ToolCall answers (without streaming) with one call of the named tool.
func ToolCall(name, arguments string) Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) {
		if req.Stream {
			StreamToolCall(name, arguments)(w, r, req)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "message": map[string]any{
				"role": "assistant", "content": nil,
				"tool_calls": []any{map[string]any{"id": "call_1", "type": "function",
					"function": map[string]any{"name": name, "arguments": arguments}}},
			}}},
			"usage": usage,
		})
	}
}

// Text answers (without streaming) with plain content.
func Text(content string) Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) {
		if req.Stream {
			StreamText(content)(w, r, req)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
			"usage":   usage,
		})
	}
}

// Error answers with an HTTP error status.
func Error(status int, message string) Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) { writeError(w, status, message) }
}

func sse(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "data: %s\n\n", b)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func chunk(model string, delta map[string]any, finish any) map[string]any {
	return map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": model,
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
}

func streamStart(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

func streamEnd(w http.ResponseWriter, model string) {
	sse(w, map[string]any{"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": model, "choices": []any{}, "usage": usage})
	fmt.Fprint(w, "data: [DONE]\n\n")
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// StreamText streams content in pieces of a few characters.
func StreamText(content string, pieces ...string) Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) {
		streamStart(w)
		sse(w, chunk(req.Model, map[string]any{"role": "assistant", "content": ""}, nil))
		if len(pieces) == 0 {
			rs := []rune(content)
			for i := 0; i < len(rs); i += 3 {
				pieces = append(pieces, string(rs[i:min(i+3, len(rs))]))
			}
		}
		for _, p := range pieces {
			sse(w, chunk(req.Model, map[string]any{"content": p}, nil))
		}
		sse(w, chunk(req.Model, map[string]any{}, "stop"))
		streamEnd(w, req.Model)
	}
}

// StreamToolCall streams one tool call whose arguments are split across
// several chunks, as providers do.
func StreamToolCall(name, arguments string) Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) {
		streamStart(w)
		sse(w, chunk(req.Model, map[string]any{"role": "assistant", "tool_calls": []any{map[string]any{
			"index": 0, "id": "call_1", "type": "function", "function": map[string]any{"name": name, "arguments": ""}}}}, nil))
		for i := 0; i < len(arguments); i += 7 {
			sse(w, chunk(req.Model, map[string]any{"tool_calls": []any{map[string]any{
				"index": 0, "function": map[string]any{"arguments": arguments[i:min(i+7, len(arguments))]}}}}, nil))
		}
		sse(w, chunk(req.Model, map[string]any{}, "tool_calls"))
		streamEnd(w, req.Model)
	}
}

// Stall streams the first pieces of content, then sends nothing until the
// client goes away.
func Stall(pieces ...string) Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) {
		if !req.Stream {
			<-r.Context().Done()
			return
		}
		streamStart(w)
		for _, p := range pieces {
			sse(w, chunk(req.Model, map[string]any{"content": p}, nil))
		}
		<-r.Context().Done()
	}
}

// Hang answers nothing until the client goes away.
func Hang() Reply {
	return func(w http.ResponseWriter, r *http.Request, req Request) { <-r.Context().Done() }
}
