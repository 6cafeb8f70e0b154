// Package batch runs a resumable, crash-safe batch of one operation: a
// stream of keys (Tsrs, or the RelateNumbers of Issue Data), one request per
// key, through a wrapper.Client
// at a bounded concurrency and rate, with one JSON result line per key and,
// given a results file, a journal that lets a rerun resume where a run
// stopped without sending a settled key again.
//
// It is operation-agnostic: an Operation (see For, Operations) is any
// operation of the registry whose request Data has the key member and whose
// other required members have a default or a single allowed value, so a
// request is the key alone; or Issue (IssueOperation), whose input lines
// are whole request Data keyed by RelateNumber (OpenDataSource), and whose
// lost answers are settled by GetIssue before anything is resent. Result
// and journal lines name the key first, under the operation's KeyMember
// ({"tsr":…}, {"relate_number":…}), and messages say the key's name. The
// engine journals each request's intent from the client's attempt hook
// (wrapper.WithAttemptHook), which sees the inner Data of every attempt,
// retries included.
//
//	b, err := batch.Start(ctx, batch.Config{Operation: op, Concurrency: 4, Out: "results.jsonl", Target: tgt,
//		Stdout: os.Stdout, Stderr: os.Stderr}, func(opts ...wrapper.Option) (*wrapper.Client, error) {
//		return wrapper.NewClient(merchantID, hashKey, hashIV, opts...)
//	})
//	if err != nil { … }
//	src, err := batch.OpenSource(ctx, nil, "tsrs.txt", os.Stdin)
//	if err != nil { … }
//	defer src.Close()
//	os.Exit(b.Run(src))
//
// The package is internal: its messages speak of the ecpay-invoice
// command's flags (--out, --adopt, --timeout) and its result lines and
// journal are that command's documented format (ecpay-invoice
// cancel-delay-issue --help), which must not change under its users.
package batch
