package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

// catalogue is the small catalogue the category tests share, under the level-1 code 91 so that it
// never meets the demo catalogue (01-17) that other tests may import into the same site. Tests that
// change a category make their own with newTestCategory.
var catalogue struct {
	once   sync.Once
	err    error
	root   category.Category // 91 测试市政
	lights category.Category // 测试照明, level 2
	roads  category.Category // 测试道路, level 2
	lamp   category.Category // 测试路灯不亮, level 3, with keywords and attributes
	deep   category.Category // level 4, which can have no children
}

func catFixture(t *testing.T) {
	t.Helper()
	catalogue.once.Do(func() { catalogue.err = buildCatalogue(context.Background()) })
	if catalogue.err != nil {
		t.Fatalf("catalogue fixture: %v", catalogue.err)
	}
}

func buildCatalogue(ctx context.Context) error {
	add := func(c category.Category) (category.Category, error) {
		c.Active = true
		return site.st.CreateCategory(ctx, audit.System, c)
	}
	var err error
	if catalogue.root, err = add(category.Category{Code: "91", Level: 1, Name: "测试市政", Group: "测试市政", SortOrder: 91}); err != nil {
		return err
	}
	if catalogue.lights, err = add(category.Category{ParentCode: "91", Name: "测试照明", Group: "测试市政", SortOrder: 1}); err != nil {
		return err
	}
	if catalogue.roads, err = add(category.Category{ParentCode: "91", Name: "测试道路", Group: "测试市政", SortOrder: 2}); err != nil {
		return err
	}
	catalogue.lamp, err = add(category.Category{ParentCode: catalogue.lights.Code, Name: "测试路灯不亮", Group: "测试市政", SortOrder: 1,
		Keywords: []string{"路灯", "不亮"}, Attributes: []category.Attribute{
			{Code: "pole_number", Datatype: category.String, Description: "灯杆编号", Order: 1},
			{Code: "fault", Datatype: category.SingleValueList, Required: true, Description: "路灯怎么了", Order: 2,
				Values: []category.Value{{Key: "off", Name: "不亮"}, {Key: "flashing", Name: "闪烁"}}},
		}})
	if err != nil {
		return err
	}
	catalogue.deep, err = add(category.Category{ParentCode: catalogue.lamp.Code, Name: "测试第四级", SortOrder: 1})
	return err
}

// sessions signs each user in once, on first use.
type sessions map[string]*http.Client

func (s sessions) of(t *testing.T, username string) *http.Client {
	t.Helper()
	if s[username] == nil {
		s[username] = signedIn(t, username)
	}
	return s[username]
}

var catSerial atomic.Int64

