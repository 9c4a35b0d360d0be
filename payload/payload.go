// Package payload builds and validates the request bodies a benchmark sends.
package payload

// Payload is one request body with the content type it is sent with.
type Payload struct {
	// Name identifies the payload in reports (a file name, or "synthetic-224x224").
	Name string
	// ContentType is the MIME type sent with the body, e.g. "application/x-image".
	ContentType string
	// Body is the raw bytes sent as the request body. It is never modified.
	Body []byte
}
