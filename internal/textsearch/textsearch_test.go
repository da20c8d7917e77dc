package textsearch

import (
	"reflect"
	"strings"
	"testing"
)

func TestIndexTerms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"噪音扰民", "噪音 音扰 扰民 民"},
		{"路灯", "路灯 灯"},
		{"灯", "灯"},
		{"海勃湾区3号楼 Room 5B", "海勃 勃湾 湾区 区 3 号楼 楼 room 5b"},
		{"<script>alert(1)</script>", "script alert 1 script"},
		{"", ""},
		{"😀😀", ""},
		{"臺灣 繁體", "臺灣 灣 繁體 體"},
	}
	for _, tc := range tests {
		if got := IndexTerms(tc.in); got != tc.want {
			t.Errorf("IndexTerms(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []Term
	}{
		{"噪音扰民", []Term{{"噪音", false}, {"音扰", false}, {"扰民", false}}},
		{"灯", []Term{{"灯", true}}},
		{"Wuhai 路灯", []Term{{"wuhai", true}, {"路灯", false}}},
		{"!!!", nil},
	}
	for _, tc := range tests {
		if got := QueryTerms(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("QueryTerms(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if n := len(QueryTerms("海勃湾区滨河街道幸福小区路灯不亮已经一周了没人管理")); n != MaxQueryTerms {
		t.Errorf("long query gave %d terms, want %d", n, MaxQueryTerms)
	}
}

// Every query made from a substring of a text matches that text's index terms: the property that
// makes bigram search correct.
func TestEverySubstringMatches(t *testing.T) {
	text := "海勃湾区滨河街道幸福小区3号楼路灯不亮已经一周"
	index := map[string]bool{}
	for _, term := range strings.Fields(IndexTerms(text)) {
		index[term] = true
	}
	runes := []rune(text)
	for i := range runes {
		for j := i + 1; j <= len(runes) && j <= i+6; j++ {
			for _, q := range QueryTerms(string(runes[i:j])) {
				if q.Prefix {
					found := false
					for term := range index {
						if strings.HasPrefix(term, q.Text) {
							found = true
						}
					}
					if !found {
						t.Errorf("query %q: no term starts with %q", string(runes[i:j]), q.Text)
					}
				} else if !index[q.Text] {
					t.Errorf("query %q: term %q not indexed", string(runes[i:j]), q.Text)
				}
			}
		}
	}
}
