package democity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/geo"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/workorder"
	"github.com/paulmach/orb"
)

// addressMode says where a kind of matter happens, and so what its address looks like.
type addressMode string

const (
	addrHome addressMode = "home" // a flat: compound, building, entrance (a village's group and house)
	addrRoad addressMode = "road" // a road, a junction or a stretch of it
	addrShop addressMode = "shop" // a shop on a road
	addrArea addressMode = "area" // a community as a whole
	addrNone addressMode = "none" // no place: policy questions, matters about a person
)

// leaf holds the templates of one leaf category.
type leaf struct {
	code      string
	lines     []string // former hotlines a caller of this matter may have dialled
	lead, alt string   // unit kinds: who leads, and who else may help or take it over (see router)
	mode      addressMode
	shops     []string // kinds of shop, for addrShop
	weight    float64
	variants  []variant
}

// variant is one way a matter of a leaf is put by a caller.
type variant struct {
	typ    workorder.RequestType
	sensor bool // the alarm of a connected sensor, not a person's words
	title  string
	body   string
	// firstPerson bodies speak as the caller ("我家…"): a grid worker's report cannot use them.
	firstPerson bool
}

var typeNames = map[string]workorder.RequestType{
	"咨询": workorder.TypeEnquiry, "求助": workorder.TypeHelp, "投诉": workorder.TypeComplaint,
	"举报": workorder.TypeReport, "建议": workorder.TypeSuggestion, "表扬": workorder.TypePraise,
	"监测": workorder.TypeReport,
}

// slotNames are the slots a template may use; slotValue fills each.
var slotNames = []string{"addr", "xq", "bld", "unit", "road", "road2", "community", "street", "district", "shop",
	"brand", "days", "months", "money", "sum", "bus", "plate", "school", "hospital", "park"}

// parseTemplates reads matterTemplates (its format is described there).
func parseTemplates(text string) ([]leaf, error) {
	var out []leaf
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("matter templates, line %d: %s", n+1, fmt.Sprintf(format, args...))
		}
		if line[0] >= '0' && line[0] <= '9' {
			f := strings.Fields(line)
			if len(f) != 5 || !category.ValidCode(f[0]) {
				return nil, fail("want CODE LINES ROUTE ADDRESS WEIGHT, got %q", line)
			}
			l := leaf{code: f[0]}
			if f[1] != "-" {
				l.lines = strings.Split(f[1], ",")
			}
			var ok bool
			if l.lead, l.alt, ok = strings.Cut(f[2], "/"); !ok {
				return nil, fail("route %q: want LEAD/ALTERNATIVE", f[2])
			}
			for _, k := range []string{l.lead, l.alt} {
				if _, known := unitKinds[k]; !known && k != "-" {
					return nil, fail("route %q: unknown unit kind %q", f[2], k)
				}
			}
			if l.alt == "-" {
				l.alt = ""
			}
			mode, shops, _ := strings.Cut(f[3], ":")
			l.mode = addressMode(mode)
			if !slices.Contains([]addressMode{addrHome, addrRoad, addrShop, addrArea, addrNone}, l.mode) || (l.mode == addrShop) != (shops != "") {
				return nil, fail("address %q: want home, road, area, none or shop:KIND/KIND…", f[3])
			}
			if shops != "" {
				l.shops = strings.Split(shops, "/")
			}
			w, err := strconv.ParseFloat(f[4], 64)
			if err != nil || w <= 0 {
				return nil, fail("weight %q: want a positive number", f[4])
			}
			l.weight = w
			out = append(out, l)
			continue
		}
		if len(out) == 0 {
			return nil, fail("a variant before the first category")
		}
		typ, rest, _ := strings.Cut(line, " ")
		title, body, ok := strings.Cut(rest, "|")
		rt, known := typeNames[typ]
		if !ok || !known {
			return nil, fail("want TYPE TITLE | DESCRIPTION with TYPE one of 咨询 求助 投诉 举报 建议 表扬 监测")
		}
		v := variant{typ: rt, sensor: typ == "监测", title: strings.TrimSpace(title), body: strings.TrimSpace(body)}
		v.firstPerson = slices.ContainsFunc([]string{"我", "家里", "家人", "孩子", "来电人"}, func(w string) bool { return strings.Contains(v.body, w) })
		for _, s := range []string{v.title, v.body} {
			if err := checkSlots(s); err != nil {
				return nil, fail("%v", err)
			}
		}
		last := &out[len(out)-1]
		if strings.Contains(v.title+v.body, "{shop}") && last.mode != addrShop {
			return nil, fail("{shop} needs the address shop:KIND")
		}
		last.variants = append(last.variants, v)
	}
	for _, l := range out {
		if !slices.ContainsFunc(l.variants, func(v variant) bool { return !v.sensor }) {
			return nil, fmt.Errorf("matter templates: category %s has nothing a person would say", l.code)
		}
	}
	return out, nil
}

