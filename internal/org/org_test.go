package org

import "testing"

func TestValidateCode(t *testing.T) {
	tests := []struct {
		code  string
		level Level
		ok    bool
	}{
		{"150300", LevelCity, true},
		{"150302", LevelCity, false},
		{"150302", LevelDistrict, true},
		{"150300", LevelDistrict, false},
		{"15030", LevelDistrict, false},
		{"150302001", LevelStreet, true},
		{"150302000", LevelStreet, false},
		{"15030200a", LevelStreet, false},
		{"150302001001", LevelCommunity, true},
		{"150302001001001", LevelGrid, true},
		{"150302001001", LevelGrid, false},
		{"150302001001001", "planet", false},
	}
	for _, tc := range tests {
		err := ValidateCode(tc.code, tc.level)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateCode(%q, %s) = %v, want ok=%v", tc.code, tc.level, err, tc.ok)
		}
	}
}

func TestCodeArithmetic(t *testing.T) {
	tests := []struct {
		code   string
		level  Level
		parent string
		prefix string
	}{
		{"150300", LevelCity, "", "1503"},
		{"150302", LevelDistrict, "150300", "150302"},
		{"150302001", LevelStreet, "150302", "150302001"},
		{"150302001002", LevelCommunity, "150302001", "150302001002"},
		{"150302001002003", LevelGrid, "150302001002", "150302001002003"},
	}
	for _, tc := range tests {
		got, err := LevelOfCode(tc.code)
		if err != nil || got != tc.level {
			t.Errorf("LevelOfCode(%q) = %s, %v; want %s", tc.code, got, err, tc.level)
		}
		if p := ParentCodeOf(tc.code, tc.level); p != tc.parent {
			t.Errorf("ParentCodeOf(%q) = %q, want %q", tc.code, p, tc.parent)
		}
		if p := ScopePrefix(tc.code, tc.level); p != tc.prefix {
			t.Errorf("ScopePrefix(%q) = %q, want %q", tc.code, p, tc.prefix)
		}
	}
	if _, err := LevelOfCode("1503"); err == nil {
		t.Error("LevelOfCode accepted a 4-digit code")
	}
	if LevelGrid.Below() != "" || LevelCity.Above() != "" || LevelStreet.Above() != LevelDistrict || LevelStreet.Below() != LevelCommunity {
		t.Error("Above/Below are wrong")
	}
}

func TestUnitValidateNamesTheField(t *testing.T) {
	good := Unit{Code: "CGJ", Name: "城管局", Kind: UnitCityDepartment, PlaceCode: "150300"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, mutate := range map[string]func(*Unit){
		"code":       func(u *Unit) { u.Code = " " },
		"name":       func(u *Unit) { u.Name = "" },
		"place_code": func(u *Unit) { u.PlaceCode = "" },
		"kind":       func(u *Unit) { u.Kind = "ministry" },
	} {
		u := good
		mutate(&u)
		err := u.Validate()
		if err == nil || err.Error()[:len(field)] != field {
			t.Errorf("bad %s: err = %v, want it to start with the field name", field, err)
		}
	}
}
