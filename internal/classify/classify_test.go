package classify

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// matters are made-up requests of three kinds, written for these tests; {road}, {xq} and {days} are
// filled per example so that no two examples are the same.
var matters = map[string][]string{
	"streetlight": {
		"{road}路灯不亮|{road}的路灯已经{days}不亮了，晚上路上一片漆黑，行人走路很不安全，希望尽快维修。",
		"{xq}门口路灯坏了|{xq}门口那根路灯一闪一闪，现在完全不亮了，老人晚上出门很不方便。",
		"{road}灯杆倾斜|{road}有一根路灯杆被车撞歪了，向人行道倾斜，随时可能倒下。",
		"{road}路灯白天常亮|{road}的路灯白天也一直亮着，已经{days}了，浪费电，请派人检修。",
	},
	"noise": {
		"{xq}工地夜间施工噪音扰民|{xq}旁边的工地每天晚上十一点以后还在打桩，噪音很大，孩子睡不着觉。",
		"{road}烧烤店深夜扰民|{road}上的烧烤店每天营业到凌晨两点，客人喝酒划拳声音很吵，已经{days}了。",
		"{xq}广场舞音响太吵|{xq}广场舞每天早上六点开始放音乐，音响开得很大，严重影响休息。",
		"{xq}楼上装修噪音|{xq}楼上装修周末也在电钻砸墙，噪音从早到晚，物业劝说无效。",
	},
	"heating": {
		"{xq}暖气不热|{xq}今年供暖以来家里暖气一直不热，室内温度只有十四度，老人孩子都冻感冒了。",
		"{xq}暖气漏水|{xq}家里暖气片接口漏水，地板都泡了，找供热公司{days}没人来修。",
		"{xq}何时供暖|已经降温{days}了，{xq}还没有开始供暖，想问一下今年什么时候供热。",
		"{xq}供暖费收费标准|想咨询一下{xq}今年的供暖费按什么标准收取，能不能按实际面积缴费。",
	},
}

var (
	roads = []string{"滨河路", "人民路", "新华街", "黄河大街", "海北路", "团结路", "友谊路", "光明路"}
	xqs   = []string{"幸福小区", "阳光花园", "金地家园", "丽景苑", "滨河新村", "和平小区", "绿城", "康乐园"}
	days  = []string{"三天", "一个星期", "十多天", "半个月", "好几天"}
)

// syntheticExamples fills the matters n times over; a share noise of them get a wrong label, as
// real history has.
func syntheticExamples(n int, noise float64, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 1))
	labels := []string{"heating", "noise", "streetlight"}
	var out []Example
	for range n {
		label := labels[rng.IntN(len(labels))]
		tmpl := matters[label][rng.IntN(len(matters[label]))]
		r := strings.NewReplacer("{road}", roads[rng.IntN(len(roads))], "{xq}", xqs[rng.IntN(len(xqs))], "{days}", days[rng.IntN(len(days))])
		title, body, _ := strings.Cut(r.Replace(tmpl), "|")
		if rng.Float64() < noise {
			label = labels[rng.IntN(len(labels))]
		}
		out = append(out, Example{Title: title, Body: body, Label: label})
	}
	return out
}

