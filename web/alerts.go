package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/push"
	"github.com/wenshu-bi/wenshu/semantic"
)

// Alerts watch one number on a schedule: a threshold or a relative change
// against the previous period, N breaches in a row to fire, a repeat while
// firing, a recovery notice, quiet hours and a no-data policy.

type alertBody struct {
	subscriptionBody
	Condition  push.Condition `json:"condition"`
	For        int            `json:"for"`
	Repeat     string         `json:"repeat"`
	QuietHours string         `json:"quiet_hours"`
	NoData     string         `json:"no_data"`
}

func (s *Server) checkAlert(ctx context.Context, p *Principal, b *alertBody, chats []push.Channel) error {
	bad := func(format string, args ...any) error {
		return &apiError{Code: "bad_request", Message: fmt.Sprintf(format, args...)}
	}
	if err := b.Condition.Check(); err != nil {
		return bad("condition: %v", err)
	}
	if b.For < 0 || b.For > 100 {
		return bad("for must be between 1 and 100 consecutive breaches")
	}
	if b.Repeat != "" {
		if d, err := time.ParseDuration(b.Repeat); err != nil || d < time.Minute {
			return bad("repeat must be a duration of at least 1m, such as 24h")
		}
	}
	if !push.ValidQuietHours(b.QuietHours) {
		return bad("quiet_hours must read HH:MM-HH:MM, such as 22:00-08:00")
	}
	switch b.NoData {
	case "", "keep", "ok", "alert":
	default:
		return bad("no_data must be keep, ok or alert")
	}
	if err := s.checkSubscription(ctx, p, &b.subscriptionBody, chats); err != nil {
		return err
	}
	tr := s.eng().Rules.Translate(b.Question, nil, s.eng().AsOf)
	if len(tr.Query.Dimensions) > 0 || tr.Query.Time != nil && tr.Query.Time.Grain != "" {
		return bad("an alert watches one number: ask for a total, not a split or a trend")
	}
	return nil
}

func (s *Server) handleAddAlert(c *gin.Context) {
	p := principal(c)
	var body alertBody
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkAlert(c.Request.Context(), p, &body, nil); err != nil {
		s.fail(c, err)
		return
	}
	a := push.Alert{Subscription: push.Subscription{ID: identity.NewID(8), Owner: p.UserID, OwnerName: p.Name, Question: body.Question,
		Schedule: body.Schedule, Timezone: body.Timezone, Channels: body.Channels, Created: s.now().UTC()},
		Condition: body.Condition, For: max(body.For, 1), Repeat: body.Repeat, QuietHours: body.QuietHours, NoData: body.NoData, State: push.StateOK}
	if a.NoData == "" {
		a.NoData = "keep"
	}
	if err := s.store.PutAlert(c.Request.Context(), a); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, publicAlert(a))
}

func publicAlert(a push.Alert) push.Alert {
	a.Subscription = a.Subscription.Public()
	return a
}

func (s *Server) ownAlert(c *gin.Context) *push.Alert {
	return owned(s, c, "alert", s.store.Alert, func(x *push.Alert) string { return x.Owner })
}

func (s *Server) handleAlerts(c *gin.Context) {
	p := principal(c)
	all, err := s.store.Alerts(c.Request.Context())
	var out []push.Alert
	for _, a := range all {
		if a.Owner == p.UserID || p.Admin {
			out = append(out, publicAlert(a))
		}
	}
	respondList(s, c, "alerts", out, err)
}

func (s *Server) handleAlert(c *gin.Context) {
	if a := s.ownAlert(c); a != nil {
		c.JSON(http.StatusOK, publicAlert(*a))
	}
}

