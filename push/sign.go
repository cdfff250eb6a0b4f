package push

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
)

// FeishuSign is a Feishu (Lark) custom bot's signature for a request sent
// at unix time ts (seconds): base64(HMAC-SHA256(key = ts + "\n" + secret,
// message = "")). The body carries "timestamp" and "sign".
func FeishuSign(secret string, ts int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(ts, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DingTalkSign is a DingTalk robot webhook's signature for a request sent
// at tsMillis (milliseconds): base64(HMAC-SHA256(key = secret, message =
// tsMillis + "\n" + secret)). It travels URL-encoded in the query.
func DingTalkSign(secret string, tsMillis int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(tsMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DingTalkURL adds timestamp and sign to a DingTalk webhook URL.
func DingTalkURL(webhook, secret string, tsMillis int64) (string, error) {
	u, err := url.Parse(webhook)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("timestamp", strconv.FormatInt(tsMillis, 10))
	q.Set("sign", DingTalkSign(secret, tsMillis))
	u.RawQuery = q.Encode()
	return u.String(), nil
}