func checkSlots(s string) error {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return fmt.Errorf("unclosed slot in %q", s)
		}
		if name := s[i+1 : i+j]; !slices.Contains(slotNames, name) {
			return fmt.Errorf("unknown slot {%s}", name)
		}
		s = s[i+j+1:]
	}
}

// Matter is one made-up citizen's matter, ready to take in.
type Matter struct {
	Intake workorder.Intake
	// PlaceCode is the grid that holds the point, "" when the matter has no place.
	PlaceCode string
}

// gridSpot is what the generator knows of one grid: where it is and the names above it.
type gridSpot struct {
	code                       string
	center                     orb.Point
	bound                      orb.Bound
	district, street, commName string
	village                    bool
	book                       *gridBook // the compounds, roads and doors of the grid
}

// Texts makes up realistic Chinese matters for the demo city — titles, descriptions, addresses and
// callers that fit their category, place, request type and channel — so that history and simulation
// read like a real hotline's. The same seed gives the same sequence. A Texts is not safe for
// concurrent use: give each goroutine its own.
type Texts struct {
	rng      *rand.Rand
	leaves   []leaf
	lines    map[string]bool
	grids    []gridSpot
	index    *geo.Index
	book     *addressBook
	regulars []workorder.Caller
	slots    map[string]string // the current matter's filled slots, so that title and text agree
	// patrolled are the grids whose grid workers report on the grid channel (indexes into grids).
	patrolled []int
	spot      *gridSpot
	leaf      *leaf
}

// NewTexts prepares a generator over the given places (the grids with their outlines and every place
// above them, as store.GridsAndAncestors returns them) and the leaves of the given catalogue that have
// templates. Inactive categories are left out.
func NewTexts(seed uint64, places []org.Place, cats []category.Category) (*Texts, error) {
	all, err := parseTemplates(matterTemplates)
	if err != nil {
		return nil, err
	}
	x := &Texts{rng: rand.New(rand.NewPCG(seed, seed^0x12345)), lines: map[string]bool{}, slots: map[string]string{}}
	for _, l := range hotline.Catalogue() {
		x.lines[l.Code] = true
	}
	usable := map[string]bool{}
	parents := map[string]bool{}
	for _, c := range cats {
		if c.Active {
			usable[c.Code] = true
		}
		parents[c.ParentCode] = true
	}
	for _, l := range all {
		for _, line := range l.lines {
			if !x.lines[line] {
				return nil, fmt.Errorf("matter templates: category %s names unknown hotline %q", l.code, line)
			}
		}
		if usable[l.code] && !parents[l.code] {
			x.leaves = append(x.leaves, l)
		}
	}
	if len(x.leaves) == 0 {
		return nil, fmt.Errorf("matter templates: none of the catalogue's %d categories has templates", len(cats))
	}
	byCode := map[string]org.Place{}
	for _, p := range places {
		byCode[p.Code] = p
	}
	var grids []org.Place
	for _, p := range places {
		if p.Level != org.LevelGrid || len(p.Boundary) == 0 {
			continue
		}
		grids = append(grids, p)
		comm, street := byCode[p.ParentCode], byCode[byCode[p.ParentCode].ParentCode]
		district := byCode[street.ParentCode]
		shape, err := decodeBoundary(p.Boundary)
		if err != nil {
			return nil, fmt.Errorf("grid %s: %w", p.Code, err)
		}
		x.grids = append(x.grids, gridSpot{code: p.Code, center: orb.Point{p.CenterLng, p.CenterLat}, bound: shape.Bound(),
			district: district.Name, street: street.Name, commName: comm.Name, village: strings.HasSuffix(comm.Name, "村")})
	}
	if len(x.grids) == 0 {
		return nil, fmt.Errorf("matter texts: no grid with an outline among %d places", len(places))
	}
	if x.book, err = newAddressBook(places); err != nil {
		return nil, err
	}
	for i := range x.grids {
		x.grids[i].book = x.book.grids[x.grids[i].code]
	}
	if x.index, err = geo.NewIndex(grids); err != nil {
		return nil, err
	}
	for range 400 {
		x.regulars = append(x.regulars, x.newCaller())
	}
	return x, nil
}

