package nlq_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/wenshu-bi/wenshu/datasets/datasetstest"
	"github.com/wenshu-bi/wenshu/nlq"
	"github.com/wenshu-bi/wenshu/semantic"
)

func insightEngine(t *testing.T) (*nlq.Engine, nlq.SQLRunner) {
	t.Helper()
	rules, m := retailRules(t)
	db := datasetstest.Open(t)
	return &nlq.Engine{Model: m, Rules: rules, Runner: db, Conversations: nlq.NewMemoryConversations(), AsOf: semantic.D(2025, 12, 31)}, db
}

func askTurns(t *testing.T, e *nlq.Engine, turns ...string) *nlq.Answer {
	t.Helper()
	conv := nlq.NewConversationID()
	var ans *nlq.Answer
	for _, q := range turns {
		var err error
		if ans, err = e.Ask(context.Background(), nlq.AskRequest{Question: q, ConversationID: conv}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return ans
}

func sqlFloat(t *testing.T, db nlq.SQLRunner, q string) float64 {
	t.Helper()
	_, rows, _, err := db.Query(context.Background(), q)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%s: %v", q, err)
	}
	f, _ := rows[0][0].(float64)
	if f == 0 {
		if d, ok := rows[0][0].(interface{ Float64() (float64, error) }); ok {
			f, _ = d.Float64()
		}
	}
	return f
}

// TestInsightAgainstSQL: the totals and every channel's part of the change
// of November 2025's sales are the hand-written SQL's, and the parts add up.
func TestInsightAgainstSQL(t *testing.T) {
	e, db := insightEngine(t)
	ans := askTurns(t, e, "为什么2025年11月各渠道的销售额变化了")
	ins := ans.Insight
	if ins == nil || ins.Kind != "additive" || ins.Compare != semantic.ComparePoP {
		t.Fatalf("no insight: %+v", ans)
	}
	const sales = "SELECT coalesce(sum(paid_amount), 0)::DOUBLE FROM orders WHERE status = 'completed' AND "
	nov, oct := "order_time >= '2025-11-01' AND order_time < '2025-12-01'", "order_time >= '2025-10-01' AND order_time < '2025-11-01'"
	cur, prev := sqlFloat(t, db, sales+nov), sqlFloat(t, db, sales+oct)
	if math.Abs(ins.Current-cur) > 0.01 || math.Abs(ins.Previous-prev) > 0.01 || math.Abs(ins.Change-(cur-prev)) > 0.01 {
		t.Fatalf("insight %v → %v, SQL %v → %v", ins.Previous, ins.Current, prev, cur)
	}
	seen := 0
	for _, d := range append(append([]nlq.Driver{}, ins.Drivers...), ins.Offsets...) {
		if d.Dimension != "channel" {
			continue
		}
		ch := d.Value.(string)
		want := sqlFloat(t, db, sales+"channel = '"+ch+"' AND "+nov) - sqlFloat(t, db, sales+"channel = '"+ch+"' AND "+oct)
		if math.Abs(d.Contribution-want) > 0.01 || math.Abs(d.ShareOfChange-want/(cur-prev)) > 1e-9 {
			t.Errorf("channel %s: %v, SQL %v", ch, d.Contribution, want)
		}
		seen++
	}
	if seen == 0 {
		t.Fatalf("no channel among the drivers: %+v", ins.Drivers)
	}
}

// TestInsightFindsPlantedCauses: without being told, the analysis names
// the causes DATASET.md plants — 抖音's conversion collapse in October
// 2025, 华东's store sales drop in November 2025 — in Chinese and English,
// asked alone and as a follow-up.
func TestInsightFindsPlantedCauses(t *testing.T) {
	e, _ := insightEngine(t)
	cases := []struct {
		name  string
		turns []string
		dim   string
		value string
		where string // drivers or offsets
	}{
		{"conversion zh", []string{"为什么2025年10月的转化率下降了"}, "channel", "抖音", "drivers"},
		{"conversion en", []string{"why did the conversion rate drop in October 2025?"}, "channel", "抖音", "drivers"},
		{"conversion follow-up", []string{"2025年10月的转化率", "为什么下降了"}, "channel", "抖音", "drivers"},
		{"east china", []string{"为什么2025年11月的门店销售额变化了"}, "region", "华东", "offsets"},
	}
	// As a follow-up on one region: its own fall, against October.
	ans := askTurns(t, e, "2025年11月各大区的销售额", "为什么华东下降了")
	if ins := ans.Insight; ins == nil || ins.Change >= 0 || !slices.ContainsFunc(ans.Query.Filters, func(f semantic.Filter) bool { return f.Dimension == "region" }) {
		t.Fatalf("为什么华东下降了: %+v %+v", ans.Query, ans.Insight)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ans := askTurns(t, e, c.turns...)
			ins := ans.Insight
			if ins == nil {
				t.Fatalf("no insight: %s", ans.Answer)
			}
			list := ins.Drivers
			if c.where == "offsets" {
				list = ins.Offsets
			}
			if len(list) == 0 {
				t.Fatalf("no %s: %+v", c.where, ins)
			}
			top := list[0]
			if !slices.Contains(strings.Split(c.dim, "|"), top.Dimension) || c.value != "" && top.Value != c.value {
				t.Fatalf("the top of %s is %s=%v (%.0f%%), want %s=%s\n%s", c.where, top.Dimension, top.Value, top.ShareOfChange*100, c.dim, c.value, ans.Answer)
			}
		})
	}
}

// TestTrendFlagsPlantedAnomaly: the monthly conversion of 2025 flags
// October as unusually low and explains it by 抖音.
func TestTrendFlagsPlantedAnomaly(t *testing.T) {
	e, _ := insightEngine(t)
	for _, q := range []string{"2025年每个月的转化率", "monthly conversion rate in 2025"} {
		ans := askTurns(t, e, q)
		var oct *nlq.Anomaly
		for i, a := range ans.Anomalies {
			if a.Bucket == "2025-10-01" {
				oct = &ans.Anomalies[i]
			}
		}
		if oct == nil || oct.Direction != "low" || oct.Value >= oct.Low {
			t.Fatalf("%s: October is not flagged low: %+v", q, ans.Anomalies)
		}
		if ans.Insight == nil || len(ans.Insight.Drivers) == 0 || ans.Insight.Drivers[0].Value != "抖音" {
			t.Fatalf("%s: the anomaly is not explained by 抖音: %+v", q, ans.Insight)
		}
	}
}

// TestInsightRepeatRate: a repeat rate decomposes as repeat buyers over
// buyers (its denominator found in the model).
func TestInsightRepeatRate(t *testing.T) {
	e, _ := insightEngine(t)
	ans := askTurns(t, e, "为什么2025年11月的复购率变化了")
	if ans.Insight == nil || ans.Insight.Kind != "repeat" || len(ans.Insight.Drivers) == 0 {
		t.Fatalf("%+v", ans.Insight)
	}
	if math.Abs(ans.Insight.Current-ans.Rows[0][0].(float64)) > 1e-9 {
		t.Fatalf("insight %v, answer %v", ans.Insight.Current, ans.Rows[0][0])
	}
}
