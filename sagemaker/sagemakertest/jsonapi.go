package sagemakertest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// apiOp handles one SageMaker operation: it decodes its input from body and
// returns the output to encode, or an error.
type apiOp func(s *Server, body []byte) (any, *APIError)

var apiOps = map[string]apiOp{
	"CreateModel":            (*Server).createModel,
	"DescribeModel":          (*Server).describeModel,
	"DeleteModel":            (*Server).deleteModel,
	"ListModels":             (*Server).listModels,
	"CreateEndpointConfig":   (*Server).createEndpointConfig,
	"DescribeEndpointConfig": (*Server).describeEndpointConfig,
	"DeleteEndpointConfig":   (*Server).deleteEndpointConfig,
	"ListEndpointConfigs":    (*Server).listEndpointConfigs,
	"CreateEndpoint":         (*Server).createEndpoint,
	"DescribeEndpoint":       (*Server).describeEndpoint,
	"DeleteEndpoint":         (*Server).deleteEndpoint,
	"UpdateEndpoint":         (*Server).updateEndpoint,
	"ListEndpoints":          (*Server).listEndpoints,
	"CreateCompilationJob":   (*Server).createCompilationJob,
	"DescribeCompilationJob": (*Server).describeCompilationJob,
	"StopCompilationJob":     (*Server).stopCompilationJob,
	"ListCompilationJobs":    (*Server).listCompilationJobs,
	"DeleteCompilationJob":   (*Server).deleteCompilationJob,
	"AddTags":                (*Server).addTags,
	"ListTags":               (*Server).listTags,
	"DeleteTags":             (*Server).deleteTags,

	"UpdateEndpointWeightsAndCapacities": (*Server).updateEndpointWeightsAndCapacities,
}

// Operations lists the SageMaker API operations the emulator implements.
func Operations() []string {
	ops := make([]string, 0, len(apiOps))
	for op := range apiOps {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, target string) {
	op, ok := strings.CutPrefix(target, "SageMaker.")
	if !ok {
		s.count(target)
		writeJSONError(w, &APIError{"UnknownOperationException", "sagemakertest: unknown target " + target, http.StatusBadRequest})
		return
	}
	s.count(op)
	handle, ok := apiOps[op]
	if !ok {
		writeJSONError(w, &APIError{"UnknownOperationException", "sagemakertest: operation " + op + " is not emulated", http.StatusBadRequest})
		return
	}
	if e := s.takeFault(op); e != nil {
		writeJSONError(w, e)
		return
	}
	body, e := readAPIBody(w, r)
	if e != nil {
		writeJSONError(w, e)
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, e := s.callTagged(op, handle, body)
	if s.takeLostAnswer(op) {
		dropConnection(w)
		return
	}
	if e != nil {
		writeJSONError(w, e)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// decode unmarshals an operation's input, mapping malformed JSON to the error
// AWS gives for it.
func decode(body []byte, v any) *APIError {
	if err := json.Unmarshal(body, v); err != nil {
		return &APIError{"SerializationException", "sagemakertest: malformed request: " + err.Error(), http.StatusBadRequest}
	}
	return nil
}

// epoch renders a time the way AWS JSON 1.1 does: fractional seconds since
// the Unix epoch. The zero time becomes 0, which omitempty drops.
func epoch(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}
