package main

import (
	"strings"
	"testing"
)

func TestIMFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cases := []struct {
		name      string
		env       map[string]string
		platforms []string
		err       string
	}{
		{"none", nil, nil, ""},
		{"all four", map[string]string{
			"WENSHU_FEISHU_APP_ID": "cli", "WENSHU_FEISHU_APP_SECRET": "s", "WENSHU_FEISHU_ENCRYPT_KEY": "k",
			"WENSHU_DINGTALK_APP_SECRET": "d",
			"WENSHU_WECOM_CORP_ID":       "ww", "WENSHU_WECOM_AGENT_ID": "1000002", "WENSHU_WECOM_SECRET": "s", "WENSHU_WECOM_TOKEN": "t",
			"WENSHU_WECOM_AES_KEY":        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
			"WENSHU_SLACK_SIGNING_SECRET": "s", "WENSHU_SLACK_BOT_TOKEN": "xoxb"},
			[]string{"feishu", "dingtalk", "wecom", "slack"}, ""},
		{"feishu without secret", map[string]string{"WENSHU_FEISHU_APP_ID": "cli"}, nil, "WENSHU_FEISHU_APP_SECRET"},
		{"feishu unverified", map[string]string{"WENSHU_FEISHU_APP_ID": "cli", "WENSHU_FEISHU_APP_SECRET": "s"}, nil, "ENCRYPT_KEY"},
		{"wecom half", map[string]string{"WENSHU_WECOM_CORP_ID": "ww", "WENSHU_WECOM_TOKEN": "t"}, nil, "WENSHU_WECOM_AES_KEY"},
		{"wecom bad key", map[string]string{"WENSHU_WECOM_CORP_ID": "ww", "WENSHU_WECOM_AGENT_ID": "1", "WENSHU_WECOM_SECRET": "s",
			"WENSHU_WECOM_TOKEN": "t", "WENSHU_WECOM_AES_KEY": "short"}, nil, "43 characters"},
		{"slack without token", map[string]string{"WENSHU_SLACK_SIGNING_SECRET": "s"}, nil, "WENSHU_SLACK_BOT_TOKEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bots, err := imFromEnv(env(c.env), nil)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range bots {
				got = append(got, b.Platform())
			}
			if strings.Join(got, ",") != strings.Join(c.platforms, ",") {
				t.Fatalf("platforms %v, want %v", got, c.platforms)
			}
		})
	}
}
