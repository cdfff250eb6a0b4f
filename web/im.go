package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/push"
)

// Wenshu as a bot in IM groups: each configured platform's events come to
// /im/<platform>/events, are verified by its adapter and answered through
// the same ask pipeline and access rules as the page, as the Wenshu user
// the sender is mapped to.

// imPlatforms are the platforms with an inbound endpoint.
var imPlatforms = []string{push.ChannelFeishu, push.ChannelDingTalk, push.ChannelWeCom, push.ChannelSlack}

// emailer is an adapter that can tell a sender's email.
type emailer interface {
	Email(ctx context.Context, user string) (string, error)
}

// imState is what the bots remember between messages in memory: senders'
// emails (a cache). A clarification's options are kept in the store.
type imState struct {
	mu     sync.Mutex
	emails map[string]cachedEmail
}

type cachedEmail struct {
	email string
	at    time.Time
}

// mountIM registers the IM endpoints: configured platforms answer, the
// others say 404.
func (s *Server) mountIM(r *gin.Engine) {
	for _, name := range imPlatforms {
		path := "/im/" + name + "/events"
		a := s.bots[name]
		if a == nil {
			off := func(c *gin.Context) {
				writeError(c, &apiError{Code: "not_found", Message: "the " + name + " bot is not configured on this server"})
			}
			r.POST(path, off)
			r.GET(path, off)
			continue
		}
		h := &im.Handler{Adapter: a, Seen: s.store, Log: s.log, Now: s.now, PerMinute: s.opts.IMPerMinute, Burst: s.opts.IMBurst,
			Answer: func(ctx context.Context, ev im.Event) { s.answerIM(ctx, a, ev) },
			Busy: func(ctx context.Context, ev im.Event) {
				s.replyIM(ctx, a, ev, im.Message{Text: "问得有点快了，请稍等一分钟再问。"})
			},
			Go: func(f func(context.Context)) {
				s.wg.Add(1)
				go func() { defer s.wg.Done(); f(s.ctx) }()
			}}
		r.POST(path, gin.WrapH(h))
		if name == push.ChannelWeCom {
			r.GET(path, gin.WrapH(h)) // the URL verification
		}
	}
}

// replyIM sends a reply, logging a failure (there is no one else to tell).
func (s *Server) replyIM(ctx context.Context, a im.Adapter, ev im.Event, m im.Message) {
	if err := a.Reply(ctx, ev, m); err != nil {
		s.log.Warn("im reply failed", "platform", ev.Platform, "chat", ev.Chat, "err", err)
	}
}

// imConversation is the conversation of a chat thread: one per thread (and
// per asker, since conversations are their owner's alone).
func imConversation(ev im.Event) string {
	h := sha256.Sum256([]byte(ev.Platform + "\x00" + ev.Chat + "\x00" + ev.Thread))
	return "im-" + hex.EncodeToString(h[:12])
}

