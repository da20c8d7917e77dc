package gazetteer

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// testCheck is a city of two grids side by side: lng 106-107 is grid …001, lng 107-108 grid …002.
func testCheck(stored ...string) ImportCheck {
	c := ImportCheck{
		Locate: func(lng, lat float64) (string, bool) {
			switch {
			case lat < 39 || lat > 40 || lng < 106 || lng > 108:
				return "", false
			case lng < 107:
				return "150302001001001", true
			}
			return "150302001001002", true
		},
		Grids: map[string]bool{"150302001001001": true, "150302001001002": true},
	}
	if len(stored) > 0 {
		c.Stored = map[string]bool{}
		for _, s := range stored {
			c.Stored[Key(s)] = true
		}
	}
	return c
}

func TestParseCSV(t *testing.T) {
	file := "\ufeffkind,name,aliases,address,lng,lat,grid\n" +
		"compound,康乐小区,康乐花园|电厂宿舍,海勃湾区滨河街道长青社区康乐小区,106.5,39.5,\n" +
		"楼栋,3号楼,,海勃湾区滨河街道长青社区康乐小区3号楼,106.51,39.5,150302001001001\n" +
		"\n" +
		"poi, 市人民医院 ,,海勃湾区新华街道市人民医院,107.5,39.5,\n"
	got, err := ParseCSV(strings.NewReader(file), testCheck())
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Kind: KindCompound, Name: "康乐小区", Aliases: []string{"康乐花园", "电厂宿舍"}, Address: "海勃湾区滨河街道长青社区康乐小区", Grid: "150302001001001", Lng: 106.5, Lat: 39.5},
		{Kind: KindBuilding, Name: "3号楼", Address: "海勃湾区滨河街道长青社区康乐小区3号楼", Grid: "150302001001001", Lng: 106.51, Lat: 39.5},
		{Kind: KindPOI, Name: "市人民医院", Address: "海勃湾区新华街道市人民医院", Grid: "150302001001002", Lng: 107.5, Lat: 39.5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, e := range got {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Address, err)
		}
	}

	// Chinese headings, in another order, without the grid column.
	zh := "名称,类型,地址,别名,经度,纬度\n人民路,道路,海勃湾区人民路,,107.2,39.2\n"
	if got, err := ParseCSV(strings.NewReader(zh), testCheck()); err != nil || len(got) != 1 || got[0].Kind != KindRoad || got[0].Grid != "150302001001002" {
		t.Errorf("Chinese headings: %+v, %v", got, err)
	}
}

func TestParseCSVRefusesBadRows(t *testing.T) {
	file := "kind,name,aliases,address,lng,lat,grid\n" +
		"compound,康乐小区,,海勃湾区康乐小区,106.5,39.5,\n" + // line 2: fine
		"house,甲,,海勃湾区甲,106.5,39.5,\n" + // line 3: bad kind
		"compound,,,海勃湾区乙,106.5,39.5,\n" + // line 4: empty name
		"compound,丙,,海勃湾区丙,116.4,39.9,\n" + // line 5: outside the city
		"compound,丁,,海勃湾区丁,106.5,39.5,150302001001009\n" + // line 6: unknown grid
		"building,3栋,,海勃湾区 康乐小区,106.5,39.5,\n" + // line 7: line 2's address again
		"compound,戊,,海勃湾区戊,east,39.5,\n" + // line 8: lng not a number
		"compound,己,,海勃湾区人民医院,106.5,39.5,\n" + // line 9: already stored
		"compound,庚,,海勃湾区庚,106.5,39.5,,extra\n" // line 10: a cell too many
	_, err := ParseCSV(strings.NewReader(file), testCheck("海勃湾区人民医院"))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *ImportError", err)
	}
	for _, want := range []string{
		"line 3, kind: unknown kind \"house\"",
		"line 4, name: required",
		"line 5, lng/lat: the point (116.4, 39.9) is outside every grid of the city",
		"line 6, grid: 150302001001009 is not a grid of the city",
		"line 7, address: 海勃湾区 康乐小区 is the address of line 2 too",
		"line 8, lng: \"east\" is not a number",
		"line 9, address: 海勃湾区人民医院 is already in the list",
		"line 10, row: 8 cells, but the header names 7 columns",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(ie.Problems) != 8 {
		t.Errorf("%d problems, want 8: %v", len(ie.Problems), ie.Problems)
	}

	// A long bad file lists the first problems and counts the rest.
	long := "kind,name,aliases,address,lng,lat\n" + strings.Repeat("house,甲,,海勃湾区甲,106.5,39.5\n", 70)
	if _, err := ParseCSV(strings.NewReader(long), testCheck()); !errors.As(err, &ie) || len(ie.Problems) != maxProblems || ie.More != 70-maxProblems ||
		!strings.Contains(err.Error(), "70 problems") {
		t.Errorf("70 bad rows: %v", err)
	}

	for file, want := range map[string]string{
		"":                                    "the file is empty",
		"kind,name,address,lng,lat\n":         "no aliases column",
		"kind,name,aliases,address,lng,lat,x": `column 7 is "x"`,
		"kind,name,aliases,address,lng,lat,类型\n": "column kind is named twice",
		"kind,name,aliases,address,lng,lat\n":    "no entries",
	} {
		if _, err := ParseCSV(strings.NewReader(file), testCheck()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want it to say %q", file, err, want)
		}
	}
}

func TestParseKindAndValidate(t *testing.T) {
	for in, want := range map[string]Kind{"road": KindRoad, "Community": KindCommunity, "村": KindCommunity, "小区": KindCompound, "门牌": KindBuilding, "场所": KindPOI} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	good := Entry{Kind: KindCompound, Name: "康乐小区", Address: "海勃湾区康乐小区", Grid: "150302001001001", Lng: 106.5, Lat: 39.5}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, change := range map[string]func(*Entry){
		"kind":       func(e *Entry) { e.Kind = "小区" },
		"name":       func(e *Entry) { e.Name = "！！" },
		"aliases[1]": func(e *Entry) { e.Aliases = []string{"康乐花园", ""} },
		"address":    func(e *Entry) { e.Address = strings.Repeat("路", MaxAddress+1) },
		"grid":       func(e *Entry) { e.Grid = "150302001" },
		"lng":        func(e *Entry) { e.Lng = 181 },
		"lat":        func(e *Entry) { e.Lat = -91 },
	} {
		e := good
		change(&e)
		if err := e.Validate(); err == nil || !strings.HasPrefix(err.Error(), field+":") {
			t.Errorf("%s: err = %v, want an error naming the field", field, err)
		}
	}
}
