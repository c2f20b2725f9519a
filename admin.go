package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"fieldbase/app"
	"fieldbase/app/auth"
	"fieldbase/app/config"
	"fieldbase/db"
)

// adminCommand runs `fieldbase admin create`: it creates an administrator directly in the database, which is safe
// while the server runs (SQLite serialises the write).
func adminCommand(ctx context.Context, args []string, getenv func(string) string, environ []string,
	stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return &usageError{"admin needs the subcommand create"}
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("config", "", "")
	dir := fs.String("dir", "", "")
	username := fs.String("username", "", "")
	password := fs.String("password", "", "")
	display := fs.String("display-name", "", "")
	fromStdin := fs.Bool("password-stdin", false, "")
	if pos, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if *fromStdin {
		if stdin == nil {
			return &usageError{"--password-stdin needs a password on standard input"}
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		*password = strings.TrimRight(line, "\r\n")
	}
	if *username == "" || *password == "" {
		return &usageError{"admin create needs --username and --password (or --password-stdin)"}
	}
	flags := map[string]any{}
	if *dir != "" {
		flags["data.dir"] = *dir
	}
	cfg, err := config.Load(config.Sources{File: *file, Getenv: getenv, Environ: environ, Flags: flags})
	if err != nil {
		return err
	}
	return createAdmin(ctx, cfg, *username, *display, *password, stdout)
}

func createAdmin(ctx context.Context, cfg config.Config, username, display, password string, stdout io.Writer) error {
	b := app.NewUserBody{Username: username, DisplayName: display, Password: password, IsAdmin: true}
	if err := b.Validate(); err != nil {
		return &usageError{"invalid administrator: " + err.Error()}
	}
	store, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	hash, err := auth.HashPassword(password, auth.Params{Memory: uint32(cfg.Auth.Argon2MemoryKiB),
		Iterations: uint32(cfg.Auth.Argon2Iterations), Parallelism: uint8(cfg.Auth.Argon2Parallelism),
		SaltLen: auth.DefaultParams().SaltLen, KeyLen: auth.DefaultParams().KeyLen})
	if err != nil {
		return err
	}
	if b.DisplayName == "" {
		b.DisplayName = b.Username
	}
	u, err := store.CreateUser(ctx, db.User{Username: b.Username, DisplayName: b.DisplayName, PasswordHash: hash,
		IsAdmin: true})
	if errors.Is(err, db.ErrConflict) {
		return fmt.Errorf("the username %q is taken", b.Username)
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "administrator %s created (id %d)\n", u.Username, u.ID)
	return err
}

// offerSetup prints the one-time link that creates the first administrator, while there is none.
func offerSetup(ctx context.Context, store *db.Store, a *app.App, addr, baseURL string, stdout io.Writer) error {
	n, err := store.CountAdmins(ctx)
	if err != nil || n > 0 {
		return err
	}
	token, err := a.EnableSetup()
	if err != nil {
		return err
	}
	base := strings.TrimRight(baseURL, "/")
	if base == "" {
		base = "http://" + addr
	}
	_, err = fmt.Fprintf(stdout, "No administrator yet. Create one at %s/setup/%s (valid once, until restart),\n"+
		"or run: fieldbase admin create --username NAME --password-stdin\n", base, token)
	return err
}
