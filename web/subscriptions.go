package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Subscriptions (数据追人): a saved question sent on a schedule to channels,
// as its owner — the owner's access rules apply at every send, and
// relative time (上周) is resolved at the send.

type subscriptionBody struct {
	Question string         `json:"question"`
	Schedule string         `json:"schedule"`
	Timezone string         `json:"timezone"`
	Channels []push.Channel `json:"channels"`
	Paused   *bool          `json:"paused"`
	// Insight adds the change and its drivers (数据解读) to every report.
	Insight *bool `json:"insight"`
}

// checkSubscription refuses at creation what would fail at 9 am: a bad
// cron, an unknown channel, a refused webhook address, a question that
// does not translate or asks what the owner may not see. A chat channel
// (the IM bot posting itself) is made by subscribing from the chat: it is
// accepted when listed in chats (the chat asked from, or the channels a
// subscription already had), or from an admin.
func (s *Server) checkSubscription(ctx context.Context, p *Principal, b *subscriptionBody, chats []push.Channel) error {
	bad := func(format string, args ...any) error {
		return &apiError{Code: "bad_request", Message: fmt.Sprintf(format, args...)}
	}
	b.Question = strings.TrimSpace(b.Question)
	if b.Question == "" {
		return bad("a subscription needs a question")
	}
	if b.Timezone == "" {
		b.Timezone = push.DefaultTimezone
	}
	if _, err := push.ParseSchedule(b.Schedule, b.Timezone); err != nil {
		return bad("%v", err)
	}
	if len(b.Channels) == 0 || len(b.Channels) > 10 {
		return bad("a subscription needs 1 to 10 channels")
	}
	for i, ch := range b.Channels {
		switch ch.Type {
		case push.ChannelFeishu, push.ChannelDingTalk, push.ChannelWeCom, push.ChannelSlack, push.ChannelWebhook:
			if err := s.pushGuard.CheckURL(ctx, ch.URL); err != nil {
				return bad("channels[%d]: %v", i, err)
			}
		case push.ChannelChat:
			if s.bots[ch.Platform] == nil {
				return bad("channels[%d]: no %s bot is configured on this server", i, ch.Platform)
			}
			if ch.To == "" {
				return bad("channels[%d]: a chat channel needs the chat (to)", i)
			}
			if !p.Admin && !slices.Contains(chats, push.Channel{Type: ch.Type, Platform: ch.Platform, To: ch.To}) {
				return bad("channels[%d]: chat channels are made by subscribing from the chat (@问数 每天早上9点发一下昨天的销售额)", i)
			}
		case push.ChannelEmail:
			if s.opts.SMTP == nil {
				return bad("channels[%d]: email needs an SMTP server (WENSHU_SMTP_ADDR, WENSHU_SMTP_FROM)", i)
			}
			if _, err := push.ParseRecipients(ch.To); err != nil {
				return bad("channels[%d]: %v", i, err)
			}
		default:
			return bad("channels[%d]: unknown type %q (want feishu, dingtalk, wecom, slack, email, webhook or chat)", i, ch.Type)
		}
	}
	scope, err := s.scope(ctx, p)
	if err != nil {
		return err
	}
	tr := s.eng().Rules.Translate(b.Question, nil, s.eng().AsOf)
	switch {
	case tr.Refusal != nil:
		return bad("the question cannot be answered: %s", tr.Refusal.Message)
	case tr.Query == nil:
		msg := "the question does not translate"
		if tr.Clarify != nil {
			msg += ": " + tr.Clarify.Text()
		}
		return bad("%s", msg)
	}
	if _, serr := scope.Check(s.eng().Model, tr.Query, tr.Lang); serr != nil {
		return serr
	}
	if tr.Query.List != "" {
		// An audience: the CRM group gets the list (its first rows and a link to all of it).
		_, err := semantic.CompileList(s.eng().Model, tr.Query, s.eng().CompileOptions(s.eng().AsOf, scope))
		return err
	}
	if _, err := semantic.Compile(s.eng().Model, tr.Query, s.eng().CompileOptions(s.eng().AsOf, scope)); err != nil {
		return err
	}
	return nil
}