// weighted is an item drawn with a probability in proportion to its weight.
type weighted[T any] struct {
	item   T
	weight float64
}

// channelShares are the realistic proportions of channels at a city hotline: the phone first, then
// the web and mobile mini-programs, third-party apps through Open311 and grid workers' reports.
var channelShares = []weighted[workorder.Channel]{
	{workorder.ChannelPhone, 70}, {workorder.ChannelMobile, 11}, {workorder.ChannelWeb, 8},
	{workorder.ChannelOpen311, 3}, {workorder.ChannelGrid, 4}, {workorder.ChannelSMS, 1},
	{workorder.ChannelEmail, 0.5}, {workorder.ChannelPolice, 1.5}, {workorder.ChannelSensor, 0.5},
	{workorder.ChannelWalkIn, 0.5},
}

// typeShares are the proportions of request types: complaints and help requests most.
var typeShares = []weighted[workorder.RequestType]{
	{workorder.TypeComplaint, 38}, {workorder.TypeHelp, 28}, {workorder.TypeEnquiry, 22},
	{workorder.TypeReport, 7}, {workorder.TypeSuggestion, 3.5}, {workorder.TypePraise, 1.5},
}

func pick[T any](rng *rand.Rand, items []T, weight func(T) float64) T {
	total := 0.0
	for _, it := range items {
		total += weight(it)
	}
	r := rng.Float64() * total
	for _, it := range items {
		if r -= weight(it); r < 0 {
			return it
		}
	}
	return items[len(items)-1]
}

func (x *Texts) oneOf(items []string) string { return items[x.rng.IntN(len(items))] }

// Matter makes up the next matter, as it would be taken in at the given time (the season changes
// what people call about).
func (x *Texts) Matter(at time.Time) Matter {
	ch := pick(x.rng, channelShares, x.channelWeight).item
	for tries := 1; ; tries++ {
		typ := pick(x.rng, typeShares, func(t weighted[workorder.RequestType]) float64 { return t.weight }).item
		if l, v, ok := x.pickVariant(ch, typ, at); ok {
			return x.compose(ch, l, v)
		}
		if tries%20 == 0 {
			ch = workorder.ChannelPhone // a catalogue without matters for this channel: every matter can be phoned in
		}
	}
}

// channelWeight scales the grid channel down to the share of grids that have workers reporting,
// though not below a twentieth, so that the few patrolled grids of the demo still show reports.
func (x *Texts) channelWeight(c weighted[workorder.Channel]) float64 {
	if c.item != workorder.ChannelGrid {
		return c.weight
	}
	if len(x.patrolled) == 0 {
		return 0
	}
	return c.weight * max(float64(len(x.patrolled))/float64(len(x.grids)), 0.05)
}

