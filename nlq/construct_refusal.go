package nlq

import (
	"fmt"
	"regexp"
	"strings"
)

// Refusals: what the data cannot answer is said so, with examples of what
// it can, instead of dropping the words and answering another question.

var (
	writeRE = regexp.MustCompile(`(把.{0,12}(订单|数据|记录|表|会员|价格|状态|金额).{0,12}(改成|改为|设为|设置为|标记为|更新为)|删除|删掉|删了|删去|清空|清除数据|修改数据|更改数据|改数据|改一下数据|写入|插入|新增一条|\bdrop (?:table|database|schema|column|index|view)\b|\bdelete\b(?:.{0,20}\b(?:from|records?|rows?|data|orders?|customers?|members?|all)\b)|\btruncate\b|\bupdate\b.{0,40}\bset\b|\bupdate (?:the |all )?(?:orders?|records?|data|prices?|status|customers?|members?)\b|\binsert\b|\balter (?:table|database)\b|\bcreate table\b|\bgrant\b)`)
	scopeRE = regexp.MustCompile(`(竞品|竞争对手|友商|对手的|\bcompetitors?\b|\brivals?\b|天气|下雨|下雪|气温|温度|雾霾|股价|股票|汇率|新闻|彩票|员工|绩效|工资|薪资|薪水|考勤|招聘|请假|\bweather\b|\brain\b|\bstock price\b|\bemployees?\b|\bsalary\b|\bsalaries\b|\bpayroll\b)`)
	// Forecasts and the future: the data holds only what happened.
	futureRE = regexp.MustCompile(`(预测|预估|预计|预期|展望|forecast|predict|projection|明年|下个月|下月|下周|下季度|下个季度|next month|next year|next week|next quarter)`)
	// Predictions about members: who will churn or buy is not in the data.
	predictRE = regexp.MustCompile(`((?:谁|哪些|哪位|哪几位|什么人)[^ ]{0,8}?(?:会|将|将会|可能|可能会|容易|快要|即将)(?:流失|沉睡|沉默|复购|回购|购买|下单|回来|升级|降级)|(?:流失|复购|购买)(?:概率|可能性|倾向)|\bwill (?:churn|lapse|buy|purchase|return|come back|upgrade)\b|\blikely to (?:churn|lapse|buy|purchase|return)\b|\bchurn (?:risk|probability|prediction|score)s?\b|\bpropensity\b)`)
	// Requests that are not about data at all.
	notBIRE = gate(regexp.MustCompile(`(写一首|写首|写一篇|写篇|写一段|作一首|作诗|写诗|写歌|讲个笑话|讲笑话|说个笑话|翻译一下|翻译成|帮我翻译|订.{0,6}(?:票|酒店|房间|餐厅)|机票|火车票|高铁票|打车|叫车|点外卖|点餐|唱首歌|画一张|画一幅|\bpoem\b|\bpoetry\b|\bjoke\b|\bsong\b|\btranslate\b|\bbook (?:a|me)\b|\bflights?\b|\bhotel\b|\btaxi\b)`))
	greetRE = regexp.MustCompile(`^\s*(你好|您好|嗨|哈喽|早上好|晚上好|谢谢|多谢|感谢|你是谁|在吗|hi|hello|hey|thanks|thank you|who are you)\b?`)
)

// constructEmpty: nothing asked.
func constructEmpty(rd *reading) bool {
	if rd.q != "" {
		return false
	}
	rd.t.Clarify = rd.r.examplesClarification(rd.lang, msg(rd.lang, "请输入一个问题，例如：", "Ask a question, for example:"))
	return true
}

// refusing answers a refusal construction: when find finds words in text,
// the question is refused with reason and the message (zh and en formats
// of the words found), with examples of what can be asked.
func refusing(find func(string) string, text func(*reading) string, reason, zh, en string) func(*reading) bool {
	return func(rd *reading) bool {
		m := find(text(rd))
		if m == "" {
			return false
		}
		say := func(format string) string {
			if strings.Contains(format, "%") {
				return fmt.Sprintf(format, m)
			}
			return format
		}
		rd.t.Refusal = &Refusal{Reason: reason, Message: msg(rd.lang, say(zh), say(en)), Examples: rd.r.examples(rd.lang)}
		return true
	}
}

func question(rd *reading) string { return rd.q }

var (
	// constructWrite: deleting, changing or writing data.
	constructWrite = refusing(writeRE.FindString, question, "write",
		"我只能查询和分析数据，不能删除、修改或写入任何数据。", "I can only read and analyse data; I cannot delete, change or write anything.")
	// constructNotBI: poems, jokes, tickets, translations.
	constructNotBI = refusing(notBIRE.FindString, question, "not_bi",
		"抱歉，「%s」不是数据问题，我只能查询和解释业务指标。可以这样问：",
		"Sorry, %q is not a question about data; I can only look up and explain business metrics. You could ask:")
	// constructOutOfScope: subjects the data holds nothing about.
	constructOutOfScope = refusing(scopeRE.FindString, question, "out_of_scope",
		"抱歉，数据里没有「%s」相关的信息，我只能回答模型中定义的业务指标（销售、订单、会员、流量、满意度等）。",
		"Sorry, the data holds nothing about %q; I can answer questions about the metrics of the model (sales, orders, members, traffic, satisfaction…).")
	// constructForecast: the future is not in the data (read in the rest,
	// so 下个月 inside a linked phrase does not count).
	constructForecast = refusing(futureRE.FindString, func(rd *reading) string { return rd.rest }, "forecast",
		"抱歉，我只能回答已经发生的数据，不能做「%s」这类预测。可以看看历史趋势，例如：",
		"Sorry, I can only report what has happened, not %q. You could look at the trend instead:")
	// constructPredict: who will churn (谁会流失) is a prediction, not a record.
	constructPredict = refusing(predictRE.FindString, question, "forecast",
		"抱歉，「%s」是预测，数据里只有已经发生的记录。可以看会员现在所处的阶段，例如：",
		"Sorry, %q is a prediction; the data holds only what has happened. You could look at members' current stages, for example:")
)

// constructGreeting: hello and thanks with nothing asked.
func constructGreeting(rd *reading) bool {
	if len(rd.metrics) > 0 || len(rd.dims) > 0 || len(rd.filters) > 0 || !greetRE.MatchString(rd.q) {
		return false
	}
	rd.t.Refusal = greeting(rd.r, rd.lang)
	return true
}

func greeting(r *Rules, lang string) *Refusal {
	return &Refusal{Reason: "chitchat", Message: msg(lang,
		"你好！我是问数，可以用自然语言查询业务指标。试试这样问：", "Hi! I am Wenshu: ask me about your business metrics in plain words, for example:"),
		Examples: r.examples(lang)}
}
