package sagemakertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // the default handler accepts JPEG bodies
	_ "image/png"  // and PNG bodies
	"net/http"
	"strings"
	"sync"

	"golang.org/x/image/draw"
)

// Tensor geometry of the default handler: ResNet50's input, 1x3x224x224.
const (
	CropSize   = 224
	ResizeSize = 256 // the shorter side is resized to this before cropping
	TensorLen  = 3 * CropSize * CropSize
)

// ImageNet normalization constants, per RGB channel.
var (
	imagenetMean = [3]float32{0.485, 0.456, 0.406}
	imagenetStd  = [3]float32{0.229, 0.224, 0.225}
)

// statusError is a handler error with the status the model container would
// have answered.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string   { return e.msg }
func (e *statusError) StatusCode() int { return e.status }

var tensorPool = sync.Pool{New: func() any { return new([TensorLen]float32) }}

// rgbaBuffers are the decoded image as RGBA and the resized crop, reused
// across requests to spare the garbage collector 400 KB per request.
type rgbaBuffers struct{ full, crop rgbaBuffer }

type rgbaBuffer struct{ img image.RGBA }

// sized returns the buffer as a w x h image, growing it if needed. Scaling
// and drawing with draw.Src overwrite every pixel, so old contents do not
// leak through.
func (b *rgbaBuffer) sized(w, h int) *image.RGBA {
	if n := 4 * w * h; cap(b.img.Pix) < n {
		b.img.Pix = make([]uint8, n)
	} else {
		b.img.Pix = b.img.Pix[:n]
	}
	b.img.Stride, b.img.Rect = 4*w, image.Rect(0, 0, w, h)
	return &b.img
}

var rgbaPool = sync.Pool{New: func() any { return new(rgbaBuffers) }}

// Preprocess decodes a JPEG or PNG image and writes it into dst as a
// 1x3x224x224 tensor in channel-major order: shorter side resized to 256
// (bilinear), centre-cropped to 224x224, scaled to [0,1] and normalized with
// the ImageNet mean and standard deviation, as torchvision's ResNet50 recipe
// does.
func Preprocess(body []byte, dst *[TensorLen]float32) error {
	src, format, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sagemakertest: decoding image (%d bytes): %w", len(body), err)
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 1 || h < 1 {
		return fmt.Errorf("sagemakertest: %s image has no pixels", format)
	}
	rw, rh := ResizeSize, ResizeSize
	if w < h {
		rh = (h*ResizeSize + w/2) / w
	} else {
		rw = (w*ResizeSize + h/2) / h
	}
	// Convert to RGBA once (a fast path of image/draw for JPEG's YCbCr),
	// then scale RGBA to RGBA, cheaper than scaling straight from YCbCr, which
	// converts a source pixel for each of its interpolation taps. Only the
	// centre crop of the resized image is needed, so the scale targets a
	// canvas offset so that the crop lands at (0,0). Both buffers are pooled.
	bufs := rgbaPool.Get().(*rgbaBuffers)
	defer rgbaPool.Put(bufs)
	rgba, ok := src.(*image.RGBA)
	if !ok {
		rgba = bufs.full.sized(w, h)
		draw.Draw(rgba, rgba.Rect, src, b.Min, draw.Src)
		b = rgba.Rect
	}
	x0, y0 := (rw-CropSize)/2, (rh-CropSize)/2
	crop := bufs.crop.sized(CropSize, CropSize)
	draw.ApproxBiLinear.Scale(crop, image.Rect(-x0, -y0, rw-x0, rh-y0), rgba, b, draw.Src, nil)

	const plane = CropSize * CropSize
	var scale, bias [3]float32
	for c := range 3 {
		scale[c] = 1 / (255 * imagenetStd[c])
		bias[c] = -imagenetMean[c] / imagenetStd[c]
	}
	for y := range CropSize {
		row := crop.Pix[y*crop.Stride : y*crop.Stride+4*CropSize]
		for x := range CropSize {
			i := y*CropSize + x
			px := row[4*x : 4*x+3 : 4*x+3]
			for c := range 3 {
				dst[c*plane+i] = float32(px[c])*scale[c] + bias[c]
			}
		}
	}
	return nil
}

// Prediction is one class of the default handler's answer.
type Prediction struct {
	Class int     `json:"class"`
	Score float32 `json:"score"`
}

// ImageClassifier is the default [Handler]. It preprocesses the image like a
// ResNet50 serving container (see [Preprocess]) and answers
// {"predictions":[{"class":..,"score":..}x5],"emulated":true} with the top five
// of 1000 cheap deterministic scores derived from the tensor: the same image
// always gets the same classes, and no real model is involved. A request
// whose Accept header excludes application/json gets HTTP 406 from the
// "model", which the runtime reports as ModelError.
func ImageClassifier(ctx context.Context, endpointName string, body []byte, contentType string) ([]byte, error) {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "", "image/jpeg", "image/jpg", "image/png", "application/x-image", "application/octet-stream":
	default:
		return nil, &statusError{http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported content type %q; send image/jpeg or image/png", contentType)}
	}
	if inv, ok := InvocationFromContext(ctx); ok && !acceptsJSON(inv.Accept) {
		return nil, &statusError{http.StatusNotAcceptable, fmt.Sprintf("unsupported Accept %q; the model answers application/json", inv.Accept)}
	}
	t := tensorPool.Get().(*[TensorLen]float32)
	defer tensorPool.Put(t)
	if err := Preprocess(body, t); err != nil {
		return nil, &statusError{http.StatusBadRequest, err.Error()}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Predictions []Prediction `json:"predictions"`
		Emulated    bool         `json:"emulated"`
	}{top5(t), true})
}

// top5 scores 1000 classes as sums of strided tensor elements and returns the
// five highest, best first.
func top5(t *[TensorLen]float32) []Prediction {
	var scores [1000]float32
	for base := 0; base < len(t); base += len(scores) {
		chunk := t[base:min(base+len(scores), len(t))]
		for k, v := range chunk {
			scores[k] += v
		}
	}
	best := make([]Prediction, 0, 6)
	for k, v := range scores {
		if len(best) == 5 && v <= best[4].Score {
			continue
		}
		j := len(best)
		best = append(best, Prediction{})
		for j > 0 && best[j-1].Score < v {
			best[j] = best[j-1]
			j--
		}
		best[j] = Prediction{k, v}
		if len(best) > 5 {
			best = best[:5]
		}
	}
	return best
}
