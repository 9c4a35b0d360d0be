package sagemakertest

import (
	"context"
	"mime"
	"net/http"
	"strings"
)

// Invocation is what an InvokeEndpoint request carried besides its body, as
// a [Handler] sees it through [InvocationFromContext].
type Invocation struct {
	EndpointName string
	// Variant is the production variant serving the request: the
	// TargetVariant asked for, or the one the weights chose.
	Variant          string
	ContentType      string
	Accept           string
	CustomAttributes string
	TargetVariant    string
	InferenceID      string
}

type invocationKey struct{}

// responseTypeKey holds the *string a handler's SetResponseContentType fills.
type responseTypeKey struct{}

// SetResponseContentType names the Content-Type of the answer a [Handler]
// returns, as a model container sets its response's header. Without it the
// runtime answers with the type the client's Accept header names, or
// application/json. Outside a handler it does nothing.
func SetResponseContentType(ctx context.Context, contentType string) {
	if p, ok := ctx.Value(responseTypeKey{}).(*string); ok {
		*p = contentType
	}
}

// InvocationFromContext returns the invocation a [Handler] is serving; ok is
// false outside a handler.
func InvocationFromContext(ctx context.Context) (inv Invocation, ok bool) {
	inv, ok = ctx.Value(invocationKey{}).(Invocation)
	return inv, ok
}

// readInvocation reads and validates the runtime's request headers with the
// constraints of the API reference; violations are the runtime's
// ValidationError (HTTP 400), in the control plane's wording.
func readInvocation(r *http.Request, endpointName string) (Invocation, *APIError) {
	h := r.Header
	inv := Invocation{
		EndpointName:     endpointName,
		ContentType:      h.Get("Content-Type"),
		Accept:           h.Get("Accept"),
		CustomAttributes: h.Get("X-Amzn-SageMaker-Custom-Attributes"),
		TargetVariant:    h.Get("X-Amzn-SageMaker-Target-Variant"),
		InferenceID:      h.Get("X-Amzn-SageMaker-Inference-Id"),
	}
	var vs violations
	vs.str("endpointName", endpointName, nameRule.must())
	vs.str("customAttributes", inv.CustomAttributes, customAttrRule)
	vs.str("targetVariant", inv.TargetVariant, nameRule)
	vs.str("inferenceId", inv.InferenceID, inferenceIDRule)
	if e := vs.err(); e != nil {
		e.Code = "ValidationError"
		return inv, e
	}
	// Serving features the emulator does not have are refused rather than
	// ignored, so that a harness that relies on them finds out.
	for header, feature := range map[string]string{
		"X-Amzn-SageMaker-Target-Model":        "multi-model endpoints (TargetModel)",
		"X-Amzn-SageMaker-Inference-Component": "inference components (InferenceComponentName)",
	} {
		if h.Get(header) != "" {
			return inv, &APIError{"ValidationError", "sagemakertest: " + feature + " are not emulated", http.StatusBadRequest}
		}
	}
	return inv, nil
}

// responseType is the Content-Type of an answer: what the client accepts when
// it names one type, JSON otherwise.
func (inv Invocation) responseType() string {
	if t := firstMediaType(inv.Accept); t != "" && !strings.Contains(t, "*") {
		return t
	}
	return "application/json"
}

// acceptsJSON reports whether an Accept header admits application/json.
func acceptsJSON(accept string) bool { return acceptsType(accept, "application/json") }

// acceptsType reports whether an Accept header admits the media type mt
// (type/subtype, lower case): an empty header admits anything.
func acceptsType(accept, mt string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	major, _, _ := strings.Cut(mt, "/")
	for _, part := range strings.Split(accept, ",") {
		t, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if t == "*/*" || t == major+"/*" || t == mt {
			return true
		}
	}
	return false
}

func firstMediaType(accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	t, _, err := mime.ParseMediaType(strings.TrimSpace(first))
	if err != nil {
		return ""
	}
	return t
}