func (s *Server) handleAddSubscription(c *gin.Context) {
	p := principal(c)
	var body subscriptionBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkSubscription(c.Request.Context(), p, &body, nil); err != nil {
		s.fail(c, err)
		return
	}
	sub := push.Subscription{ID: identity.NewID(8), Owner: p.UserID, OwnerName: p.Name, Question: body.Question,
		Schedule: body.Schedule, Timezone: body.Timezone, Channels: body.Channels, Created: s.now().UTC()}
	if body.Paused != nil {
		sub.Paused = *body.Paused
	}
	if body.Insight != nil {
		sub.Insight = *body.Insight
	}
	if err := s.store.PutSubscription(c.Request.Context(), sub); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, sub.Public())
}

// owned loads the subscription or alert of the path for its owner or an
// admin; anyone else gets not found, like a missing one.
func owned[T any](s *Server, c *gin.Context, kind string, load func(context.Context, string) (*T, error), owner func(*T) string) *T {
	p := principal(c)
	x, err := load(c.Request.Context(), c.Param("id"))
	if err == nil && owner(x) != p.UserID && !p.Admin {
		err = fmt.Errorf("%s %q: %w", kind, c.Param("id"), ErrNotFound)
	}
	if err != nil {
		s.fail(c, err)
		return nil
	}
	return x
}

func (s *Server) ownSubscription(c *gin.Context) *push.Subscription {
	return owned(s, c, "subscription", s.store.Subscription, func(x *push.Subscription) string { return x.Owner })
}

// ownerPrincipal is the principal a subscription or alert runs as.
func (s *Server) ownerPrincipal(ctx context.Context, sub push.Subscription) (*Principal, error) {
	if sub.Owner == "" { // made in open demo mode
		return &Principal{Name: sub.OwnerName, Role: semantic.RoleAdmin, Admin: true}, nil
	}
	return s.userPrincipal(ctx, sub.Owner)
}

func (s *Server) handleSubscriptions(c *gin.Context) {
	p := principal(c)
	all, err := s.store.Subscriptions(c.Request.Context())
	var out []push.Subscription
	for _, sub := range all {
		if sub.Owner == p.UserID || p.Admin {
			out = append(out, sub.Public())
		}
	}
	respondList(s, c, "subscriptions", out, err)
}

func (s *Server) handleSubscription(c *gin.Context) {
	if sub := s.ownSubscription(c); sub != nil {
		c.JSON(http.StatusOK, sub.Public())
	}
}

func (s *Server) handlePatchSubscription(c *gin.Context) {
	sub := s.ownSubscription(c)
	if sub == nil {
		return
	}
	body := subscriptionBody{Question: sub.Question, Schedule: sub.Schedule, Timezone: sub.Timezone, Channels: sub.Channels}
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	// Channels sent back with the "set" placeholder keep their secret.
	for i := range body.Channels {
		if body.Channels[i].Secret == "set" && i < len(sub.Channels) {
			body.Channels[i].Secret = sub.Channels[i].Secret
		}
	}
	if err := s.checkSubscription(c.Request.Context(), principal(c), &body, sub.Channels); err != nil {
		s.fail(c, err)
		return
	}
	sub.Question, sub.Schedule, sub.Timezone, sub.Channels = body.Question, body.Schedule, body.Timezone, body.Channels
	if body.Paused != nil {
		sub.Paused = *body.Paused
	}
	if body.Insight != nil {
		sub.Insight = *body.Insight
	}
	if err := s.store.PutSubscription(c.Request.Context(), *sub); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sub.Public())
}