func (s *Server) handlePatchAlert(c *gin.Context) {
	a := s.ownAlert(c)
	if a == nil {
		return
	}
	body := alertBody{subscriptionBody: subscriptionBody{Question: a.Question, Schedule: a.Schedule, Timezone: a.Timezone, Channels: a.Channels},
		Condition: a.Condition, For: a.For, Repeat: a.Repeat, QuietHours: a.QuietHours, NoData: a.NoData}
	if err := s.decode(c, &body); err != nil {
		s.fail(c, err)
		return
	}
	for i := range body.Channels {
		if body.Channels[i].Secret == "set" && i < len(a.Channels) {
			body.Channels[i].Secret = a.Channels[i].Secret
		}
	}
	if err := s.checkAlert(c.Request.Context(), principal(c), &body, a.Channels); err != nil {
		s.fail(c, err)
		return
	}
	changed := body.Question != a.Question || body.Condition != a.Condition
	a.Question, a.Schedule, a.Timezone, a.Channels = body.Question, body.Schedule, body.Timezone, body.Channels
	a.Condition, a.For, a.Repeat, a.QuietHours, a.NoData = body.Condition, max(body.For, 1), body.Repeat, body.QuietHours, body.NoData
	if body.Paused != nil {
		a.Paused = *body.Paused
	}
	if changed {
		// A new question or condition starts from ok.
		a.State, a.Breaches, a.LastValue = push.StateOK, 0, nil
	}
	if err := s.store.PutAlert(c.Request.Context(), *a); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, publicAlert(*a))
}

