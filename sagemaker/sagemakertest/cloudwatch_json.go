package sagemakertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

// cwJSONTargetPrefix is CloudWatch's awsJson1_0 target prefix (the
// service's Smithy name): X-Amz-Target: GraniteServiceVersion20100801.<Op>.
const cwJSONTargetPrefix = "GraniteServiceVersion20100801."

// cwTimestampMembers are the members of CloudWatch's inputs that are
// timestamps, which awsJson1_0 sends as epoch seconds and awsQuery as ISO
// 8601 strings.
var cwTimestampMembers = map[string]bool{"StartTime": true, "EndTime": true, "Timestamp": true}

// cwJSONProtocol is awsJson1_0 with awsQueryCompatible errors.
var cwJSONProtocol = cwProtocol{
	name: "awsJson1_0",
	decode: func(body []byte) (smithycbor.Map, *APIError) {
		if len(bytes.TrimSpace(body)) == 0 {
			return smithycbor.Map{}, nil
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, &APIError{"SerializationException", "sagemakertest: malformed request: " + err.Error(), http.StatusBadRequest}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, &APIError{"SerializationException", "sagemakertest: the request body is not a JSON object", http.StatusBadRequest}
		}
		m, e := fromJSON("", obj)
		if e != nil {
			return nil, e
		}
		return m.(smithycbor.Map), nil
	},
	encode: func(w http.ResponseWriter, _ string, out smithycbor.Map) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_ = json.NewEncoder(w).Encode(toJSON(out))
	},
	fail: func(w http.ResponseWriter, e *APIError) {
		shape, ok := cwShapes[e.Code]
		if !ok {
			shape = e.Code
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Query-Error", e.Code+";"+cwFault(e))
		w.WriteHeader(e.StatusCode)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": shape, "message": e.Message})
	},
}

// cwFault is the awsQuery fault of e: Receiver for AWS-side failures.
func cwFault(e *APIError) string {
	if e.StatusCode >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// fromJSON turns a decoded JSON value into CBOR's data model; member is the
// name of the structure member v is the value of, which says whether a
// number is a timestamp.
func fromJSON(member string, v any) (smithycbor.Value, *APIError) {
	switch x := v.(type) {
	case map[string]any:
		m := smithycbor.Map{}
		for k, e := range x {
			cv, err := fromJSON(k, e)
			if err != nil {
				return nil, err
			}
			m[k] = cv
		}
		return m, nil
	case []any:
		l := make(smithycbor.List, 0, len(x))
		for _, e := range x {
			cv, err := fromJSON(member, e)
			if err != nil {
				return nil, err
			}
			l = append(l, cv)
		}
		return l, nil
	case string:
		return smithycbor.String(x), nil
	case bool:
		return smithycbor.Bool(x), nil
	case nil:
		return &smithycbor.Nil{}, nil
	case json.Number:
		if cwTimestampMembers[member] {
			f, err := x.Float64()
			if err != nil || math.IsInf(f, 0) {
				return nil, &APIError{"SerializationException", fmt.Sprintf("sagemakertest: %s %s is not a timestamp", member, x), http.StatusBadRequest}
			}
			return &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(f)}, nil
		}
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			if i < 0 {
				return smithycbor.NegInt(uint64(-(i + 1)) + 1), nil
			}
			return smithycbor.Uint(i), nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, &APIError{"SerializationException", fmt.Sprintf("sagemakertest: %s %s is not a number", member, x), http.StatusBadRequest}
		}
		return smithycbor.Float64(f), nil
	}
	return nil, &APIError{"SerializationException", fmt.Sprintf("sagemakertest: unexpected JSON value %T", v), http.StatusBadRequest}
}

// toJSON turns an output in CBOR's data model into JSON values: timestamps
// (tag 1) become epoch seconds, as awsJson1_0 sends them.
func toJSON(v smithycbor.Value) any {
	switch x := v.(type) {
	case smithycbor.Map:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = toJSON(e)
		}
		return m
	case smithycbor.List:
		l := make([]any, 0, len(x))
		for _, e := range x {
			l = append(l, toJSON(e))
		}
		return l
	case *smithycbor.Tag:
		if t, err := smithycbor.AsTime(x); err == nil {
			return float64(t.UnixMilli()) / 1000
		}
		return toJSON(x.Value)
	case smithycbor.String:
		return string(x)
	case smithycbor.Uint:
		return uint64(x)
	case smithycbor.NegInt:
		return -int64(x)
	case smithycbor.Float64:
		return float64(x)
	case smithycbor.Float32:
		return float32(x)
	case smithycbor.Bool:
		return bool(x)
	}
	return nil
}

// cwTime renders a timestamp in CBOR's data model as awsQuery's ISO 8601.
func cwTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// isCloudWatchJSON reports whether target names a CloudWatch awsJson1_0
// operation, and which.
func isCloudWatchJSON(target string) (string, bool) {
	return strings.CutPrefix(target, cwJSONTargetPrefix)
}
