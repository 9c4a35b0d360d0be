package httpinvoker

import (
	"fmt"
	"net/url"
	"strings"
)

// SageMaker returns an Invoker for a container that follows the SageMaker hosting contract:
// inferences are POSTed to baseURL/invocations and GET baseURL/ping answers 200 once the
// model is loaded. baseURL is where the container listens, e.g. "http://localhost:8080".
func SageMaker(baseURL string, opts ...Option) (*Invoker, error) {
	return forServer(baseURL, "/invocations", "/ping", opts)
}

// TorchServe returns an Invoker for model on a TorchServe inference API: inferences are
// POSTed to baseURL/predictions/{model} and readiness is GET baseURL/ping.
// baseURL is the inference address, by default "http://localhost:8080".
func TorchServe(baseURL, model string, opts ...Option) (*Invoker, error) {
	if err := checkModelName(model); err != nil {
		return nil, err
	}
	return forServer(baseURL, "/predictions/"+url.PathEscape(model), "/ping", opts)
}

// KServeV2 returns an Invoker for model on a server that speaks the KServe (Open Inference
// Protocol) v2 REST API, such as KServe, Triton or MLServer: inferences are POSTed to
// baseURL/v2/models/{model}/infer and readiness is GET baseURL/v2/models/{model}/ready, which
// answers 200 once that model, not merely the server, can serve.
//
// The protocol's request body is a JSON inference request; build the payloads accordingly
// (ContentType "application/json").
func KServeV2(baseURL, model string, opts ...Option) (*Invoker, error) {
	if err := checkModelName(model); err != nil {
		return nil, err
	}
	m := "/v2/models/" + url.PathEscape(model)
	return forServer(baseURL, m+"/infer", m+"/ready", opts)
}

// forServer joins the inference and readiness paths to baseURL and builds the Invoker. A
// readiness URL given with WithReadyURL wins over the server's usual one.
func forServer(baseURL, invokePath, readyPath string, opts []Option) (*Invoker, error) {
	base, err := parseHTTPURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("httpinvoker: base URL: %w", err)
	}
	if base.RawQuery != "" {
		return nil, fmt.Errorf("httpinvoker: base URL %q: must not have a query", baseURL)
	}
	prefix := strings.TrimSuffix(base.String(), "/")
	ready := WithReadyURL(prefix + readyPath)
	return New(prefix+invokePath, append([]Option{ready}, opts...)...)
}

// parseHTTPURL accepts absolute http and https URLs with a host, and nothing else: a typo
// such as "localhost:8080/invocations" (no scheme) must fail here, not as a confusing
// "unsupported protocol scheme" on every request of a run.
func parseHTTPURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("URL %q: scheme %q is not http or https (want e.g. http://localhost:8080)", raw, u.Scheme)
	case u.Host == "":
		return nil, fmt.Errorf("URL %q: no host", raw)
	case u.Fragment != "":
		return nil, fmt.Errorf("URL %q: a fragment (#%s) is never sent to the server", raw, u.Fragment)
	}
	return u, nil
}

func checkModelName(model string) error {
	if model == "" {
		return fmt.Errorf("httpinvoker: empty model name")
	}
	if strings.ContainsAny(model, "/?#") {
		return fmt.Errorf("httpinvoker: model name %q: must not contain '/', '?' or '#'", model)
	}
	return nil
}
