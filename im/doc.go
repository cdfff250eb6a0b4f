// Package im makes Wenshu a bot in the IM groups its users live in:
// Feishu (Lark), DingTalk, WeCom and Slack. Each platform is an Adapter in
// a sub-package of its own, all of one shape: verify and parse an inbound
// event (signature, timestamp window, decryption), and reply in the
// platform's own format through its API. This package holds what they
// share: the event and message types, the inbound HTTP handler that
// acknowledges at once and answers asynchronously, deduplication of
// redelivered events, per-chat rate limits, the cached access tokens and
// the JSON API client. What a question means, who may see what and how
// the answer is drawn stay in the server (web), the same as for the page.
package im