// patrol names the grids that have grid workers.
func (x *Texts) patrol(codes []string) {
	x.patrolled = x.patrolled[:0]
	for i, g := range x.grids {
		if slices.Contains(codes, g.code) {
			x.patrolled = append(x.patrolled, i)
		}
	}
}

// fits tells whether a variant can come in on a channel: alarms only from sensors, and grid workers
// report what they see on their rounds, in their own words.
func fits(ch workorder.Channel, l *leaf, v variant) bool {
	switch ch {
	case workorder.ChannelSensor:
		return v.sensor
	case workorder.ChannelGrid:
		return !v.sensor && !v.firstPerson && l.mode != addrNone &&
			(v.typ == workorder.TypeComplaint || v.typ == workorder.TypeReport || v.typ == workorder.TypeHelp)
	}
	return !v.sensor
}

func (x *Texts) pickVariant(ch workorder.Channel, typ workorder.RequestType, at time.Time) (*leaf, variant, bool) {
	type option struct {
		l *leaf
		v variant
		w float64
	}
	var options []option
	month := at.In(workorder.Shanghai).Month()
	for i := range x.leaves {
		l := &x.leaves[i]
		var fitting []variant
		for _, v := range l.variants {
			if (v.typ == typ || ch == workorder.ChannelSensor) && fits(ch, l, v) {
				fitting = append(fitting, v)
			}
		}
		for _, v := range fitting {
			options = append(options, option{l, v, l.weight * season(l.code, month) / float64(len(fitting))})
		}
	}
	if len(options) == 0 {
		return nil, variant{}, false
	}
	o := pick(x.rng, options, func(o option) float64 { return o.w })
	return o.l, o.v, true
}

// season scales how often a matter comes up in a month: heating in the heating season (15 October to
// 15 April in Wuhai) and its bills before it, standing water in the summer rains.
func season(code string, m time.Month) float64 {
	switch code {
	case "110401":
		if m >= time.November || m <= time.March {
			return 1.6
		}
		if m == time.October || m == time.April {
			return 0.8
		}
		return 0.02
	case "110402":
		if m >= time.September && m <= time.November {
			return 2
		}
		return 0.3
	case "020203":
		if m >= time.June && m <= time.August {
			return 3
		}
		return 0.2
	case "040301", "040103":
		if m >= time.May && m <= time.September {
			return 1.5
		}
	}
	return 1
}

// openers say who brought the matter and how; %s is the verb that fits the request type.
var openers = map[workorder.Channel][]string{
	workorder.ChannelPhone:   {"市民来电%s：", "来电人%s：", "市民来电%s，"},
	workorder.ChannelMobile:  {"市民通过“12345”微信小程序%s：", "市民通过手机客户端%s："},
	workorder.ChannelWeb:     {"网民在政府网站“12345”留言%s：", "网民留言%s："},
	workorder.ChannelOpen311: {"市民通过“随手拍”应用%s："},
	workorder.ChannelGrid:    {"网格员巡查发现："},
	workorder.ChannelSMS:     {"市民发送短信%s："},
	workorder.ChannelEmail:   {"市民来信%s："},
	workorder.ChannelPolice:  {"110指挥中心转来，报警人%s："},
	workorder.ChannelSensor:  {"物联感知设备报警："},
	workorder.ChannelWalkIn:  {"市民来访%s："},
}

var verbs = map[workorder.RequestType][]string{
	workorder.TypeComplaint:  {"反映", "投诉"},
	workorder.TypeHelp:       {"反映", "求助"},
	workorder.TypeEnquiry:    {"咨询"},
	workorder.TypeReport:     {"举报", "反映"},
	workorder.TypeSuggestion: {"建议", "反映"},
	workorder.TypePraise:     {"表扬", "反映"},
}

