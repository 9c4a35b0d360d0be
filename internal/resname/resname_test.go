package resname

import "testing"

func TestDashedKeepsASCIILettersAndDigitsOnly(t *testing.T) {
	for in, want := range map[string]string{
		"g4dn+neo workers=2": "g4dn-neo-workers-2",
		"a.b":                "a-b",
		"a-b":                "a-b",
		"--ünï--":            "n",
		"ml.c5.xlarge":       "ml-c5-xlarge",
		"":                   "",
		"ü":                  "",
	} {
		if got := Dashed(in); got != want {
			t.Errorf("Dashed(%q) = %q, want %q", in, got, want)
		}
	}
}
