package sagemakertest

import (
	"net/http"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch's service model lists three protocols, and each SDK picks the
// first it supports: aws-sdk-go-v2 (v1.75 and later) Smithy RPC v2 CBOR,
// botocore 1.37 and later awsJson1_0, older botocore and AWS CLIs awsQuery.
// The emulator serves all three over one implementation: each protocol
// decodes its input into CBOR's data model (smithycbor.Value, with epoch
// timestamps as tag 1), GetMetricData works on that, and the protocol
// encodes the output and errors its own way. See
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html,
// https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html and
// https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html.
type cwProtocol struct {
	name   string
	decode func(body []byte) (smithycbor.Map, *APIError)
	encode func(w http.ResponseWriter, op string, out smithycbor.Map)
	fail   func(w http.ResponseWriter, e *APIError)
}

var cborProtocol = cwProtocol{
	name: "rpc-v2-cbor",
	decode: func(body []byte) (smithycbor.Map, *APIError) {
		if len(body) == 0 {
			return smithycbor.Map{}, nil
		}
		v, err := smithycbor.Decode(body)
		if err != nil {
			return nil, cwInvalid("request body is not CBOR: %v", err)
		}
		in, ok := v.(smithycbor.Map)
		if !ok {
			return nil, cwInvalid("request body is not a structure")
		}
		return in, nil
	},
	encode: func(w http.ResponseWriter, _ string, out smithycbor.Map) {
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		_, _ = w.Write(smithycbor.Encode(out))
	},
	fail: writeCBORError,
}

// cwOps are the CloudWatch operations the emulator serves.
var cwOps = map[string]func(*Server, smithycbor.Map) (smithycbor.Map, *APIError){
	"GetMetricData": (*Server).getMetricData,
}

// serveCloudWatchOp serves one CloudWatch call in protocol p.
func (s *Server) serveCloudWatchOp(w http.ResponseWriter, r *http.Request, op string, p cwProtocol) {
	s.count("cloudwatch:" + op)
	if e := s.takeFault(op); e != nil {
		p.fail(w, e)
		return
	}
	handle, ok := cwOps[op]
	if !ok {
		p.fail(w, &APIError{"InvalidAction", "sagemakertest: CloudWatch operation " + op + " is not emulated", http.StatusBadRequest})
		return
	}
	body, e := readAPIBody(w, r)
	if e != nil {
		p.fail(w, e)
		return
	}
	in, e := p.decode(body)
	if e != nil {
		p.fail(w, e)
		return
	}
	out, e := handle(s, in)
	if e != nil {
		p.fail(w, e)
		return
	}
	p.encode(w, op, out)
}
