// Package payload builds and validates the request bodies a benchmark sends.
//
// A payload is a plain value: a name for reports, the content type it is sent with and the
// raw body. Load one from disk, a corpus from a directory, or make one in memory:
//
//	p, err := payload.FromFile("cat.jpg")              // sniffed: application/x-image
//	corpus, err := payload.FromDir("testdata/images")  // sorted by name
//	img, err := payload.SyntheticJPEG(224, 224, 1)     // deterministic, photo-sized
//	t, err := payload.NPY("x.npy", []int{1, 3, 224, 224}, pixels)
//
// Every constructor validates what it returns (see Validate): a body is never empty, never
// larger than the SageMaker real-time limit MaxBytes, and a file named .jpg is a real JPEG.
//
// Options are functional: WithX values of type Option, passed to FromFile and FromDir.
package payload

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// MaxBytes is the largest request body a SageMaker real-time endpoint accepts: InvokeEndpoint
// payloads are limited to 6 MB (6 * 1024 * 1024 bytes). Serverless endpoints allow only 4 MB
// and asynchronous inference up to 1 GB; neither is what this package benchmarks.
const MaxBytes = 6 * 1024 * 1024

// Content types the sniffer assigns. The image type is the one SageMaker's built-in image
// containers and the PyTorch/TorchServe handlers expect for raw JPEG or PNG bytes.
const (
	ContentTypeImage  = "application/x-image"
	ContentTypeJSON   = "application/json"
	ContentTypeNPY    = "application/x-npy"
	ContentTypeBinary = "application/octet-stream"
)

var (
	// ErrEmpty reports a payload with no body bytes.
	ErrEmpty = errors.New("payload: empty body")
	// ErrTooLarge reports a body over MaxBytes. Errors wrapping it name the file and its size.
	ErrTooLarge = errors.New("payload: body exceeds the SageMaker real-time limit of 6 MB")
	// ErrNotJPEG reports a payload that claims to be a JPEG (by its .jpg/.jpeg name or an
	// image/jpeg content type) but whose bytes do not decode as one.
	ErrNotJPEG = errors.New("payload: not a valid JPEG")
)

// Payload is one request body with the content type it is sent with.
type Payload struct {
	// Name identifies the payload in reports (a file name, or "synthetic-224x224-seed1.jpg").
	Name string
	// ContentType is the MIME type sent with the body, e.g. "application/x-image".
	ContentType string
	// Body is the raw bytes sent as the request body. It is never modified.
	Body []byte
}

// Validate reports whether p can be sent to a real-time endpoint: its body is not empty
// (ErrEmpty), not larger than MaxBytes (ErrTooLarge), and if p claims to be a JPEG by its
// name (.jpg, .jpeg) or content type (image/jpeg), the body is one (ErrNotJPEG). The errors
// wrap those sentinels, so errors.Is works, and name the payload.
func Validate(p Payload) error {
	n := len(p.Body)
	switch {
	case n == 0:
		return fmt.Errorf("%w: %q has 0 bytes", ErrEmpty, p.Name)
	case n > MaxBytes:
		return tooLarge(p.Name, int64(n))
	case claimsJPEG(p) && !isJPEG(p.Body):
		return fmt.Errorf("%w: %q (%d bytes) has a JPEG name or type but %s",
			ErrNotJPEG, p.Name, n, describe(p.Body))
	}
	return nil
}

func tooLarge(name string, size int64) error {
	return fmt.Errorf("%w: %q is %d bytes, over the limit of %d bytes", ErrTooLarge, name, size, MaxBytes)
}

func claimsJPEG(p Payload) bool {
	ext := strings.ToLower(filepath.Ext(p.Name))
	return ext == ".jpg" || ext == ".jpeg" || strings.EqualFold(p.ContentType, "image/jpeg")
}

// describe says, for an error message, what a body that failed the JPEG check looks like.
func describe(body []byte) string {
	if !hasJPEGMagic(body) {
		return "its bytes do not start with the JPEG marker FF D8 FF (sniffed as " + DetectContentType(body) + ")"
	}
	return "its JPEG header does not decode"
}
