package sagemakertest

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// command builds instance ml's process. The caller holds s.mu.
func (s *Server) command(j *processingJob, ml string, out *tail) (*exec.Cmd, error) {
	if len(j.app.ContainerEntrypoint) == 0 {
		return nil, errors.New("sagemakertest runs ContainerEntrypoint as a local process, and the job has none (it cannot run the image's own)")
	}
	argv := make([]string, 0, len(j.app.ContainerEntrypoint)+len(j.app.ContainerArguments))
	for _, a := range slices.Concat(j.app.ContainerEntrypoint, j.app.ContainerArguments) {
		argv = append(argv, substituteML(a, ml))
	}
	c := exec.Command(argv[0], argv[1:]...)
	c.Dir = ml
	c.Stdout, c.Stderr = out, out
	c.WaitDelay = 5 * time.Second
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			c.Env = append(c.Env, k+"="+v)
		}
	}
	for k, v := range j.env {
		c.Env = append(c.Env, k+"="+substituteML(v, ml))
	}
	c.Env = append(c.Env,
		"AWS_ENDPOINT_URL="+s.URL,
		"AWS_REGION="+s.opts.region,
		"AWS_DEFAULT_REGION="+s.opts.region,
		"AWS_ACCESS_KEY_ID=AKIDSAGEMAKERTEST",
		"AWS_SECRET_ACCESS_KEY=sagemakertest-secret",
		"AWS_EC2_METADATA_DISABLED=true",
		// A container has no ~/.aws: the developer's profiles must not reach the job.
		"AWS_CONFIG_FILE="+os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
	)
	setGroup(c)
	return c, nil
}

// substituteML replaces the path /opt/ml in s by ml where it is a whole path prefix (see
// the rule above).
func substituteML(s, ml string) string {
	const p = "/opt/ml"
	var b strings.Builder
	for {
		k := strings.Index(s, p)
		if k < 0 {
			b.WriteString(s)
			return b.String()
		}
		before := k == 0 || !isPathByte(s[k-1]) && s[k-1] != '/'
		after := k+len(p) == len(s) || s[k+len(p)] == '/' || !isPathByte(s[k+len(p)])
		b.WriteString(s[:k])
		if before && after {
			b.WriteString(ml)
		} else {
			b.WriteString(p)
		}
		s = s[k+len(p):]
	}
}

func isPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}