// imPrincipal maps a sender to a Wenshu user: by the platform's user id,
// else by email when the platform tells it; unknown senders get the
// operator's default role, or nothing and a short explanation.
func (s *Server) imPrincipal(ctx context.Context, a im.Adapter, ev im.Event) (*Principal, string, error) {
	users, err := s.store.Users(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, u := range users {
		if id := u.IM[ev.Platform]; id != "" && id == ev.User {
			p, err := s.userPrincipal(ctx, u.ID)
			return p, "", err
		}
	}
	if e, ok := a.(emailer); ok {
		if email := s.imEmail(ctx, e, ev); email != "" {
			for _, u := range users {
				if u.Email != "" && strings.EqualFold(u.Email, email) {
					p, err := s.userPrincipal(ctx, u.ID)
					return p, "", err
				}
			}
		}
	}
	if role := s.opts.IMDefaultRole; role != "" {
		p := &Principal{UserID: "im:" + ev.Platform + ":" + ev.User, Name: ev.Platform + ":" + ev.User, Role: role}
		p.Access, p.AccessErr = s.eng().Model.Access(role, nil)
		p.Admin = p.Access != nil && p.Access.IsAdmin()
		return p, "", nil
	}
	return nil, fmt.Sprintf("你还没有开通问数，暂时不能查看数据。请把这条消息转给管理员，由管理员为你开通：\n"+
		"wenshu user add --name 你的名字 --role 角色 --im %s=%s", ev.Platform, ev.User), nil
}

// imEmail is the sender's email from the platform, cached for an hour
// (failures too: the app may lack the permission).
func (s *Server) imEmail(ctx context.Context, e emailer, ev im.Event) string {
	key := ev.Platform + ":" + ev.User
	s.imState.mu.Lock()
	c, ok := s.imState.emails[key]
	s.imState.mu.Unlock()
	if ok && s.now().Sub(c.at) < time.Hour {
		return c.email
	}
	email, err := e.Email(ctx, ev.User)
	if err != nil {
		s.log.Info("im sender email not available", "platform", ev.Platform, "err", err)
	}
	s.imState.mu.Lock()
	if s.imState.emails == nil || len(s.imState.emails) > 10000 {
		s.imState.emails = map[string]cachedEmail{}
	}
	s.imState.emails[key] = cachedEmail{email, s.now()}
	s.imState.mu.Unlock()
	return email
}

var (
	optionRE      = regexp.MustCompile(`^\s*(?:选|第)?\s*(\d{1,2})\s*(?:个|项)?\s*$`)
	listSubsRE    = regexp.MustCompile(`(?i)^\s*(?:我的订阅|订阅列表|查看订阅|list subscriptions|my subscriptions)\s*$`)
	unsubscribeRE = regexp.MustCompile(`(?i)^\s*(?:取消订阅|退订|unsubscribe)\s*([0-9a-f]{16})\s*$`)
	helpRE        = regexp.MustCompile(`(?i)^\s*(?:帮助|help|\?|？|你能做什么)\s*$`)
)

const imHelp = "直接问我数据问题，例如：上周华南各门店的客单价、那同比呢。\n" +
	"订阅：每天早上9点发一下昨天的销售额；查看：我的订阅；退订：取消订阅 编号。"

// answerIM answers one message: who is asking, what they asked (a number
// picks an option of the last clarification), then the answer as a card.
func (s *Server) answerIM(ctx context.Context, a im.Adapter, ev im.Event) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.AskTimeout)
	defer cancel()
	reply := func(m im.Message) { s.replyIM(ctx, a, ev, m) }
	text := strings.TrimSpace(ev.Text)
	switch {
	case text == "":
		reply(im.Message{Text: "请用文字提问。" + imHelp})
		return
	case helpRE.MatchString(text):
		reply(im.Message{Text: imHelp})
		return
	case len([]rune(text)) > MaxQuestionRunes:
		reply(im.Message{Text: fmt.Sprintf("问题太长了（最多 %d 字），请简短一些。", MaxQuestionRunes)})
		return
	}
	p, why, err := s.imPrincipal(ctx, a, ev)
	if err != nil {
		s.log.Error("im sender lookup", "platform", ev.Platform, "err", err)
		reply(im.Message{Text: "出了点问题，请稍后再试。"})
		return
	}
	if p == nil {
		s.log.Info("im sender without access", "platform", ev.Platform, "user", ev.User)
		reply(im.Message{Text: why})
		return
	}
	conv := imConversation(ev)
	pendingKey := p.UserID + "\x00" + conv
	if m := optionRE.FindStringSubmatch(text); m != nil {
		if q := s.takeOption(ctx, pendingKey, m[1]); q != "" {
			text = q
		}
	}
	switch {
	case listSubsRE.MatchString(text):
		reply(im.Message{Text: s.listSubscriptionsIM(ctx, p)})
		return
	case unsubscribeRE.MatchString(text):
		reply(im.Message{Text: s.unsubscribeIM(ctx, p, unsubscribeRE.FindStringSubmatch(text)[1])})
		return
	}
	ans, err := s.ask(ctx, p, ev.Platform, nlq.AskRequest{Question: text, ConversationID: conv}, nil)
	if err != nil {
		reply(im.Message{Text: imError(err)})
		if toAPIError(err).Code == "internal" {
			s.log.Error("im ask failed", "platform", ev.Platform, "err", err)
		}
		return
	}
	switch {
	case ans.Proposal != nil:
		reply(im.Message{Text: s.subscribeIM(ctx, a, ev, p, ans.Proposal)})
	case ans.Clarification != nil:
		opts := ans.Clarification.Options
		if len(opts) > 0 {
			if err := s.store.PutPending(ctx, pendingKey, opts, s.now()); err != nil {
				s.log.Warn("im: clarification options not kept", "err", err)
			}
		}
		m := im.Message{Text: ans.Clarification.Message}
		for _, o := range opts {
			m.Options = append(m.Options, o.Label)
		}
		if len(opts) > 0 {
			m.Text += "（回复序号即可）"
		}
		reply(m)
	case ans.Refusal != nil:
		reply(im.Message{Text: ans.Answer})
	default:
		scope, err := s.scope(ctx, p)
		if err != nil {
			reply(im.Message{Text: imError(err)})
			return
		}
		r := s.reportOf(ctx, ans, text, s.fireDate(push.DefaultTimezone), scope)
		if ans.List != nil {
			// 导出沉睡会员名单 in a group: the first rows and a link to the whole list.
			s.linkList(ctx, &r, ans, p.UserID, p.Name, s.fireDate(push.DefaultTimezone))
		}
		reply(im.Message{Report: &r})
	}
}

