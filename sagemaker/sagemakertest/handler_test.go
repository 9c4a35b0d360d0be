package sagemakertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/sagebench/sagebench/sagemaker/sagemakertest"
)

func pngOf(t testing.TB, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPreprocessNormalizesWithImageNetStats(t *testing.T) {
	// A uniform image keeps its colour through resize and crop, so every
	// element of a channel plane is (v/255 - mean) / std.
	var tensor [sagemakertest.TensorLen]float32
	if err := sagemakertest.Preprocess(pngOf(t, 300, 200, color.RGBA{255, 0, 128, 255}), &tensor); err != nil {
		t.Fatal(err)
	}
	want := [3]float64{(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128.0/255 - 0.406) / 0.225}
	const plane = 224 * 224
	for c := range 3 {
		for _, i := range []int{0, plane / 2, plane - 1} {
			if got := float64(tensor[c*plane+i]); math.Abs(got-want[c]) > 1e-4 {
				t.Errorf("channel %d element %d = %v, want %v", c, i, got, want[c])
			}
		}
	}
}

func TestPreprocessCropsTheCentre(t *testing.T) {
	// 512x256: shorter side 256 stays, width stays 512, the crop takes
	// columns 144..367. A white band in columns 0..127 must not appear; a
	// white band in the middle must fill the crop's centre.
	img := image.NewRGBA(image.Rect(0, 0, 512, 256))
	for y := range 256 {
		for x := range 512 {
			v := uint8(0)
			if x < 128 || (x >= 246 && x < 266) {
				v = 255
			}
			img.SetRGBA(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	var tensor [sagemakertest.TensorLen]float32
	if err := sagemakertest.Preprocess(buf.Bytes(), &tensor); err != nil {
		t.Fatal(err)
	}
	black := float32((0 - 0.485) / 0.229)
	white := float32((1 - 0.485) / 0.229)
	row := 112 * 224
	if got := tensor[row+0]; math.Abs(float64(got-black)) > 1e-3 {
		t.Errorf("left edge of crop = %v, want black %v (the left band is outside the crop)", got, black)
	}
	if got := tensor[row+112]; math.Abs(float64(got-white)) > 1e-3 {
		t.Errorf("centre of crop = %v, want white %v", got, white)
	}
}

func TestImageClassifierIsDeterministicAndRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	jpg := sampleJPEG(t)
	a, err := sagemakertest.ImageClassifier(ctx, "ep", jpg, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sagemakertest.ImageClassifier(ctx, "ep", jpg, "application/x-image")
	if !bytes.Equal(a, b) {
		t.Errorf("same image gave %s then %s", a, b)
	}
	var out struct {
		Predictions []sagemakertest.Prediction
		Emulated    bool
	}
	if err := json.Unmarshal(a, &out); err != nil || len(out.Predictions) != 5 || !out.Emulated {
		t.Fatalf("response %s: %v", a, err)
	}
	for i := 1; i < 5; i++ {
		if out.Predictions[i].Score > out.Predictions[i-1].Score {
			t.Errorf("predictions not sorted: %+v", out.Predictions)
		}
	}
	other, _ := sagemakertest.ImageClassifier(ctx, "ep", pngOf(t, 224, 224, color.RGBA{10, 200, 30, 255}), "image/png")
	if bytes.Equal(a, other) {
		t.Errorf("different images gave the same answer %s", a)
	}
	if _, err := sagemakertest.ImageClassifier(ctx, "ep", []byte("not an image"), "image/jpeg"); err == nil {
		t.Error("garbage body accepted")
	}
	if _, err := sagemakertest.ImageClassifier(ctx, "ep", jpg, "text/csv"); err == nil {
		t.Error("text/csv accepted")
	}
}

// BenchmarkImageClassifier measures the CPU cost of the default handler per
// request: decode a 224x224 JPEG, resize to 256, crop, normalize, score.
func BenchmarkImageClassifier(b *testing.B) {
	jpg := sampleJPEG(b)
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for b.Loop() {
		if _, err := sagemakertest.ImageClassifier(ctx, "ep", jpg, "image/jpeg"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
}