var closers = map[workorder.RequestType][]string{
	workorder.TypeComplaint: {"希望相关部门尽快核实处理。", "要求尽快解决并给予答复。", "此前已多次反映，问题一直没有解决，希望相关部门重视。",
		"请相关部门核实处理。"},
	workorder.TypeHelp:       {"希望相关部门尽快帮助解决。", "请尽快安排人员处理。", "希望尽快协调解决。"},
	workorder.TypeEnquiry:    {"请相关部门予以解答。", "希望得到答复。", ""},
	workorder.TypeReport:     {"请相关部门依法查处。", "请执法部门到现场核查处理。", "希望尽快制止。"},
	workorder.TypeSuggestion: {"希望相关部门予以采纳。", "请相关部门研究考虑。"},
	workorder.TypePraise:     {"希望对相关人员予以表扬。", ""},
}

// urgentShare is how often a matter is urgent, and emergencyShare how often it endangers life or
// property; other matters are urgent now and then.
var urgentShare = map[string]float64{"090401": 0.4, "120102": 0.6, "020201": 0.3, "110103": 0.4, "110101": 0.2,
	"110201": 0.2, "110401": 0.1, "120202": 0.3}
var emergencyShare = map[string]float64{"110302": 0.8, "090401": 0.1, "120102": 0.2}

func (x *Texts) compose(ch workorder.Channel, l *leaf, v variant) Matter {
	clear(x.slots)
	x.leaf = l
	x.spot = &x.grids[x.rng.IntN(len(x.grids))]
	if ch == workorder.ChannelGrid {
		x.spot = &x.grids[x.patrolled[x.rng.IntN(len(x.patrolled))]]
	}
	return x.write(ch, l, v)
}

// Again makes up another report of the matter made last, as a neighbour calls about the same broken
// lamp: the same kind of matter at the same spot (roads, compounds and numbers keep their names) in
// other words, by another caller on a channel of its own. The duplicate detector is measured on such
// pairs.
func (x *Texts) Again() Matter {
	l := x.leaf
	var people []variant
	for _, v := range l.variants {
		if !v.sensor {
			people = append(people, v)
		}
	}
	if len(people) == 0 {
		people = l.variants
	}
	v := people[x.rng.IntN(len(people))]
	ch := workorder.ChannelPhone
	if v.sensor {
		ch = workorder.ChannelSensor
	} else if x.rng.IntN(3) == 0 {
		ch = workorder.ChannelMobile
	}
	return x.write(ch, l, v)
}

// write composes a matter of leaf l in variant v, at the current spot with the current slots.
func (x *Texts) write(ch workorder.Channel, l *leaf, v variant) Matter {
	m := Matter{Intake: workorder.Intake{Channel: ch, LineCode: workorder.MainLine, Type: v.typ,
		Category: l.code, Urgency: workorder.UrgencyNormal}}
	if len(l.lines) > 0 && ch == workorder.ChannelPhone && x.rng.Float64() < 0.3 {
		m.Intake.LineCode = x.oneOf(l.lines) // the caller dialled the old number
	}
	m.Intake.Title = x.fill(v.title)
	var b strings.Builder
	opener := x.oneOf(openers[ch])
	if strings.Contains(opener, "%s") {
		opener = fmt.Sprintf(opener, x.oneOf(verbs[v.typ]))
	}
	b.WriteString(opener)
	b.WriteString(x.fill(v.body))
	if !v.sensor && ch != workorder.ChannelGrid {
		b.WriteString(x.oneOf(closers[v.typ]))
	}
	switch r := x.rng.Float64(); {
	case r < emergencyShare[l.code]:
		m.Intake.Urgency = workorder.UrgencyEmergency
	case r < emergencyShare[l.code]+urgentShare[l.code]+0.02:
		m.Intake.Urgency = workorder.UrgencyUrgent
	}
	if l.mode != addrNone {
		m.Intake.Address = x.slot("addr")
		m.PlaceCode = x.spot.code
		p := x.pointIn(x.spot)
		m.Intake.Lng, m.Intake.Lat = p[0], p[1]
	}
	switch ch {
	case workorder.ChannelSensor, workorder.ChannelGrid:
	default:
		m.Intake.Caller = x.caller()
		if m.Intake.Caller.Confidential {
			b.WriteString("来电人要求对其个人信息保密。")
		}
	}
	m.Intake.Description = b.String()
	if utf8.RuneCountInString(m.Intake.Title) > workorder.MaxTitle {
		m.Intake.Title = string([]rune(m.Intake.Title)[:workorder.MaxTitle])
	}
	return m
}