// takeOption returns the question of option n of the conversation's last
// clarification, or "" (the number is then asked as it is).
// The options live in the store: a restart, or the next message reaching
// another replica, still answers "2".
func (s *Server) takeOption(ctx context.Context, key, n string) string {
	i, _ := strconv.Atoi(n)
	o, ok, err := s.store.TakePending(ctx, key, i, s.now())
	if err != nil || !ok {
		return ""
	}
	return o.Question
}

// imError is an error as a short message for the chat: what the asker can
// act on, never internals.
func imError(err error) string {
	ae := toAPIError(err)
	switch ae.Code {
	case "internal":
		return "出了点问题，没能回答。请稍后再试，或在问数页面上提问。"
	case "timeout":
		return "这个问题算得太久，已经停止了。请缩小时间范围或少拆分一些再问。"
	case "canceled":
		return "服务正在重启，请稍后再问一次。"
	}
	return ae.Message
}

// subscribeIM makes a subscription from the chat: the proposal read from
// the words, this chat as the channel, the asker as the owner.
func (s *Server) subscribeIM(ctx context.Context, a im.Adapter, ev im.Event, p *Principal, prop *nlq.Proposal) string {
	if strings.HasPrefix(p.UserID, "im:") || p.UserID == "" {
		return "订阅需要问数账号（订阅按你的权限发送）。请管理员用 wenshu user add … --im " + ev.Platform + "=" + ev.User + " 为你开通。"
	}
	to, err := a.ChatTarget(ev)
	if err != nil {
		return err.Error()
	}
	ch := push.Channel{Type: push.ChannelChat, Platform: ev.Platform, To: to}
	body := subscriptionBody{Question: prop.Question, Schedule: prop.Schedule, Timezone: push.DefaultTimezone, Channels: []push.Channel{ch}}
	if err := s.checkSubscription(ctx, p, &body, body.Channels); err != nil {
		return "没能订阅：" + imError(err)
	}
	sub := push.Subscription{ID: identity.NewID(8), Owner: p.UserID, OwnerName: p.Name, Question: body.Question,
		Schedule: body.Schedule, Timezone: body.Timezone, Channels: body.Channels, Created: s.now().UTC()}
	if err := s.store.PutSubscription(ctx, sub); err != nil {
		s.log.Error("save subscription from chat", "err", err)
		return "没能保存订阅，请稍后再试。"
	}
	where := "这个群"
	if ev.Direct {
		where = "这里"
	}
	return fmt.Sprintf("好的，已订阅：%s把「%s」发到%s（%s）。\n订阅编号 %s；回复「取消订阅 %s」可以退订。",
		prop.Text, sub.Question, where, sub.Timezone, sub.ID, sub.ID)
}

// listSubscriptionsIM lists the asker's subscriptions.
func (s *Server) listSubscriptionsIM(ctx context.Context, p *Principal) string {
	all, err := s.store.Subscriptions(ctx)
	if err != nil {
		return imError(err)
	}
	var b strings.Builder
	for _, sub := range all {
		if sub.Owner != p.UserID || p.UserID == "" {
			continue
		}
		state := ""
		if sub.Paused {
			state = "（已暂停）"
		}
		fmt.Fprintf(&b, "\n%s  %s  「%s」%s", sub.ID, sub.Schedule, sub.Question, state)
	}
	if b.Len() == 0 {
		return "你还没有订阅。说「每天早上9点发一下昨天的销售额」就能订阅。"
	}
	return "你的订阅：" + b.String()
}

// unsubscribeIM deletes one of the asker's subscriptions.
func (s *Server) unsubscribeIM(ctx context.Context, p *Principal, id string) string {
	sub, err := s.store.Subscription(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && sub.Owner != p.UserID && !p.Admin {
		return "没有编号为 " + id + " 的订阅。"
	}
	if err != nil {
		return imError(err)
	}
	if err := s.store.DeleteSubscription(ctx, id); err != nil {
		return imError(err)
	}
	return "已退订「" + sub.Question + "」。"
}
