// Command labplot draws the VM-vs-container lab's numbers as an SVG bar chart, with nothing but
// the standard library: scripts/vm/lab pipes its measurements in and writes what comes out.
//
// Input, one measurement a line, tab-separated:
//
//	TITLE	UNIT	VM-VALUE	CONTAINER-VALUE
//
// e.g. "start to first output	ms	3140	96". Each measurement gets its own panel with two
// horizontal bars scaled to the larger of the two, and the values written beside the bars: a
// container's start is tens of times shorter than a VM's, so one shared axis would hide it.
// Lines starting with # are comments.
package main

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	ms, err := parse(os.Stdin)
	if err == nil && len(ms) == 0 {
		err = fmt.Errorf("no measurements on stdin (want lines TITLE<tab>UNIT<tab>VM<tab>CONTAINER)")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "labplot:", err)
		os.Exit(1)
	}
	title := "A VM vs a Mini container"
	if len(os.Args) > 1 {
		title = os.Args[1]
	}
	fmt.Print(render(title, ms))
}

// measurement is one panel of the chart.
type measurement struct {
	title, unit   string
	vm, container float64
}

func parse(r io.Reader) ([]measurement, error) {
	var ms []measurement
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want 4 tab-separated fields, got %d: %q", n, len(f), line)
		}
		m := measurement{title: f[0], unit: f[1]}
		var err error
		if m.vm, err = number(f[2]); err != nil {
			return nil, fmt.Errorf("line %d: the VM's value: %w", n, err)
		}
		if m.container, err = number(f[3]); err != nil {
			return nil, fmt.Errorf("line %d: the container's value: %w", n, err)
		}
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a number ≥ 0", s)
	}
	return v, nil
}

// The layout, in SVG user units (pixels).
const (
	width    = 640
	left     = 110 // room for the bar labels
	barMax   = 400 // the longer bar of a panel
	barH     = 22
	panelH   = 100
	top      = 46
	vmColour = "#c0504d"
	ctColour = "#4f81bd"
)

// render writes the chart. The colours only help: every bar is also labelled in words.
func render(title string, ms []measurement) string {
	var b strings.Builder
	h := top + len(ms)*panelH + 10
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", width, h, width, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="26" font-size="17" font-weight="bold">%s</text>`+"\n", 10, html.EscapeString(title))
	for i, m := range ms {
		y := top + i*panelH
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s (%s)</text>`+"\n", y+14, html.EscapeString(m.title), html.EscapeString(m.unit))
		longest := max(m.vm, m.container)
		bar := func(row int, label, colour string, v float64) {
			by := y + 24 + row*(barH+6)
			w := 0.0
			if longest > 0 {
				w = v / longest * barMax
			}
			w = max(w, 1) // a zero or tiny value still shows as a sliver
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, by+16, label)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, by, w, barH, colour)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s %s</text>`+"\n", float64(left)+w+6, by+16, format(v), html.EscapeString(m.unit))
		}
		bar(0, "VM", vmColour, m.vm)
		bar(1, "container", ctColour, m.container)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// format prints a value with as many decimals as it needs: 3140, 12.5, 0.82.
func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
