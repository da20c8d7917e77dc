package democity

import (
	"fmt"

	"github.com/cityline/cityline/internal/workorder"
)

// outcomes are what units report having done, by level-1 category: the heart of a reply (答复).
var outcomes = map[string][]string{
	"01": {"已组织专业人员到现场查看，责成建设单位限期整改", "已委托鉴定机构开展房屋安全鉴定，并向来电人说明鉴定结果和处置建议",
		"已将该小区纳入改造计划，施工单位将按计划进场"},
	"02": {"已安排养护人员修复，现已恢复正常", "已完成维修并对周边设施进行了排查", "已设置警示标志并完成修复"},
	"03": {"执法人员已到现场责令当事人整改，现场已清理完毕", "已依法立案查处，后续将加强巡查", "已协调环卫部门清运完毕，并增加清运频次"},
	"04": {"执法人员已现场检查，责令企业整改并立案调查", "已对商户下达整改通知书，将持续跟踪监测", "已约谈施工单位，夜间停止高噪声作业"},
	"05": {"已约谈公交企业，对当事司机进行批评教育", "已将建议纳入线路优化方案研究", "已安排人员维修信号设施，现已恢复"},
	"06": {"已约谈用人单位，督促其限期支付拖欠工资", "已向来电人详细解释相关政策和办理流程", "已协调用人单位与来电人达成调解协议"},
	"07": {"已责成学校整改并向家长说明情况", "已向来电人解释招生入学政策", "已组织执法检查，责令机构退还剩余费用"},
	"08": {"已责成医院核查并向患者说明情况", "已向来电人说明相关服务安排", "已组织疾控人员开展消杀"},
	"09": {"已组织调解，商家同意退款", "执法人员已现场检查并依法立案查处", "已责令维保单位全面检修，电梯已恢复运行"},
	"10": {"已约谈物业公司，责令限期整改", "已协调物业安排维修，现已修复", "已向来电人解释相关政策和办理流程"},
	"11": {"已派抢修人员到场处理，现已恢复正常", "已上门检查并排除故障", "已对管网进行排查维修，室温已达标"},
	"12": {"已安排民警到现场处置", "已向来电人解释办理流程和所需材料", "已加强该区域巡逻防控"},
	"13": {"已协调乡镇核查并处理", "已向来电人解释补贴政策和发放时间", "已组织人员现场处置"},
	"14": {"已核实情况并告知申请流程", "已协调街道社区上门核查", "已责成机构整改并加强监管"},
	"15": {"已向来电人解释说明", "已转相关部门研究", "已督促相关单位限期兑现"},
	"16": {"已组织执法检查，责令停产整改", "已清理消防通道并加强巡查", "已会同社区开展电动车充电专项整治"},
	"17": {"已将表扬转达相关单位和人员", "已向来电人告知依法解决的途径"},
}

var replyFrames = []string{
	"经现场核实，%s。已电话联系来电人说明处理情况，来电人表示认可。",
	"我单位接到工单后立即安排人员核查，%s。已向来电人反馈。",
	"经核实，来电人反映的问题属实，%s。",
}

// reply is a unit's answer to an order of the category.
func (x *Texts) reply(categoryCode string) string {
	group := outcomes[categoryCode[:min(2, len(categoryCode))]]
	if group == nil {
		group = outcomes["15"]
	}
	return fmt.Sprintf(x.oneOf(replyFrames), x.oneOf(group))
}

// answer is what an agent records when answering on the phone (一线办结).
func (x *Texts) answer(typ workorder.RequestType) string {
	if typ == workorder.TypePraise {
		return x.oneOf([]string{"已记录来电人的表扬，将转达相关单位。", "感谢来电人的肯定，已登记并转达。"})
	}
	return x.oneOf([]string{"已根据知识库向来电人解答相关政策和办理流程，来电人表示清楚。",
		"已告知来电人办理地点、所需材料和办理时限。", "已向来电人解释说明，来电人无其他诉求。",
		"已告知来电人依法解决的途径。"})
}

