package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/scoreboard/scoreboard/internal/match"
)

const userAddSynopsis = "scoreboard user add --email E --role admin|scorer [--password-stdin]"

// userCmd runs `scoreboard user …`; its only sub-command so far is add.
func userCmd(ctx context.Context, c config, logger *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageErrorf("user needs a sub-command; usage: %s", userAddSynopsis)
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address, which they log in with")
	role := fs.String("role", "", "what the user may do: admin (everything) or scorer (record matches)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input instead of generating one")
	if help, err := parseFlags(fs, args[1:], userAddSynopsis, stdout); help || err != nil {
		return err
	}
	in, generated, err := userInput(*email, *role, *fromStdin, stdin)
	if err != nil {
		return err
	}

	db, err := openStore(ctx, c, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, in)
	if err != nil {
		if match.ErrorCode(err) == match.EINVALID {
			return &usageError{fmt.Errorf("user add: %s", match.ErrorMessage(err))}
		}
		if match.ErrorCode(err) != match.EINTERNAL {
			return fmt.Errorf("user add: %s", match.ErrorMessage(err))
		}
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	if generated {
		// Shown once: only its hash is stored.
		fmt.Fprintf(stdout, "password: %s\n", in.Password)
	}
	return nil
}

// userInput checks the flags of user add and gets the password: read from
// stdin (one line, its line ending dropped) or generated.
func userInput(email, role string, fromStdin bool, stdin io.Reader) (in match.UserInput, generated bool, err error) {
	if strings.TrimSpace(email) == "" {
		return in, false, usageErrorf("--email is required; usage: %s", userAddSynopsis)
	}
	switch r := match.Role(role); r {
	case match.RoleAdmin, match.RoleScorer:
	case "":
		return in, false, usageErrorf("--role is required: admin or scorer")
	default:
		return in, false, usageErrorf("--role must be admin or scorer, not %q", role)
	}
	in = match.UserInput{Email: strings.TrimSpace(email), Role: match.Role(role)}
	if !fromStdin {
		in.Password, err = newSecret()
		return in, true, err
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return in, false, fmt.Errorf("read password from stdin: %w", err)
	}
	in.Password = strings.TrimRight(line, "\r\n")
	if in.Password == "" {
		return in, false, usageErrorf("--password-stdin: standard input holds no password")
	}
	return in, false, nil
}
