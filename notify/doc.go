// Package notify receives ECPay's e-invoice notifications: the calls ECPay
// makes to the merchant, not the merchant to ECPay. They are not the
// AES-JSON envelope of the API: ECPay posts a form
// (application/x-www-form-urlencoded) and expects the text 1|OK.
//
//   - AllowanceAgreed: to the ReturnURL of an AllowanceByCollegiate, once the
//     buyer has agreed to the online allowance. Its fields and its
//     CheckMacValue (MD5) are ECPay's: its page ?p=38242 and its API guide
//     (ECPay/ECPay-API-Skill, guides/04 and 21).
//   - Invoiced: to the NotifyURL of a DelayIssue, once the delayed invoice is
//     issued. ECPay's SDK reads it as a form but nothing ECPay publishes
//     lists its fields or says it is signed: the fields and the signature
//     here are the simulator's own choice (see Invoiced).
//
// Serve each URL with its handler. A Keyring holds the merchants whose
// notifications are accepted; a notification is verified with the keys of
// the MerchantID it carries, else of the MerchantID in the query of the URL
// (the allowance notification carries none: give ECPay a ReturnURL such as
// https://shop.example/ecpay/allowance?MerchantID=3000001 when serving
// several merchants), else of the Keyring's only merchant:
//
//	kr, err := notify.NewKeyring(notify.Keys{MerchantID: id, HashKey: key, HashIV: iv})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.Handle("/ecpay/allowance", notify.AllowanceHandler(kr, func(ctx context.Context, a notify.AllowanceAgreed) error {
//		return store.SaveAllowance(ctx, a.AllowanceNo, a.InvoiceNo, a.RemainingAmount) // idempotent
//	}))
//	http.Handle("/ecpay/invoiced", notify.InvoicedHandler(kr, saveInvoice))
//
// The handler answers 200 and 1|OK once the callback returns nil; 500 when
// it fails, so that ECPay sends the notification again; and refuses, before
// the callback sees anything, a forged or altered notification (a
// CheckMacValue its merchant's keys do not give), one from a merchant the
// Keyring does not hold, a malformed one (a field missing, unreadable or
// given twice) and a body over MaxBodyBytes, with 0|<cause> and the status
// of StatusOf. ECPay publishes no retry policy for these two notifications
// (for its payment notifications its guide says every 5 to 15 minutes, at
// most 4 times a day); since a notification may come twice, the callback
// must be idempotent. ParseAllowance and
// ParseInvoiced do the same checks for an application with its own
// handler; CheckMacValue is the signature itself, and Keys.Sign signs a
// form with it, as the simulator does.
//
// ECPay's stage sends no mail (its AllowanceByCollegiate page ?p=15391), so
// there a buyer can never agree to an online allowance, and it "sends no
// notification actively" (its InvoiceNotify page ?p=7938); whether it
// posts to a NotifyURL its pages do not say. The simulator (package
// ecpaysim) is where these notifications can be tested.
package notify