// newTestCategory adds a category of its own to a test, with a name no other test uses.
func newTestCategory(t *testing.T, parent category.Category, name string) category.Category {
	t.Helper()
	c, err := site.st.CreateCategory(context.Background(), audit.System, category.Category{ParentCode: parent.Code, Active: true,
		Name: fmt.Sprintf("%s%d", name, catSerial.Add(1)), Group: "测试市政", SortOrder: 9})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func storedCategory(t *testing.T, code string) category.Category {
	t.Helper()
	c, err := site.st.Category(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// childNamed finds the child of parent called name, if there is one.
func childNamed(t *testing.T, parent, name string) (category.Category, bool) {
	t.Helper()
	kids, err := site.st.Categories(context.Background(), store.CategoryFilter{ParentCode: parent})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(kids, func(c category.Category) bool { return c.Name == name })
	if i < 0 {
		return category.Category{}, false
	}
	return kids[i], true
}

// catForm is a filled-in category form with the session's CSRF token.
func catForm(token string, fields ...string) url.Values {
	v := url.Values{"csrf_token": {token}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	return v
}

// postCSV uploads a catalogue file as the import form does.
func postCSV(t *testing.T, c *http.Client, token, name string, content []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("csrf_token", token); err != nil {
		t.Fatal(err)
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	res, err := c.Post(site.URL+"/admin/categories/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	return res, readBody(t, res)
}

// savedCode reads the code of the category a redirect back to the tree points at.
func savedCode(t *testing.T, res *http.Response, notice string) string {
	t.Helper()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/admin/categories" || loc.Query().Get("notice") != notice {
		t.Fatalf("answer %d to %q, want 303 to the tree with notice=%s", res.StatusCode, res.Header.Get("Location"), notice)
	}
	return loc.Query().Get("code")
}

func TestCategoryPagesByWho(t *testing.T) {
	catFixture(t)
	lamp, deep := catalogue.lamp.Code, catalogue.deep.Code
	tests := []struct {
		who, path  string
		want       int
		has, lacks []string
	}{
		{"admin", "/admin/categories", 200, []string{`id="new-root"`, `id="import-form"`, `data-code="91"`, `href="/admin/categories/new?parent=` + lamp + `"`,
			`data-nav="/admin/categories"`}, []string{`id="read-only"`, `href="/admin/categories/new?parent=` + deep + `"`}},
		{"admin", "/admin/categories/" + lamp, 200, []string{`id="cat-form"`, `name="attributes[1].values[1].key" value="flashing"`, `id="retire"`}, nil},
		{"admin", "/admin/categories/new?parent=" + lamp, 200, []string{`id="cat-form"`, `name="parent" value="` + lamp + `"`, "测试市政/测试照明/测试路灯不亮"}, nil},
		{"admin", "/admin/categories/new", 200, []string{`id="cat-form"`, `name="parent" value=""`}, nil},
		{"admin", "/admin/categories/new?parent=" + deep, 404, nil, nil},
		{"admin", "/admin/categories/new?parent=999999", 404, nil, nil},
		{"admin", "/admin/categories/new?parent=x", 404, nil, nil},
		{"admin", "/admin/categories/9999", 404, nil, nil},
		{"admin", "/admin/categories/abc", 404, nil, nil},
		{"admin", "/admin/categories/import", 303, []string{`href="/admin/categories"`}, nil},
		{"admin", "/admin/categories/" + lamp + "/retire", 303, []string{`href="/admin/categories/` + lamp + `"`}, nil},
		{"agent1", "/admin/categories", 200, []string{`id="read-only"`, `data-code="` + lamp + `"`},
			[]string{`id="new-root"`, `id="import-form"`, `class="add-child"`, `data-nav="/admin/categories"`}},
		{"agent1", "/admin/categories/" + lamp, 200, []string{`id="cat-details"`, "灯杆编号", "闪烁"}, []string{`id="cat-form"`, `id="retire"`}},
		{"agent1", "/admin/categories/new", 404, nil, nil},
		{"hbw-admin", "/admin/categories", 200, []string{`id="read-only"`}, []string{`id="new-root"`, `id="import-form"`}},
		{"hbw-admin", "/admin/categories/" + lamp, 200, []string{`id="cat-details"`}, []string{`id="cat-form"`}},
		{"hbw-admin", "/admin/categories/new?parent=" + lamp, 404, nil, nil},
	}
	clients := sessions{}
	for _, tc := range tests {
		res, body := get(t, clients.of(t, tc.who), tc.path)
		if res.StatusCode != tc.want {
			t.Errorf("%s GET %s = %d, want %d", tc.who, tc.path, res.StatusCode, tc.want)
			continue
		}
		if tc.want == 404 && !strings.Contains(body, `id="error-page"`) {
			t.Errorf("%s GET %s: 404 without the error page", tc.who, tc.path)
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("%s GET %s lacks %s", tc.who, tc.path, s)
			}
		}
		for _, s := range tc.lacks {
			if strings.Contains(body, s) {
				t.Errorf("%s GET %s shows %s", tc.who, tc.path, s)
			}
		}
	}

	anon := client(t)
	for _, path := range []string{"/admin/categories", "/admin/categories/" + lamp, "/admin/categories/new"} {
		res, _ := get(t, anon, path)
		if want := "/login?next=" + url.QueryEscape(path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("anonymous GET %s = %d to %q, want 303 to %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	res, _ := post(t, anon, "/admin/categories/"+lamp+"/retire", url.Values{"version": {"1"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("anonymous retire = %d to %q, want 303 to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	if !storedCategory(t, lamp).Active {
		t.Error("an anonymous request retired a category")
	}
}

func TestCategoryWritesRefusedToAllButCityAdmins(t *testing.T) {
	catFixture(t)
	leaf := newTestCategory(t, catalogue.lights, "测试只读")
	v := strconv.Itoa(leaf.Version)
	for _, who := range []string{"agent1", "hbw-admin"} {
		c := signedIn(t, who)
		token := csrf(t, c)
		for _, req := range []struct {
			path string
			form url.Values
		}{
			{"/admin/categories", catForm(token, "parent", catalogue.lights.Code, "name", "测试越权"+who)},
			{"/admin/categories/" + leaf.Code, catForm(token, "version", v, "parent", catalogue.lights.Code, "name", "测试越权改名")},
			{"/admin/categories/" + leaf.Code + "/retire", catForm(token, "version", v)},
			{"/admin/categories/" + leaf.Code + "/restore", catForm(token, "version", v)},
			{"/admin/categories/attributes", catForm(token, "op", "add-attr")},
		} {
			res, body := post(t, c, req.path, req.form)
			if res.StatusCode != http.StatusNotFound || !strings.Contains(body, `id="error-page"`) {
				t.Errorf("%s POST %s = %d, want the 404 page", who, req.path, res.StatusCode)
			}
		}
		if res, _ := postCSV(t, c, token, "cat.csv", []byte("level1\n测试越权导入\n")); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s import = %d, want 404", who, res.StatusCode)
		}
		if _, ok := childNamed(t, catalogue.lights.Code, "测试越权"+who); ok {
			t.Errorf("%s created a category", who)
		}
	}
	if after := storedCategory(t, leaf.Code); after.Version != leaf.Version || after.Name != leaf.Name || !after.Active {
		t.Errorf("after refused writes the category is %+v, want it untouched", after)
	}
	if _, ok := childNamed(t, "", "测试越权导入"); ok {
		t.Error("a refused import added a category")
	}

	admin := signedIn(t, "admin")
	res, _ := post(t, admin, "/admin/categories/"+leaf.Code+"/retire", url.Values{"version": {v}})
	if res.StatusCode != http.StatusForbidden || !storedCategory(t, leaf.Code).Active {
		t.Errorf("retire without the CSRF token = %d, want 403 and nothing changed", res.StatusCode)
	}
}

func TestCreateCategoryUnderAParent(t *testing.T) {
	catFixture(t)
	c := signedIn(t, "admin")
	res, _ := post(t, c, "/admin/categories", catForm(csrf(t, c), "parent", catalogue.lights.Code,
		"name", " 测试灯杆倾斜 ", "keywords", "灯杆，倾斜、 歪 ,", "group", "测试市政", "sort_order", "5",
		"description", "灯杆倾斜或松动",
		"attributes[0].code", "pole_number", "attributes[0].datatype", "string", "attributes[0].description", "灯杆编号",
		"attributes[0].order", "1", "attributes[0].required", "1",
		"attributes[4].datatype", "string", "attributes[4].order", "2")) // an added row left empty
	code := savedCode(t, res, "created")
	got := storedCategory(t, code)
	want := category.Category{Code: code, Name: "测试灯杆倾斜", ParentCode: catalogue.lights.Code, Level: 3, Description: "灯杆倾斜或松动",
		Keywords: []string{"灯杆", "倾斜", "歪"}, Group: "测试市政", Active: true, SortOrder: 5, Version: 1,
		Attributes: []category.Attribute{{Code: "pole_number", Datatype: category.String, Required: true, Description: "灯杆编号", Order: 1}}}
	if category.ParentOf(code) != catalogue.lights.Code || !reflect.DeepEqual(got, want) {
		t.Errorf("stored\n%+v\nwant\n%+v", got, want)
	}
	_, page := get(t, c, res.Header.Get("Location"))
	if !strings.Contains(page, "已添加分类 "+code) || !strings.Contains(page, `id="c-`+code+`" data-code="`+code+`" data-level="3" class="lvl-3 row-highlight"`) {
		t.Error("the tree does not report and mark the new category")
	}

	res, _ = post(t, c, "/admin/categories", catForm(csrf(t, c), "name", "测试一级新增", "sort_order", ""))
	top := storedCategory(t, savedCode(t, res, "created"))
	if top.Level != 1 || top.ParentCode != "" || top.SortOrder != 0 {
		t.Errorf("new top-level category = %+v", top)
	}
}

func TestCategoryFormErrorsNameTheField(t *testing.T) {
	catFixture(t)
	zh, en := signedIn(t, "admin"), signedIn(t, "admin")
	if res, _ := get(t, en, "/lang?to=en&next=/"); res.StatusCode != http.StatusSeeOther {
		t.Fatal("could not switch to English")
	}
	parent := catalogue.lights.Code
	before, err := site.st.Categories(context.Background(), store.CategoryFilter{ParentCode: parent})
	if err != nil {
		t.Fatal(err)
	}
	list := func(i int, fields ...string) []string {
		return append([]string{fmt.Sprintf("attributes[%d].datatype", i), "singlevaluelist", fmt.Sprintf("attributes[%d].order", i), "1",
			fmt.Sprintf("attributes[%d].code", i), "fault", fmt.Sprintf("attributes[%d].description", i), "怎么了"}, fields...)
	}
	tests := []struct {
		name   string
		c      *http.Client
		fields []string
		error  string // the message, naming the field
		kept   string // the typed input, as the refused form shows it
	}{
		{"no name", zh, []string{"name", "", "keywords", "路灯"}, "分类名称：必填", `value="路灯"`},
		{"sibling has the name", zh, []string{"name", "测试路灯不亮"}, "分类名称：必填，最多 40 个字，不能含“/”，同一上级下不能重名", `value="测试路灯不亮"`},
		{"slash in name", en, []string{"name", "灯/杆"}, `Name: required, at most 40 characters, no &#34;/&#34;`, `value="灯/杆"`},
		{"sort order not a number", zh, []string{"name", "测试排序", "sort_order", "12a"}, "排序：请填 0 或更大的整数", `value="12a"`},
		{"repeated keyword", zh, []string{"name", "测试关键词", "keywords", "路灯, 路灯"}, "关键词 2：", `value="路灯, 路灯"`},
		{"long description", zh, []string{"name", "测试说明", "description", strings.Repeat("长", 501)}, "说明：最多 500 个字", strings.Repeat("长", 501) + "</textarea>"},
		{"bad attribute code", en, []string{"name", "测试属性", "attributes[0].code", "Pole Number", "attributes[0].datatype", "string",
			"attributes[0].description", "灯杆编号", "attributes[0].order", "1"}, "Attribute 1 › Code: required: 1-32 characters", `name="attributes[0].code" value="Pole Number"`},
		{"attribute order not a number", zh, []string{"name", "测试顺序", "attributes[0].code", "pole", "attributes[0].datatype", "string",
			"attributes[0].description", "灯杆编号", "attributes[0].order", "first"}, "附加字段 1 › 顺序：请填 1 或更大的整数", `name="attributes[0].order" value="first"`},
		{"unknown datatype", zh, []string{"name", "测试类型", "attributes[0].code", "pole", "attributes[0].datatype", "integer",
			"attributes[0].description", "灯杆编号", "attributes[0].order", "1"}, "附加字段 1 › 类型：请从列表中选择类型", `name="attributes[0].code" value="pole"`},
		{"list without values", zh, append([]string{"name", "测试无选项"}, list(0)...), "附加字段 1 › 选项：单选、多选至少要有一个选项", `name="attributes[0].code" value="fault"`},
		{"bad value key", zh, append([]string{"name", "测试选项"}, list(1, "attributes[1].values[0].key", "关", "attributes[1].values[0].name", "关着")...),
			"附加字段 1 › 选项 1 › 选项键：必填，1–32 个字符", `name="attributes[0].values[0].key" value="关"`},
		{"nested error in English", en, append([]string{"name", "测试选项英文"}, list(0, "attributes[0].values[0].key", "on",
			"attributes[0].values[0].name", "亮", "attributes[0].values[1].key", "off", "attributes[0].values[1].name", "")...),
			"Attribute 1 › Value 2 › Name: required, at most 50 characters", `name="attributes[0].values[0].name" value="亮"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := post(t, tc.c, "/admin/categories", catForm(csrf(t, tc.c), append([]string{"parent", parent}, tc.fields...)...))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if !strings.Contains(body, tc.error) {
				t.Errorf("the page does not say %q", tc.error)
			}
			if !strings.Contains(body, tc.kept) {
				t.Errorf("the refused form lost the input %s", tc.kept)
			}
			if !strings.Contains(body, `name="parent" value="`+parent+`"`) {
				t.Error("the refused form lost its parent")
			}
		})
	}
	after, err := site.st.Categories(context.Background(), store.CategoryFilter{ParentCode: parent})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("refused forms stored %d categories", len(after)-len(before))
	}
}

func TestStaleCategoryEditChangesNothing(t *testing.T) {
	catFixture(t)
	leaf := newTestCategory(t, catalogue.lights, "测试并发")
	c := signedIn(t, "admin")
	edit := func(name string) (*http.Response, string) {
		return post(t, c, "/admin/categories/"+leaf.Code, catForm(csrf(t, c), "version", strconv.Itoa(leaf.Version),
			"parent", leaf.ParentCode, "name", name, "sort_order", "3"))
	}
	res, _ := edit(leaf.Name + "甲")
	if savedCode(t, res, "saved") != leaf.Code {
		t.Fatalf("saved the wrong category: %s", res.Header.Get("Location"))
	}
	res, body := edit(leaf.Name + "乙")
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, "他人已修改") {
		t.Fatalf("stale edit = %d, want 409 with the conflict message", res.StatusCode)
	}
	if !strings.Contains(body, `value="`+leaf.Name+`乙"`) {
		t.Error("the stale form lost what was typed")
	}
	if got := storedCategory(t, leaf.Code); got.Name != leaf.Name+"甲" || got.Version != leaf.Version+1 || got.SortOrder != 3 {
		t.Errorf("stored %q version %d, want the first edit only", got.Name, got.Version)
	}
	res, _ = post(t, c, "/admin/categories/99999999", catForm(csrf(t, c), "version", "1", "name", "测试不存在"))
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("editing a missing category = %d, want 404", res.StatusCode)
	}
}

func TestMoveCategoryToAnotherParent(t *testing.T) {
	catFixture(t)
	leaf := newTestCategory(t, catalogue.lights, "测试搬家")
	c := signedIn(t, "admin")
	_, page := get(t, c, "/admin/categories/"+leaf.Code)
	for _, p := range []string{catalogue.lights.Code, catalogue.roads.Code} {
		if !strings.Contains(page, `<option value="`+p+`"`) {
			t.Errorf("the edit form does not offer to move under %s", p)
		}
	}
	if strings.Contains(page, `<option value="91"`) {
		t.Error("the edit form offers a parent two levels up")
	}
	move := func(parent string, version int) (*http.Response, string) {
		return post(t, c, "/admin/categories/"+leaf.Code, catForm(csrf(t, c), "version", strconv.Itoa(version), "parent", parent,
			"name", leaf.Name, "group", leaf.Group, "sort_order", "9"))
	}
	res, body := move("91", leaf.Version)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "上级分类：须为上一级的现有分类") {
		t.Errorf("move under a level-1 category = %d, want 422 naming the parent", res.StatusCode)
	}
	res, _ = move(catalogue.roads.Code, leaf.Version)
	savedCode(t, res, "saved")
	got := storedCategory(t, leaf.Code)
	if got.ParentCode != catalogue.roads.Code || got.Code != leaf.Code || got.Level != 3 {
		t.Errorf("after the move: %+v, want the same code under %s", got, catalogue.roads.Code)
	}
	_, page = get(t, c, "/admin/categories/"+leaf.Code)
	if !strings.Contains(page, "测试市政/测试道路/"+leaf.Name) {
		t.Error("the page does not show the new path")
	}
}

func TestRetireAndRestoreCategory(t *testing.T) {
	catFixture(t)
	leaf := newTestCategory(t, catalogue.roads, "测试停用")
	kid := newTestCategory(t, leaf, "测试停用之下")
	c := signedIn(t, "admin")
	token := csrf(t, c)
	res, _ := post(t, c, "/admin/categories/"+leaf.Code+"/retire", catForm(token, "version", strconv.Itoa(leaf.Version)))
	savedCode(t, res, "retired")
	if got := storedCategory(t, leaf.Code); got.Active || got.Name != leaf.Name {
		t.Fatalf("after retiring: %+v", got)
	}
	_, page := get(t, c, "/admin/categories")
	row := func(code string) string {
		i := strings.Index(page, `id="c-`+code+`"`)
		if i < 0 {
			t.Fatalf("the tree lacks %s", code)
		}
		return page[i : i+strings.Index(page[i:], "</tr>")]
	}
	if r := row(leaf.Code); !strings.Contains(r, "row-disabled") || !strings.Contains(r, `<span class="tag tag-off">停用</span>`) {
		t.Errorf("retired row is not greyed and marked: %s", r)
	}
	if r := row(kid.Code); !strings.Contains(r, "row-disabled") || !strings.Contains(r, "上级已停用") {
		t.Errorf("the child of a retired category is not marked: %s", r)
	}
	_, active := get(t, c, "/admin/categories?show=active")
	if strings.Contains(active, `id="c-`+leaf.Code+`"`) || strings.Contains(active, `id="c-`+kid.Code+`"`) || !strings.Contains(active, `id="c-`+catalogue.roads.Code+`"`) {
		t.Error("the active-only tree shows a retired category or hides an active one")
	}

	res, body := post(t, c, "/admin/categories/"+leaf.Code+"/restore", catForm(token, "version", strconv.Itoa(leaf.Version)))
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || storedCategory(t, leaf.Code).Active {
		t.Fatalf("restore with a stale version = %d, want 409 and the category still retired", res.StatusCode)
	}
	if !strings.Contains(body, `name="version" value="`+strconv.Itoa(leaf.Version+1)+`"`) {
		t.Error("after the conflict the page does not show the category as it now is")
	}
	res, _ = post(t, c, "/admin/categories/"+leaf.Code+"/restore", catForm(token, "version", strconv.Itoa(leaf.Version+1)))
	savedCode(t, res, "restored")
	if !storedCategory(t, leaf.Code).Active {
		t.Error("the category was not restored")
	}
}

func TestAttributeEditorSteps(t *testing.T) {
	c := signedIn(t, "admin")
	token := csrf(t, c)
	step := func(op, at string) string {
		res, body := post(t, c, "/admin/categories/attributes", catForm(token, "op", op, "at", at, "name", "ignored",
			"attributes[0].code", "pole", "attributes[0].datatype", "string", "attributes[0].order", "1", "attributes[0].description", "灯杆编号",
			// a gap left by a removed row; a list without values yet
			"attributes[3].code", "fault", "attributes[3].datatype", "singlevaluelist", "attributes[3].order", "4", "attributes[3].required", "1",
			"attributes[3].values[2].key", "off", "attributes[3].values[2].name", "不亮"))
		if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.HasPrefix(body, `<div id="cat-attrs"`) {
			t.Fatalf("%s %s = %d, want the editor alone:\n%s", op, at, res.StatusCode, body)
		}
		return body
	}
	has := func(body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("editor lacks %s", w)
			}
		}
	}
	body := step("add-attr", "")
	has(body, `name="attributes[0].code" value="pole"`, `name="attributes[1].code" value="fault"`, `name="attributes[1].required" value="1" aria-label="附加字段 2 必填" checked`,
		`name="attributes[1].values[0].key" value="off"`, `name="attributes[2].code" value=""`, `name="attributes[2].order" value="5"`)
	if strings.Contains(body, "attributes[3]") {
		t.Error("rows are not renumbered in order")
	}
	body = step("add-value", "1")
	has(body, `name="attributes[1].values[1].key" value=""`)
	body = step("remove-attr", "0")
	has(body, `name="attributes[0].code" value="fault"`, `name="attributes[0].values[0].name" value="不亮"`)
	body = step("remove-value", "1.0")
	has(body, `name="attributes[1].values[0].key" value=""`)
	if strings.Contains(body, `value="off"`) {
		t.Error("the removed value is still there")
	}
	has(step("refresh", ""), `name="attributes[1].datatype"`, `<option value="singlevaluelist" selected>单选</option>`)
}

func TestImportCategoriesFromCSV(t *testing.T) {
	catFixture(t)
	c := signedIn(t, "admin")
	token := csrf(t, c)
	file := "\ufeff一级分类,二级分类,三级分类\n测试导入甲,测试导入乙,测试导入丙\n测试导入甲,测试导入乙,测试导入丁\n测试导入甲,测试导入戊,\n"
	res, _ := postCSV(t, c, token, "catalogue.csv", []byte(file))
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/admin/categories?notice=imported&n=5" {
		t.Fatalf("import = %d to %q, want 5 added", res.StatusCode, loc)
	}
	top, ok := childNamed(t, "", "测试导入甲")
	if !ok {
		t.Fatal("the imported level-1 category is not stored")
	}
	mid, ok := childNamed(t, top.Code, "测试导入乙")
	if !ok || top.Group != "测试导入甲" || !top.Active {
		t.Fatalf("imported level 1 = %+v", top)
	}
	for _, name := range []string{"测试导入丙", "测试导入丁"} {
		if _, ok := childNamed(t, mid.Code, name); !ok {
			t.Errorf("%s was not imported under %s", name, mid.Code)
		}
	}
	_, page := get(t, c, res.Header.Get("Location"))
	if !strings.Contains(page, "导入完成：新增 5 个分类。") {
		t.Error("the tree does not say how many were added")
	}
	if res, _ := postCSV(t, c, token, "catalogue.csv", []byte(file)); res.Header.Get("Location") != "/admin/categories?notice=imported&n=0" {
		t.Errorf("importing the same file again went to %q, want nothing added", res.Header.Get("Location"))
	}

	for _, tc := range []struct {
		name, file string
		content    []byte
		want       string
	}{
		{"gap", "gap.csv", []byte("level1,level2,level3\n测试导入己,测试导入庚,\n测试导入己,,测试导入辛\n"), "导入失败，未做任何修改。第 3 行：level2 is empty but a lower level is named"},
		{"header", "noheader.csv", []byte("测试导入己,测试导入庚\n"), "第 1 行：column 1 is"},
		{"too many columns", "wide.csv", []byte("level1,level2\n测试导入己,测试导入庚,测试导入辛\n"), "第 2 行"},
		{"not UTF-8", "gbk.csv", []byte("level1\n\xb2\xe2\xca\xd4\n"), "文件不是 UTF-8 编码"},
		{"no file", "", nil, "请选择要导入的 CSV 文件"},
		{"too large", "big.csv", bytes.Repeat([]byte("x"), 1<<20+1), "文件过大"},
	} {
		res, body := postCSV(t, c, token, tc.file, tc.content)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="import-error"`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s: import = %d, want 422 saying %q", tc.name, res.StatusCode, tc.want)
		}
	}
	if _, ok := childNamed(t, "", "测试导入己"); ok {
		t.Error("a refused import stored a category")
	}
}
