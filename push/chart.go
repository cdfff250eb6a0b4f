package push

import (
	"bytes"
	"fmt"
	"image/color"
	"os"
	"sync"

	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Chart images for pushed reports are drawn on the server with gonum/plot
// (maintained, pure Go, no browser to run): a bar chart for a split, a
// line for a trend, with a CJK font so 门店 and 2025年6月 read as text.

// DefaultCJKFont is Debian's fonts-lxgw-wenkai: one TrueType file with
// simplified Chinese and Latin (installed by .ci/run; the .ttc files of
// fonts-wqy-microhei and fonts-noto-cjk do not parse with golang.org/x/image,
// and DroidSansFallback has no Latin letters).
const DefaultCJKFont = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"

var (
	fontOnce sync.Once
	fontErr  error
)

// useFont registers the CJK font (a .ttf, .otf or the first face of a
// .ttc) as gonum/plot's default, once per process.
func useFont(path string) error {
	fontOnce.Do(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			fontErr = fmt.Errorf("chart font: %w", err)
			return
		}
		var f *opentype.Font
		if coll, err := opentype.ParseCollection(data); err == nil && coll.NumFonts() > 0 {
			f, err = coll.Font(0)
			if err != nil {
				fontErr = fmt.Errorf("chart font %s: %w", path, err)
				return
			}
		} else if f, err = opentype.Parse(data); err != nil {
			fontErr = fmt.Errorf("chart font %s: %w", path, err)
			return
		}
		cjk := font.Font{Typeface: "cjk"}
		font.DefaultCache.Add([]font.Face{{Font: cjk, Face: f}})
		font.DefaultCache.Add(liberation.Collection())
		plot.DefaultFont = cjk
		plotter.DefaultFont = cjk
	})
	return fontErr
}

// ChartPNG draws values by labels — bars, or a line when line is set — as a
// PNG of about 720×420 pixels, titled.
func ChartPNG(title string, labels []string, values []float64, line bool, fontPath string) ([]byte, error) {
	if len(labels) != len(values) || len(values) == 0 {
		return nil, fmt.Errorf("chart: %d labels for %d values", len(labels), len(values))
	}
	if fontPath == "" {
		fontPath = DefaultCJKFont
	}
	if err := useFont(fontPath); err != nil {
		return nil, err
	}
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	blue := color.RGBA{R: 37, G: 99, B: 235, A: 255}
	if line {
		pts := make(plotter.XYs, len(values))
		for i, v := range values {
			pts[i].X, pts[i].Y = float64(i), v
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = blue, vg.Points(2)
		p.Add(l)
	} else {
		bars, err := plotter.NewBarChart(plotter.Values(values), vg.Points(max(8, 360/float64(len(values)))))
		if err != nil {
			return nil, err
		}
		bars.Color, bars.LineStyle.Width = blue, 0
		p.Add(bars)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(values))-0.4 // room for the outer bars
	if len(labels) > 8 {
		p.X.Tick.Label.Rotation = 0.6
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -0.9, -0.5
	}
	p.Y.Min = min(0, p.Y.Min)
	// The CJK font has no Latin digits: numbers use gonum's Liberation Sans.
	latin := font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(10)}
	p.Y.Tick.Label.Font = latin
	w, err := p.WriterTo(7.5*vg.Inch, 4.4*vg.Inch, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