// pointIn draws a point inside the grid, near its centre; the grid index is asked so that the point
// locates back to exactly this grid, as the intake will locate it.
func (x *Texts) pointIn(g *gridSpot) orb.Point {
	return pointInGrid(x.rng, x.index, g.code, g.center, g.bound, 0.5)
}

// roundMicro keeps six decimals of a degree (about 10 cm), as a phone's location would give.
func roundMicro(f float64) float64 { return math.Round(f*1e6) / 1e6 }

func (x *Texts) fill(tmpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		b.WriteString(tmpl[:i])
		b.WriteString(x.slot(tmpl[i+1 : i+j]))
		tmpl = tmpl[i+j+1:]
	}
}

// slot fills a slot once per matter, so that the same road or compound is named throughout.
func (x *Texts) slot(name string) string {
	if v, ok := x.slots[name]; ok {
		return v
	}
	v := x.slotValue(name)
	x.slots[name] = v
	return v
}

var (
	brands = []string{"兴旺", "鑫源", "福满多", "好再来", "金鼎", "老街", "聚福", "宏达", "恒泰", "顺发", "瑞祥", "天和",
		"万家", "百佳", "金海", "新世纪", "佳美", "华辰", "盛源", "丰华"}
	chineseDigits = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
	hospitals     = []string{"市人民医院", "市中医医院", "市妇幼保健院", "市第二人民医院"}
	parks         = []string{"人民公园", "滨河公园", "植物园", "湿地公园", "儿童公园", "体育公园"}
	durations     = []string{"三天", "四五天", "一个星期", "十多天", "半个多月", "二十多天"}
	monthSpans    = []string{"两个月", "三个月", "四个多月", "半年"}
	plateLetters  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
)

func (x *Texts) slotValue(name string) string {
	g := x.spot
	switch name {
	case "addr":
		return x.address()
	case "xq":
		if g.village {
			return g.commName + chineseNumber(g.book.groups[x.rng.IntN(len(g.book.groups))]) + "组"
		}
		return g.book.compounds[x.rng.IntN(len(g.book.compounds))].name
	case "bld":
		buildings := 6
		xq := x.slot("xq")
		for _, c := range g.book.compounds {
			if c.name == xq {
				buildings = c.buildings
			}
		}
		return strconv.Itoa(1+x.rng.IntN(buildings)) + "号楼"
	case "unit":
		return strconv.Itoa(1+x.rng.IntN(6)) + "单元"
	case "road":
		return g.book.roads[x.rng.IntN(len(g.book.roads))].name
	case "road2":
		return x.crossing()
	case "community":
		return g.commName
	case "street":
		return g.street
	case "district":
		return g.district
	case "shop":
		return x.slot("brand") + x.oneOf(x.leaf.shops)
	case "brand":
		return x.oneOf(brands)
	case "days":
		return x.oneOf(durations)
	case "months":
		return x.oneOf(monthSpans)
	case "money":
		n := 800 + x.rng.IntN(60)*500
		if n >= 10000 {
			return strconv.FormatFloat(float64(n)/10000, 'f', -1, 64) + "万元"
		}
		return strconv.Itoa(n) + "元"
	case "sum":
		return strconv.Itoa(3+x.rng.IntN(60)) + "万元"
	case "bus":
		return strconv.Itoa(1+x.rng.IntN(36)) + "路"
	case "plate":
		return fmt.Sprintf("蒙C·%c%04d", plateLetters[x.rng.IntN(len(plateLetters))], x.rng.IntN(10000))
	case "school":
		kind := "小学"
		if x.rng.IntN(3) == 0 {
			kind = "中学"
		}
		return g.district + "第" + chineseDigits[x.rng.IntN(10)] + kind
	case "hospital":
		return x.oneOf(hospitals)
	case "park":
		return x.oneOf(parks)
	}
	return ""
}

