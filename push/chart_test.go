package push

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"testing"
)

// TestChartPNG draws a CJK bar chart and a line: valid PNGs of the stated
// size with blue bars on white, and a screenshot to look at.
func TestChartPNG(t *testing.T) {
	data, err := ChartPNG("上个月各渠道的销售额", []string{"门店", "天猫", "小程序", "APP", "抖音"}, []float64{98.8, 5.2, 5.0, 4.9, 4.6}, false, "")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
		t.Errorf("chart of %v", b)
	}
	if n := blue(img); n < 1000 {
		t.Errorf("only %d blue pixels: no bars drawn", n)
	}
	os.MkdirAll("../artifacts", 0o755)
	os.WriteFile("../artifacts/push-chart.png", data, 0o644)
	line, err := ChartPNG("今年每月销售额", []string{"1月", "2月", "3月", "4月"}, []float64{88, 61, 92, 95}, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(line)); err != nil {
		t.Fatal(err)
	}
	if _, err := ChartPNG("x", []string{"a"}, nil, false, ""); err == nil {
		t.Error("a chart with no values was drawn")
	}
}

func blue(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if bl>>8 > 200 && r>>8 < 80 && g>>8 < 140 {
				n++
			}
		}
	}
	return n
}
