package nlq

import "testing"

func TestReadProposal(t *testing.T) {
	for q, want := range map[string]Proposal{
		"每周一早上9点把上周各渠道销售额发到飞书群":   {Question: "上周各渠道销售额", Schedule: "0 9 * * 1", Channel: "feishu"},
		"每天早上9点发一下昨天的销售额":         {Question: "昨天的销售额", Schedule: "0 9 * * *"},
		"每天下午6点半把今天的订单数推送到钉钉":     {Question: "今天的订单数", Schedule: "30 18 * * *", Channel: "dingtalk"},
		"每月1号上午10点把上个月的复购率发到企业微信": {Question: "上个月的复购率", Schedule: "0 10 1 * *", Channel: "wecom"},
		"每周五下午5点将本周各门店的销售额发给我邮箱":  {Question: "本周各门店的销售额", Schedule: "0 17 * * 5", Channel: "email"},
	} {
		p := ReadProposal(q)
		if p == nil || p.Question != want.Question || p.Schedule != want.Schedule || p.Channel != want.Channel {
			t.Errorf("%s: %+v, want %+v", q, p, want)
		}
	}
	for _, q := range []string{"上个月各渠道的销售额", "每天的销售额趋势", "每周各渠道的订单数", "发到飞书"} {
		if p := ReadProposal(q); p != nil {
			t.Errorf("%s read as a subscription: %+v", q, p)
		}
	}
}
