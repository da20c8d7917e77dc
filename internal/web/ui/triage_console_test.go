package ui_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestConsoleTriagePanel: the call desk's triage panel warns of a police matter and of a matter for
// another channel as it is typed, says why a person must decide, and is for call-takers only.
func TestConsoleTriagePanel(t *testing.T) {
	articleFixture(t)
	c := signedIn(t, "agent1")
	panel := func(title, description string) string {
		_, body := get(t, c, "/desk/intake/triage?"+url.Values{"title": {title}, "description": {description}}.Encode())
		return body
	}
	body := panel("楼下有人打架", "两个人现在正在打架，已经见血了")
	for _, want := range []string{`id="triage-police"`, "治安事件", "正在发生", "<mark>打架</mark>", `id="triage-human"`, "疑似警情"} {
		if !strings.Contains(body, want) {
			t.Errorf("a fight: the panel lacks %s: %s", want, body)
		}
	}
	body = panel("法院判决不执行", "判决生效一年了对方还不执行")
	if !strings.Contains(body, `id="triage-referral"`) || !strings.Contains(body, "12368") {
		t.Errorf("a court matter: no referral script: %s", body)
	}
	if body := panel("", ""); !strings.Contains(body, `id="triage-hint"`) {
		t.Errorf("an empty form: %s", body)
	}
	if strings.Contains(panel("路灯不亮", "小区门口路灯坏了"), `id="triage-police"`) {
		t.Error("a broken lamp is offered to 110")
	}
	if res, _ := get(t, signedIn(t, "hbw-staff"), "/desk/intake/triage?title=x"); res.StatusCode != 404 {
		t.Errorf("street staff reached the call desk's panel: %d", res.StatusCode)
	}
	if _, body := get(t, c, "/desk/intake"); !strings.Contains(body, `hx-get="/desk/intake/triage"`) {
		t.Error("the console has no triage panel")
	}
}
