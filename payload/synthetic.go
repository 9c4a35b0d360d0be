package payload

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
)

// maxSyntheticSide bounds SyntheticJPEG so a typo cannot allocate gigabytes.
const maxSyntheticSide = 8192

// syntheticQuality is the JPEG quality of SyntheticJPEG, what cameras and most photo
// pipelines write.
const syntheticQuality = 90

// SyntheticJPEG draws a w x h picture and encodes it as a JPEG, for benchmarks and tests
// that need an image input without shipping one. The same seed always gives the same bytes
// (for a given Go release's encoder) and different seeds give different pictures.
//
// The picture compresses like a photograph rather than a flat colour: smooth colour
// gradients, a few soft-edged shapes and seeded sensor-like noise, encoded at quality 90.
// A 224x224 one is 15 to 30 KB, the size of the real ImageNet-style inputs the reference
// study sends, so network and decode costs are realistic. Its name is
// "synthetic-WxH-seedN.jpg" and its type ContentTypeImage.
func SyntheticJPEG(w, h int, seed int64) (Payload, error) {
	if w <= 0 || h <= 0 || w > maxSyntheticSide || h > maxSyntheticSide {
		return Payload{}, fmt.Errorf("payload: synthetic JPEG size %dx%d: each side must be in 1..%d", w, h, maxSyntheticSide)
	}
	img := drawSynthetic(w, h, seed)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: syntheticQuality}); err != nil {
		return Payload{}, fmt.Errorf("payload: encode synthetic JPEG %dx%d: %w", w, h, err)
	}
	p := Payload{
		Name:        fmt.Sprintf("synthetic-%dx%d-seed%d.jpg", w, h, seed),
		ContentType: ContentTypeImage,
		Body:        buf.Bytes(),
	}
	return p, Validate(p)
}

type disc struct {
	cx, cy, r2 int
	c          [3]int
}

// drawSynthetic uses integer arithmetic only, so the pixels (and thus the bytes) do not
// depend on the platform's floating point.
func drawSynthetic(w, h int, seed int64) *image.RGBA {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5a6e_6265_6e63_6821))
	// Corner colours of a bilinear gradient.
	var corner [4][3]int
	for i := range corner {
		for c := range corner[i] {
			corner[i][c] = 30 + rng.IntN(196)
		}
	}
	discs := make([]disc, 3+rng.IntN(4))
	for i := range discs {
		r := 1 + (min(w, h)/10 + rng.IntN(min(w, h)/4+1))
		discs[i] = disc{cx: rng.IntN(w), cy: rng.IntN(h), r2: r * r}
		for c := range discs[i].c {
			discs[i].c[c] = rng.IntN(256)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var px [3]int
			for c := range px {
				top := corner[0][c]*(w-x) + corner[1][c]*x
				bottom := corner[2][c]*(w-x) + corner[3][c]*x
				px[c] = (top*(h-y) + bottom*y) / (w * h)
			}
			for _, d := range discs {
				dx, dy := x-d.cx, y-d.cy
				if dist := dx*dx + dy*dy; dist < d.r2 {
					// Blend towards the disc colour, strongest at its centre: soft edges,
					// as out-of-focus objects have.
					for c := range px {
						px[c] += (d.c[c] - px[c]) * (d.r2 - dist) / d.r2
					}
				}
			}
			// Per-channel noise is what makes a photo cost bytes at quality 90.
			for c := range px {
				px[c] += rng.IntN(49) - 24
			}
			img.SetRGBA(x, y, color.RGBA{clamp8(px[0]), clamp8(px[1]), clamp8(px[2]), 255})
		}
	}
	return img
}

func clamp8(v int) uint8 {
	return uint8(max(0, min(255, v)))
}