func trainSynthetic(t testing.TB) *Model {
	t.Helper()
	m, err := Train(syntheticExamples(300, 0, 1), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// normalize returns text as the classifier reads it: at most max characters, folded, with every run
// of separators turned into one space.
func normalize(text string, max int) string {
	var b strings.Builder
	space := false
	walk(text, max, func(r rune, kind runeKind) {
		if kind == kindSeparator {
			space = b.Len() > 0
			return
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	})
	return b.String()
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"路灯不亮", 100, "路灯不亮"},
		{"ＡＢＣ１２３ｘ", 100, "abc000x"},
		{"Room 5B, 3号楼!!", 100, "room 0b 0号楼"},
		{"社區路燈壞了", 100, "社区路灯坏了"},
		{"  😀🙏 路灯……坏了 ", 100, "路灯 坏了"},
		{"😀😀", 100, ""},
		{"", 100, ""},
		{"路灯不亮已经一周", 4, "路灯不亮"},
		{"\xff\xfe路灯", 100, "路灯"},
	}
	for _, tc := range tests {
		if got := normalize(tc.in, tc.max); got != tc.want {
			t.Errorf("normalize(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestTradPairs checks the traditional→simplified table: pairs, no character twice, and no
// simplified character that is itself mapped.
func TestTradPairs(t *testing.T) {
	if utf8.RuneCountInString(tradPairs)%2 != 0 {
		t.Fatal("tradPairs has an odd number of characters")
	}
	pairs := []rune(tradPairs)
	seen := map[rune]bool{}
	for i := 0; i < len(pairs); i += 2 {
		from, to := pairs[i], pairs[i+1]
		if seen[from] || from < cjkFirst || from > cjkLast {
			t.Errorf("%c is listed twice or lies outside the common CJK block", from)
		}
		seen[from] = true
		if normalRune(from) != to || normalRune(to) != to {
			t.Errorf("%c → %c: normalRune gives %c, then %c", from, to, normalRune(from), normalRune(to))
		}
	}
}

func terms(text string, tag uint64) []uint64 {
	var out []uint64
	fieldTerms(text, MaxBodyRunes, tag, func(h uint64) bool {
		out = append(out, h)
		return true
	})
	return out
}

func TestFieldTerms(t *testing.T) {
	gram := func(s string) uint64 { all := terms(s, tagBody); return all[len(all)-1] }
	// Each Han character adds the n-grams of length 1..3 that end with it, longest last.
	if got := terms("路灯坏", tagBody); len(got) != 6 || got[0] != gram("路") || got[2] != gram("路灯") || got[5] != gram("路灯坏") {
		t.Errorf("路灯坏: %d terms", len(got))
	}
	// Punctuation, spaces and words of other scripts end an n-gram.
	for _, text := range []string{"路灯，坏了", "路灯 坏了", "路灯abc坏了"} {
		for _, h := range terms(text, tagBody) {
			if h == gram("灯坏") {
				t.Errorf("%q gave the n-gram 灯坏 across a separator", text)
			}
		}
	}
	if got := terms("wifi断了", tagBody); len(got) != 4 || got[0] != terms("WiFi", tagBody)[0] {
		t.Errorf("wifi断了: a word and three n-grams expected, got %d terms", len(got))
	}
	if terms("路灯", tagTitle)[0] == terms("路灯", tagBody)[0] {
		t.Error("title and body n-grams share a hash")
	}
	if got := terms(strings.Repeat("路", MaxBodyRunes*3), tagBody); len(got) != 3*MaxBodyRunes-3 {
		t.Errorf("a long text gave %d terms; only its first %d characters count", len(got), MaxBodyRunes)
	}
	if got := terms("😀🙏！", tagBody); len(got) != 0 {
		t.Errorf("emoji gave %d terms", len(got))
	}
}

func TestTrainAndPredict(t *testing.T) {
	m := trainSynthetic(t)
	if got := m.Labels(); strings.Join(got, ",") != "heating,noise,streetlight" {
		t.Fatalf("labels %v", got)
	}
	tests := []struct{ title, body, want string }{
		{"路灯不亮", "光明路的路灯坏了，晚上很黑", "streetlight"},
		{"暖气不热", "家里暖气温度太低", "heating"},
		{"工地夜间施工扰民", "", "noise"},
	}
	for _, tc := range tests {
		p := m.Predict(tc.title, tc.body)
		if p.Label() != tc.want || !p.Confident || len(p.Top) != 3 {
			t.Errorf("Predict(%q, %q) = %+v, want a confident %s", tc.title, tc.body, p, tc.want)
		}
		sum := 0.0
		for i, s := range p.Top {
			sum += s.Confidence
			if i > 0 && s.Confidence > p.Top[i-1].Confidence {
				t.Errorf("top labels out of order: %+v", p.Top)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("probabilities of three labels add up to %v", sum)
		}
	}
	if _, err := Train(syntheticExamples(10, 0, 1)[:1], Options{}); err == nil || !strings.Contains(err.Error(), "want 2 to 10000 different labels, got 1") {
		t.Errorf("one label: err = %v", err)
	}
	if _, err := Train([]Example{{Title: "x", Label: "a"}, {Title: "y"}}, Options{}); err == nil || err.Error() != "example 2: label is empty" {
		t.Errorf("empty label: err = %v", err)
	}
}

// TestBadInput: text the model cannot read gives a low-confidence answer, never a crash, and never a
// confident wrong one.
func TestBadInput(t *testing.T) {
	m := trainSynthetic(t)
	unsure := map[string][2]string{
		"empty":         {"", ""},
		"emoji only":    {"😀😀🙏", "👍👍👍👍"},
		"English":       {"Street light broken", "The street light near my home has been off for a week."},
		"mixed, little": {"Help", "The light near my home is broken 路灯"},
		"invalid UTF-8": {"\xff\xfe", "\xc3\x28\xa0\xa1"},
		"unrelated":     {"", "今天天气很好"},
		"control chars": {"\x00\x01", "\t\r\n\x1b[31m"},
	}
	for name, in := range unsure {
		p := m.Predict(in[0], in[1])
		if p.Confident || len(p.Top) != 3 || p.Top[0].Confidence > 0.6 {
			t.Errorf("%s: %+v, want three labels and no confidence", name, p)
		}
	}
	readable := map[string][3]string{
		"traditional": {"", "幸福小區門口的路燈壞了好幾天，晚上一片漆黑", "streetlight"},
		"very long":   {strings.Repeat("暖气不热", 10_000), strings.Repeat("家里暖气一直不热，", 100_000), "heating"},
		"mixed":       {"Heating", "我家的暖气不热 please help, 室内温度只有十四度", "heating"},
	}
	for name, in := range readable {
		p := m.Predict(in[0], in[1])
		if p.Confident && p.Label() != in[2] {
			t.Errorf("%s: confidently %s, want %s or unsure", name, p.Label(), in[2])
		}
	}
	if p := m.Predict("", readable["traditional"][1]); p.Label() != "streetlight" {
		t.Errorf("traditional characters were not read as simplified: %+v", p)
	}
}

// TestCalibration: on held-out examples, the mean probability of the top label is close to how
// often it is right, here on data where one label in five is wrong, as in a careless history.
func TestCalibration(t *testing.T) {
	train, err := Train(syntheticExamples(1500, 0.2, 2), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := train.Evaluate(syntheticExamples(1500, 0.2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if r.Accuracy > 0.95 || math.Abs(r.MeanConfidence-r.Accuracy) > 0.05 {
		t.Errorf("accuracy %.3f, mean confidence %.3f: want them within 0.05 (and noise to cost accuracy)", r.Accuracy, r.MeanConfidence)
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := trainSynthetic(t)
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo: %d bytes reported, %d written, %v", n, buf.Len(), err)
	}
	back, err := ReadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range syntheticExamples(50, 0.5, 9) {
		a, b := m.Predict(ex.Title, ex.Body), back.Predict(ex.Title, ex.Body)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("prediction changed by the round trip: %+v, then %+v", a, b)
		}
	}
	var again bytes.Buffer
	if _, err := back.WriteTo(&again); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Errorf("the model read back writes different bytes (%v)", err)
	}
	if back.Thresholds() != DefaultThresholds {
		t.Errorf("thresholds %+v", back.Thresholds())
	}
}

func TestReadModelErrors(t *testing.T) {
	var buf bytes.Buffer
	if _, err := trainSynthetic(t).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a cityline classifier model"},
		{"foreign", []byte("PK\x03\x04 this is a zip file, not a model"), "not a cityline classifier model"},
		{"future version", edit(func(b []byte) []byte { b[8] = 9; return b }), "format version 9"},
		{"cut in the header", good[:12], "truncated (in the header)"},
		{"cut in the weights", good[:len(good)-200], "truncated"},
		{"checksum missing", good[:len(good)-2], "checksum is missing"},
		{"a flipped bit", edit(func(b []byte) []byte { b[len(b)/2] ^= 4; return b }), "checksum does not match"},
		{"trailing data", append(bytes.Clone(good), 0), "data after its checksum"},
		{"absurd size", edit(func(b []byte) []byte { b[12] = 0xff; b[13] = 0xff; b[14] = 0xff; return b }), "out of bounds"},
	}
	for _, tc := range tests {
		_, err := ReadModel(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	ex, err := ReadCSV(strings.NewReader("\ufeffid,label,time,body,title\n1,路灯,2020/1/1,晚上很黑,路灯不亮\n2,噪音,,,工地扰民\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{{"路灯不亮", "晚上很黑", "路灯"}, {"工地扰民", "", "噪音"}}
	if fmt.Sprint(ex) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", ex, want)
	}
	bad := map[string]string{
		"":                                        "line 1: the file is empty",
		"title,body\n":                            "line 1: no label column",
		"title,body,label\na,b,c\nd,e,\n":         "line 3: column label: empty",
		"title,body,label\n,,c\n":                 "line 2: columns title and body: both empty",
		"id,title,body,label\n1,a,b,c\n2,a\n":     "line 3: column body: missing",
		"title,body,label\n\"unclosed,b,c\n":      "extraneous or missing \" in quoted-field",
		"title,body,label\na,b,c\nd,\"e\"x\",f\n": "line 3",
	}
	for in, want := range bad {
		if _, err := ReadCSV(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

// labelled reads the real labelled messages (see ../shared/data/README.md), or skips.
func labelled(t testing.TB) []Example {
	t.Helper()
	dir, err := os.Getwd()
	for err == nil {
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			break
		}
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
		} else {
			err = errors.New("no go.mod above the package")
		}
	}
	var f *os.File
	if err == nil {
		f, err = os.Open(filepath.Join(dir, "..", "shared", "data", "tipdm2020c", "labelled.csv"))
	}
	if err != nil {
		t.Skipf("the labelled hotline messages are absent (%v): see ../shared/data/README.md", err)
	}
	defer f.Close()
	ex, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// TestCrossValidateLabelled measures the classifier on 990 real messages in 7 first-level classes
// (5-fold cross-validation), and the size of a model trained on all of them.
func TestCrossValidateLabelled(t *testing.T) {
	ex := labelled(t)
	r, err := CrossValidate(ex, 5, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("accuracy=%.4f macro_f1=%.4f mean confidence %.4f, confident %d (%d right)", r.Accuracy, r.MacroF1, r.MeanConfidence, r.Confident, r.ConfidentCorrect)
	if r.Accuracy < minLabelledAccuracy || r.MacroF1 < minLabelledAccuracy-0.01 {
		t.Errorf("accuracy %.4f, macro F1 %.4f: want at least %.2f", r.Accuracy, r.MacroF1, minLabelledAccuracy)
	}
	if math.Abs(r.MeanConfidence-r.Accuracy) > 0.03 {
		t.Errorf("mean confidence %.4f against accuracy %.4f: not calibrated", r.MeanConfidence, r.Accuracy)
	}
	if ratio(r.ConfidentCorrect, r.Confident) < 0.92 {
		t.Errorf("confident predictions are right %d times in %d", r.ConfidentCorrect, r.Confident)
	}
	m, err := Train(ex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 20<<20 {
		t.Errorf("model file of %d bytes; want under 20 MB", buf.Len())
	}
}

// minLabelledAccuracy is the accuracy the classifier keeps in 5-fold cross-validation on the
// labelled messages. Issue 5 asks for 0.92; character n-grams and linear models trained on these
// 990 messages alone reach about 0.87 (see the package's report), so this guards against regressions.
const minLabelledAccuracy = 0.86

// BenchmarkPredict classifies real messages cut to about 150 characters, with a model trained on
// the labelled set.
func BenchmarkPredict(b *testing.B) {
	ex := labelled(b)
	m, err := Train(ex, Options{})
	if err != nil {
		b.Fatal(err)
	}
	texts := make([][2]string, len(ex))
	for i, e := range ex {
		body := []rune(e.Body)
		texts[i] = [2]string{e.Title, string(body[:min(len(body), 130)])}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Predict(texts[i][0], texts[i][1])
		i = (i + 1) % len(texts)
	}
}
