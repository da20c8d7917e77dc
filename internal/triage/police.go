package triage

import (
	"slices"
	"strings"
)

// PoliceKind is the kind of police matter (警情) a request looks like; these go to 110, not to a
// 12345 unit.
type PoliceKind string

const (
	PoliceCrime    PoliceKind = "crime"        // 刑事: theft, robbery, fraud in progress, assault
	PoliceOrder    PoliceKind = "public_order" // 治安: fights, gambling, drugs, disturbances
	PoliceTraffic  PoliceKind = "traffic"      // 交通事故
	PoliceDanger   PoliceKind = "danger"       // 危及人身安全: suicide, trapped people, fire, explosions
	PoliceNotFound PoliceKind = ""
)

// PoliceMatch says whether a request looks like a matter for 110, why, and how urgent it reads.
type PoliceMatch struct {
	Kind PoliceKind `json:"kind"`
	// Terms are the words that made it so (for the explanation on the order).
	Terms []string `json:"terms,omitempty"`
	// Urgent is set when the text says it is happening now (正在, 刚刚, 现在 …).
	Urgent bool `json:"urgent"`
}

// Found reports whether the request looks like a police matter.
func (m PoliceMatch) Found() bool { return m.Kind != PoliceNotFound }

// policeTerms are the words of each kind. A single term suffices: a call-taker must at least be
// offered the one-key transfer, and the offer is only an offer. Terms are chosen so that they rarely
// appear in ordinary 12345 matters (占道, 噪音, 停车 are not here; 打架, 抢劫 are).
var policeTerms = []struct {
	kind  PoliceKind
	terms []string
}{
	{PoliceDanger, []string{"跳楼", "轻生", "自杀", "割腕", "溺水", "落水", "被困电梯", "困在电梯", "被困在", "着火", "起火", "火灾",
		"爆炸", "煤气泄漏", "燃气泄漏", "天然气泄漏", "有人晕倒", "昏迷不醒", "持刀", "砍人", "捅人", "杀人", "绑架", "劫持", "家暴", "家庭暴力"}},
	{PoliceCrime, []string{"抢劫", "抢夺", "盗窃", "被盗", "偷窃", "小偷", "入室", "诈骗电话", "被骗", "电信诈骗", "敲诈", "勒索",
		"强奸", "猥亵", "拐卖", "走失儿童", "孩子丢了", "失踪"}},
	{PoliceOrder, []string{"打架", "斗殴", "打人", "殴打", "寻衅滋事", "聚众", "赌博", "赌场", "吸毒", "贩毒", "卖淫", "嫖娼",
		"持械", "醉酒闹事", "砸车", "砸店", "动手了", "打起来", "打伤"}},
	{PoliceTraffic, []string{"车祸", "交通事故", "撞人", "撞车", "肇事逃逸", "追尾", "翻车", "撞伤"}},
}

// urgentTerms say the matter is happening now.
var urgentTerms = []string{"正在", "现在", "刚刚", "刚才", "马上", "快来", "赶紧", "救命", "紧急"}

// pastTerms say the matter is long over, which is a 12345 matter of follow-up (an old theft's
// case progress) rather than a call for the police to come: they lower nothing but urgency.
var pastTerms = []string{"去年", "上个月", "几个月前", "之前报过警", "已报警", "报警后"}

// hypotheticalMarkers, near a term, say the danger is feared, not happening: "存在火灾隐患",
// "一旦发生火灾" are fire-safety complaints for 12345.
var hypotheticalMarkers = []string{"隐患", "一旦", "万一", "可能", "防止", "预防", "如果", "担心", "防范"}

// enquiryMarkers say the caller asks how something works (工伤认定 after a road accident), which is a
// 12345 matter unless the text also says it is happening now.
var enquiryMarkers = []string{"想了解", "咨询", "怎么办理", "流程", "需要准备"}

// RecognisePolice looks for a police matter in text (title, description and address joined).
func RecognisePolice(text string) PoliceMatch {
	var m PoliceMatch
	for _, group := range policeTerms {
		for _, t := range group.terms {
			if mentionedAsFact(text, t) && !slices.Contains(m.Terms, t) {
				if m.Kind == PoliceNotFound {
					m.Kind = group.kind
				}
				m.Terms = append(m.Terms, t)
			}
		}
	}
	if !m.Found() {
		return m
	}
	past := slices.ContainsFunc(pastTerms, func(t string) bool { return strings.Contains(text, t) })
	m.Urgent = !past && slices.ContainsFunc(urgentTerms, func(t string) bool { return strings.Contains(text, t) })
	if !m.Urgent && slices.ContainsFunc(enquiryMarkers, func(t string) bool { return strings.Contains(text, t) }) {
		return PoliceMatch{}
	}
	return m
}

// mentionedAsFact reports whether term occurs in text at least once without a hypothetical marker
// within a few characters before or after it.
func mentionedAsFact(text, term string) bool {
	const window = 8 // runes looked at on each side
	for rest, offset := text, 0; ; {
		i := strings.Index(rest, term)
		if i < 0 {
			return false
		}
		at := offset + i
		before := []rune(text[:at])
		after := []rune(text[at+len(term):])
		context := string(before[max(0, len(before)-window):]) + "|" + string(after[:min(len(after), window)])
		if !slices.ContainsFunc(hypotheticalMarkers, func(h string) bool { return strings.Contains(context, h) }) {
			return true
		}
		offset = at + len(term)
		rest = text[offset:]
	}
}
