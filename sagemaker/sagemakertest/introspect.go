package sagemakertest

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// EndpointInfo describes a live endpoint for tests.
type EndpointInfo struct {
	Name, Status, ConfigName, FailureReason string
	// Serving fields are set while the endpoint can serve requests; they
	// describe its first variant.
	InstanceType  string
	InstanceCount int
	Compiled      bool
	Workers       int           // model workers over all instances
	DeviceTime    time.Duration // after the time scale
	// Variants lists every serving variant, the first included.
	Variants []VariantInfo
}

// VariantInfo describes one serving production variant of an endpoint.
type VariantInfo struct {
	Name, InstanceType string
	InstanceCount      int
	Weight             float64
	Compiled           bool
	Workers            int           // InstanceCount x the profile's workers
	DeviceTime         time.Duration // after the time scale
}

// CompilationJobInfo describes a compilation job for tests.
type CompilationJobInfo struct {
	Name, Status, FailureReason string
	Artifact                    string // s3:// URL of the output, once COMPLETED
}

// Models lists the names of live models, sorted.
func (s *Server) Models() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.models))
}

// EndpointConfigs lists the names of live endpoint configurations, sorted.
func (s *Server) EndpointConfigs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.configs))
}

// Endpoints lists live endpoints (including Deleting ones), sorted by name.
func (s *Server) Endpoints() []EndpointInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]EndpointInfo, 0, len(s.endpoints))
	for _, ep := range s.endpoints {
		info := EndpointInfo{Name: ep.name, Status: ep.status, ConfigName: ep.configName, FailureReason: ep.failure}
		for _, p := range ep.serving {
			info.Variants = append(info.Variants, VariantInfo{
				Name: p.variant.VariantName, InstanceType: p.variant.InstanceType, InstanceCount: p.count,
				Weight: p.weight, Compiled: p.compiled, Workers: cap(p.slots), DeviceTime: p.device,
			})
		}
		if len(info.Variants) > 0 {
			v := info.Variants[0]
			info.InstanceType, info.InstanceCount = v.InstanceType, v.InstanceCount
			info.Compiled, info.Workers, info.DeviceTime = v.Compiled, v.Workers, v.DeviceTime
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b EndpointInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// CompilationJobs lists every compilation job not deleted with
// DeleteCompilationJob, sorted by name; finished ones stay listed until then.
func (s *Server) CompilationJobs() []CompilationJobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CompilationJobInfo, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, CompilationJobInfo{j.name, j.status, j.failure, j.artifact})
	}
	slices.SortFunc(out, func(a, b CompilationJobInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Leftovers lists what would still cost money or clutter an account: models,
// endpoint configurations, endpoints not being deleted, compilation jobs and
// processing jobs still running, and multipart uploads in progress, whose parts S3 stores until they
// are aborted (see [Server.MultipartUploads]). It is empty when a harness
// cleaned up after itself. S3 objects are not included; see [Server.Objects].
func (s *Server) Leftovers() []string {
	var out []string
	for _, u := range s.MultipartUploads() {
		out = append(out, "multipart-upload s3://"+u.Bucket+"/"+u.Key+" ("+u.UploadID+")")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.models {
		out = append(out, "model "+name)
	}
	for name := range s.configs {
		out = append(out, "endpoint-config "+name)
	}
	for name, ep := range s.endpoints {
		if ep.status != EndpointDeleting {
			out = append(out, "endpoint "+name+" ("+ep.status+")")
		}
	}
	for name, j := range s.jobs {
		switch j.status {
		case CompilationStarting, CompilationInProgress, CompilationStopping:
			out = append(out, "compilation-job "+name+" ("+j.status+")")
		}
	}
	out = append(out, s.processingLeftoversLocked()...)
	slices.Sort(out)
	return out
}

// Calls returns how many requests the server has seen for an operation: a
// SageMaker API name ("CreateEndpoint"), "InvokeEndpoint", or "s3:" plus an
// HTTP method ("s3:PUT") for S3. Requests that failed, including injected
// faults, count.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// CallCounts returns how many requests the server has seen for each
// operation, keyed as [Server.Calls] names them.
func (s *Server) CallCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// TotalCalls returns how many requests of any kind the server has seen.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}
