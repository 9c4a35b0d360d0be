package sagemakertest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	_ "image/jpeg" // the default handler accepts JPEG bodies
	_ "image/png"  // and PNG bodies
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/draw"

	"github.com/sagebench/sagebench/payload"
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

// MaxImagePixels bounds the images [Preprocess] decodes: PIL's Image.MAX_IMAGE_PIXELS
// (1024*1024*1024/4/3), above which Pillow, which PyTorch serving containers decode
// images with, warns of a decompression bomb (it refuses twice as many). A larger image
// is refused before it is decoded, so that its header cannot make the emulator
// allocate gigabytes.
const MaxImagePixels = 89_478_485

// Preprocess decodes a JPEG or PNG image and writes it into dst as a
// 1x3x224x224 tensor in channel-major order: shorter side resized to 256
// (bilinear), centre-cropped to 224x224, scaled to [0,1] and normalized with
// the ImageNet mean and standard deviation, as torchvision's ResNet50 recipe
// does. An image of more than [MaxImagePixels] is an error.
func Preprocess(body []byte, dst *[TensorLen]float32) error {
	// The size is in the header, and the decoder allocates it before reading any pixel:
	// a 70-byte PNG claiming 65535x65535 would take 34 GB. So check it first.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sagemakertest: decoding image (%d bytes): %w", len(body), err)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > MaxImagePixels {
		return fmt.Errorf("sagemakertest: %s image of %dx%d is %d pixels, over %d (PIL's decompression-bomb limit)", format, cfg.Width, cfg.Height, px, MaxImagePixels)
	}
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

