package sagemakertest

import (
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	smithycbor "github.com/aws/smithy-go/encoding/cbor"
)

// cwXMLNamespace is CloudWatch's awsQuery namespace (xmlNamespace in its
// service model) and cwVersion its API version.
const (
	cwXMLNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"
	cwVersion      = "2010-08-01"
)

// cwIntegerMembers are the members of CloudWatch's inputs that are numbers,
// which awsQuery sends as decimal strings like every other value.
var cwIntegerMembers = map[string]bool{"Period": true, "MaxDatapoints": true}

// isCloudWatchQuery reports whether r is an awsQuery request: a form POST to
// the root path. S3, the only other API on "/", never posts a form there.
func isCloudWatchQuery(r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return r.Method == http.MethodPost && r.URL.Path == "/" &&
		strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded")
}

// serveCloudWatchQuery serves an awsQuery request. Its body names the
// operation (Action) as well as the input, so the body is read here and the
// protocol's decode parses it a second time from the same bytes.
func (s *Server) serveCloudWatchQuery(w http.ResponseWriter, r *http.Request) {
	body, e := readAPIBody(w, r)
	if e != nil {
		s.count("cloudwatch:?")
		cwQueryProtocol.fail(w, e)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.count("cloudwatch:?")
		cwQueryProtocol.fail(w, cwInvalid("sagemakertest: malformed form body: %v", err))
		return
	}
	op := form.Get("Action")
	if op == "" || form.Get("Version") != cwVersion {
		s.count("cloudwatch:" + op)
		cwQueryProtocol.fail(w, &APIError{"MissingAction", "sagemakertest: an awsQuery request needs Action and Version=" + cwVersion, http.StatusBadRequest})
		return
	}
	r.Body = http.NoBody
	r.ContentLength = 0
	p := cwQueryProtocol
	p.decode = func([]byte) (smithycbor.Map, *APIError) { return fromQuery(form) }
	s.serveCloudWatchOp(w, r, op, p)
}

// fromQuery turns awsQuery's flattened members (MetricDataQueries.member.1.Id=x)
// into a structure in CBOR's data model: "member.N" is the N-th element
// (1-based) of a list; timestamps (ISO 8601) become tag 1 and integers
// numbers.
func fromQuery(form url.Values) (smithycbor.Map, *APIError) {
	type node struct {
		value    *string
		children map[string]*node
	}
	root := &node{children: map[string]*node{}}
	for key, vs := range form {
		if key == "Action" || key == "Version" || len(vs) == 0 {
			continue
		}
		n := root
		for _, part := range strings.Split(key, ".") {
			if n.children == nil {
				n.children = map[string]*node{}
			}
			c, ok := n.children[part]
			if !ok {
				c = &node{}
				n.children[part] = c
			}
			n = c
		}
		v := vs[0]
		n.value = &v
	}
	var convert func(member string, n *node, depth int) (smithycbor.Value, *APIError)
	convert = func(member string, n *node, depth int) (smithycbor.Value, *APIError) {
		if depth > 32 {
			return nil, cwInvalid("sagemakertest: parameter %s is nested too deep", member)
		}
		if n.children == nil {
			return queryScalar(member, *n.value)
		}
		if list, ok := n.children["member"]; ok && len(n.children) == 1 {
			idx := make([]int, 0, len(list.children))
			for k := range list.children {
				i, err := strconv.Atoi(k)
				if err != nil || i < 1 || i > len(list.children) {
					return nil, cwInvalid("sagemakertest: parameter %s.member.%s is not a list index", member, k)
				}
				idx = append(idx, i)
			}
			slices.Sort(idx)
			l := make(smithycbor.List, 0, len(idx))
			for _, i := range idx {
				v, e := convert(member, list.children[strconv.Itoa(i)], depth+1)
				if e != nil {
					return nil, e
				}
				l = append(l, v)
			}
			return l, nil
		}
		m := smithycbor.Map{}
		for k, c := range n.children {
			v, e := convert(k, c, depth+1)
			if e != nil {
				return nil, e
			}
			m[k] = v
		}
		return m, nil
	}
	v, e := convert("", root, 0)
	if e != nil {
		return nil, e
	}
	m, ok := v.(smithycbor.Map)
	if !ok {
		return nil, cwInvalid("sagemakertest: the parameters are a list, not a structure")
	}
	return m, nil
}

func queryScalar(member, v string) (smithycbor.Value, *APIError) {
	switch {
	case cwTimestampMembers[member]:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, cwInvalid("The parameter %s must be an ISO 8601 timestamp, not %q.", member, v)
		}
		return &smithycbor.Tag{ID: 1, Value: smithycbor.Float64(float64(t.UnixMilli()) / 1000)}, nil
	case cwIntegerMembers[member]:
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil || i < 0 {
			return nil, cwInvalid("The parameter %s must be a whole number, not %q.", member, v)
		}
		return smithycbor.Uint(i), nil
	case member == "ReturnData":
		return smithycbor.Bool(v == "true"), nil
	}
	return smithycbor.String(v), nil
}

// cwQueryProtocol is awsQuery: form input, XML output wrapped in
// <OpResponse><OpResult>, the request ID in ResponseMetadata.
var cwQueryProtocol = cwProtocol{
	name: "awsQuery",
	encode: func(w http.ResponseWriter, op string, out smithycbor.Map) {
		w.Header().Set("Content-Type", "text/xml")
		var b strings.Builder
		b.WriteString(xml.Header)
		fmt.Fprintf(&b, `<%sResponse xmlns="%s"><%sResult>`, op, cwXMLNamespace, op)
		writeQueryXML(&b, out)
		fmt.Fprintf(&b, `</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, op, requestID(w), op)
		_, _ = w.Write([]byte(b.String()))
	},
	fail: func(w http.ResponseWriter, e *APIError) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.StatusCode)
		var b strings.Builder
		b.WriteString(xml.Header)
		fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>`, cwXMLNamespace, cwFault(e))
		_ = xml.EscapeText(&b, []byte(e.Code))
		b.WriteString("</Code><Message>")
		_ = xml.EscapeText(&b, []byte(e.Message))
		fmt.Fprintf(&b, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", requestID(w))
		_, _ = w.Write([]byte(b.String()))
	},
}

// writeQueryXML writes the members of a structure as awsQuery's XML: lists
// as <member> elements, timestamps in ISO 8601. Members are written in name
// order, so that the same output is always the same bytes.
func writeQueryXML(b *strings.Builder, v smithycbor.Value) {
	switch x := v.(type) {
	case smithycbor.Map:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			fmt.Fprintf(b, "<%s>", k)
			writeQueryXML(b, x[k])
			fmt.Fprintf(b, "</%s>", k)
		}
	case smithycbor.List:
		for _, e := range x {
			b.WriteString("<member>")
			writeQueryXML(b, e)
			b.WriteString("</member>")
		}
	case *smithycbor.Tag:
		if t, err := smithycbor.AsTime(x); err == nil {
			b.WriteString(cwTime(t))
			return
		}
		writeQueryXML(b, x.Value)
	case smithycbor.String:
		_ = xml.EscapeText(b, []byte(x))
	case smithycbor.Float64:
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 64))
	case smithycbor.Float32:
		b.WriteString(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case smithycbor.Uint:
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	case smithycbor.NegInt:
		b.WriteString(strconv.FormatInt(-int64(x), 10))
	case smithycbor.Bool:
		b.WriteString(strconv.FormatBool(bool(x)))
	}
}
