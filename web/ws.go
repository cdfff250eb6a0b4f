package web

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/wenshu-bi/wenshu/nlq"
)

// WSOptions tunes the websocket stream.
type WSOptions struct {
	// MaxMessageBytes is the largest client message answered with an error
	// event; HardLimitBytes closes the socket (default 16 KiB and 1 MiB).
	MaxMessageBytes int
	HardLimitBytes  int64
	// SendQueue is the events a client may have unread before it is
	// dropped as too slow (default 256).
	SendQueue int
	// MaxInFlight is the asks one socket may run at once (default 4).
	MaxInFlight int
	// PingInterval and PongWait keep idle connections alive (30 s and 60 s).
	PingInterval, PongWait time.Duration
	// RowsPerChunk splits rows events (default 200).
	RowsPerChunk int
}

func (o *WSOptions) defaults() {
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = 16 << 10
	}
	if o.HardLimitBytes == 0 {
		o.HardLimitBytes = 1 << 20
	}
	if o.SendQueue == 0 {
		o.SendQueue = 256
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = 4
	}
	if o.PingInterval == 0 {
		o.PingInterval = 30 * time.Second
	}
	if o.PongWait == 0 {
		o.PongWait = 60 * time.Second
	}
	if o.RowsPerChunk == 0 {
		o.RowsPerChunk = 200
	}
}

// clientMsg is what a client sends.
type clientMsg struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	Question       string `json:"question"`
	ConversationID string `json:"conversation_id"`
	AsOf           string `json:"as_of"`
}

// serverMsg is one event, tagged with the ask's id.
type serverMsg struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Data any    `json:"data,omitempty"`
}

type wsClient struct {
	s      *Server
	who    *Principal
	key    string // rate-limit key
	conn   *websocket.Conn
	send   chan []byte
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	asks     map[string]context.CancelFunc
	closed   bool
	closeMsg []byte
}

// handleWS opens the stream for the authenticated principal; the page
// authenticates by its cookie, and the Origin must be the page's own (or a
// configured public origin), so no other site can ride on the cookie.
func (s *Server) handleWS(c *gin.Context) {
	conn, err := s.upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return // the upgrader has answered (403 for a foreign origin)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	who := principal(c)
	cl := &wsClient{s: s, who: who, key: who.limiterKey(c), conn: conn, send: make(chan []byte, s.opts.WS.SendQueue), ctx: ctx, cancel: cancel,
		asks: map[string]context.CancelFunc{}}
	s.wsMu.Lock()
	s.wsOpen[cl] = struct{}{}
	s.wsMu.Unlock()
	s.metrics.websockets.Inc()
	s.wg.Add(2)
	go cl.writeLoop()
	go cl.readLoop()
}