// coReplies are what a co-handling unit tells the lead unit.
var coReplies = []string{"我单位已配合主办单位完成现场核查，相关情况已反馈主办单位。", "已按职责完成配合事项，请主办单位统一答复来电人。"}

func (x *Texts) coReply() string { return x.oneOf(coReplies) }

// notes are what people write with an action: the reason for a send-back, a rejection, a pause…
var notes = map[workorder.Action][]string{
	workorder.ActReturn: {"该事项不属于我单位职责范围，建议转属地街道办理。", "经核实，该区域不在我单位管辖范围内。",
		"诉求涉及多个部门，请中心协调牵头单位。", "该事项已进入司法程序，不宜由我单位处理。"},
	workorder.ActReject: {"答复内容过于简单，未说明具体处理措施和时限，请补充。", "答复未回应来电人的主要诉求，请重新核实答复。",
		"未与来电人沟通处理结果，请联系来电人后再答复。"},
	workorder.ActSupervise: {"该工单超时未办结，请加快办理并按时答复。", "来电人多次来电催办，请高度重视，尽快处理。",
		"该问题反映集中，请主要负责同志督促办理。"},
	workorder.ActExtendAsk: {"需协调多个部门现场会商，申请延期办理。", "维修需等待材料采购，申请延长办理时限。",
		"涉及资金审批，短期内无法办结，申请延期。"},
	workorder.ActSuspend:     {"来电人外出，暂无法入户核查，申请挂起。", "需等待供暖季结束后施工，暂时挂起。", "需等待司法鉴定结果，暂时挂起。"},
	workorder.ActCancel:      {"来电人来电表示问题已自行解决，申请撤单。", "重复工单，来电人同一诉求已另行受理。", "信息有误，来电人要求撤回。"},
	workorder.ActTransfer110: {"涉及治安警情，已转110指挥中心处置。", "现场有人身安全风险，已转110联动处置。"},
	workorder.ActRedispatch:  {"派单有误，改派至职责单位。", "根据退单理由改派。", "根据办理情况改派。"},
	workorder.ActMerge:       {"同一诉求重复来电，并入主工单办理。", "与已受理工单为同一事项，并单办理。"},
	workorder.ActReopen:      {"来电人反映问题再次出现，重新交办。", "办结后问题反复，重新交办。"},
}

// note is what someone writes with the action.
func (x *Texts) note(a workorder.Action) string { return x.oneOf(notes[a]) }

func (x *Texts) reviewNote(decision string) string {
	if decision == workorder.DecisionUphold {
		return "经审核，退单理由成立，由中心重新派单。"
	}
	return "经审核，该事项属于该单位职责，退单理由不成立，请按时办理。"
}

// visit returns the citizen's verdict at a return visit and the agent's note of it. Most are
// satisfied or basically satisfied (the reference city reports 97–98 %); the rest go back to the
// unit (重办). After two re-handlings a citizen accepts the outcome.
func (x *Texts) visit(rehandled int) (resolved bool, s workorder.Satisfaction, note string) {
	r := x.rng.Float64()
	if rehandled >= 2 {
		r *= 0.97
	}
	switch {
	case r < 0.84:
		return true, workorder.Satisfied, x.oneOf([]string{"来电人表示问题已解决，对处理结果满意。", "回访来电人，表示满意。",
			"来电人对办理结果和服务态度表示满意。"})
	case r < 0.975:
		return true, workorder.BasicallySatisfied, x.oneOf([]string{"来电人表示问题基本解决，希望后续加强管理。",
			"来电人表示基本满意，处理速度还可以更快。"})
	case r < 0.99:
		return false, workorder.Unsatisfied, x.oneOf([]string{"来电人表示问题没有解决，对答复不满意，要求重新办理。",
			"来电人称现场情况未改变，要求重办。"})
	}
	return true, workorder.Unsatisfied, "来电人表示问题虽已处理，但对办理态度不满意，要求重办。"
}
