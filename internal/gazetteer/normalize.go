package gazetteer

import (
	"strconv"
	"strings"
	"unicode"
)

// Key folds an address, name or alias to the form the matcher compares: full-width letters and digits
// to ASCII, Latin to lower case, punctuation, spaces and emoji dropped, Chinese numerals before a unit
// (三号楼, 十二组, 一单元) written in digits, and the ways of naming a building (3栋, 3幢, 3座, 3#, 3#楼)
// written one way (3号楼), as is "3-2-201" (3号楼2单元201室). Two spellings of one address have one
// key, which is why the list refuses a second entry with the same key.
func Key(s string) string {
	return string(fold(s))
}

// fold is Key as runes, which the matcher works on.
func fold(s string) []rune {
	kept := make([]rune, 0, len(s)/2)
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == '＃':
			r = '#'
		}
		switch {
		case r >= 'A' && r <= 'Z':
			kept = append(kept, r+'a'-'A')
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '#', r == '-':
			kept = append(kept, r)
		case r >= 0x4E00 && r <= 0x9FFF, r > 0x2E7F && unicode.Is(unicode.Han, r): // the common block first
			kept = append(kept, r)
		}
	}
	return buildingForms(numerals(kept))
}

// numeralValue says whether r is a Chinese numeral and what it is worth; 十 and 百 multiply.
func numeralValue(r rune) (int, bool) {
	switch r {
	case '零', '〇':
		return 0, true
	case '一':
		return 1, true
	case '二', '两':
		return 2, true
	case '三':
		return 3, true
	case '四':
		return 4, true
	case '五':
		return 5, true
	case '六':
		return 6, true
	case '七':
		return 7, true
	case '八':
		return 8, true
	case '九':
		return 9, true
	case '十':
		return 10, true
	case '百':
		return 100, true
	}
	return 0, false
}

// numberUnits are the words after which a number is a house, building, group or room number and not
// part of a name (五一路 stays, 五号楼 becomes 5号楼).
var numberUnits = []string{"号", "楼", "单元", "栋", "幢", "座", "组", "层", "室", "期", "巷", "排", "户", "队"}

func unitAt(rs []rune, i int) bool {
	for _, u := range numberUnits {
		if hasPrefixAt(rs, i, u) {
			return true
		}
	}
	return false
}

func hasPrefixAt(rs []rune, i int, p string) bool {
	for _, r := range p {
		if i >= len(rs) || rs[i] != r {
			return false
		}
		i++
	}
	return true
}

// numerals writes in digits every run of Chinese numerals that stands before a unit.
func numerals(rs []rune) []rune {
	out := make([]rune, 0, len(rs)+4)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) {
			if _, ok := numeralValue(rs[j]); !ok {
				break
			}
			j++
		}
		if j > i && unitAt(rs, j) {
			out = append(out, []rune(strconv.Itoa(numeralNumber(rs[i:j])))...)
			i = j
			continue
		}
		if j == i {
			j++
		}
		out = append(out, rs[i:j]...)
		i = j
	}
	return out
}

// numeralNumber reads 三, 十二, 二十三, 一百零五 as numbers, and a run without 十 or 百 (一〇五) digit by digit.
func numeralNumber(rs []rune) int {
	positional := !strings.ContainsAny(string(rs), "十百")
	n, section := 0, 0
	for _, r := range rs {
		v, _ := numeralValue(r)
		switch {
		case positional:
			n = n*10 + v
		case v == 10 || v == 100:
			if section == 0 {
				section = 1
			}
			n += section * v
			section = 0
		default:
			section = v
		}
	}
	return n + section
}

// buildingForms writes 3栋, 3幢, 3座 and 3# as 3号楼 and 3-2-201 as 3号楼2单元201室; the '#' and '-' of
// other places are dropped. A dash before 号 is a door's sub-number (88-1号), kept as the door (88号).
func buildingForms(rs []rune) []rune {
	out := make([]rune, 0, len(rs)+8)
	for i := 0; i < len(rs); {
		r := rs[i]
		if !isDigit(r) {
			if r != '#' && r != '-' {
				out = append(out, r)
			}
			i++
			continue
		}
		var nums [][]rune
		j := i
		for {
			k := j
			for k < len(rs) && isDigit(rs[k]) {
				k++
			}
			nums = append(nums, rs[j:k])
			j = k
			if len(nums) == 3 || j+1 >= len(rs) || rs[j] != '-' || !isDigit(rs[j+1]) {
				break
			}
			j++
		}
		out = append(out, nums[0]...)
		switch {
		case len(nums) > 1 && hasPrefixAt(rs, j, "号"):
		case len(nums) > 1:
			out = append(out, []rune("号楼")...)
			out = append(out, nums[1]...)
			out = append(out, []rune("单元")...)
			if len(nums) == 3 {
				out = append(out, nums[2]...)
				out = append(out, '室')
			}
		case j < len(rs) && (rs[j] == '栋' || rs[j] == '幢' || rs[j] == '座' || rs[j] == '#'):
			out = append(out, []rune("号楼")...)
			j++
			if j < len(rs) && rs[j] == '楼' {
				j++
			}
		}
		i = j
	}
	return out
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// genericSuffixes end compound names without naming the compound: 康乐小区, 康乐花园 and 康乐家园 are
// often the same place in people's mouths. Longer ones come first.
var genericSuffixes = []string{"家属院", "家属楼", "小区", "花园", "家园", "嘉园", "新村", "佳苑", "名都", "公寓",
	"大院", "宿舍", "苑", "园", "庭"}

// core is a compound's name without its generic suffix, or "" when nothing distinctive would be left.
func core(name []rune) []rune {
	for _, s := range genericSuffixes {
		n := len([]rune(s))
		if len(name)-n >= 2 && hasPrefixAt(name, len(name)-n, s) {
			return name[:len(name)-n]
		}
	}
	return nil
}

// suffixAt returns how many runes of a generic suffix stand at rs[i:], 0 for none.
func suffixAt(rs []rune, i int) int {
	for _, s := range genericSuffixes {
		if hasPrefixAt(rs, i, s) {
			return len([]rune(s))
		}
	}
	return 0
}

// number is a house, building or group number as it follows a name: 3号楼, 88号, 3组.
type number struct {
	n    int
	unit string // "号楼", "号" or "组"
}

func (n number) String() string { return strconv.Itoa(n.n) + n.unit }

// numberUnitsOfEntries are the units a numbered entry may have, longest first.
var numberUnitsOfEntries = []string{"号楼", "号院", "号", "组"}

// numberAt reads a number and its unit at rs[i:]; ok is false when there is none. 号院 counts as 号.
func numberAt(rs []rune, i int) (num number, end int, ok bool) {
	j := i
	for j < len(rs) && isDigit(rs[j]) {
		j++
	}
	if j == i || j-i > 6 {
		return number{}, i, false
	}
	n, _ := strconv.Atoi(string(rs[i:j]))
	for _, u := range numberUnitsOfEntries {
		if hasPrefixAt(rs, j, u) {
			end := j + len([]rune(u))
			if u == "号院" {
				u = "号"
			}
			return number{n: n, unit: u}, end, true
		}
	}
	return number{}, i, false
}

// numberName reads a whole name that is only a number (3号楼, 88号, 3组).
func numberName(name []rune) (number, bool) {
	n, end, ok := numberAt(name, 0)
	return n, ok && end == len(name)
}
