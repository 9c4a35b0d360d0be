package payload

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestValidate(t *testing.T) {
	photo := sampleJPEG(t)
	tests := []struct {
		name    string
		p       Payload
		wantErr error
	}{
		{"photo", Payload{Name: "cat.jpg", Body: photo}, nil},
		{"unnamed bytes", Payload{Body: []byte{1}}, nil},
		{"jpeg type on jpeg bytes", Payload{ContentType: "image/jpeg", Body: photo}, nil},
		{"empty", Payload{Name: "x.bin"}, ErrEmpty},
		{"at the limit", Payload{Name: "x.bin", Body: make([]byte, MaxBytes)}, nil},
		{"over the limit", Payload{Name: "x.bin", Body: make([]byte, MaxBytes+1)}, ErrTooLarge},
		{"jpeg name, text body", Payload{Name: "a.jpeg", Body: []byte("text")}, ErrNotJPEG},
		{"jpeg type, text body", Payload{Name: "a", ContentType: "IMAGE/JPEG", Body: []byte("text")}, ErrNotJPEG},
		{"magic only", Payload{Name: "a.jpg", Body: []byte{0xFF, 0xD8, 0xFF, 0xE0}}, ErrNotJPEG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.p)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Validate(%q, %d bytes) = %v, want %v", tt.p.Name, len(tt.p.Body), err, tt.wantErr)
			}
		})
	}
}

func TestDetectContentType(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", "", ContentTypeBinary},
		{"jpeg magic", "\xFF\xD8\xFF\xE0rest", ContentTypeImage},
		{"two jpeg bytes only", "\xFF\xD8", ContentTypeBinary},
		{"png", "\x89PNG\r\n\x1a\nrest", ContentTypeImage},
		{"npy", "\x93NUMPY\x01\x00", ContentTypeNPY},
		{"json object", `{"a": 1}`, ContentTypeJSON},
		{"json array with leading space", " \n\t[1, 2, 3]", ContentTypeJSON},
		{"broken json", `{"a": `, ContentTypeBinary},
		{"bare number", `42`, ContentTypeBinary},
		{"csv", "1,2,3", ContentTypeBinary},
		{"text", "hello", ContentTypeBinary},
		{"gif", "GIF89a", ContentTypeBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectContentType([]byte(tt.body)); got != tt.want {
				t.Errorf("DetectContentType(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func FuzzDetectContentType(f *testing.F) {
	for _, seed := range []string{"", "\xFF\xD8\xFF", "\x89PNG\r\n\x1a\n", "\x93NUMPY", `{"a":[1]}`, " [", "1,2"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := DetectContentType(body)
		var want string
		switch {
		case bytes.HasPrefix(body, jpegMagic), bytes.HasPrefix(body, pngMagic):
			want = ContentTypeImage
		case bytes.HasPrefix(body, npyMagic):
			want = ContentTypeNPY
		}
		if want != "" && got != want {
			t.Fatalf("DetectContentType(%q) = %q, want %q by its magic", body, got, want)
		}
		if want == "" && got != ContentTypeJSON && got != ContentTypeBinary {
			t.Fatalf("DetectContentType(%q) = %q, want JSON or binary", body, got)
		}
		// Validate must never panic either, whatever a file named .jpg contains.
		_ = Validate(Payload{Name: "fuzz.jpg", Body: body})
	})
}

func Example() {
	img, err := SyntheticJPEG(224, 224, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Name, img.ContentType, len(img.Body) > 15_000 && len(img.Body) < 30_000)

	tensor, err := NPY("", []int{1, 3, 224, 224}, make([]float32, 3*224*224))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tensor.Name, tensor.ContentType, len(tensor.Body))

	err = Validate(Payload{Name: "huge.bin", Body: make([]byte, MaxBytes+1)})
	fmt.Println(errors.Is(err, ErrTooLarge))
	// Output:
	// synthetic-224x224-seed1.jpg application/x-image true
	// tensor-1x3x224x224.npy application/x-npy 602240
	// true
}
