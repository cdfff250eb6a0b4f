package nlq

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Country and region names link both ways: a data value France is also 法国,
// 日本 is also Japan, USA (an ISO 3166 code) is 美国. The names come from
// golang.org/x/text's display tables (CLDR), not from a list typed here.

var regionNames struct {
	once sync.Once
	// other maps a name (lower-case) to its names in the other language.
	other map[string][]string
}

func loadRegionNames() {
	regionNames.other = map[string][]string{}
	en, zh := display.English.Regions(), display.Chinese.Regions()
	add := func(a, b string) {
		if a == "" || b == "" || a == b {
			return
		}
		k := strings.ToLower(a)
		for _, have := range regionNames.other[k] {
			if have == b {
				return
			}
		}
		regionNames.other[k] = append(regionNames.other[k], b)
	}
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() {
				continue
			}
			e, z := en.Name(r), zh.Name(r)
			if e == "" || z == "" || e == code {
				continue
			}
			add(e, z)
			add(z, e)
			if iso3 := r.ISO3(); iso3 != "" {
				// Data often writes the code (USA): both names link to it.
				add(iso3, z)
				add(iso3, e)
			}
		}
	}
}

// regionAliases are the other language's names of a country or region
// name (France → 法国; 美国 → United States; USA → 美国), or nil.
func regionAliases(name string) []string {
	regionNames.once.Do(loadRegionNames)
	return regionNames.other[strings.ToLower(strings.TrimSpace(name))]
}
