package payload

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NumPy's .npy layout (numpy.lib.format): the magic "\x93NUMPY", version bytes 1 0, a
// little-endian uint16 header length, then the header, an ASCII Python dict literal. NumPy
// pads the dict with spaces and ends it with '\n' so that the data starts at a multiple of 64
// bytes (ARRAY_ALIGN), which lets it memory-map any dtype aligned. Before padding it also
// leaves room for the growth axis (shape[0] in C order) to be rewritten in place with up to
// 21 digits. We reproduce both rules so our bytes equal what np.save writes.
const (
	npyAlign          = 64
	npyPrefixLen      = 10 // magic (6) + version (2) + header length (2)
	npyGrowthAxisRoom = 21
)

// EncodeNPY returns data as a NumPy .npy (format 1.0) file of float32 ('<f4', little endian,
// C order) with the given shape, byte for byte what numpy.save writes for such an array.
//
// Every dimension must be positive and their product must equal len(data). An empty shape is
// a 0-d array holding exactly one value.
func EncodeNPY(shape []int, data []float32) ([]byte, error) {
	for i, d := range shape {
		if d <= 0 {
			return nil, fmt.Errorf("payload: npy shape %v: dimension %d is %d, want > 0", shape, i, d)
		}
	}
	count := 1
	for _, d := range shape {
		// Comparing before multiplying keeps the product from overflowing.
		if d > len(data)/count {
			return nil, fmt.Errorf("payload: npy shape %v holds more than the %d values given", shape, len(data))
		}
		count *= d
	}
	if count != len(data) {
		return nil, fmt.Errorf("payload: npy shape %v holds %d values, but %d were given", shape, count, len(data))
	}

	header := npyHeader(shape)
	hlen := len(header) + 1 // the final '\n'
	pad := npyAlign - (npyPrefixLen+hlen)%npyAlign
	if hlen+pad > math.MaxUint16 {
		return nil, fmt.Errorf("payload: npy shape %v: header of %d bytes is too long for format 1.0", shape, hlen+pad)
	}
	dataStart := npyPrefixLen + hlen + pad
	out := make([]byte, dataStart+4*len(data))
	copy(out, npyMagic)
	out[6], out[7] = 1, 0
	binary.LittleEndian.PutUint16(out[8:], uint16(hlen+pad))
	n := npyPrefixLen + copy(out[npyPrefixLen:], header)
	for i := n; i < dataStart-1; i++ {
		out[i] = ' '
	}
	out[dataStart-1] = '\n'
	for i, v := range data {
		binary.LittleEndian.PutUint32(out[dataStart+4*i:], math.Float32bits(v))
	}
	return out, nil
}

// npyHeader writes the dict as Python's repr does, keys sorted, then the growth-axis room.
func npyHeader(shape []int) string {
	var b strings.Builder
	b.WriteString("{'descr': '<f4', 'fortran_order': False, 'shape': (")
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',') // a 1-tuple is (5,) in Python
	}
	b.WriteString("), }")
	if len(shape) > 0 {
		b.WriteString(strings.Repeat(" ", npyGrowthAxisRoom-len(strconv.Itoa(shape[0]))))
	}
	return b.String()
}

// NPY encodes data with EncodeNPY as a payload of type ContentTypeNPY, the input a
// model server takes when the client does the preprocessing (e.g. a 1x3x224x224 tensor is
// 602,240 bytes). An empty name becomes "tensor-1x3x224x224.npy" for that shape.
func NPY(name string, shape []int, data []float32) (Payload, error) {
	body, err := EncodeNPY(shape, data)
	if err != nil {
		return Payload{}, err
	}
	if name == "" {
		dims := make([]string, len(shape))
		for i, d := range shape {
			dims[i] = strconv.Itoa(d)
		}
		name = "tensor-" + strings.Join(dims, "x") + ".npy"
	}
	p := Payload{Name: name, ContentType: ContentTypeNPY, Body: body}
	if err := Validate(p); err != nil {
		return Payload{}, err
	}
	return p, nil
}
