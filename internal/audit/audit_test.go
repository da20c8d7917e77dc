package audit

import "testing"

func chain(n int) []Entry {
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: int64(1000 * i), Actor: "a", Action: "x.y", ObjectType: "t", ObjectID: "id", Detail: "{}", PrevHash: prev}
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerifier(t *testing.T) {
	intact := chain(4)
	var v Verifier
	for _, e := range intact {
		if b := v.Check(e); b != nil {
			t.Fatalf("intact chain broke: %v", b)
		}
	}
	if b := v.Finish(4, intact[3].Hash); b != nil || v.Checked != 4 {
		t.Fatalf("finish: %v, checked %d", b, v.Checked)
	}

	edited := chain(4)
	edited[2].Detail = `{"x":1}`
	var v2 Verifier
	var got *Break
	for _, e := range edited {
		if got = v2.Check(e); got != nil {
			break
		}
	}
	if got == nil || got.Seq != 3 {
		t.Fatalf("edited entry 3: got %v", got)
	}

	var v3 Verifier
	all := chain(3)
	for _, e := range all {
		v3.Check(e)
	}
	if b := v3.Finish(4, "whatever"); b == nil || b.Seq != 4 {
		t.Fatalf("missing tail: got %v", b)
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := chain(1)[0]
	mutations := []func(*Entry){
		func(e *Entry) { e.Seq++ }, func(e *Entry) { e.At++ }, func(e *Entry) { e.Actor += "x" },
		func(e *Entry) { e.Action += "x" }, func(e *Entry) { e.ObjectType += "x" }, func(e *Entry) { e.ObjectID += "x" },
		func(e *Entry) { e.Detail += " " }, func(e *Entry) { e.RemoteAddr += "x" }, func(e *Entry) { e.PrevHash += "x" },
	}
	for i, m := range mutations {
		e := base
		m(&e)
		if e.ComputeHash() == base.Hash {
			t.Errorf("mutation %d did not change the hash", i)
		}
	}
	// Length prefixes keep field boundaries: moving a character between fields changes the hash.
	a, b := base, base
	a.Actor, a.Action = "ab", "c"
	b.Actor, b.Action = "a", "bc"
	if a.ComputeHash() == b.ComputeHash() {
		t.Error("field boundary shift kept the same hash")
	}
}
