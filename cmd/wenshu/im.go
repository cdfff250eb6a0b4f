package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/wenshu-bi/wenshu/im"
	"github.com/wenshu-bi/wenshu/im/dingtalk"
	"github.com/wenshu-bi/wenshu/im/feishu"
	"github.com/wenshu-bi/wenshu/im/slack"
	"github.com/wenshu-bi/wenshu/im/wecom"
)

// imFromEnv builds the IM bots configured in the environment. A platform
// is on when its first variable is set; a half-configured one is an error
// (better than a bot that refuses every event, or accepts unsigned ones).
func imFromEnv(getenv func(string) string, log *slog.Logger) ([]im.Adapter, error) {
	var out []im.Adapter
	var errs []error
	need := func(platform string, names ...string) bool {
		var missing []string
		for _, n := range names {
			if strings.TrimSpace(getenv(n)) == "" {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("%s bot: %s must be set", platform, strings.Join(missing, ", ")))
			return false
		}
		return true
	}
	if getenv("WENSHU_FEISHU_APP_ID") != "" && need("feishu", "WENSHU_FEISHU_APP_SECRET") {
		if getenv("WENSHU_FEISHU_VERIFICATION_TOKEN") == "" && getenv("WENSHU_FEISHU_ENCRYPT_KEY") == "" {
			errs = append(errs, errors.New("feishu bot: set WENSHU_FEISHU_ENCRYPT_KEY (recommended) or WENSHU_FEISHU_VERIFICATION_TOKEN, or anyone could post events"))
		} else {
			out = append(out, feishu.New(feishu.Config{AppID: getenv("WENSHU_FEISHU_APP_ID"), AppSecret: getenv("WENSHU_FEISHU_APP_SECRET"),
				VerificationToken: getenv("WENSHU_FEISHU_VERIFICATION_TOKEN"), EncryptKey: getenv("WENSHU_FEISHU_ENCRYPT_KEY"),
				APIBase: getenv("WENSHU_FEISHU_API_BASE"), Log: log}))
		}
	}
	if getenv("WENSHU_DINGTALK_APP_SECRET") != "" {
		out = append(out, dingtalk.New(dingtalk.Config{AppSecret: getenv("WENSHU_DINGTALK_APP_SECRET"),
			AppKey: getenv("WENSHU_DINGTALK_APP_KEY"), APIBase: getenv("WENSHU_DINGTALK_API_BASE")}))
	}
	if getenv("WENSHU_WECOM_CORP_ID") != "" && need("wecom", "WENSHU_WECOM_AGENT_ID", "WENSHU_WECOM_SECRET", "WENSHU_WECOM_TOKEN", "WENSHU_WECOM_AES_KEY") {
		a, err := wecom.New(wecom.Config{CorpID: getenv("WENSHU_WECOM_CORP_ID"), AgentID: getenv("WENSHU_WECOM_AGENT_ID"),
			Secret: getenv("WENSHU_WECOM_SECRET"), Token: getenv("WENSHU_WECOM_TOKEN"), AESKey: getenv("WENSHU_WECOM_AES_KEY"),
			APIBase: getenv("WENSHU_WECOM_API_BASE")})
		if err != nil {
			errs = append(errs, fmt.Errorf("wecom bot: %w", err))
		} else {
			out = append(out, a)
		}
	}
	if getenv("WENSHU_SLACK_SIGNING_SECRET") != "" && need("slack", "WENSHU_SLACK_BOT_TOKEN") {
		out = append(out, slack.New(slack.Config{SigningSecret: getenv("WENSHU_SLACK_SIGNING_SECRET"),
			BotToken: getenv("WENSHU_SLACK_BOT_TOKEN"), APIBase: getenv("WENSHU_SLACK_API_BASE")}))
	}
	return out, errors.Join(errs...)
}
