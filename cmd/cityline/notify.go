package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/cityline/cityline/internal/notify"
	"github.com/cityline/cityline/internal/store"
	"github.com/google/uuid"
)

func runNotify(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "notify", []subcommand{
		{"status", "count the outbox records still to do and the dead ones", notifyStatus},
		{"dead", "list the records that gave up, with their last error", notifyDead},
		{"retry", "put a dead record back in the queue", notifyRetry},
		{"send", "queue a test message, to check the gateways", notifySend},
	}, args, out)
}

func notifyStatus(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("notify status", "notify status [--db URL]", `
Counts the outbox: records still to do (notifications and other work that follows a change,
including those being handled right now) and dead records, which wait for 'cityline notify retry'.`, out)
	db := dbFlag(fs)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		pending, dead, err := st.OutboxStats(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "pending %d, dead %d\n", pending, dead)
		return nil
	})
}

func notifyDead(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("notify dead", "notify dead [--limit N] [--db URL]", `
Lists dead outbox records, most recent first: those a gateway refused for good, and those that kept
failing until they ran out of attempts. Payloads are not shown, as they hold phone numbers.`, out)
	db := dbFlag(fs)
	limit := fs.Int("limit", 50, "how many to list")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		dead, err := st.Dead(ctx, *limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTOPIC\tATTEMPTS\tFAILED AT\tLAST ERROR")
		for _, d := range dead {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.ID, d.Topic, d.Attempts, d.FailedAt.Format(time.DateTime), d.LastError)
		}
		return tw.Flush()
	})
}

func notifyRetry(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("notify retry", "notify retry ID [--db URL]", `
Puts a dead record back in the queue with a fresh count of attempts, once whatever made it fail has
been put right (a wrong gateway setting, a provider that was down). The retry is audited.`, out)
	db := dbFlag(fs)
	pos, err := parseArgs(fs, args, "ID")
	if err != nil {
		return err
	}
	return withStore(ctx, *db, func(st *store.Store) error {
		if err := st.Retry(ctx, cliWho(), pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(out, "record %s queued again\n", pos[0])
		return nil
	})
}

func notifySend(ctx context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("notify send", "notify send --channel sms|email --to RECIPIENT --body TEXT [--subject S] [--db URL]", `
Queues one message in the outbox. A running server delivers it through the gateway configured for
its channel (by default the log file data/notifications.log), so this checks the whole path.`, out)
	db := dbFlag(fs)
	var msg notify.Message
	fs.StringVar(&msg.Channel, "channel", notify.ChannelSMS, "sms or email")
	fs.StringVar(&msg.To, "to", "", "a mobile number or an e-mail address")
	fs.StringVar(&msg.Subject, "subject", "", "subject line (e-mail)")
	fs.StringVar(&msg.Body, "body", "", "the text")
	fs.StringVar(&msg.Ref, "ref", "", "what it is about, e.g. a work-order number")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := msg.Validate(); err != nil {
		return fmt.Errorf("--%w", err)
	}
	key := "cli:" + uuid.Must(uuid.NewV7()).String()
	return withStore(ctx, *db, func(st *store.Store) error {
		if err := st.EnqueueNow(ctx, cliWho(), notify.Record(msg, key)); err != nil {
			return err
		}
		fmt.Fprintf(out, "queued %s; a running server sends it\n", key)
		return nil
	})
}
