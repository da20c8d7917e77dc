package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeRequestsCSV writes n made-up requests of two kinds, in columns id,title,time,body,label.
func writeRequestsCSV(t *testing.T, path string, n int) {
	t.Helper()
	kinds := []struct{ title, body, label string }{
		{"%s路灯不亮", "%s的路灯坏了好几天，晚上一片漆黑，行人不安全。", "路灯"},
		{"%s工地夜间施工扰民", "%s旁边的工地每天半夜还在施工，噪音太大，睡不着觉。", "噪音"},
	}
	places := []string{"滨河路", "人民路", "新华街", "幸福小区", "阳光花园", "团结路", "丽景苑", "光明路"}
	var b strings.Builder
	b.WriteString("id,title,time,body,label\n")
	for i := range n {
		k, p := kinds[i%2], places[(i/2)%len(places)]
		fmt.Fprintf(&b, "%d,%s,2024/1/1,%s,%s\n", i, fmt.Sprintf(k.title, p), fmt.Sprintf(k.body, p), k.label)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestClassifyEvalTrainPredict(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	writeRequestsCSV(t, train, 40)
	writeRequestsCSV(t, test, 10)

	lastLineFormat := regexp.MustCompile(`^accuracy=\d\.\d{4} macro_f1=\d\.\d{4}$`)
	cv := mustCLI(t, "classify", "eval", "--train", train, "--folds", "4")
	if last := lastLine(cv); !lastLineFormat.MatchString(last) || last != "accuracy=1.0000 macro_f1=1.0000" {
		t.Errorf("cross-validation's last line %q; output:\n%s", last, cv)
	}
	if !strings.Contains(cv, "4-fold cross-validation on 40 examples") || !strings.Contains(cv, "  路灯\n") {
		t.Errorf("cross-validation output:\n%s", cv)
	}
	held := mustCLI(t, "classify", "eval", "--train", train, "--test", test)
	if last := lastLine(held); !lastLineFormat.MatchString(last) || !strings.Contains(held, "tested on 10 of") {
		t.Errorf("train/test output:\n%s", held)
	}

	model := filepath.Join(dir, "model.bin")
	if out := mustCLI(t, "classify", "train", "--csv", train, "--out", model); !strings.Contains(out, "trained on 40 examples, 2 labels") {
		t.Errorf("train: %q", out)
	}
	out := mustCLI(t, "classify", "predict", "--model", model, "--title", "路灯坏了", "新华街的路灯晚上不亮")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasSuffix(lines[0], "  路灯") || lines[2] != "confident" {
		t.Errorf("predict:\n%s", out)
	}
	if out := mustCLI(t, "classify", "predict", "--model", model, "😀😀"); !strings.Contains(out, "unsure") {
		t.Errorf("predict of emoji:\n%s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d files in the directory; a temporary model file was left behind?", len(entries))
	}
}

func TestClassifyErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("title,body,label\n路灯不亮,晚上很黑,路灯\n工地扰民,半夜施工,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notModel := filepath.Join(dir, "model.bin")
	if err := os.WriteFile(notModel, []byte("title,body,label\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"classify", "eval", "--train", bad}, "bad.csv: line 3: column label: empty"},
		{[]string{"classify", "eval"}, "--train is required"},
		{[]string{"classify", "train", "--csv", bad}, "--csv and --out are required"},
		{[]string{"classify", "predict", "--model", notModel, "路灯"}, "model.bin: not a cityline classifier model"},
		{[]string{"classify", "predict", "--model", notModel}, "want TEXT"},
		{[]string{"classify", "nonsense"}, `unknown command "nonsense"`},
	}
	for _, tc := range tests {
		code, _, errOut := cli(t, tc.args...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
}
