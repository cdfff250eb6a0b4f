package nlq

import (
	"fmt"
	"testing"
)

func productNames(n int) []string {
	colors := []string{"RED", "WHITE", "PINK", "BLUE", "GREEN", "IVORY", "BLACK"}
	things := []string{"HEART T-LIGHT HOLDER", "JUMBO BAG", "LUNCH BOX", "CAKE CASES", "DOORMAT", "MUG", "BUNTING"}
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		out = append(out, fmt.Sprintf("%s %s %d", colors[i%len(colors)], things[(i/len(colors))%len(things)], i))
	}
	return out
}

func TestTokenSearch(t *testing.T) {
	vals := append(productNames(4000), "WHITE HANGING HEART T-LIGHT HOLDER", "HEART T-LIGHT HOLDER")
	ix := buildTokenIndexes(map[string][]string{"product": vals, "city": {"上海", "北京"}})
	if ix["city"] != nil {
		t.Error("one-word values are indexed")
	}
	p := ix["product"]
	if got := p.search([]string{"hanging", "heart", "holders"}); len(got) != 1 || got[0] != "WHITE HANGING HEART T-LIGHT HOLDER" {
		t.Errorf("hanging heart holders → %v", got)
	}
	if got := p.search([]string{"heart", "holder"}); len(got) < 100 {
		t.Errorf("heart holder → %d values, want every heart holder", len(got))
	}
	if got := p.search([]string{"zebra"}); got != nil {
		t.Errorf("zebra → %v", got)
	}
}

// BenchmarkTokenSearch: a look-up among thousands of product names.
func BenchmarkTokenSearch(b *testing.B) {
	ix := buildTokenIndexes(map[string][]string{"product": productNames(5000)})["product"]
	words := []string{"pink", "lunch", "box"}
	b.ReportAllocs()
	for b.Loop() {
		if len(ix.search(words)) == 0 {
			b.Fatal("no hit")
		}
	}
}