func (s *Server) handleDeleteAlert(c *gin.Context) {
	a := s.ownAlert(c)
	if a == nil {
		return
	}
	if err := s.store.DeleteAlert(c.Request.Context(), a.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) handleAlertRuns(c *gin.Context) {
	a := s.ownAlert(c)
	if a == nil {
		return
	}
	runs, err := s.store.Runs(c.Request.Context(), a.ID, 100)
	respondList(s, c, "runs", runs, err)
}

func (s *Server) handleEvaluateAlert(c *gin.Context) {
	a := s.ownAlert(c)
	if a == nil {
		return
	}
	var body struct {
		AsOf string `json:"as_of"`
	}
	if c.Request.ContentLength != 0 {
		if err := s.decode(c, &body); err != nil {
			s.fail(c, err)
			return
		}
	}
	asOf := s.eng().AsOf
	if body.AsOf != "" {
		d, err := semantic.ParseDate(body.AsOf)
		if err != nil {
			s.fail(c, &apiError{Code: "bad_request", Message: "as_of: " + err.Error()})
			return
		}
		asOf = d
	}
	out, err := s.evaluateAlert(c.Request.Context(), a, asOf)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// evaluateAlert reads the alert's number as its owner as of asOf, steps its
// state, sends the notice (if any) and saves it.
func (s *Server) evaluateAlert(ctx context.Context, a *push.Alert, asOf semantic.Date) (gin.H, error) {
	value, err := s.alertValue(ctx, a, asOf, 0)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := gin.H{}
	var notice push.Notice
	if a.Condition.Op == push.OpBand {
		// The baseline: the same number for each of the periods before.
		periods, _ := a.Condition.Band()
		var baseline []float64
		for i := 1; i <= periods; i++ {
			v, err := s.alertValue(ctx, a, asOf, i)
			if err != nil {
				return nil, err
			}
			if v != nil {
				baseline = append(baseline, *v)
			}
		}
		outside := false
		if value != nil {
			var lo, hi float64
			outside, lo, hi = a.Condition.OutsideBand(*value, baseline)
			out["band"] = []float64{lo, hi}
		}
		notice = a.StepBreach(value, outside, now)
	} else {
		notice = a.Step(value, now)
	}
	out["state"], out["value"], out["breaches"], out["notice"], out["condition"], out["as_of"] =
		a.State, value, a.Breaches, notice, a.Condition, asOf.String()
	if notice != push.NoticeNone {
		r := s.alertReport(a, value, notice)
		if notice == push.NoticeFiring {
			// A firing alert says what drove its number.
			if p, err := s.ownerPrincipal(ctx, a.Subscription); err == nil {
				if scope, err := s.scope(ctx, p); err == nil {
					if tr := s.eng().Rules.Translate(a.Question, nil, asOf); tr.Query != nil {
						r.Narrative += s.explain(ctx, tr.Query, asOf, scope, tr.Lang)
					}
				}
			}
		}
		run := push.Run{ID: fmt.Sprintf("%d-%s", now.Unix(), identity.NewID(3)), Subscription: a.ID, Scheduled: now.UTC(),
			Trigger: "alert:" + string(notice), Started: now.UTC(), State: push.RunDone, Answer: r.Narrative}
		for i, ch := range a.Channels {
			n, err := s.sender.Send(ctx, ch, r)
			d := push.Delivery{Channel: i, Type: ch.Type, State: push.DeliverySent, Attempts: n, At: s.now().UTC()}
			if err != nil {
				d.State, d.Error, run.State = push.DeliveryFailed, err.Error(), push.RunFailed
			}
			run.Deliveries = append(run.Deliveries, d)
		}
		run.Finished = s.now().UTC()
		if err := s.store.PutRun(ctx, run); err != nil {
			return nil, err
		}
		out["deliveries"] = run.Deliveries
	}
	if err := s.store.PutAlert(ctx, *a); err != nil {
		return nil, err
	}
	return out, nil
}

// alertValue is the number an alert watches (or its relative change), as
// the owner sees it, for the period asked or (back > 0) that many periods
// before it; nil when there is no data.
func (s *Server) alertValue(ctx context.Context, a *push.Alert, asOf semantic.Date, back int) (*float64, error) {
	p, err := s.ownerPrincipal(ctx, a.Subscription)
	if err != nil {
		return nil, err
	}
	scope, err := s.scope(ctx, p)
	if err != nil {
		return nil, err
	}
	tr := s.eng().Rules.Translate(a.Question, nil, asOf)
	if tr.Query == nil {
		return nil, &apiError{Code: "bad_request", Message: "the alert's question no longer translates"}
	}
	q := tr.Query
	if a.Condition.NeedsChange() && q.Compare == "" {
		q.Compare = semantic.ComparePoP
	}
	for i := 0; i < back && q.Time != nil && q.Time.Range != nil; i++ {
		prev, _ := semantic.PreviousRange(*q.Time.Range, semantic.ComparePoP, "")
		q.Time.Range = &prev
	}
	if _, serr := scope.Check(s.eng().Model, q, tr.Lang); serr != nil {
		return nil, serr
	}
	plan, err := semantic.Compile(s.eng().Model, q, s.eng().CompileOptions(asOf, scope))
	if err != nil {
		return nil, err
	}
	res, err := s.eng().Runner.Run(ctx, plan)
	if err != nil {
		return nil, err
	}
	if len(res.Rows) == 0 {
		return nil, nil
	}
	role := semantic.RoleMetric
	if a.Condition.NeedsChange() {
		role = semantic.RoleChange
	}
	for i, c := range res.Columns {
		if c.Role == role {
			if f, ok := res.Rows[0][i].(float64); ok {
				return &f, nil
			}
			return nil, nil
		}
	}
	return nil, nil
}

func (s *Server) alertReport(a *push.Alert, value *float64, notice push.Notice) push.Report {
	word := map[push.Notice]string{push.NoticeFiring: "触发", push.NoticeRepeat: "仍在触发", push.NoticeRecovery: "已恢复"}[notice]
	r := push.Report{Title: "提醒" + word + "：" + a.Question}
	if value != nil {
		unit := ""
		if a.Condition.NeedsChange() {
			unit = semantic.UnitPercent
		}
		r.Lines = append(r.Lines, "当前值 "+nlq.FormatCompact(*value, unit, "zh"))
	}
	r.Lines = append(r.Lines, fmt.Sprintf("条件 %s %v", a.Condition.Op, a.Condition.Value))
	r.Narrative = r.Title
	if len(s.opts.PublicOrigins) > 0 {
		r.Link = s.opts.PublicOrigins[0]
	}
	return r
}
