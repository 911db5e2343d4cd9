//mini:chapter 06

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/image"
	"github.com/minikit/kit/mini/image/reference"
)

// imagesCommand is `mini images` (and `mini image ls`): the images in the store, one row per
// name, with Docker's columns.
func imagesCommand(name string, aliases ...string) *cli.Command {
	return &cli.Command{
		Name:      name,
		Aliases:   aliases,
		Usage:     "list the images in the store",
		ArgsUsage: "[REPOSITORY[:TAG]]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only the image IDs"},
			&cli.BoolFlag{Name: "digests", Usage: "show the registry digests"},
			&cli.BoolFlag{Name: "no-trunc", Usage: "show whole image IDs"},
			&cli.StringFlag{Name: "format", Usage: "a Go template per image, e.g. '{{.Repository}}:{{.Tag}}'; 'table ...' adds a header, '{{json .}}' prints JSON"},
		},
		UseShortOptionHandling: true,
		OnUsageError:           usageError,
		Action:                 images,
	}
}

// imageRow is one row of `mini images`, and what --format templates see.
type imageRow struct {
	Repository   string
	Tag          string
	Digest       string
	ID           string
	CreatedSince string
	CreatedAt    string
	Size         string
}

// imageHeader is the header row: a table template run on it prints the column names.
var imageHeader = imageRow{Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST", ID: "IMAGE ID",
	CreatedSince: "CREATED", CreatedAt: "CREATED AT", Size: "SIZE"}

func images(c *cli.Context) error {
	if c.NArg() > 1 {
		return fmt.Errorf("images takes at most one REPOSITORY[:TAG], got %d arguments", c.NArg())
	}
	s, err := image.Open(c.String("root"))
	if err != nil {
		return err
	}
	defer s.Close()
	all, err := s.List()
	if err != nil {
		return err
	}
	format := "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	switch {
	case c.Bool("quiet"):
		format = "{{.ID}}"
	case c.String("format") != "":
		format = c.String("format")
	case c.Bool("digests"):
		format = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	}
	var rows []imageRow
	for _, img := range all {
		for _, r := range imageRows(img, c.Bool("no-trunc")) {
			if matches(c.Args().First(), r) {
				rows = append(rows, r)
			}
		}
	}
	return printRows(os.Stdout, format, imageHeader, rows)
}

// imageRows turns an image into its rows: one per name.
func imageRows(img *image.Image, noTrunc bool) []imageRow {
	base := imageRow{ID: img.ID.Encoded()[:12], Digest: "<none>", CreatedSince: "N/A", Size: humanSize(img.Size)}
	if noTrunc {
		base.ID = img.ID.String()
	}
	if t := img.Config.Created; t != nil {
		base.CreatedSince = humanDuration(time.Since(*t)) + " ago"
		base.CreatedAt = t.Local().Format("2006-01-02 15:04:05 -0700 MST")
	}
	var rows []imageRow
	for _, name := range img.Refs {
		ref, err := reference.Parse(name)
		if err != nil {
			continue
		}
		r := base
		r.Repository, r.Tag = ref.FamiliarName(), ref.Tag
		if r.Tag == "" {
			r.Tag = "<none>"
		}
		for _, rd := range img.RepoDigests {
			if d, ok := strings.CutPrefix(rd, ref.Name()+"@"); ok {
				r.Digest = d
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// matches is the REPOSITORY[:TAG] filter of `mini images`.
func matches(filter string, r imageRow) bool {
	if filter == "" {
		return true
	}
	ref, err := reference.Parse(filter)
	if err != nil {
		return false
	}
	if ref.FamiliarName() != r.Repository {
		return false
	}
	return !strings.Contains(strings.TrimPrefix(filter, ref.Domain), ":") || ref.Tag == r.Tag
}

// printRows prints rows with a Go template, as Docker's --format does: "table ..." aligns the
// columns and prints a header first (the same template run on the header row).
func printRows[T any](w io.Writer, format string, header T, rows []T) error {
	table := strings.HasPrefix(format, "table")
	format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(format + "\n")
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		// Docker's table layout: columns at least 10 wide, 3 spaces apart.
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		if err := tmpl.Execute(out, header); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
	}
	for _, r := range rows {
		if err := tmpl.Execute(out, r); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