// address writes where the matter is, in the form its kind needs, from the grid's own names.
func (x *Texts) address() string {
	g := x.spot
	place := g.district + g.street + g.commName
	switch x.leaf.mode {
	case addrHome:
		if g.village {
			return g.district + g.street + x.slot("xq") + strconv.Itoa(1+x.rng.IntN(60)) + "号"
		}
		return place + x.slot("xq") + x.slot("bld") + x.slot("unit")
	case addrRoad:
		switch x.rng.IntN(3) {
		case 0:
			if road, other := x.slot("road"), x.slot("road2"); slices.ContainsFunc(g.book.junctions, func(j [2]string) bool {
				return j == [2]string{road, other} || j == [2]string{other, road}
			}) {
				return g.district + road + "与" + other + "交叉口"
			}
			fallthrough
		case 1:
			return g.district + x.slot("road") + x.door() + "附近"
		}
		return g.district + x.slot("road") + x.slot("xq") + "门口"
	case addrShop:
		return g.district + x.slot("road") + x.door() + x.slot("shop")
	case addrArea:
		return place
	}
	return ""
}

// door is a door number on the matter's road inside its grid (the address book knows which).
func (x *Texts) door() string {
	road := x.slot("road")
	stretches := x.spot.book.roads
	r := stretches[max(slices.IndexFunc(stretches, func(r roadStretch) bool { return r.name == road }), 0)]
	return strconv.Itoa(r.doors[x.rng.IntN(len(r.doors))]) + "号"
}

// crossing names a second road for the matter's road: one that crosses it inside the grid when there
// is one, else another road of the grid, else another road of the district.
func (x *Texts) crossing() string {
	g, road := x.spot, x.slot("road")
	for _, j := range g.book.junctions {
		switch road {
		case j[0]:
			return j[1]
		case j[1]:
			return j[0]
		}
	}
	for _, options := range [][]string{x.gridRoads(), x.book.roads[g.code[:6]]} {
		options = slices.DeleteFunc(slices.Clone(options), func(r string) bool { return r == road })
		if len(options) > 0 {
			return x.oneOf(options)
		}
	}
	return road
}

func (x *Texts) gridRoads() []string {
	var out []string
	for _, r := range x.spot.book.roads {
		out = append(out, r.name)
	}
	return out
}

// fakeMobilePrefixes start the callers' mobile numbers: "0000" after a real prefix makes them
// obviously fictional.
var fakeMobilePrefixes = []string{"1390000", "1380000", "1590000", "1860000", "1770000"}

// caller returns who called: one in eight is a regular who calls again and again (so that the agent's
// caller history has something to show), a few stay anonymous, some ask for confidentiality.
func (x *Texts) caller() workorder.Caller {
	switch r := x.rng.Float64(); {
	case r < 0.03:
		return workorder.Caller{Anonymous: true}
	case r < 0.15:
		return x.regulars[x.rng.IntN(len(x.regulars))]
	}
	return x.newCaller()
}

func (x *Texts) newCaller() workorder.Caller {
	var c workorder.Caller
	surname := x.oneOf(surnames)
	switch r := x.rng.Float64(); {
	case r < 0.35:
		c.Name = surname + "先生"
	case r < 0.7:
		c.Name = surname + "女士"
	case r < 0.9:
		c.Name = surname + x.oneOf(givenNames)
	}
	if x.rng.Float64() < 0.94 {
		c.Phone = fmt.Sprintf("%s%04d", x.oneOf(fakeMobilePrefixes), x.rng.IntN(10000))
	} else {
		c.Phone = fmt.Sprintf("0473-0%06d", x.rng.IntN(1_000_000)) // no local number starts with 0
	}
	c.Confidential = x.rng.Float64() < 0.04
	return c
}
