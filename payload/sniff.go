package payload

import (
	"bytes"
	"encoding/json"
	"image/jpeg"
)

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	npyMagic  = []byte("\x93NUMPY")
)

// DetectContentType returns the content type a request body is sent with, judged from its
// bytes alone: JPEG and PNG images are ContentTypeImage, a JSON object or array is
// ContentTypeJSON, a NumPy .npy file is ContentTypeNPY, and anything else, including an
// empty body, is ContentTypeBinary.
//
// JSON is recognised only as a whole valid document that is an object or an array, so a CSV
// row such as "1,2,3" or a bare number is not mistaken for it.
func DetectContentType(body []byte) string {
	switch {
	case bytes.HasPrefix(body, jpegMagic), bytes.HasPrefix(body, pngMagic):
		return ContentTypeImage
	case bytes.HasPrefix(body, npyMagic):
		return ContentTypeNPY
	case looksLikeJSON(body):
		return ContentTypeJSON
	}
	return ContentTypeBinary
}

func looksLikeJSON(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return false
	}
	return json.Valid(trimmed)
}

func hasJPEGMagic(body []byte) bool { return bytes.HasPrefix(body, jpegMagic) }

// isJPEG checks the magic and that the header up to the frame size decodes; it does not
// decode the pixels, so it stays cheap for a 6 MB photo.
func isJPEG(body []byte) bool {
	if !hasJPEGMagic(body) {
		return false
	}
	_, err := jpeg.DecodeConfig(bytes.NewReader(body))
	return err == nil
}
