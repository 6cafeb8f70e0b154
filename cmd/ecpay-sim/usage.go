package main

// usage is the help, with the operations of the registry for %[1]s.
const usage = `usage: ecpay-sim [--addr host:port] [--merchant ID:HashKey:HashIV]... [--merchants-file FILE] [--delayed TSR[:FLAG[:DAYS]]]... [--invoice-limit N] [--notify-any-host] [--quiet]
       ecpay-sim --upstream URL [--record FILE] [--upstream-timeout D] [--fail-on-violation] [--addr …] [--merchant …]... [--quiet]
       ecpay-sim --replay FILE [--fail-on-violation] [--addr …] [--merchant …]... [--quiet]
       ecpay-sim --version | --help
       ecpay-sim completion bash|zsh|fish|powershell

ecpay-sim serves ECPay's B2C e-invoice API locally, as ECPay answers it:
POST {URL}/B2CInvoice/<Operation> for every operation of the pages
(%[1]s), with ECPay's envelope and AES-encrypted Data, each
request and answer checked against the operation's page.

With --upstream it is a validating proxy instead, for checking ECPay itself
(its stage) and the merchant's code against the pages: each request is
checked as the simulator checks it, then forwarded unchanged to URL, even
when it breaks the pages; the answer is checked, its Data decrypted with
the merchant's keys, and passed back unchanged. It never retries, never
follows a redirect, never alters a byte. Upstream failures (no answer, a
timeout, a non-2xx answer such as an HTML 502 or ECPay's 403 when called too
fast) pass through as they came, or become a 502 text/plain when nothing
came, and are counted apart from violations. A request body over 1 MiB is
the proxy's own limit: answered 413, not forwarded; so is a path that climbs
out of URL's path prefix (a "..", escaped or not): answered 400. The query
string is forwarded, never recorded.

With --replay it serves a recording made with --record, without a network:
a request is checked as a live one and matched on its operation, merchant
and decrypted Data (not its Timestamp; of the same request recorded twice,
the later answer), and answered with the recorded answer re-sealed: a fresh
RpHeader.Timestamp, and the Data encrypted anew with the merchant's keys. A
request not recorded gets 404 text/plain naming the closest recorded one.

The first line on stdout, printed once it listens, is the base URL {URL},
e.g. http://127.0.0.1:8080; nothing else goes to stdout. Logs go to stderr,
one line per answer (per exchange for a proxy or a replay), and never hold
keys or Data.

{URL}/_sim/ui is the inspector, a page for a browser on this machine (it
answers loopback only; stderr names it on start-up): the exchanges newest
first, each with both sides' decrypted Data and every violation pinned to
its field, updated as they come; the state; for the simulator, a form that
arms a fault for the next request.

Flags:
  --addr host:port
        where to listen (default 127.0.0.1:8080); port 0 picks a free port
  --merchant ID:HashKey:HashIV
        a merchant to accept (the simulator), or whose Data to decrypt and
        check (a proxy, a replay), with the HashKey and HashIV (16 bytes
        each) its Data is encrypted under; repeatable (default the stage
        merchant 2000132). A proxy forwards the requests of other merchants
        too, with their Data unchecked. Keys on the command line show in ps
        and /proc/PID/cmdline: prefer --merchants-file or %[5]s.
  --merchants-file FILE
        merchants as --merchant gives them, read from FILE: ID:HashKey:HashIV
        entries separated by spaces or newlines, a line starting with # a
        comment. FILE holds keys: it is refused unless only its owner may
        read it (chmod 600 FILE).
  --delayed TSR[:FLAG[:DAYS]]
        the simulator only: register a pending delayed invoice of the first
        merchant, as DelayIssue stores it; repeatable. FLAG is DelayFlag: 2
        waits for TriggerIssue (the default), 1 is scheduled: it issues by
        itself DAYS days after it was stored; DAYS is DelayDay (default 0):
        TriggerIssue issues the invoice at once (4000004) or DAYS days later
        (4000003). "Later" is by the simulator's clock, which POST
        /_sim/clock moves. An invoice registered so has no invoice data: the
        simulator issues a minimal invoice of its own for it. A Tsr holding
        ':' needs the admin API.
  --invoice-limit N
        the simulator only: the issued invoices it keeps per merchant
        (default %[8]d); one more forgets the invoice voided longest ago,
        else the oldest issued, so that its memory stays bounded
  --notify-any-host
        the simulator only: post ECPay's notifications (a delayed invoice's
        NotifyURL, an online allowance's ReturnURL) to any host, not only to
        loopback ones (localhost, 127.0.0.1, ::1), for an application that
        listens elsewhere, in a container say
  --upstream URL
        run as a proxy to URL (https, or http for a loopback host; its path
        is a prefix of the requests'), e.g. https://einvoice-stage.ecpay.com.tw;
        ECPay's production host needs --merchant with the merchant's own
        keys, never the stage merchant's
  --upstream-timeout D
        with --upstream: bound each exchange with the upstream, from the
        request to the end of the answer (default %[4]s); an upstream that
        has not answered by then gets the caller a 502
  --record FILE
        with --upstream: append every exchange to FILE, one JSON line each,
        with both sides' decrypted Data (never keys or headers); created
        with mode 0600, refused if others may read it. A last line that an
        interrupted run cut off is removed first, and said on stderr
  --replay FILE
        serve the answers recorded in FILE (made with --record): a regular
        file or a pipe, of at most %[6]s, loaded before it serves. SIGINT or
        SIGTERM while it loads ends ecpay-sim with status 0 and no URL
  --max-in-flight SIZE
        with --upstream or --replay: bound the bytes held for the exchanges
        in flight (default %[7]s), so that memory is bounded by SIZE (a few
        times it), not by the callers: each request counts its body and 16
        KiB; one beyond the bound gets 503 with Retry-After: 1, unforwarded;
        an answer beyond it is passed on unchecked. At least 2MiB; in bytes,
        KiB, MiB or GiB, e.g. 64MiB
  --fail-on-violation
        with --upstream or --replay: exit 1 after the signal if any
        violation was found; upstream failures never count
  --quiet
        do not log each answer on stderr
  --version
        print the module version ecpay-sim was built from and exit
  --help
        print this help and exit

Environment:
  %[5]s
        merchants as --merchant gives them: ID:HashKey:HashIV entries
        separated by spaces or newlines. The merchants are those of
        --merchant, then --merchants-file, then %[5]s, all of them (the
        first is --delayed's); one given twice is refused. Errors name where
        a merchant was given (--merchant #2, %[5]s entry #1, FILE line 3),
        never its value.

Admin API (the simulator's own, not ECPay's; errors are one text/plain line):
  POST {URL}/_sim/delayed
        register a pending delayed invoice, as --delayed does, from
        {"MerchantID":"2000132","Tsr":"TSR3","DelayFlag":"2","DelayDay":3}
        DelayFlag (a string, "1" or "2") and DelayDay (a number of days) are
        optional ("2" and 0). 201 with the invoice as JSON; 400 naming the
        field at fault; 404 for a merchant not configured; 409 for a Tsr
        already registered; 413 over 1 MiB; 415 unless application/json.
        A proxy or a replay has no invoices: 404 saying so.
  GET {URL}/_sim/clock, POST {URL}/_sim/clock
        the simulator's clock, {"Now":"2026-06-17T12:00:00+08:00"}; POST
        moves it forward by {"advance":"72h"} (h, m, s) or to
        {"now":"2026-06-20T12:00:00+08:00"} (RFC 3339) and answers the same;
        400 for a bad body, 409 for a move into the past.
  POST {URL}/_sim/barcodes, /_sim/lovecodes, /_sim/companies
        make CheckBarcode, CheckLoveCode and GetCompanyNameByTaxID know a
        value: {"BarCode":"/ABC+123"}, {"LoveCode":"5678","OrganName":"…"},
        {"UnifiedBusinessNo":"04595252","CompanyName":"…"}. 201 with it;
        400 for a value its page refuses (or a bad check digit).
  GET {URL}/_sim/state
        the merchants (IDs, never keys), every delayed invoice with its
        status (pending, triggered, issued, cancelled), request counts, time
        to issue and InvoiceNo, the issued invoices, the delayed invoices
        issued (where ECPay would notify their NotifyURL), InvoiceNotify's
        notices, the clock, and how many requests are kept and how many
        simulator bugs were seen. For a
        proxy or a replay: the mode, the upstream, the exchanges, upstream
        failures and violations by side and rule, and for a replay the
        recorded exchanges loaded, served and unmatched.

The simulator keeps the most recent %[2]d requests, within %[3]d MiB. SIGINT
or SIGTERM shuts it down gracefully (exit status 0); a proxy or a replay
first lets the exchanges in flight finish, then prints a summary on stderr
(exchanges, upstream failures, violations by side and rule) and exits 0, or
1 with --fail-on-violation and a violation, or when the recording could not
be written. Bad flags exit with status 2, a server that cannot run (the port
is taken) with 1.
`
