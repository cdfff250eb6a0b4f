package datasets

import (
	_ "embed"

	"github.com/wenshu-bi/wenshu/semantic"
)

//go:embed retail.yaml
var retailYAML []byte

// RetailModel parses the embedded demo model.
func RetailModel() (*semantic.Model, error) {
	return semantic.ParseModel("datasets/retail.yaml", retailYAML)
}

// RetailYAML returns the embedded demo model's source.
func RetailYAML() []byte { return append([]byte(nil), retailYAML...) }
