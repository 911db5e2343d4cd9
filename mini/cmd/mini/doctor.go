package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/minikit/kit/mini/doctor"
	//mini:begin 01
	"github.com/minikit/kit/mini/rootfs"
	//mini:end 01
)

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check that this host can run containers, and say what to do if not",
		Action: func(c *cli.Context) error {
			o := doctor.Options{
				Out:       os.Stdout,
				Color:     useColor(c, os.Stdout),
				StateRoot: c.String("root"),
			}
			//mini:begin 01
			if dir, err := rootfs.Default(); err == nil {
				o.Rootfs = dir
			}
			o.RootfsHint = rootfs.BuildCommand
			//mini:end 01
			if !doctor.Run(o) {
				return cli.Exit("", 1)
			}
			return nil
		},
	}
}
