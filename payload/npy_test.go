package payload

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// The headers below are what numpy.save writes (NumPy >= 1.23 leaves 21-len(str(shape[0]))
// spaces of room for the growth axis before padding to 64 bytes).
func TestEncodeNPYHeaderMatchesNumPy(t *testing.T) {
	tests := []struct {
		shape []int
		dict  string
		total int // magic + length + header, where the data starts
	}{
		{[]int{1, 3, 224, 224}, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }", 128},
		{[]int{5}, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 128},
		{[]int{}, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 128},
		{[]int{12, 1}, "{'descr': '<f4', 'fortran_order': False, 'shape': (12, 1), }", 128},
	}
	for _, tt := range tests {
		t.Run(tt.dict, func(t *testing.T) {
			n := 1
			for _, d := range tt.shape {
				n *= d
			}
			got, err := EncodeNPY(tt.shape, make([]float32, n))
			if err != nil {
				t.Fatal(err)
			}
			want := "\x93NUMPY\x01\x00" + string(binary.LittleEndian.AppendUint16(nil, uint16(tt.total-10))) +
				tt.dict + strings.Repeat(" ", tt.total-10-len(tt.dict)-1) + "\n"
			if string(got[:tt.total]) != want {
				t.Errorf("header for %v =\n%q\nwant\n%q", tt.shape, got[:tt.total], want)
			}
			if len(got) != tt.total+4*n {
				t.Errorf("len = %d, want %d header + %d data bytes", len(got), tt.total, 4*n)
			}
		})
	}
}

func TestEncodeNPYAlignsDataTo64Bytes(t *testing.T) {
	shapes := [][]int{{1}, {7}, {123456}, {2, 3}, {1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}
	for _, shape := range shapes {
		n := 1
		for _, d := range shape {
			n *= d
		}
		b, err := EncodeNPY(shape, make([]float32, n))
		if err != nil {
			t.Fatalf("EncodeNPY(%v): %v", shape, err)
		}
		start := 10 + int(binary.LittleEndian.Uint16(b[8:10]))
		if start%64 != 0 || b[start-1] != '\n' || len(b)-start != 4*n {
			t.Errorf("shape %v: data starts at %d (want a multiple of 64 after '\\n'), %d data bytes (want %d)",
				shape, start, len(b)-start, 4*n)
		}
	}
}

func TestEncodeNPYDataIsLittleEndianFloat32InCOrder(t *testing.T) {
	data := []float32{0, 1, -2.5, float32(math.Inf(1)), 3.25, 1e-7}
	b, err := EncodeNPY([]int{2, 3}, data)
	if err != nil {
		t.Fatal(err)
	}
	body := b[len(b)-4*len(data):]
	for i, want := range data {
		got := math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
		if got != want {
			t.Errorf("value %d = %v, want %v", i, got, want)
		}
	}
	if body[4] != 0x00 || body[7] != 0x3F { // 1.0f is 0x3F800000, little endian 00 00 80 3F
		t.Errorf("1.0 encoded as % x, want 00 00 80 3f", body[4:8])
	}
}

func TestEncodeNPYErrors(t *testing.T) {
	tests := []struct {
		name  string
		shape []int
		n     int
		want  string
	}{
		{"zero dim", []int{1, 0, 3}, 0, "dimension 1 is 0"},
		{"negative dim", []int{-1, 3}, 3, "dimension 0 is -1"},
		{"too few values", []int{2, 3}, 5, "holds more than the 5 values"},
		{"too many values", []int{2, 3}, 7, "holds 6 values, but 7"},
		{"scalar needs one value", []int{}, 2, "holds 1 values, but 2"},
		{"overflowing product", []int{math.MaxInt / 2, 4}, 4, "holds more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeNPY(tt.shape, make([]float32, tt.n))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "payload: ") {
				t.Errorf("EncodeNPY(%v, %d values) error = %v, want one containing %q", tt.shape, tt.n, err, tt.want)
			}
		})
	}
}

func TestNPYBuildsAnNPYPayloadWithinTheSizeLimit(t *testing.T) {
	p, err := NPY("x.npy", []int{3}, []float32{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "x.npy" || p.ContentType != ContentTypeNPY || DetectContentType(p.Body) != ContentTypeNPY {
		t.Errorf("NPY = {%q, %q}, want {x.npy, %s} with a body sniffed as npy", p.Name, p.ContentType, ContentTypeNPY)
	}
	if _, err := NPY("x.npy", []int{2}, []float32{1}); err == nil {
		t.Error("NPY with a shape/data mismatch succeeded")
	}
	// 2M float32 values are 8 MB, over the real-time limit.
	if _, err := NPY("big.npy", []int{2 << 20}, make([]float32, 2<<20)); !errors.Is(err, ErrTooLarge) ||
		!strings.Contains(err.Error(), "big.npy") {
		t.Errorf("NPY(8 MB) error = %v, want ErrTooLarge naming big.npy", err)
	}
}

func FuzzEncodeNPY(f *testing.F) {
	f.Add(1, 3, 224)
	f.Add(5, 0, -1)
	f.Fuzz(func(t *testing.T, a, b, c int) {
		shape := []int{a, b, c}
		n := 0
		if a > 0 && b > 0 && c > 0 && a <= 64 && b <= 64 && c <= 64 {
			n = a * b * c
		}
		out, err := EncodeNPY(shape, make([]float32, n))
		if err != nil {
			return
		}
		start := 10 + int(binary.LittleEndian.Uint16(out[8:10]))
		if start%64 != 0 || out[start-1] != '\n' || len(out)-start != 4*n {
			t.Fatalf("shape %v: data at %d, %d data bytes, want 64-aligned after '\\n' and %d bytes", shape, start, len(out)-start, 4*n)
		}
	})
}
