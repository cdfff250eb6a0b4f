// Package push delivers reports and alerts to people where they are:
// Feishu, DingTalk, WeCom and Slack groups, email and generic webhooks
// (数据追人). This first part holds what every channel needs: the platforms'
// signatures, and an HTTP client that refuses to call private, loopback and
// link-local addresses (webhook URLs are user input), checking the address
// actually dialled rather than the name. Subscriptions, the scheduler, the
// run log and the channels' message formats follow (issue 12).
package push
