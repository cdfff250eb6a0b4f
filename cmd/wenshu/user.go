package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wenshu-bi/wenshu/identity"
	"github.com/wenshu-bi/wenshu/web"
)

// attrFlags collects repeated --attr key=value flags.
type attrFlags []string

func (a *attrFlags) String() string     { return strings.Join(*a, ",") }
func (a *attrFlags) Set(v string) error { *a = append(*a, v); return nil }

const userUsage = `Usage:
  wenshu user add    --meta FILE --name NAME --role ROLE [--attr key=value]... [--password-stdin] [--expires 720h]
  wenshu user list   --meta FILE
  wenshu user remove --meta FILE --name NAME
  wenshu user token  --meta FILE --name NAME [--expires 720h] [--revoke TOKEN_ID] [--list]
  wenshu user attr   --meta FILE --name NAME [--attr key=value]... [--unset key]... [--role ROLE] [--password-stdin]

add and token print the new API token alone on standard output (it is shown once).
Roles come from the model (--model, default the embedded demo model).
The store is a file only one process may open: while wenshu serve runs, use /api/v1/users.
`

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, userUsage)
		if len(args) == 0 {
			return errors.New("user needs a subcommand")
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage) }
	meta := fs.String("meta", envOr("WENSHU_META", ""), "metadata store file (env WENSHU_META)")
	modelFile := fs.String("model", envOr("WENSHU_MODEL", ""), "semantic model YAML with the roles; empty means the embedded demo model")
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "role from the model's access section")
	var attrs, unset attrFlags
	fs.Var(&attrs, "attr", "attribute key=value (repeatable); several values comma-separated")
	fs.Var(&unset, "unset", "attribute to remove (repeatable)")
	var ims attrFlags
	fs.Var(&ims, "im", "IM account platform=user id (repeatable): feishu=ou_…, dingtalk=staffId, wecom=userid, slack=U…; platform= removes one")
	email := fs.String("email", "", "email, for IM platforms that tell the sender's email")
	pwStdin := fs.Bool("password-stdin", false, "read a password for the page's sign-in from standard input")
	expires := fs.Duration("expires", 0, "token lifetime (e.g. 720h); 0 never expires")
	revoke := fs.String("revoke", "", "revoke this token id instead of making a token")
	list := fs.Bool("list", false, "list the user's tokens instead of making one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *meta == "" {
		return errors.New("--meta FILE is required (the server's metadata store)")
	}
	needName := sub != "list"
	if needName && *name == "" {
		return fmt.Errorf("user %s needs --name", sub)
	}
	cfg := dataConfig{Model: *modelFile}
	m, err := cfg.loadModel()
	if err != nil {
		return err
	}
	readPassword := func() (string, error) {
		data, err := io.ReadAll(io.LimitReader(os.Stdin, 1024))
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
	st, err := web.OpenStore(*meta)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		if *role == "" {
			return errors.New("user add needs --role")
		}
		kv, err := identity.ParseAttrs(attrs)
		if err != nil {
			return err
		}
		pw := ""
		if *pwStdin {
			if pw, err = readPassword(); err != nil {
				return err
			}
		}
		u, plain, tok, warnings, err := web.NewUser(m, *name, *role, kv, pw, *expires)
		if err != nil {
			return err
		}
		if err := setContacts(ctx, st, &u, fs, *email, ims); err != nil {
			return err
		}
		for _, w := range warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		if err := st.AddUser(ctx, u, tok); err != nil {
			return err
		}
		fmt.Fprintln(stdout, plain)
	case "list":
		users, err := st.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tATTRIBUTES\tIM\tPASSWORD\tCREATED")
		for _, u := range users {
			full, err := st.User(ctx, u.ID)
			if err != nil {
				return err
			}
			var kv []string
			for k, v := range u.Attrs {
				kv = append(kv, k+"="+v)
			}
			var accounts []string
			for _, p := range []string{"feishu", "dingtalk", "wecom", "slack"} {
				if id := u.IM[p]; id != "" {
					accounts = append(accounts, p+"="+id)
				}
			}
			if u.Email != "" {
				accounts = append(accounts, u.Email)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", u.Name, u.Role, strings.Join(kv, " "), strings.Join(accounts, " "), full.PasswordHash != "", u.Created.Format(time.DateOnly))
		}
		return tw.Flush()
	case "remove":
		return st.RemoveUser(ctx, *name)
	case "token":
		u, err := st.UserByName(ctx, *name)
		if err != nil {
			return err
		}
		switch {
		case *revoke != "":
			return web.RevokeToken(ctx, st, u.ID, *revoke)
		case *list:
			toks, err := st.Tokens(ctx, u.ID)
			if err != nil {
				return err
			}
			for _, t := range toks {
				state := "active"
				if !t.Valid(time.Now()) {
					state = map[bool]string{true: "revoked", false: "expired"}[t.Revoked]
				}
				fmt.Fprintf(stdout, "%s\t%s\t%s\n", t.ID, t.Created.Format(time.RFC3339), state)
			}
			return nil
		}
		plain, tok := identity.NewToken(u.ID, *expires, time.Now())
		if err := st.PutToken(ctx, tok); err != nil {
			return err
		}
		fmt.Fprintln(stdout, plain)
	case "attr":
		u, err := st.UserByName(ctx, *name)
		if err != nil {
			return err
		}
		kv, err := identity.ParseAttrs(attrs)
		if err != nil {
			return err
		}
		var rolePtr, pwPtr *string
		if *role != "" {
			rolePtr = role
		}
		if *pwStdin {
			pw, err := readPassword()
			if err != nil {
				return err
			}
			pwPtr = &pw
		}
		if err := web.ApplyPatch(m, u, rolePtr, kv, unset, pwPtr); err != nil {
			return err
		}
		if err := setContacts(ctx, st, u, fs, *email, ims); err != nil {
			return err
		}
		return st.PutUser(ctx, *u)
	default:
		fmt.Fprint(stderr, userUsage)
		return fmt.Errorf("unknown user subcommand %q", sub)
	}
	return nil
}

// setContacts applies --email (when given) and --im to a user.
func setContacts(ctx context.Context, st *web.Store, u *identity.User, fs *flag.FlagSet, email string, ims attrFlags) error {
	kv := map[string]string{}
	for _, p := range ims {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("--im %q: want platform=user id", p)
		}
		kv[strings.TrimSpace(k)] = v
	}
	var ep *string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "email" {
			ep = &email
		}
	})
	others, err := st.Users(ctx)
	if err != nil {
		return err
	}
	return web.SetContacts(others, u, ep, kv)
}
