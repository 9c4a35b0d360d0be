package sagemakertest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	rttypes "github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"

	"github.com/sagebench/sagebench/payload"
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

// invokeAs sends body as contentType (and accept, if set) to endpoint name.
func invokeAs(t *testing.T, srv *sagemakertest.Server, name string, body []byte, contentType, accept string) (*sagemakerruntime.InvokeEndpointOutput, error) {
	t.Helper()
	in := &sagemakerruntime.InvokeEndpointInput{EndpointName: aws.String(name), Body: body}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if accept != "" {
		in.Accept = aws.String(accept)
	}
	return srv.RuntimeClient(noRetry).InvokeEndpoint(ctxT(t), in)
}

// modelStatus returns the container status a ModelError carries, 0 if err is
// not one.
func modelStatus(err error) int32 {
	var me *rttypes.ModelError
	if errors.As(err, &me) {
		return aws.ToInt32(me.OriginalStatusCode)
	}
	return 0
}

// TestDefaultHandlerAnswersJSONWithJSON: a JSON model needs no handler. One
// JSON object gets five predictions; the batch form {"instances":[...]} one
// list per instance; the same input the same answer; a body that is not JSON
// the container's 400.
func TestDefaultHandlerAnswersJSONWithJSON(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "text", "ml.g5.xlarge", 1, nil)
	out, err := invokeAs(t, srv, "text", []byte(`{"inputs": "a great film"}`), "application/json", "")
	if err != nil {
		t.Fatal(err)
	}
	var one struct {
		Predictions []sagemakertest.Prediction
		Emulated    bool
	}
	if err := json.Unmarshal(out.Body, &one); err != nil || len(one.Predictions) != 5 || !one.Emulated || aws.ToString(out.ContentType) != "application/json" {
		t.Fatalf("answer %s (%s): %v", out.Body, aws.ToString(out.ContentType), err)
	}
	again, _ := invokeAs(t, srv, "text", []byte(`{"inputs": "a great film"}`), "application/json", "")
	other, _ := invokeAs(t, srv, "text", []byte(`{"inputs": "a dull film"}`), "application/json; charset=utf-8", "")
	if again == nil || !bytes.Equal(again.Body, out.Body) || other == nil || bytes.Equal(other.Body, out.Body) {
		t.Errorf("answers not a function of the input: %v / %v", again, other)
	}
	batch, err := invokeAs(t, srv, "text", []byte(`{"instances": ["a", "b", "c"]}`), "application/json", "application/json")
	var many struct{ Predictions [][]sagemakertest.Prediction }
	if err != nil || json.Unmarshal(batch.Body, &many) != nil || len(many.Predictions) != 3 || len(many.Predictions[2]) != 5 {
		t.Errorf("batch answer: %v, %v", batch, err)
	}
	if _, err := invokeAs(t, srv, "text", []byte(`{"inputs": `), "application/json", ""); modelStatus(err) != 400 {
		t.Errorf("invalid JSON: %v, want ModelError with status 400", err)
	}
	huge := []byte(`{"instances": [0` + strings.Repeat(",0", sagemakertest.MaxAnswerRows) + `]}`)
	if _, err := invokeAs(t, srv, "text", huge, "application/json", ""); modelStatus(err) != 400 {
		t.Errorf("%d instances: %v, want ModelError with status 400", sagemakertest.MaxAnswerRows+1, err)
	}
	if _, err := invokeAs(t, srv, "text", []byte(`{}`), "application/json", "text/csv"); modelStatus(err) != 406 {
		t.Errorf("Accept text/csv: %v, want ModelError with status 406", err)
	}
}

// TestDefaultHandlerAnswersNPYWithNPY: an .npy batch of two rows gets an
// .npy of shape (2, 1000) float32, or the JSON form when only JSON is
// accepted; a malformed .npy body the container's 400.
func TestDefaultHandlerAnswersNPYWithNPY(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "tensor", "ml.inf2.xlarge", 1, nil)
	in, err := payload.EncodeNPY([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	if err != nil {
		t.Fatal(err)
	}
	out, err := invokeAs(t, srv, "tensor", in, "application/x-npy", "")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ContentType) != "application/x-npy" || !bytes.HasPrefix(out.Body, []byte("\x93NUMPY")) ||
		!bytes.Contains(out.Body, []byte("'shape': (2, 1000)")) || !bytes.Contains(out.Body, []byte("'<f4'")) {
		t.Errorf("answer (%s) %q..., want an .npy of shape (2, 1000)", aws.ToString(out.ContentType), out.Body[:min(len(out.Body), 80)])
	}
	want, _ := payload.EncodeNPY([]int{2, 1000}, make([]float32, 2000))
	if len(out.Body) != len(want) {
		t.Errorf("answer of %d bytes, want %d", len(out.Body), len(want))
	}
	js, err := invokeAs(t, srv, "tensor", in, "application/x-npy", "application/json")
	var many struct{ Predictions [][]sagemakertest.Prediction }
	if err != nil || aws.ToString(js.ContentType) != "application/json" || json.Unmarshal(js.Body, &many) != nil || len(many.Predictions) != 2 {
		t.Errorf("Accept application/json: %v, %v", js, err)
	}
	for name, bad := range map[string][]byte{
		"truncated":            in[:len(in)-1],
		"not npy":              []byte("1,2,3"),
		"a billion empty rows": mustNPYHeader(t, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 0), }"),
		"huge shape": append([]byte("\x93NUMPY\x01\x00\x46\x00"),
			[]byte("{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 2), }            \n")...),
	} {
		if _, err := invokeAs(t, srv, "tensor", bad, "application/x-npy", ""); modelStatus(err) != 400 {
			t.Errorf("%s: %v, want ModelError with status 400", name, err)
		}
	}
}