func (s *Server) handleDeleteSubscription(c *gin.Context) {
	sub := s.ownSubscription(c)
	if sub == nil {
		return
	}
	if err := s.store.DeleteSubscription(c.Request.Context(), sub.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) handleRunSubscription(c *gin.Context) {
	sub := s.ownSubscription(c)
	if sub == nil {
		return
	}
	run := s.runSubscription(c.Request.Context(), *sub, s.now().UTC(), "manual")
	c.JSON(http.StatusOK, run)
}

func (s *Server) handleSubscriptionRuns(c *gin.Context) {
	sub := s.ownSubscription(c)
	if sub == nil {
		return
	}
	runs, err := s.store.Runs(c.Request.Context(), sub.ID, 100)
	respondList(s, c, "runs", runs, err)
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// runSubscription asks the question as the owner and sends the answer to
// every channel, recording the run before anything is sent and each
// delivery as it ends.
func (s *Server) runSubscription(ctx context.Context, sub push.Subscription, scheduled time.Time, trigger string) push.Run {
	id := fmt.Sprintf("%d-%s", scheduled.Unix(), identity.NewID(3))
	if trigger == "schedule" {
		id = ScheduledRunID(scheduled) // fills the record the claim wrote
	}
	run := push.Run{ID: id, Subscription: sub.ID, Scheduled: scheduled,
		Trigger: trigger, Started: s.now().UTC(), State: push.RunRunning}
	for i, ch := range sub.Channels {
		run.Deliveries = append(run.Deliveries, push.Delivery{Channel: i, Type: ch.Type, State: push.DeliveryPending})
	}
	save := func() {
		if err := s.store.PutRun(context.WithoutCancel(ctx), run); err != nil {
			s.log.Error("save push run", "subscription", sub.ID, "err", err)
		}
	}
	save()
	report, err := s.reportFor(ctx, sub)
	if err != nil {
		run.State, run.Error, run.Finished = push.RunFailed, toAPIError(err).Message, s.now().UTC()
		save()
		return run
	}
	run.Answer, run.Rows, run.Report = report.Narrative, len(report.Lines), &report
	s.deliver(ctx, sub, &run, save)
	return run
}

// deliver sends a run's pending deliveries, marking each "sending" in the
// store before its request and sent or failed after, then ends the run.
func (s *Server) deliver(ctx context.Context, sub push.Subscription, run *push.Run, save func()) {
	for i := range run.Deliveries {
		d := &run.Deliveries[i]
		if d.State != push.DeliveryPending || d.Channel >= len(sub.Channels) {
			continue
		}
		ch := sub.Channels[d.Channel]
		d.State = push.DeliverySending
		save()
		n, err := s.sender.Send(ctx, ch, *run.Report)
		d.Attempts, d.At = d.Attempts+n, s.now().UTC()
		if err != nil {
			d.State, d.Error = push.DeliveryFailed, err.Error()
			s.log.Warn("push delivery failed", "subscription", sub.ID, "channel", ch.Type, "attempts", n, "err", err)
		} else {
			d.State = push.DeliverySent
		}
		save()
	}
	run.State, run.Finished = push.RunDone, s.now().UTC()
	for _, d := range run.Deliveries {
		if d.State != push.DeliverySent {
			run.State = push.RunFailed
		}
	}
	save()
}

// ResumeRuns finishes the runs a stopped process left running: their
// pending deliveries are sent with the report they recorded; a delivery
// caught mid-request may have arrived, so it is marked failed rather than
// sent twice.
func (s *Server) ResumeRuns(ctx context.Context) error {
	subs, err := s.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		runs, err := s.store.Runs(ctx, sub.ID, 100)
		if err != nil {
			return err
		}
		for _, run := range runs {
			if run.State != push.RunRunning {
				continue
			}
			if run.Report == nil {
				if run.Trigger != "schedule" {
					// A send-now that stopped before sending: the asker may retry.
					run.State, run.Error, run.Finished = push.RunFailed, "interrupted before anything was sent", s.now().UTC()
					if err := s.store.PutRun(ctx, run); err != nil {
						return err
					}
					continue
				}
				// Claimed, then stopped before anything was asked or sent:
				// the whole run happens now (same id, so once).
				s.log.Info("running a claimed push run that never started", "subscription", sub.ID, "run", run.ID)
				s.runSubscription(ctx, sub, run.Scheduled, run.Trigger)
				continue
			}
			for i := range run.Deliveries {
				if d := &run.Deliveries[i]; d.State == push.DeliverySending {
					d.State, d.Error = push.DeliveryFailed, "interrupted while sending; not sent again in case it arrived"
				}
			}
			s.log.Info("resuming an interrupted push run", "subscription", sub.ID, "run", run.ID)
			r := run
			s.deliver(ctx, sub, &r, func() {
				if err := s.store.PutRun(context.WithoutCancel(ctx), r); err != nil {
					s.log.Error("save push run", "subscription", sub.ID, "err", err)
				}
			})
		}
	}
	return nil
}

// fireDate is the day relative time (上周) is resolved against when a
// subscription fires: today in its time zone, unless the model pins its
// as_of (the demo's 2025-12-31).
func (s *Server) fireDate(tz string) semantic.Date {
	if !s.eng().Model.AsOf.IsZero() {
		return s.eng().AsOf
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	y, m, d := s.now().In(loc).Date()
	return semantic.D(y, m, d)
}

// reportFor answers a subscription's question as its owner, now.
func (s *Server) reportFor(ctx context.Context, sub push.Subscription) (push.Report, error) {
	p, err := s.ownerPrincipal(ctx, sub)
	if err != nil {
		return push.Report{}, err
	}
	scope, err := s.scope(ctx, p)
	if err != nil {
		return push.Report{}, err
	}
	ans, err := s.eng().Ask(ctx, nlq.AskRequest{Question: sub.Question, Owner: p.UserID, Scope: scope, Via: "push",
		AsOf: s.fireDate(sub.Timezone)}, nil)
	if err != nil {
		return push.Report{}, err
	}
	if ans.Clarification != nil || ans.Refusal != nil {
		return push.Report{}, errors.New(ans.Answer)
	}
	r := s.reportOf(ctx, ans, sub.Question, s.fireDate(sub.Timezone), scope)
	if ans.List != nil {
		s.linkList(ctx, &r, ans, sub.Owner, sub.OwnerName, s.fireDate(sub.Timezone))
		return r, nil
	}
	if sub.Insight {
		r.Narrative += s.explain(ctx, ans.Query, s.fireDate(sub.Timezone), scope, ans.Lang)
	}
	return r, nil
}

// explain is the change of a query's number and its drivers in words (数据
// 解读), or "" when the number cannot be explained (no period, a split).
func (s *Server) explain(ctx context.Context, q *semantic.Query, asOf semantic.Date, scope *nlq.Scope, lang string) string {
	if q == nil || len(q.Dimensions) > 0 || q.Time == nil || q.Time.Grain != "" {
		return ""
	}
	ins, err := s.eng().Insight(ctx, q, nil, asOf, scope, lang)
	if err != nil {
		s.log.Warn("insight for a report", "err", err)
		return ""
	}
	return ins.Text(s.eng().Model, lang)
}

// reportOf is an answer as a report: its reading, the key numbers with
// their change on the previous period, the narrative and notes, a chart
// and a link back to the page (what push and the IM bots send).
func (s *Server) reportOf(ctx context.Context, ans *nlq.Answer, question string, asOf semantic.Date, scope *nlq.Scope) push.Report {
	r := push.Report{Title: question, Narrative: ans.Answer}
	if len(ans.Notes) > 0 {
		r.Narrative += "\n" + strings.Join(ans.Notes, "\n")
	}
	if ans.Reading != nil {
		r.Reading = ans.Reading.Text
	}
	cols, rows := ans.Columns, ans.Rows
	if q := ans.Query; q != nil && q.List == "" && q.Compare == "" && q.Time != nil && q.Time.Range != nil && q.Time.Grain == "" {
		// The key numbers come with their change on the previous period.
		pq := q.Clone()
		pq.Compare = semantic.ComparePoP
		if plan, err := semantic.Compile(s.eng().Model, pq, s.eng().CompileOptions(asOf, scope)); err == nil {
			if res, err := s.eng().Runner.Run(ctx, plan); err == nil {
				semantic.Localize(res.Columns, ans.Lang)
				cols, rows = res.Columns, res.Rows
			}
		}
	}
	changeWord, changeEn := "环比", "on the previous period"
	if q := ans.Query; q != nil && q.Compare == semantic.CompareYoY {
		changeWord, changeEn = "同比", "on a year earlier"
	}
	for i, row := range rows {
		if i == 10 {
			r.Lines = append(r.Lines, fmt.Sprintf("… %d more", len(rows)-10))
			break
		}
		var parts []string
		for j, c := range cols {
			switch c.Role {
			case semantic.RoleTime:
				parts = append(parts, nlq.BucketLabel(c.Name, row[j], ans.Lang))
			case semantic.RoleDimension:
				switch d := s.eng().Model.Dimension(c.Name); {
				case d == nil:
				case ans.List != nil && c.Unit != "":
					// A member's number (sales in 365 days): labelled, formatted.
					parts = append(parts, c.Label+" "+nlq.FormatCompact(row[j], nlq.UnitOf(c), ans.Lang))
				case ans.List != nil && d.Type == semantic.DimNumber:
					parts = append(parts, c.Label+" "+fmt.Sprint(row[j]))
				default:
					parts = append(parts, d.ValueLabel(row[j], ans.Lang))
				}
			case semantic.RoleMetric, semantic.RoleShare:
				parts = append(parts, c.Label+" "+nlq.FormatCompact(row[j], nlq.UnitOf(c), ans.Lang))
			case semantic.RoleChange:
				if f, ok := row[j].(float64); ok {
					sign := "+"
					if f < 0 {
						sign = ""
					}
					parts[len(parts)-1] += msg(ans.Lang, "（"+changeWord+" ", " (") + sign + nlq.FormatCompact(f, semantic.UnitPercent, ans.Lang) + msg(ans.Lang, "）", " "+changeEn+")")
				}
			}
		}
		r.Lines = append(r.Lines, strings.Join(parts, " · "))
	}
	if len(s.opts.PublicOrigins) > 0 {
		r.Link = s.opts.PublicOrigins[0] + "/?q=" + url.QueryEscape(question)
	}
	r.Chart = s.chartFor(question, ans)
	if len(r.Chart) > 0 && len(s.opts.PublicOrigins) > 0 {
		// Platforms that show images by URL fetch it from here.
		token := identity.NewID(16)
		if err := s.store.PutChart(ctx, token, r.Chart); err == nil {
			r.ChartURL = s.opts.PublicOrigins[0] + "/charts/" + token + ".png"
		}
	}
	return r
}

// handleChart serves a pushed report's chart: the token is the credential
// (IM platforms fetch it without signing in).
func (s *Server) handleChart(c *gin.Context) {
	token := strings.TrimSuffix(c.Param("file"), ".png")
	png, err := s.store.Chart(c.Request.Context(), token)
	if err != nil || len(token) != 32 {
		writeError(c, &apiError{Code: "not_found", Message: "no such chart"})
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "image/png", png)
}

// chartFor draws the answer's first metric by its first category or time
// column (at most 12 groups), or nil for a single number or a failure.
func (s *Server) chartFor(title string, ans *nlq.Answer) []byte {
	if ans.Chart == nil || (ans.Chart.Type != "bar" && ans.Chart.Type != "line" && ans.Chart.Type != "grouped_bar") {
		return nil
	}
	xi, yi := -1, -1
	for i, c := range ans.Columns {
		if xi < 0 && (c.Role == semantic.RoleDimension || c.Role == semantic.RoleTime) {
			xi = i
		}
		if yi < 0 && c.Role == semantic.RoleMetric {
			yi = i
		}
	}
	if xi < 0 || yi < 0 {
		return nil
	}
	var labels []string
	var values []float64
	for _, row := range ans.Rows[:min(len(ans.Rows), 12)] {
		c := ans.Columns[xi]
		label := nlq.BucketLabel(c.Name, row[xi], ans.Lang)
		if c.Role == semantic.RoleDimension {
			if d := s.eng().Model.Dimension(c.Name); d != nil {
				label = d.ValueLabel(row[xi], ans.Lang)
			}
		}
		v, _ := row[yi].(float64)
		labels, values = append(labels, label), append(values, v)
	}
	png, err := push.ChartPNG(title, labels, values, ans.Chart.Type == "line", s.opts.ChartFont)
	if err != nil {
		s.log.Warn("chart image for a push report", "err", err)
		return nil
	}
	return png
}

// TickSchedules runs, once each, the subscriptions due at now (claimed in
// the store, so a tick runs once across restarts). The server calls it
// every StartScheduler interval; tests call it with a fake time.
func (s *Server) TickSchedules(ctx context.Context, now time.Time) error {
	subs, err := s.store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	byID := map[string]push.Subscription{}
	var jobs []push.Job
	for _, sub := range subs {
		sched, err := push.ParseSchedule(sub.Schedule, sub.Timezone)
		if err != nil || sub.Paused {
			continue
		}
		since := sub.Created
		if sub.LastTick.After(since) {
			since = sub.LastTick
		}
		byID[sub.ID] = sub
		jobs = append(jobs, push.Job{ID: sub.ID, Schedule: sched, Since: since})
	}
	alerts, aerr := s.store.Alerts(ctx)
	byAlert := map[string]push.Alert{}
	for _, a := range alerts {
		sched, err := push.ParseSchedule(a.Schedule, a.Timezone)
		if err != nil || a.Paused {
			continue
		}
		since := a.Created
		if a.LastTick.After(since) {
			since = a.LastTick
		}
		byAlert["alert:"+a.ID] = a
		jobs = append(jobs, push.Job{ID: "alert:" + a.ID, Schedule: sched, Since: since})
	}
	due, err := push.Due(ctx, s.store, jobs, now)
	// Due runs go out in parallel, a few at a time: a thousand reports due
	// at 9:00 should not wait for each other, nor take every engine slot.
	sem := make(chan struct{}, pushWorkers)
	var wg sync.WaitGroup
	for _, d := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func(d push.DueRun) {
			defer func() { <-sem; wg.Done() }()
			if a, ok := byAlert[d.Job]; ok {
				a.LastTick = d.Scheduled
				if _, err := s.evaluateAlert(ctx, &a, s.fireDate(a.Timezone)); err != nil {
					s.log.Warn("alert evaluation failed", "alert", a.ID, "err", err)
					if err := s.store.PutAlert(ctx, a); err != nil {
						s.log.Error("save alert tick", "alert", a.ID, "err", err)
					}
				}
				return
			}
			sub := byID[d.Job]
			sub.LastTick = d.Scheduled
			if err := s.store.PutSubscription(ctx, sub); err != nil {
				s.log.Error("save subscription tick", "subscription", sub.ID, "err", err)
			}
			s.runSubscription(ctx, sub, d.Scheduled, "schedule")
		}(d)
	}
	wg.Wait()
	return errors.Join(err, aerr)
}

// pushWorkers is how many due runs are sent at once.
const pushWorkers = 8

// StartScheduler resumes interrupted runs, then ticks the schedules every
// interval until ctx ends.
func (s *Server) StartScheduler(ctx context.Context, interval time.Duration) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.ResumeRuns(ctx); err != nil {
			s.log.Error("resume push runs", "err", err)
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.TickSchedules(ctx, s.now()); err != nil {
					s.log.Error("push schedule tick", "err", err)
				}
			}
		}
	}()
}

