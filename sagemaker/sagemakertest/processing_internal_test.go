package sagemakertest

import "testing"

func TestSubstituteMLReplacesOnlyWholePathPrefixes(t *testing.T) {
	t.Parallel()
	const ml = "/tmp/job/algo-1"
	for in, want := range map[string]string{
		"/opt/ml":                  ml,
		"/opt/ml/processing/input": ml + "/processing/input",
		`cat /opt/ml/config/resourceconfig.json > x`: `cat ` + ml + `/config/resourceconfig.json > x`,
		`--spec=/opt/ml/processing/spec/run.json`:    `--spec=` + ml + `/processing/spec/run.json`,
		`"/opt/ml" '/opt/ml/a' /opt/ml:/opt/ml`:      `"` + ml + `" '` + ml + `/a' ` + ml + `:` + ml,
		"/opt/mlx":                                   "/opt/mlx",
		"/x/opt/ml":                                  "/x/opt/ml",
		"a/opt/ml":                                   "a/opt/ml",
		"no path":                                    "no path",
	} {
		if got := substituteML(in, ml); got != want {
			t.Errorf("substituteML(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMLPathKeepsEveryLocalPathInsideTheInstancesDirectory(t *testing.T) {
	t.Parallel()
	const ml = "/tmp/job/algo-1"
	for in, want := range map[string]string{
		"/opt/ml/processing/input":                 ml + "/processing/input",
		"/opt/ml/processing/../../../etc":          ml + "/etc",
		"/opt/ml/processing/../../ml../algo-2/x":   ml + "/opt/ml../algo-2/x",
		"/opt/ml/processing/../../mlx/processing/": ml + "/opt/mlx/processing",
	} {
		if got := mlPath(ml, in); got != want {
			t.Errorf("mlPath(%q) = %q, want %q", in, got, want)
		}
	}
}