// ImageClassifier is the [DefaultHandler] for images. It preprocesses the image like a
// ResNet50 serving container (see [Preprocess]) and answers
// {"predictions":[{"class":..,"score":..}x5],"emulated":true} with the top five
// of 1000 cheap deterministic scores derived from the tensor: the same image
// always gets the same classes, and no real model is involved. A request
// whose Accept header excludes application/json gets HTTP 406 from the
// "model", which the runtime reports as ModelError.
func ImageClassifier(ctx context.Context, endpointName string, body []byte, contentType string) ([]byte, error) {
	switch mediaType(contentType) {
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

// DefaultHandler is the handler endpoints use unless [WithHandler] sets one.
// It answers by the request's Content-Type, so that any model can be
// benchmarked without writing a handler:
//
//   - image/jpeg, image/png, application/x-image: [ImageClassifier] (decode,
//     resize, crop, normalize, ResNet50-shaped top-5 JSON answer).
//   - application/json (and any +json type): [JSONModel], a JSON answer.
//   - application/x-npy: [NPYModel], an NPY answer of 1000 float32 scores per
//     row of the input's first axis.
//   - anything else, text/csv or a tokenizer's bytes: the body echoed back,
//     so the answer is as large as the request, with the request's
//     Content-Type.
//
// An empty Content-Type or application/octet-stream is sniffed: a JPEG or PNG
// is an image, an NPY file is NPY, anything else is echoed. Whatever the type,
// the request then holds a model worker for the instance type's device time.
func DefaultHandler(ctx context.Context, endpointName string, body []byte, contentType string) ([]byte, error) {
	ct := mediaType(contentType)
	if ct == "" || ct == "application/octet-stream" {
		switch {
		case bytes.HasPrefix(body, []byte("\xff\xd8\xff")), bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")):
			ct = "image/jpeg"
		case bytes.HasPrefix(body, npyMagic):
			ct = npyType
		}
	}
	switch {
	case ct == "image/jpeg" || ct == "image/jpg" || ct == "image/png" || ct == "application/x-image":
		return ImageClassifier(ctx, endpointName, body, contentType)
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		return JSONModel(ctx, endpointName, body, contentType)
	case ct == npyType:
		return NPYModel(ctx, endpointName, body, contentType)
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	SetResponseContentType(ctx, contentType)
	return body, nil
}

// mediaType returns a Content-Type's media type, lower case, without
// parameters.
func mediaType(contentType string) string {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	return ct
}

// JSONModel answers a JSON request as a JSON classifier would:
// {"predictions":[{"class":..,"score":..}x5],"emulated":true} with five
// classes of 1000 scored from the body's bytes, or, for the SageMaker and
// TensorFlow Serving batch form {"instances":[...]}, one such list per
// instance, at most [MaxAnswerRows]: {"predictions":[[...],[...]],"emulated":true}. The same input
// always gets the same answer. A body that is not JSON gets HTTP 400 from the
// "model", and an Accept header that excludes application/json HTTP 406, which
// the runtime reports as ModelError.
func JSONModel(ctx context.Context, endpointName string, body []byte, contentType string) ([]byte, error) {
	if inv, ok := InvocationFromContext(ctx); ok && !acceptsJSON(inv.Accept) {
		return nil, &statusError{http.StatusNotAcceptable, fmt.Sprintf("unsupported Accept %q; the model answers application/json", inv.Accept)}
	}
	if !json.Valid(body) {
		return nil, &statusError{http.StatusBadRequest, fmt.Sprintf("sagemakertest: the body (%d bytes) is not valid JSON", len(body))}
	}
	var batch struct {
		Instances []json.RawMessage `json:"instances"`
	}
	if json.Unmarshal(body, &batch) == nil && batch.Instances != nil {
		if len(batch.Instances) > MaxAnswerRows {
			return nil, tooManyRows(len(batch.Instances))
		}
		preds := make([][]Prediction, len(batch.Instances))
		for i, in := range batch.Instances {
			preds[i] = scoreBytes(in)
		}
		return json.Marshal(struct {
			Predictions [][]Prediction `json:"predictions"`
			Emulated    bool           `json:"emulated"`
		}{preds, true})
	}
	return json.Marshal(struct {
		Predictions []Prediction `json:"predictions"`
		Emulated    bool         `json:"emulated"`
	}{scoreBytes(body), true})
}

// MaxAnswerRows bounds the rows (instances) the default handlers answer in one
// request: 1024 rows of 1000 float32 scores are 4 MB, within SageMaker's 6 MB
// payload limit. A larger batch gets the container's HTTP 400.
const MaxAnswerRows = 1024

func tooManyRows(n int) error {
	return &statusError{http.StatusBadRequest, fmt.Sprintf("sagemakertest: a batch of %d rows; the emulated model answers at most %d (its answer must fit in 6 MB)", n, MaxAnswerRows)}
}

// scoreBytes returns the top five of 1000 scores seeded by b's bytes.
func scoreBytes(b []byte) []Prediction {
	scores := scoresOf(b)
	return topK(scores[:], 5)
}

// scoresOf returns 1000 deterministic scores in [0,1) seeded by b's bytes.
func scoresOf(b []byte) *[classes]float32 {
	h := fnv.New64a()
	_, _ = h.Write(b)
	rng := rand.New(rand.NewPCG(h.Sum64(), 25))
	var s [classes]float32
	for i := range s {
		s[i] = rng.Float32()
	}
	return &s
}

// classes is the width of the default handlers' answers, ImageNet's.
const classes = 1000

// topK returns the k highest scores, best first.
func topK(scores []float32, k int) []Prediction {
	best := make([]Prediction, 0, k+1)
	for c, v := range scores {
		if len(best) == k && v <= best[k-1].Score {
			continue
		}
		j := len(best)
		best = append(best, Prediction{})
		for j > 0 && best[j-1].Score < v {
			best[j] = best[j-1]
			j--
		}
		best[j] = Prediction{c, v}
		if len(best) > k {
			best = best[:k]
		}
	}
	return best
}

// npyType is NumPy's media type, as SageMaker's serving containers name it.
const npyType = "application/x-npy"

var npyMagic = []byte("\x93NUMPY")

// NPYModel answers a NumPy .npy request (any dtype and shape, versions 1 to
// 3 of the format) as a classifier of its rows would: the first axis is the
// batch (a 0-d or 1-d array is one row; at most [MaxAnswerRows] rows), and each row gets 1000 float32
// scores seeded by its bytes. The answer is an .npy array of shape
// (rows, 1000), '<f4', Content-Type application/x-npy, when the Accept header
// admits it (or is empty); when it admits only application/json, the answer
// is JSONModel's form with one top-5 list per row. A body that is not a
// well-formed .npy file gets HTTP 400 from the "model", an Accept that admits
// neither HTTP 406.
func NPYModel(ctx context.Context, endpointName string, body []byte, contentType string) ([]byte, error) {
	accept := ""
	if inv, ok := InvocationFromContext(ctx); ok {
		accept = inv.Accept
	}
	wantNPY, wantJSON := acceptsType(accept, npyType), acceptsJSON(accept)
	if !wantNPY && !wantJSON {
		return nil, &statusError{http.StatusNotAcceptable, fmt.Sprintf("unsupported Accept %q; the model answers application/x-npy or application/json", accept)}
	}
	arr, err := parseNPY(body)
	if err != nil {
		return nil, &statusError{http.StatusBadRequest, err.Error()}
	}
	rows := arr.rows()
	if rows > MaxAnswerRows {
		return nil, tooManyRows(rows)
	}
	rowLen := len(arr.data) / rows
	if wantNPY {
		out := make([]float32, 0, rows*classes)
		for r := range rows {
			out = append(out, scoresOf(arr.data[r*rowLen : (r+1)*rowLen])[:]...)
		}
		enc, err := payload.EncodeNPY([]int{rows, classes}, out)
		if err != nil {
			return nil, err
		}
		SetResponseContentType(ctx, npyType)
		return enc, nil
	}
	preds := make([][]Prediction, rows)
	for r := range rows {
		preds[r] = scoreBytes(arr.data[r*rowLen : (r+1)*rowLen])
	}
	return json.Marshal(struct {
		Predictions [][]Prediction `json:"predictions"`
		Emulated    bool           `json:"emulated"`
	}{preds, true})
}

// npyArray is a parsed .npy file: its shape and raw data.
type npyArray struct {
	shape []int
	data  []byte
}

// rows is the length of the first axis, 1 for a 0-d or 1-d array, and at
// least 1 (an empty array is one empty row).
func (a npyArray) rows() int {
	if len(a.shape) < 2 || a.shape[0] < 1 {
		return 1
	}
	return a.shape[0]
}

// parseNPY reads an .npy file (numpy.lib.format, versions 1.0, 2.0 and 3.0)
// and checks that its data is as long as its dtype and shape say.
func parseNPY(b []byte) (npyArray, error) {
	fail := func(format string, args ...any) (npyArray, error) {
		return npyArray{}, fmt.Errorf("sagemakertest: not a valid .npy body (%d bytes): "+format, append([]any{len(b)}, args...)...)
	}
	if !bytes.HasPrefix(b, npyMagic) || len(b) < 10 {
		return fail("no \\x93NUMPY magic")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return fail("truncated header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return fail("format version %d.%d", b[6], b[7])
	}
	if hlen > len(b)-start {
		return fail("header of %d bytes is longer than the body", hlen)
	}
	header := string(b[start : start+hlen])
	descr, ok := npyField(header, "descr")
	if !ok {
		return fail("header %q has no descr", header)
	}
	descr = strings.Trim(descr, `'"`)
	size, err := strconv.Atoi(strings.TrimLeft(descr, "<>|=bBiufcmMOSUVa?"))
	if err != nil || size < 1 || strings.ContainsRune(descr, 'O') {
		return fail("unsupported dtype %q", descr)
	}
	if strings.HasPrefix(strings.TrimLeft(descr, "<>|="), "U") {
		if size > len(b) { // the element alone is longer than the body; *4 could wrap to 0
			return fail("dtype %q is wider than the body", descr)
		}
		size *= 4 // UCS-4 code units
	}
	shapeText, ok := npyField(header, "shape")
	if !ok || !strings.HasPrefix(shapeText, "(") || !strings.HasSuffix(shapeText, ")") {
		return fail("header %q has no shape tuple", header)
	}
	data := b[start+hlen:]
	var shape []int
	count := 1
	for _, f := range strings.Split(strings.Trim(shapeText, "()"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := strconv.Atoi(strings.TrimSuffix(f, "L"))
		if err != nil || d < 0 {
			return fail("bad dimension %q in shape %s", f, shapeText)
		}
		if d > 0 && count > len(data)/size/d {
			return fail("shape %s of %s holds more than the body's %d bytes of data", shapeText, descr, len(data))
		}
		count *= d
		shape = append(shape, d)
	}
	if count*size != len(data) {
		return fail("shape %s of %s needs %d bytes of data, the body has %d", shapeText, descr, count*size, len(data))
	}
	return npyArray{shape: shape, data: data}, nil
}

// npyField returns the value of key in an .npy header's dict literal: a
// quoted string, True/False, or a parenthesized tuple.
func npyField(header, key string) (string, bool) {
	i := strings.Index(header, "'"+key+"'")
	if i < 0 {
		return "", false
	}
	rest := strings.TrimLeft(header[i+len(key)+2:], " ")
	rest, ok := strings.CutPrefix(rest, ":")
	if !ok {
		return "", false
	}
	rest = strings.TrimLeft(rest, " ")
	if strings.HasPrefix(rest, "(") {
		j := strings.IndexByte(rest, ')')
		if j < 0 {
			return "", false
		}
		return rest[:j+1], true
	}
	j := strings.IndexAny(rest, ",}")
	if j < 0 {
		return "", false
	}
	return strings.TrimSpace(rest[:j]), true
}
