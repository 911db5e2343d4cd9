//mini:chapter 06

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/minikit/kit/mini/registry"
	"github.com/minikit/kit/mini/tty"
)

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "log in to a registry (the login is checked, then kept in <root>/auth.json, mode 0600)",
		ArgsUsage: "[HOST]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the user name"},
			&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from stdin (never give it as an argument: ps shows arguments)"},
			&cli.BoolFlag{Name: "explain", Usage: "narrate every HTTP exchange as the curl command that does it (logins redacted)"},
		},
		OnUsageError: usageError,
		Action:       login,
	}
}

func logoutCommand() *cli.Command {
	return &cli.Command{
		Name:         "logout",
		Usage:        "forget the login for a registry",
		ArgsUsage:    "[HOST]",
		OnUsageError: usageError,
		Action: func(c *cli.Context) error {
			host, err := loginHost(c)
			if err != nil {
				return err
			}
			removed, err := registry.AuthFileIn(c.String("root")).Remove(host)
			if err != nil {
				return err
			}
			if !removed {
				fmt.Printf("Not logged in to %s\n", host)
				return nil
			}
			fmt.Printf("Removing login credentials for %s\n", host)
			return nil
		},
	}
}

// login checks the login against the registry and only then saves it.
func login(c *cli.Context) error {
	host, err := loginHost(c)
	if err != nil {
		return err
	}
	cred, err := readLogin(c, host)
	if err != nil {
		return err
	}
	client, err := registryClient(c)
	if err != nil {
		return err
	}
	err = client.Login(context.Background(), host, cred)
	if errors.Is(err, registry.ErrNoLogin) {
		fmt.Printf("%s wants no login: nothing saved\n", host)
		return nil
	}
	if err != nil {
		return err
	}
	if err := registry.AuthFileIn(c.String("root")).Save(host, cred); err != nil {
		return err
	}
	fmt.Println("Login Succeeded")
	return nil
}

// loginHost is the registry named on the command line, as a reference names it (docker.io for
// Docker Hub, whichever of its names is given).
func loginHost(c *cli.Context) (string, error) {
	if c.NArg() > 1 {
		return "", fmt.Errorf("%s takes one registry: mini %s [HOST]", c.Command.Name, c.Command.Name)
	}
	host := c.Args().First()
	host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	host = strings.TrimSuffix(strings.TrimSuffix(host, "/v1/"), "/")
	switch host {
	case "", "index.docker.io", "registry-1.docker.io":
		host = "docker.io"
	}
	if strings.ContainsAny(host, "/@ ") {
		return "", fmt.Errorf("%q is not a registry host: give HOST or HOST:PORT, e.g. localhost:5000", c.Args().First())
	}
	return host, nil
}

// readLogin gets the user name and password: the name from -u or a prompt, the password from
// stdin with --password-stdin or from a prompt that does not echo it. A password is never
// taken as an argument, where ps and the shell's history would show it.
func readLogin(c *cli.Context, host string) (registry.Credential, error) {
	user := c.String("username")
	terminal := tty.IsTerminal(os.Stdin.Fd())
	in := bufio.NewReader(os.Stdin)
	if c.Bool("password-stdin") {
		if user == "" {
			return registry.Credential{}, errors.New("--password-stdin needs the user name: mini login -u USER --password-stdin HOST")
		}
		b, err := io.ReadAll(io.LimitReader(in, 64<<10))
		if err != nil {
			return registry.Credential{}, fmt.Errorf("read the password from stdin: %w", err)
		}
		pass := strings.TrimRight(string(b), "\r\n")
		if pass == "" {
			return registry.Credential{}, errors.New("the password on stdin is empty")
		}
		return registry.Credential{Username: user, Password: pass}, nil
	}
	if !terminal {
		return registry.Credential{}, errors.New("stdin is not a terminal: give the password with --password-stdin, e.g. echo \"$PASS\" | mini login -u USER --password-stdin HOST")
	}
	if user == "" {
		fmt.Fprintf(os.Stderr, "Username for %s: ", host)
		line, err := in.ReadString('\n')
		if err != nil {
			return registry.Credential{}, fmt.Errorf("read the user name: %w", err)
		}
		if user = strings.TrimSpace(line); user == "" {
			return registry.Credential{}, errors.New("no user name given")
		}
	}
	fmt.Fprint(os.Stderr, "Password: ")
	pass, err := readNoEcho(in)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return registry.Credential{}, err
	}
	return registry.Credential{Username: user, Password: pass}, nil
}

// readNoEcho reads a line from the terminal on stdin with echo off (termios(3) ECHO), so the
// password is not shown as it is typed.
func readNoEcho(in *bufio.Reader) (string, error) {
	fd := int(os.Stdin.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	line, err := in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read the password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
