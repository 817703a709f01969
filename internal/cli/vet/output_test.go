package vet

import "testing"

func TestCellNeutralisesMetadata(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		"a|b":                      `a\|b`,
		"line1\nline2\r\tx":        "line1 line2  x",
		"red \x1b[31mALERT\x1b[0m": "red [31mALERT[0m",
		"abc\u202edcba":            "abcdcba",
		"zero\u200bwidth":          "zerowidth",
		"c1\u009bcontrol":          "c1control",
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}
