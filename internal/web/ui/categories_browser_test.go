package ui_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
)

// chooseDatatype picks a datatype in the attribute editor the way a person does, so that htmx sees the
// change and redraws the editor.
func chooseDatatype(t *testing.T, ctx context.Context, row int, datatype string) {
	t.Helper()
	sel := strconv.Quote(`select[name="attributes[` + strconv.Itoa(row) + `].datatype"]`)
	if !eval[bool](t, ctx, `(() => { const s = document.querySelector(`+sel+`); if (!s) return false;
		s.value = `+strconv.Quote(datatype)+`; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`) {
		t.Fatalf("no datatype select in attribute row %d", row)
	}
}

func attrInputCSS(path string) chromedp.CSS { return chromedp.CSS(`[name="` + path + `"]`) }

func TestBrowserAdminEditsTheCatalogue(t *testing.T) {
	catFixture(t)
	ctx := tab(t)
	login(t, ctx, "admin")
	parent := catalogue.roads.Code
	name := "测试护栏损坏" + strconv.FormatInt(catSerial.Add(1), 10)

	do(t, ctx, "open the catalogue and add a child under 测试道路",
		chromedp.Navigate(site.URL+"/admin/categories"),
		chromedp.WaitVisible(chromedp.ID("categories")),
		chromedp.Click(chromedp.CSS(`#c-`+parent+` a.add-child`)),
		chromedp.WaitVisible(chromedp.ID("cat-form")))
	if got := text(t, ctx, "#cat-path"); got != "上级分类：测试市政/测试道路" {
		t.Errorf("the new form says %q, want the parent's path", got)
	}
	screenshot(t, ctx, "category-new")
	do(t, ctx, "fill in and save the new category",
		chromedp.SendKeys(chromedp.ID("f-name"), name),
		chromedp.SendKeys(chromedp.ID("f-keywords"), "护栏，损坏"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	code := eval[string](t, ctx, `document.querySelector('#categories tr.row-highlight').dataset.code`)
	if got := storedCategory(t, code); got.Name != name || got.ParentCode != parent || !reflect.DeepEqual(got.Keywords, []string{"护栏", "损坏"}) {
		t.Fatalf("stored %+v", got)
	}
	if got := text(t, ctx, "#notice"); !strings.Contains(got, "已添加分类 "+code) {
		t.Errorf("notice = %q", got)
	}
	screenshot(t, ctx, "categories")

	do(t, ctx, "edit it: rename and ask one question with a mistake in a value",
		chromedp.Click(chromedp.CSS(`#c-`+code+` a.edit`)),
		chromedp.WaitVisible(chromedp.ID("cat-form")),
		chromedp.Clear(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), name+"改"),
		chromedp.Click(chromedp.ID("add-attr")),
		chromedp.WaitVisible(attrInputCSS("attributes[0].code")),
		chromedp.SendKeys(attrInputCSS("attributes[0].code"), "rail_type"),
		chromedp.SendKeys(attrInputCSS("attributes[0].description"), "护栏是什么材质"))
	chooseDatatype(t, ctx, 0, "singlevaluelist")
	do(t, ctx, "fill in two values, one with a bad key",
		chromedp.WaitVisible(attrInputCSS("attributes[0].values[0].key")),
		chromedp.SendKeys(attrInputCSS("attributes[0].values[0].key"), "steel"),
		chromedp.SendKeys(attrInputCSS("attributes[0].values[0].name"), "钢护栏"),
		chromedp.Click(chromedp.CSS(`.add-value`)),
		chromedp.WaitVisible(attrInputCSS("attributes[0].values[1].key")),
		chromedp.SendKeys(attrInputCSS("attributes[0].values[1].key"), "水泥"),
		chromedp.SendKeys(attrInputCSS("attributes[0].values[1].name"), "水泥护栏"))
	if got := eval[string](t, ctx, `document.getElementById('f-name').value`); got != name+"改" {
		t.Errorf("the editor's redraws lost the name: %q", got)
	}
	do(t, ctx, "save with the bad key",
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("form-errors")))
	if got := text(t, ctx, "#form-errors"); !strings.Contains(got, "附加字段 1 › 选项 2 › 选项键：") {
		t.Errorf("the error %q does not name the nested field", got)
	}
	if got := eval[string](t, ctx, `document.querySelector('[name="attributes[0].values[1].key"]').value`); got != "水泥" {
		t.Errorf("the refused value key is %q, want what was typed", got)
	}
	if got := eval[string](t, ctx, `getComputedStyle(document.querySelector('[name="attributes[0].values[1].key"]')).borderTopColor`); got != "rgb(179, 38, 30)" {
		t.Errorf("the refused input's border is %s, want it marked in the danger colour", got)
	}
	screenshot(t, ctx, "category-errors")
	do(t, ctx, "correct the key and save",
		chromedp.Clear(attrInputCSS("attributes[0].values[1].key")),
		chromedp.SendKeys(attrInputCSS("attributes[0].values[1].key"), "concrete"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	saved := storedCategory(t, code)
	wantAttrs := []category.Attribute{{Code: "rail_type", Datatype: category.SingleValueList, Description: "护栏是什么材质", Order: 1,
		Values: []category.Value{{Key: "steel", Name: "钢护栏"}, {Key: "concrete", Name: "水泥护栏"}}}}
	if saved.Name != name+"改" || !reflect.DeepEqual(saved.Attributes, wantAttrs) {
		t.Fatalf("stored %q with %+v", saved.Name, saved.Attributes)
	}

	do(t, ctx, "open the edit form again",
		chromedp.Click(chromedp.CSS(`#c-`+code+` a.edit`)),
		chromedp.WaitVisible(chromedp.ID("cat-form")))
	screenshot(t, ctx, "category-edit")
	other := saved
	other.Name = name + "（他人）"
	if _, err := site.st.UpdateCategory(context.Background(), audit.System, other); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "save the stale form",
		chromedp.Clear(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), name+"（我）"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("conflict")))
	if got := text(t, ctx, "#conflict"); !strings.Contains(got, "他人已修改") {
		t.Errorf("conflict message = %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('f-name').value`); got != name+"（我）" {
		t.Errorf("name after the conflict = %q, want what was typed", got)
	}
	if got := storedCategory(t, code); got.Name != other.Name || !reflect.DeepEqual(got.Attributes, wantAttrs) {
		t.Errorf("the stale edit overwrote the other one: %+v", got)
	}
	screenshot(t, ctx, "category-conflict")

	do(t, ctx, "reload and retire it",
		chromedp.Click(chromedp.ID("reload")),
		chromedp.WaitNotPresent(chromedp.ID("conflict")),
		chromedp.WaitVisible(chromedp.ID("retire")))
	if got := eval[string](t, ctx, `document.getElementById('f-name').value`); got != other.Name {
		t.Errorf("after the reload the name is %q, want the other edit", got)
	}
	do(t, ctx, "retire",
		chromedp.Click(chromedp.ID("retire")),
		chromedp.WaitVisible(chromedp.ID("notice")))
	if storedCategory(t, code).Active {
		t.Fatal("the category is still active")
	}
	if got := text(t, ctx, `#c-`+code+` .cat-status`); got != "停用" {
		t.Errorf("the retired row's status = %q, want 停用", got)
	}
	if got := eval[string](t, ctx, `getComputedStyle(document.querySelector('#c-`+code+` .cat-name a')).textDecorationLine`); got != "line-through" {
		t.Errorf("the retired row is not struck through (%q)", got)
	}
	screenshot(t, ctx, "categories-retired")
	do(t, ctx, "show active categories only",
		chromedp.Click(chromedp.CSS(`#cat-filter a[data-show="active"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cat-filter a.current[data-show="active"]`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('#c-`+code+`').length`); n != 0 {
		t.Error("the active-only tree shows the retired category")
	}
	screenshot(t, ctx, "categories-active")
}

func TestBrowserCatalogueInEnglishAndReadOnly(t *testing.T) {
	catFixture(t)
	ctx := tab(t)
	login(t, ctx, "agent1")
	do(t, ctx, "open a category as an agent, in English",
		chromedp.Navigate(site.URL+"/lang?to=en&next=/admin/categories/"+catalogue.lamp.Code),
		chromedp.WaitVisible(chromedp.ID("cat-details")))
	if got := text(t, ctx, "#cat-attr-list"); !strings.Contains(got, "Single choice") || !strings.Contains(got, "flashing") {
		t.Errorf("the attribute list reads %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('form[action^="/admin/categories"]').length`); n != 0 {
		t.Errorf("an agent sees %d catalogue forms", n)
	}
	screenshot(t, ctx, "category-readonly-en")
}