// mustNPYHeader is an .npy file of format 1.0 with the given header and no data.
func mustNPYHeader(t *testing.T, header string) []byte {
	t.Helper()
	b := []byte("\x93NUMPY\x01\x00")
	return append(append(b, byte(len(header)), byte(len(header)>>8)), header...)
}

// TestDefaultHandlerEchoesOtherTypesAndSniffsOctetStream: a type the
// handler does not model is echoed, as large as it came, with its own
// Content-Type; an untyped JPEG is still classified.
func TestDefaultHandlerEchoesOtherTypesAndSniffsOctetStream(t *testing.T) {
	srv := newServer(t, sagemakertest.WithTimeScale(0))
	deploy(t, srv, "any", "ml.c6i.xlarge", 1, nil)
	csv := []byte("5.1,3.5,1.4,0.2\n")
	out, err := invokeAs(t, srv, "any", csv, "text/csv", "")
	if err != nil || !bytes.Equal(out.Body, csv) || aws.ToString(out.ContentType) != "text/csv" {
		t.Errorf("text/csv: %v, %v", out, err)
	}
	jpg := sampleJPEG(t)
	want, _ := sagemakertest.ImageClassifier(context.Background(), "any", jpg, "image/jpeg")
	out, err = invokeAs(t, srv, "any", jpg, "application/octet-stream", "")
	if err != nil || !bytes.Equal(out.Body, want) {
		t.Errorf("untyped JPEG: %v, %v", out, err)
	}
}

// FuzzDefaultHandler feeds the default handler arbitrary bodies as JSON, NPY and untyped
// content: it answers or returns an error, never panics.
func FuzzDefaultHandler(f *testing.F) {
	npy, _ := payload.EncodeNPY([]int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	for _, seed := range [][]byte{npy, []byte(`{"instances":[1,2]}`), []byte("\x93NUMPY\x03\x00\xff\xff\xff\xff{'descr': '<U9', 'shape': (3,)}"), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, ct := range []string{"application/x-npy", "application/json", "", "text/csv"} {
			_, _ = sagemakertest.DefaultHandler(context.Background(), "ep", body, ct)
		}
	})
}

// A unicode dtype so wide that its size in bytes (four per code unit) wraps around is
// a malformed body: HTTP 400, not a division by zero.
func TestNPYModelRefusesADtypeWhoseByteSizeWraps(t *testing.T) {
	t.Parallel()
	for _, descr := range []string{"<U4611686018427387904", "<U4611686018427387905", "<U2305843009213693952"} {
		body := append(mustNPYHeader(t, "{'descr': '"+descr+"', 'fortran_order': False, 'shape': (2,), }"), make([]byte, 8)...)
		_, err := sagemakertest.DefaultHandler(context.Background(), "ep", body, "application/x-npy")
		var sc interface{ StatusCode() int }
		if !errors.As(err, &sc) || sc.StatusCode() != 400 {
			t.Errorf("%s: %v, want a 400 error", descr, err)
		}
	}
}

// pngClaiming is a 1x1 grayscale PNG whose header claims w x h: the decoder allocates
// the claimed size before it finds the pixels missing.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], w) // IHDR data starts at 16: width, height, ...
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// An image whose header claims more than MaxImagePixels is refused (400) from its
// header, without allocating what it claims: 71 bytes claiming 10000x10000 made the
// handler allocate 100 MB, and 65535x65535 in 16-bit RGBA would be 34 GB.
func TestImageClassifierRefusesAnImageOverMaxImagePixelsBeforeDecoding(t *testing.T) {
	t.Parallel()
	body := pngClaiming(t, 10000, 10000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := sagemakertest.DefaultHandler(context.Background(), "ep", body, "image/png")
	runtime.ReadMemStats(&after)
	var sc interface{ StatusCode() int }
	if !errors.As(err, &sc) || sc.StatusCode() != 400 || !strings.Contains(err.Error(), "pixels") {
		t.Errorf("%v, want a 400 error naming the pixel limit", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("allocated %d MB for a %d-byte body", n>>20, len(body))
	}
}
