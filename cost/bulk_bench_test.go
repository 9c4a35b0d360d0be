package cost

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"
)

// rowsReader produces a price list file of n rows on the fly, so that the benchmark's input
// is never held whole either: what ParseOffer allocates is what it keeps.
type rowsReader struct {
	head []byte
	row  []byte
	n, i int
	buf  bytes.Buffer
}

func (r *rowsReader) Read(p []byte) (int, error) {
	for r.buf.Len() < len(p) && r.i < r.n {
		if r.i == 0 {
			r.buf.Write(r.head)
		}
		fmt.Fprintf(&r.buf, string(r.row), r.i)
		r.i++
	}
	if r.buf.Len() == 0 {
		return 0, io.EOF
	}
	return r.buf.Read(p)
}

// BenchmarkParseOffer parses a 100,000-row file (about the size of a region's SageMaker file)
// of training rows, which are all left out, plus the fixture's header.
func BenchmarkParseOffer(b *testing.B) {
	fixture, err := os.ReadFile("testdata/bulk/AmazonSageMaker-eu-west-1.csv")
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.SplitAfter(fixture, []byte("\n"))
	head := bytes.Join(lines[:6], nil)
	row := []byte(`"SKU%d","JRTCKXETXF","R","OnDemand","$0.26 per Training ml.c5.xlarge hour","2026-11-01","0","Inf","Hrs","0.2600000000","USD","","","","","ML Instance","AmazonSageMaker","EU (Ireland)","AWS Region","ml.c5.xlarge","Training","4","8 GiB","0","EU-Train:ml.c5.xlarge","RunInstance","eu-west-1","Amazon SageMaker"` + "\n")
	const n = 100_000
	b.SetBytes(int64(len(head) + n*(len(row)+2)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOffer(&rowsReader{head: head, row: row, n: n}, "eu-west-1"); err != nil {
			b.Fatal(err)
		}
	}
}
