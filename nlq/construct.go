package nlq

import (
	"github.com/wenshu-bi/wenshu/semantic"
)

// The rules translator reads a question in two steps. First the question
// becomes a typed token stream: the time spans ResolveTime masks, the
// phrases the lexicon links to metrics, dimensions and values, and what is
// left (operator words such as 前N, 最高, 同比, 占比, 超过, 怎么算, and unknown
// words). Then constructions — small named rules over that stream, one
// file each (construct_*.go), applied in the order of constructions below —
// either decide the answer (a refusal, a clarification, a definition) or
// add their part to the frame; the query is assembled from the frame and
// its defaults stated once at the end.

// reading is one question on its way through the constructions.
type reading struct {
	r        *Rules
	question string // as asked
	q        string // normalized
	lang     string
	asOf     semantic.Date
	prev     *semantic.Query

	// The token stream.
	ti       TimeInfo
	mentions []mention
	rs       []rune // the question with time spans masked
	rest     string // what no linked phrase explains: operator words, unknown words
	stripped string // rest without its operator words: the unknown words

	// The frame the constructions fill.
	metrics   []string
	dims      []string
	filters   []valFilter
	ambiguous [][]string
	whichDim  bool // a split asked as 哪个/which: one winner
	fuzzy     bool // a phrase linked by edit distance
	followUp  bool
	query     *semantic.Query
	// why: the question asks what drove a change (construct_why.go).
	why bool
	// oddWord is a word begun by a one-character value (女装).
	oddWord string
	// rankedByChange: the ranking is by the change, not the level.
	rankedByChange bool

	t *Translation
}

// valFilter is a value filter read from the question.
type valFilter struct {
	dim     string
	values  []any
	exclude bool
	// word is the phrase of the last value; scopeDim is the dimension the
	// same phrase names (门店 is a channel and the store dimension).
	word     string
	scopeDim string
}

// construction is one phrasing family. apply returns true when it has
// decided the translation (nothing after it runs).
type construction struct {
	name  string
	apply func(*reading) bool
}

// constructions in the order they apply. Refusals and clarifications come
// before anything is assembled; the query's parts after the follow-up
// decision, on the query it chose (new, or the previous one changed).
var constructions = []construction{
	{"empty", constructEmpty},               // construct_refusal.go
	{"refuse-write", constructWrite},        // construct_refusal.go
	{"refuse-not-bi", constructNotBI},       // construct_refusal.go
	{"refuse-scope", constructOutOfScope},   // construct_refusal.go
	{"time-span", constructTimeSpan},        // construct_time.go
	{"link", constructLink},                 // construct_link.go
	{"refuse-forecast", constructForecast},  // construct_refusal.go
	{"refuse-predict", constructPredict},    // construct_refusal.go
	{"frame", constructFrame},               // construct_link.go
	{"absorb", constructAbsorb},             // construct_absorb.go
	{"window", constructWindow},             // construct_window.go
	{"funnel", constructFunnel},             // construct_funnel.go
	{"definition", constructDefinition},     // construct_definition.go
	{"audience", constructAudience},         // construct_audience.go
	{"count", constructCount},               // construct_count.go
	{"amount", constructAmount},             // construct_amount.go
	{"how-no-metric", constructHowNoMetric}, // construct_how.go
	{"unknown-words", constructUnknownWords},
	{"unknown-metric", constructUnknownMetric}, // construct_metric.go
	{"unknown-value", constructUnknownValue},
	{"unknown-entity", constructUnknownEntity}, // construct_entity.go
	{"ambiguous-metric", constructAmbiguous},
	{"greeting", constructGreeting},            // construct_refusal.go
	{"why", constructWhy},                      // construct_why.go
	{"follow-up", constructFollowUp},           // construct_followup.go
	{"scope", constructScope},                  // construct_scope.go
	{"time", constructTime},                    // construct_time.go
	{"change-ranking", constructChangeRanking}, // construct_ranking.go
	{"ranking", constructRanking},              // construct_ranking.go
	{"share", constructShare},                  // construct_share.go
	{"threshold", constructThreshold},          // construct_threshold.go
	{"how", constructHow},                      // construct_how.go
	{"default-time", constructDefaultTime},     // construct_time.go
	{"why-shape", constructWhyShape},           // construct_why.go
}

// Translate reads one question. prev is the conversation's previous query
// (nil at the start); follow-ups change it instead of starting over.
func (r *Rules) Translate(question string, prev *semantic.Query, asOf semantic.Date) *Translation {
	lang := detectLang(question)
	rd := &reading{r: r, question: question, q: normalize(question), lang: lang, asOf: asOf, prev: prev, t: &Translation{Lang: lang}}
	for _, c := range constructions {
		if c.apply(rd) {
			return rd.t
		}
	}
	rd.t.Query = rd.query
	return rd.t
}

// constructUnknownWords finds the words no rule explains; the question is
// read with full confidence only when there are none.
func constructUnknownWords(rd *reading) bool {
	rd.stripped = stripOperators(rd.rest)
	rd.t.Unknown = leftover(rd.stripped)
	rd.t.Confident = rd.t.Confident || len(rd.t.Unknown) == 0 && !rd.fuzzy && len(rd.ambiguous) == 0
	return false
}

// constructUnknownValue: a word that looks like a value of a dimension but
// is none of its values is asked about, never dropped.
func constructUnknownValue(rd *reading) bool {
	if rd.searchValues() {
		return true
	}
	if c := rd.r.unknownValue(rd.question, rd.ti.masked, rd.mentions, rd.t.Unknown, rd.lang); c != nil {
		rd.t.Clarify = c
		return true
	}
	return false
}

// constructAmbiguous: a phrase naming several metrics and no other metric
// asked is a choice for the asker.
func constructAmbiguous(rd *reading) bool {
	if len(rd.ambiguous) > 0 && len(rd.metrics) == 0 {
		rd.t.Clarify = rd.r.ambiguityClarification(rd.lang, rd.question, rd.ambiguous[0])
		return true
	}
	return false
}