// RunNow sends a subscription now (or evaluates an alert now), as its
// owner: what `wenshu push run ID` does while the server is stopped.
func (s *Server) RunNow(ctx context.Context, id string) (any, error) {
	if sub, err := s.store.Subscription(ctx, id); err == nil {
		return s.runSubscription(ctx, *sub, s.now().UTC(), "manual"), nil
	}
	a, err := s.store.Alert(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("no subscription or alert %q", id)
	}
	return s.evaluateAlert(ctx, a, s.eng().AsOf)
}

func msg(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// linkList points a pushed list's report at the whole list: download
// links (Excel as the button, CSV in the text) valid for ListLinkTTL.
func (s *Server) linkList(ctx context.Context, r *push.Report, ans *nlq.Answer, owner, ownerName string, asOf semantic.Date) {
	if len(s.opts.PublicOrigins) == 0 || ans.Query == nil {
		return
	}
	path := s.listLink(ctx, ans.Query, owner, ownerName, asOf, ans.Lang)
	if path == "" {
		return
	}
	base := s.opts.PublicOrigins[0] + path
	days := int(ListLinkTTL / (24 * time.Hour))
	r.Link = base + ".xlsx"
	r.LinkText = msg(ans.Lang, fmt.Sprintf("下载完整名单（Excel，%d天内有效）", days), fmt.Sprintf("Download the whole list (Excel, valid %d days)", days))
	r.Narrative += msg(ans.Lang, "\nCSV：", "\nCSV: ") + base + ".csv"
}
