package payload

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"testing"
)

func TestSyntheticJPEGIsDeterministicPerSeed(t *testing.T) {
	a, err := SyntheticJPEG(224, 224, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SyntheticJPEG(224, 224, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Body, b.Body) {
		t.Error("two SyntheticJPEG(224, 224, 7) calls gave different bytes")
	}
	seen := map[string]int64{string(a.Body): 7}
	for seed := int64(-2); seed < 6; seed++ {
		p, err := SyntheticJPEG(224, 224, seed)
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := seen[string(p.Body)]; dup {
			t.Errorf("seeds %d and %d gave identical bytes", prev, seed)
		}
		seen[string(p.Body)] = seed
	}
}

// A photo-like 224x224 JPEG at quality 90 is 15-30 KB; a flat or gradient-only picture would
// be a few KB and understate network and decode cost.
func TestSyntheticJPEGIsPhotoSized(t *testing.T) {
	for seed := int64(0); seed < 10; seed++ {
		p, err := SyntheticJPEG(224, 224, seed)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(p.Body); n < 15_000 || n > 30_000 {
			t.Errorf("seed %d: %d bytes, want 15000..30000", seed, n)
		}
	}
}

func TestSyntheticJPEGDecodesToARealPicture(t *testing.T) {
	p, err := SyntheticJPEG(320, 200, 3)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "synthetic-320x200-seed3.jpg" || p.ContentType != ContentTypeImage {
		t.Errorf("got {%q, %q}, want {synthetic-320x200-seed3.jpg, %s}", p.Name, p.ContentType, ContentTypeImage)
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Body))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 200 {
		t.Fatalf("decoded size %dx%d, want 320x200", b.Dx(), b.Dy())
	}
	// Not a flat colour: the red channel spans a wide range across the picture.
	lo, hi := uint32(1<<16), uint32(0)
	for y := 0; y < 200; y += 5 {
		for x := 0; x < 320; x += 5 {
			r, _, _, _ := img.At(x, y).RGBA()
			lo, hi = min(lo, r), max(hi, r)
		}
	}
	if hi-lo < 0x4000 {
		t.Errorf("red channel spans %#x..%#x, want a picture with real contrast", lo, hi)
	}
}

func TestSyntheticJPEGRejectsBadSizes(t *testing.T) {
	for _, wh := range [][2]int{{0, 224}, {224, -1}, {100000, 10}} {
		t.Run(fmt.Sprint(wh), func(t *testing.T) {
			if _, err := SyntheticJPEG(wh[0], wh[1], 1); err == nil {
				t.Errorf("SyntheticJPEG(%d, %d) succeeded, want an error", wh[0], wh[1])
			}
		})
	}
	if _, err := SyntheticJPEG(1, 1, 1); err != nil {
		t.Errorf("SyntheticJPEG(1, 1) = %v, want a 1-pixel JPEG", err)
	}
}
