package triage

import "strings"

// Referral is a matter 12345 does not handle, and the script that tells the caller where it belongs.
type Referral struct {
	Channel string   `json:"channel"` // what the right channel is, short ("法院", "信访")
	Script  string   `json:"script"`  // what the call-taker says
	Terms   []string `json:"terms"`
}

// referrals are the out-of-scope matters: those the law sends to courts, petition offices,
// arbitration, discipline inspection or other bodies, which a hotline must not take as orders (见
// 国办发〔2020〕53号 on 12345 scope). Each has the words that betray it and the script for the caller.
var referrals = []struct {
	channel string
	terms   []string
	script  string
}{
	{"法院", []string{"起诉", "诉讼", "判决", "法院执行", "强制执行", "立案庭", "上诉", "再审", "申请执行"},
		"您反映的事项属于诉讼程序范围，需依法向人民法院提出。可拨打12368诉讼服务热线咨询，或到法院诉讼服务中心办理。"},
	{"信访", []string{"信访", "上访", "信访件", "信访事项", "进京上访"},
		"信访事项请按《信访工作条例》向有权处理的机关提出，可到当地信访接待场所或通过网上信访平台反映。"},
	{"仲裁", []string{"劳动仲裁", "仲裁委", "仲裁裁决", "仲裁申请", "商事仲裁"},
		"劳动争议和合同纠纷的仲裁需向劳动人事争议仲裁委员会或仲裁委员会申请。可拨打12333咨询劳动仲裁办理流程。"},
	{"纪检监察", []string{"纪委", "监委", "贪污", "受贿", "行贿", "腐败", "违纪"},
		"反映公职人员违纪违法问题，请向纪检监察机关举报：拨打12388或登录中央纪委国家监委网站举报。"},
	{"检察院", []string{"检察院", "抗诉", "公益诉讼"},
		"涉及检察监督的事项请向人民检察院反映，可拨打12309检察服务热线。"},
	{"人大政协", []string{"人大代表", "政协委员", "议案", "提案"},
		"对人大代表、政协委员的意见建议，请通过人大、政协的联络渠道反映。"},
}

// Refer finds an out-of-scope matter in text, or returns ok=false.
func Refer(text string) (Referral, bool) {
	for _, r := range referrals {
		var found []string
		for _, t := range r.terms {
			if strings.Contains(text, t) {
				found = append(found, t)
			}
		}
		if len(found) > 0 {
			return Referral{Channel: r.channel, Script: r.script, Terms: found}, true
		}
	}
	return Referral{}, false
}
