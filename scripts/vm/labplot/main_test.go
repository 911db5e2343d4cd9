package main

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func TestParseAndRender(t *testing.T) {
	in := "# a comment\nstart to first output\tms\t3000\t100\n\nmemory per instance\tMiB\t120\t12\n"
	ms, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].vm != 3000 || ms[1].container != 12 {
		t.Fatalf("parsed %+v", ms)
	}
	svg := render("a <title> & more", ms)
	// Well-formed XML, so that a browser and GitHub render it.
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
	}
	// The longer bar of a panel is barMax long, the other in proportion.
	for _, want := range []string{`width="400.0"`, `width="13.3"`, `width="40.0"`, "3000 ms", "12.0 MiB", "a &lt;title&gt; &amp; more"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG has no %s:\n%s", want, svg)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"too\tfew\t1\n", "bad\tms\tx\t1\n", "negative\tms\t1\t-2\n"} {
		if _, err := parse(strings.NewReader(in)); err == nil {
			t.Errorf("parse(%q) accepted it", in)
		}
	}
}
