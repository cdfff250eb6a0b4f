package ingest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Draft writes a commented semantic model from a profile: the tables and
// their references, a dimension for every text column (values listed for
// the low-cardinality ones), a sum for every numeric column, and the
// metrics a retailer expects where the columns allow them — sales, orders,
// average order value, customers, units, repurchase rate. It loads and
// answers without edits; comments marked "check:" say what to look at.
func Draft(p *Profile, name string) []byte {
	d := &drafter{p: p}
	return d.write(name)
}

type drafter struct {
	p *Profile
	b strings.Builder
}

// Column roles found by name.
var (
	orderRE    = regexp.MustCompile(`(?i)^(order|invoice|receipt|transaction|txn|bill|ticket)[ _-]?(no|id|number|num|code)?$`)
	customerRE = regexp.MustCompile(`(?i)^(customer|member|client|buyer|shopper|user|account)[ _-]?(id|no|number|code)?$`)
	qtyRE      = regexp.MustCompile(`(?i)^(qty|quantity|units?|pieces|pcs|count)$`)
	priceRE    = regexp.MustCompile(`(?i)^(unit[ _-]?)?price$`)
	amountRE   = regexp.MustCompile(`(?i)^(amount|sales|revenue|total|line[ _-]?total|paid|paid[ _-]?amount|net[ _-]?sales|gmv|value)$`)
	timeRE     = regexp.MustCompile(`(?i)(date|time|_at$|^at$|day|created|ordered)`)
	underRE    = regexp.MustCompile(`_+`)
	plainRE    = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

func (d *drafter) line(format string, args ...any) { fmt.Fprintf(&d.b, format+"\n", args...) }

// ident is a model name for a column: InvoiceNo → invoice_no.
func ident(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r >= 'A' && r <= 'Z':
			if i > 0 && (rs[i-1] >= 'a' && rs[i-1] <= 'z' || rs[i-1] >= '0' && rs[i-1] <= '9' || i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z' && rs[i-1] >= 'A' && rs[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			b.WriteRune(r + 'a' - 'A')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(underRE.ReplaceAllString(b.String(), "_"), "_")
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "c_" + out
	}
	return out
}

// col is how a model expression names a column (quoted unless a plain lower-case name).
func col(name string) string {
	if plainRE.MatchString(name) {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// q writes a YAML scalar.
func q(s string) string {
	out, _ := yaml.Marshal(s)
	return strings.TrimSpace(string(out))
}

func (d *drafter) fact() *TableProfile {
	var best *TableProfile
	for _, t := range d.p.Tables {
		if slices.ContainsFunc(t.Columns, func(c *ColumnProfile) bool { return IsTime(c.Type) }) && (best == nil || t.Rows > best.Rows) {
			best = t
		}
	}
	if best == nil && len(d.p.Tables) > 0 {
		best = d.p.Tables[0]
	}
	return best
}

func find(t *TableProfile, re *regexp.Regexp, ok func(*ColumnProfile) bool) *ColumnProfile {
	for _, c := range t.Columns {
		if re.MatchString(c.Name) && ok(c) {
			return c
		}
	}
	return nil
}

func (d *drafter) write(name string) []byte {
	f := d.fact()
	d.line("# A draft model written by `wenshu init` from the data. It loads and answers as it is;")
	d.line("# read the lines marked \"check:\" and edit (format: docs/model.md).")
	d.line("name: %s", q(name))
	d.line("label: {zh: %s, en: %s}", q(name), q(name))
	timeCol := (*ColumnProfile)(nil)
	for _, c := range f.Columns {
		if IsTime(c.Type) && (timeCol == nil || timeRE.MatchString(c.Name) && !timeRE.MatchString(timeCol.Name)) {
			timeCol = c
		}
	}
	if timeCol != nil && len(timeCol.MaxTime) >= 10 {
		d.line("# the data's last day: relative time (上个月, last week) is counted from it")
		d.line("as_of: %s", timeCol.MaxTime[:10])
	}
	d.line("default_range: all")
	d.line("# check: the currency of amounts (ISO 4217: CNY, USD, GBP, EUR) and the locale of numbers")
	d.line("currency: CNY")
	d.line("")
	d.line("tables:")
	for _, t := range d.p.Tables {
		d.line("  %s:", t.Name)
		d.line("    # %d rows", t.Rows)
		if len(t.Keys) > 0 {
			d.line("    primary_key: %s", q(t.Keys[0]))
		} else {
			d.line("    # check: no column is unique in every row, so the table has no primary key")
		}
		var refs []string
		for _, r := range d.p.References {
			if r.Table == t.Name {
				refs = append(refs, fmt.Sprintf("%s: %s", q(r.Column), r.RefTable))
			}
		}
		if len(refs) > 0 {
			d.line("    # every value of the column is a key of the referenced table (checked on the data)")
			d.line("    references: {%s}", strings.Join(refs, ", "))
		}
	}
	d.line("")
	d.dimensions(f)
	d.line("")
	d.metrics(f, timeCol)
	return []byte(d.b.String())
}

// MaxLinkedValues is the most distinct values a text column may have to be
// drafted as a dimension (an invoice number is an entity, not a split).
const MaxLinkedValues = 20000

func (d *drafter) dimensions(f *TableProfile) {
	d.line("dimensions:")
	seen := map[string]bool{}
	textOrInt := func(c *ColumnProfile) bool { return IsText(c.Type) || IsNumber(c.Type) }
	ids := map[*ColumnProfile]bool{find(f, orderRE, textOrInt): true, find(f, customerRE, textOrInt): true}
	for _, t := range d.p.Tables {
		for _, c := range t.Columns {
			if !IsText(c.Type) || c.NullShare == 1 {
				continue
			}
			if ids[c] || c.Distinct > MaxLinkedValues {
				d.line("  # %s.%s (about %d values) is an identifier, counted by the metrics rather than a dimension", t.Name, c.Name, c.Distinct)
				continue
			}
			n := ident(c.Name)
			if seen[n] {
				n = ident(t.Name + "_" + c.Name)
			}
			seen[n] = true
			d.line("  %s:", n)
			d.line("    label: {zh: %s, en: %s}", q(c.Name), q(c.Name))
			d.line("    expr: %s", q(t.Name+"."+col(c.Name)))
			switch {
			case len(c.Values) > 0:
				d.line("    # the %d values found; check: add Chinese labels and synonyms ({value: X, zh: 标签, synonyms: [...]})", len(c.Values))
				d.line("    values:")
				for _, v := range c.Values {
					d.line("      - {value: %s}", q(v))
				}
			default:
				d.line("    # about %d values: linked from the data when the server starts", c.Distinct)
			}
			if c.NullShare > 0 {
				d.line("    # %.1f%% of rows have no value", c.NullShare*100)
			}
		}
	}
}

func (d *drafter) metrics(f *TableProfile, timeCol *ColumnProfile) {
	d.line("metrics:")
	num := func(c *ColumnProfile) bool { return IsNumber(c.Type) }
	textOrInt := func(c *ColumnProfile) bool { return IsText(c.Type) || IsNumber(c.Type) }
	order := find(f, orderRE, textOrInt)
	customer := find(f, customerRE, textOrInt)
	qty := find(f, qtyRE, num)
	price := find(f, priceRE, num)
	amount := find(f, amountRE, num)
	timeLine := func() {
		if timeCol != nil {
			d.line("    time: %s", q(col(timeCol.Name)))
		}
	}
	metric := func(name, zh, en, desc, unit, synonyms string) {
		d.line("  %s:", name)
		d.line("    label: {zh: %s, en: %s}", q(zh), q(en))
		d.line("    description: %s", q(desc))
		d.line("    unit: %s", unit)
		if synonyms != "" {
			d.line("    synonyms: [%s]", synonyms)
		}
	}
	// simple writes a metric aggregating the fact table (filter may be "").
	simple := func(name, zh, en, desc, unit, synonyms, agg, expr, filter string) {
		metric(name, zh, en, desc, unit, synonyms)
		d.line("    table: %s", f.Name)
		timeLine()
		d.line("    agg: %s", agg)
		if expr != "" {
			d.line("    expr: %s", q(expr))
		}
		if filter != "" {
			d.line("    filter: %s", q(filter))
		}
	}
	var sales string
	switch {
	case amount != nil:
		sales = col(amount.Name)
	case qty != nil && price != nil:
		sales = col(qty.Name) + " * " + col(price.Name)
	}
	if sales != "" {
		simple("sales", "销售额", "Sales", "Sum of "+sales+".", "currency", "营业额, 销售金额, revenue, turnover", "sum", sales, "")
		for _, c := range []*ColumnProfile{amount, qty, price} {
			if c != nil && c.Negative > 0 {
				d.line("    # check: %d rows have %s below zero (returns, cancellations?): add a filter if they are not sales", c.Negative, c.Name)
			}
		}
	}
	if order != nil {
		simple("orders", "订单数", "Orders", "Distinct "+order.Name+".", "count", "订单量, 单量, number of orders, invoices", "count_distinct", col(order.Name), "")
	} else {
		simple("rows", "记录数", "Rows", "Number of rows.", "count", "", "count", "", "")
	}
	if sales != "" && order != nil {
		metric("aov", "客单价", "Average order value", "Sales divided by orders.", "currency", "平均订单金额, 笔单价, aov, average order value")
		d.line("    type: derived")
		d.line("    expr: sales / orders")
	}
	if customer != nil {
		simple("customers", "客户数", "Customers", "Distinct "+customer.Name+" (rows without one are not counted).", "count",
			"顾客数, 购买人数, buyers, number of customers", "count_distinct", col(customer.Name), col(customer.Name)+" IS NOT NULL")
	}
	if qty != nil {
		simple("units", "销量", "Units", "Sum of "+qty.Name+".", "count", "件数, 销售件数, quantity, units sold", "sum", col(qty.Name), "")
	}
	if customer != nil && order != nil {
		metric("repurchase_rate", "复购率", "Repurchase rate", "Share of customers with at least 2 distinct "+order.Name+" in the period.", "percent", "回购率, repeat rate, repurchase rate")
		d.line("    type: repeat")
		d.line("    table: %s", f.Name)
		timeLine()
		d.line("    entity: %s", q(col(customer.Name)))
		d.line("    event: %s", q(col(order.Name)))
		d.line("    min_count: 2")
		d.line("    filter: %s", q(col(customer.Name)+" IS NOT NULL"))
	}
	// A sum for every other number that is not an id.
	used := map[*ColumnProfile]bool{order: true, customer: true, qty: true, amount: true}
	for _, c := range f.Columns {
		if !IsNumber(c.Type) || used[c] || strings.HasSuffix(strings.ToLower(c.Name), "id") {
			continue
		}
		agg, unit, zh := "sum", "number", "合计"
		if c == price {
			agg, zh = "avg", "平均"
		}
		title := strings.ToUpper(agg[:1]) + agg[1:] + " of " + c.Name
		simple(ident(agg+"_"+c.Name), zh+" "+c.Name, title, title+".", unit, "", agg, col(c.Name), "")
	}
}