// readLoop reads client messages until the socket fails; it owns the
// client's lifetime.
func (cl *wsClient) readLoop() {
	s := cl.s
	defer s.wg.Done()
	defer cl.shutdown()
	cl.conn.SetReadLimit(s.opts.WS.HardLimitBytes)
	cl.conn.SetReadDeadline(time.Now().Add(s.opts.WS.PongWait))
	cl.conn.SetPongHandler(func(string) error {
		return cl.conn.SetReadDeadline(time.Now().Add(s.opts.WS.PongWait))
	})
	for {
		kind, data, err := cl.conn.ReadMessage()
		if err != nil {
			return
		}
		if kind == websocket.TextMessage && !utf8.Valid(data) {
			// RFC 6455: a text frame must be UTF-8; the connection fails with 1007.
			cl.mu.Lock()
			cl.closeLocked(websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, "text frame is not valid UTF-8"))
			cl.mu.Unlock()
			return
		}
		cl.conn.SetReadDeadline(time.Now().Add(s.opts.WS.PongWait))
		if len(data) > s.opts.WS.MaxMessageBytes {
			cl.errorEvent("", "too_large", "the message is larger than the allowed size")
			continue
		}
		var msg clientMsg
		if err := json.Unmarshal(data, &msg); err != nil {
			cl.errorEvent("", "bad_json", "malformed message: "+err.Error())
			continue
		}
		switch msg.Type {
		case "ask":
			cl.startAsk(msg)
		case "cancel":
			cl.mu.Lock()
			stop := cl.asks[msg.ID]
			cl.mu.Unlock()
			if stop == nil {
				cl.errorEvent(msg.ID, "not_found", "no ask in flight with this id")
				continue
			}
			stop()
		case "ping":
			cl.event(serverMsg{Type: "pong", ID: msg.ID})
		default:
			cl.errorEvent(msg.ID, "bad_request", "unknown message type "+quote(msg.Type)+" (want ask or cancel)")
		}
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func (cl *wsClient) startAsk(msg clientMsg) {
	if msg.ID == "" || len(msg.ID) > 64 {
		cl.errorEvent(msg.ID, "bad_request", "an ask needs an id of at most 64 characters")
		return
	}
	req, err := (&askBody{Question: msg.Question, ConversationID: msg.ConversationID, AsOf: msg.AsOf}).request()
	if err != nil {
		ae := toAPIError(err)
		cl.errorEvent(msg.ID, ae.Code, ae.Message)
		return
	}
	if req.ConversationID == "" {
		req.ConversationID = nlq.NewConversationID()
	}
	if ok, wait := cl.s.limiters.allow(cl.key); !ok {
		ae := rateLimited(wait)
		cl.event(serverMsg{Type: "error", ID: msg.ID, Data: map[string]any{"code": ae.Code, "message": ae.Message,
			"retry_after_seconds": ae.Details.(map[string]int)["retry_after_seconds"]}})
		cl.s.metrics.errors.WithLabelValues(ae.Code).Inc()
		return
	}
	cl.mu.Lock()
	if _, dup := cl.asks[msg.ID]; dup {
		cl.mu.Unlock()
		cl.errorEvent(msg.ID, "bad_request", "an ask with this id is already in flight")
		return
	}
	if len(cl.asks) >= cl.s.opts.WS.MaxInFlight {
		cl.mu.Unlock()
		cl.errorEvent(msg.ID, "too_many_asks", "too many questions in flight on this connection")
		return
	}
	ctx, cancel := context.WithTimeout(cl.ctx, cl.s.opts.AskTimeout)
	cl.asks[msg.ID] = cancel
	cl.mu.Unlock()
	cl.s.wg.Add(1)
	go func() {
		defer cl.s.wg.Done()
		defer func() {
			cancel()
			cl.mu.Lock()
			delete(cl.asks, msg.ID)
			cl.mu.Unlock()
		}()
		cl.event(serverMsg{Type: "accepted", ID: msg.ID, Data: map[string]string{"conversation_id": req.ConversationID}})
		start := time.Now()
		ans, err := cl.s.ask(ctx, cl.who, "ws", req, func(ev nlq.Event) {
			if ev.Type == "rows" {
				rows, _ := ev.Data.([][]any)
				n := cl.s.opts.WS.RowsPerChunk
				for i := 0; i < len(rows) || i == 0; i += n {
					cl.event(serverMsg{Type: "rows", ID: msg.ID, Data: rows[i:min(i+n, len(rows))]})
				}
				return
			}
			cl.event(serverMsg{Type: ev.Type, ID: msg.ID, Data: ev.Data})
		})
		if err != nil {
			ae := toAPIError(err)
			if errors.Is(ctx.Err(), context.Canceled) && cl.ctx.Err() == nil {
				ae = &apiError{Code: "canceled", Message: "the question was canceled"}
			}
			cl.errorEvent(msg.ID, ae.Code, ae.Message)
			return
		}
		cl.event(serverMsg{Type: "done", ID: msg.ID, Data: map[string]any{
			"conversation_id": ans.ConversationID, "turn": ans.Turn, "translator": ans.Translator, "timings_ms": ans.Timings, "total_ms": time.Since(start).Milliseconds(),
			"suggestions": ans.Suggestions, "answer": ans.Answer, "notes": ans.Notes, "refusal": ans.Refusal,
			"truncated": ans.Truncated, "total_rows": ans.TotalRows, "proposal": ans.Proposal}})
	}()
}

func (cl *wsClient) errorEvent(id, code, message string) {
	cl.s.metrics.errors.WithLabelValues(code).Inc()
	cl.event(serverMsg{Type: "error", ID: id, Data: map[string]string{"code": code, "message": message}})
}

// event queues a message; a client whose queue is full is too slow to keep
// and is disconnected, so it can neither hold memory nor stall anyone.
func (cl *wsClient) event(m serverMsg) {
	data, err := json.Marshal(m)
	if err != nil {
		data, _ = json.Marshal(serverMsg{Type: "error", ID: m.ID, Data: map[string]string{"code": "internal", "message": "unencodable event"}})
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return
	}
	select {
	case cl.send <- data:
	default:
		cl.s.metrics.dropped.Inc()
		cl.s.log.Warn("websocket client too slow, dropping it", "queued", len(cl.send))
		cl.closeLocked(websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "too slow: events not read"))
	}
}

// closeLocked stops the client: asks are canceled and the writer sends the
// close frame and closes the socket. cl.mu must be held.
func (cl *wsClient) closeLocked(closeMsg []byte) {
	if cl.closed {
		return
	}
	cl.closed = true
	cl.closeMsg = closeMsg
	cl.cancel()
	close(cl.send)
}

func (cl *wsClient) closeGoingAway() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.closeLocked(websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"))
}

func (cl *wsClient) shutdown() {
	cl.mu.Lock()
	cl.closeLocked(nil)
	cl.mu.Unlock()
	cl.s.wsMu.Lock()
	delete(cl.s.wsOpen, cl)
	cl.s.wsMu.Unlock()
}

// writeLoop writes queued events and pings; it closes the socket when the
// queue is closed.
func (cl *wsClient) writeLoop() {
	s := cl.s
	defer s.wg.Done()
	ticker := time.NewTicker(s.opts.WS.PingInterval)
	defer func() {
		ticker.Stop()
		cl.mu.Lock()
		msg := cl.closeMsg
		cl.mu.Unlock()
		if msg != nil {
			cl.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		}
		cl.conn.Close()
		s.metrics.websockets.Dec()
	}()
	for {
		select {
		case data, ok := <-cl.send:
			if !ok {
				return
			}
			cl.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := cl.conn.WriteMessage(websocket.TextMessage, data); err != nil {
				cl.mu.Lock()
				cl.closeLocked(nil)
				cl.mu.Unlock()
				for range cl.send {
				}
				return
			}
		case <-ticker.C:
			if err := cl.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)); err != nil {
				cl.mu.Lock()
				cl.closeLocked(nil)
				cl.mu.Unlock()
			}
		}
	}
}
