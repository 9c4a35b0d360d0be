package sagemakertest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tag is a key-value pair attached to a resource, as in SageMaker.
type Tag struct {
	Key   string
	Value string
}

// Limits and patterns AWS documents for SageMaker tags.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	tagPatternText = `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`
)

var (
	tagPattern         = regexp.MustCompile(tagPatternText)
	resourceARNPattern = regexp.MustCompile(`^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:.+$`)
)

// taggedCreates are the create operations whose input may carry Tags, and the
// output field that holds the ARN of what they created.
var taggedCreates = map[string]string{
	"CreateModel":          "ModelArn",
	"CreateEndpointConfig": "EndpointConfigArn",
	"CreateEndpoint":       "EndpointArn",
	"CreateCompilationJob": "CompilationJobArn",
}

// checkTags validates a tag list the way the SageMaker front end does.
func checkTags(field string, tags []Tag) *APIError {
	if len(tags) > maxTags {
		return validation("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, maxTags)
	}
	seen := map[string]bool{}
	for i, t := range tags {
		kf := field + "." + strconv.Itoa(i+1) + ".member.key"
		vf := field + "." + strconv.Itoa(i+1) + ".member.value"
		switch n := utf8.RuneCountInString(t.Key); {
		case n == 0:
			return validation("1 validation error detected: Value '' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 1", kf)
		case n > maxTagKeyLen:
			return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", t.Key, kf, maxTagKeyLen)
		}
		if !tagPattern.MatchString(t.Key) {
			return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", t.Key, kf, tagPatternText)
		}
		if utf8.RuneCountInString(t.Value) > maxTagValueLen {
			return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", t.Value, vf, maxTagValueLen)
		}
		if !tagPattern.MatchString(t.Value) {
			return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", t.Value, vf, tagPatternText)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return validation("Tag keys starting with 'aws:' are reserved for system use: %s", t.Key)
		}
		if seen[t.Key] {
			return validation("Duplicate tag key %q.", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// callTagged runs a create operation with its Tags validated first and stored
// on the created resource's ARN afterwards; other operations run unchanged.
func (s *Server) callTagged(op string, handle apiOp, body []byte) (any, *APIError) {
	arnField, ok := taggedCreates[op]
	if !ok {
		return handle(s, body)
	}
	var in struct{ Tags []Tag }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := checkTags("tags", in.Tags); e != nil {
		return nil, e
	}
	out, e := handle(s, body)
	if e != nil {
		return out, e
	}
	if m, ok := out.(map[string]string); ok && m[arnField] != "" {
		s.mu.Lock()
		// A resource created again under an old name starts with only its own tags.
		s.tags[m[arnField]] = slices.Clone(in.Tags)
		s.mu.Unlock()
	}
	return out, nil
}

// resourceLocked returns whether arn names a live resource.
func (s *Server) resourceLocked(arn string) bool {
	for _, m := range s.models {
		if m.arn == arn {
			return true
		}
	}
	for _, c := range s.configs {
		if c.arn == arn {
			return true
		}
	}
	for _, ep := range s.endpoints {
		if ep.arn == arn {
			return true
		}
	}
	for _, j := range s.jobs {
		if j.arn == arn {
			return true
		}
	}
	return s.processingARNLocked(arn)
}

func (s *Server) taggedLocked(arn string) *APIError {
	if !resourceARNPattern.MatchString(arn) || len(arn) > 256 {
		return validation("1 validation error detected: Value '%s' at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:.+", arn)
	}
	if !s.resourceLocked(arn) {
		return notFound("Resource %s not found.", arn)
	}
	return nil
}

func (s *Server) addTags(body []byte) (any, *APIError) {
	var in struct {
		ResourceArn string
		Tags        []Tag
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if e := checkTags("tags", in.Tags); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.taggedLocked(in.ResourceArn); e != nil {
		return nil, e
	}
	merged := slices.Clone(s.tags[in.ResourceArn])
	for _, t := range in.Tags {
		if i := slices.IndexFunc(merged, func(o Tag) bool { return o.Key == t.Key }); i >= 0 {
			merged[i].Value = t.Value
		} else {
			merged = append(merged, t)
		}
	}
	if len(merged) > maxTags {
		return nil, &APIError{"ResourceLimitExceeded", "Resource " + in.ResourceArn + " would have more than 50 tags.", 400}
	}
	s.tags[in.ResourceArn] = merged
	return struct{ Tags []Tag }{in.Tags}, nil
}

func (s *Server) listTags(body []byte) (any, *APIError) {
	var in struct {
		ResourceArn string
		NextToken   string
		MaxResults  int
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.MaxResults != 0 && (in.MaxResults < 50 || in.MaxResults > 100) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 50 and 100", in.MaxResults)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.taggedLocked(in.ResourceArn); e != nil {
		return nil, e
	}
	all := s.tags[in.ResourceArn]
	lo, hi, next, e := page(len(all), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return struct {
		Tags      []Tag
		NextToken string `json:",omitempty"`
	}{append([]Tag{}, all[lo:hi]...), next}, nil
}

func (s *Server) deleteTags(body []byte) (any, *APIError) {
	var in struct {
		ResourceArn string
		TagKeys     []string
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if len(in.TagKeys) == 0 || len(in.TagKeys) > maxTags {
		return nil, validation("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must have length between 1 and %d", maxTags)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.taggedLocked(in.ResourceArn); e != nil {
		return nil, e
	}
	s.tags[in.ResourceArn] = slices.DeleteFunc(slices.Clone(s.tags[in.ResourceArn]), func(t Tag) bool {
		return slices.Contains(in.TagKeys, t.Key)
	})
	return struct{}{}, nil
}

// Tags returns the tags of the resource with this ARN, for tests.
func (s *Server) Tags(arn string) []Tag {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tags[arn])
}
