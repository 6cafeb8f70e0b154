// Package rules checks ECPay's business rules across the fields of a
// request: the rules each page's prose states (a donated invoice needs a
// LoveCode, SalesAmount is the sum of the items, …), written as data in the
// page's overlay and evaluated by one engine, CEL (cel.dev/cel-go), as
// Kubernetes carries x-kubernetes-validations in its OpenAPI schemas.
//
// Package internal/pages compiles a page's rules when it loads the page
// (Compile), so a rule that does not compile fails go generate and make
// validate-spec, naming the page, the rule and CEL's message; Page.Rules
// holds the compiled Set. (*Set).Check evaluates them on a request's Data.
// At run time, registry.Operation.Rules compiles an operation's rules once,
// from the page embedded in its generated package, for the client (before
// sending), the simulator (which refuses a broken rule with the rule's code,
// see Rule.Code), the contract checker of the proxy and of ecpay-invoice
// validate, and the CLI.
//
// # Writing a rule
//
// Rules go on the page's inner request schema, in its own overlay
// (openapi/<Operation>.overlay.yaml), one list per page:
//
//	actions:
//	- target: $.components.schemas['requestBody.Data']
//	  description: The page's rules across fields.
//	  update:
//	    x-ecpay-validations:
//	      - rule: "self.Donation != '1' || (has(self.LoveCode) && self.LoveCode != '')"
//	        message: "Donation 1 (donated) needs a LoveCode: give the receiving organisation's love code"
//	        quote: "當用戶選擇捐贈發票[Donation]=1"
//	        fields: [Donation, LoveCode]
//
// rule is a CEL expression that is true when the request keeps the rule;
// message (required) says in English what is wrong and what to do; quote
// is the page's sentence the rule comes from; fields are the members it is
// about, a member of an array's objects written through the array
// (Items.ItemTaxType). Every field, and every member the rule reads
// (self.X, and the members of the items reached through self.Items), must
// be a property of the schema: a misspelt name fails at generation, not on
// every request. A rule must be a bool expression. code, optional, is the
// RtnCode ECPay refuses such a request with, when the page's
// x-ecpay-rtn-codes records it (Issue's 5000022 for SalesAmount): it must be
// one of the page's refusal codes (CheckCodes), and the simulator answers
// it; without one, the simulator answers its own code for a broken rule.
//
// # What a rule sees
//
// self is the request's Data object as decoded JSON: strings, bools, null,
// numbers, arrays (self.Items) and objects (each item). Every number is a
// double, whether the schema says integer or number and whatever the
// caller decoded (float64, json.Number, ints): write number literals with a
// decimal point where you compute (i.ItemCount * 2.0); comparisons across
// int and double work (self.SalesAmount > 0).
//
// A member the request may lack must be guarded:
//
//	has(self.LoveCode) && self.LoveCode != ''
//	self.?LoveCode.orValue('') != ''
//
// Reading a missing member is an evaluation error, which Check reports as a
// Violation with Err set (CEL's "no such key"), never as a pass. A required
// member (the overlay's required) may be read directly: a request without
// it breaks the schema too, which says so plainly.
//
// # What a rule may use
//
// CEL's standard library (==, in, size, matches, startsWith, has, the
// macros all, exists, exists_one, map, filter), optional members (self.?X)
// and, from cel-go's extensions: strings (ext.Strings: charAt, indexOf,
// lowerAscii, replace, split, substring, trim, upperAscii, format, …),
// math (ext.Math: math.round, math.ceil, math.floor, math.trunc, math.abs,
// math.greatest, math.least, …), lists (ext.Lists: slice, flatten,
// distinct, sort, range, first, last), sets (ext.Sets: sets.contains,
// sets.intersects, sets.equivalent), cel.bind (ext.Bindings) and two
// variable comprehensions (ext.TwoVarComprehensions: all(i, item, …)).
// The project adds:
//
//	list.sum(x, expr)        the sum of expr over the elements x of list, a double
//	list.sum()               the sum of a list of numbers, a double
//	ecpay.round(x)           x rounded to a whole amount as ECPay rounds (Round)
//	ecpay.round(x, digits)   x rounded to digits decimals (0 to 15)
//
// # Amounts
//
// ECPay rounds half away from zero, on the decimal amount: its SDK's Issue
// example sends ItemCount 3 × ItemPrice 10.5 = 31.5 with ItemAmount 32, and
// an AllowanceByCollegiate sends the unrounded ItemAmount 10.5. Compare
// amounts through ecpay.round, never with == on a product: 0.58 × 25 is
// the double 14.499999999999998, which math.round takes to 14 and
// ecpay.round to ECPay's 15. An item's amount, rounded or not:
//
//	self.Items.all(i, i.ItemAmount == ecpay.round(i.ItemCount * i.ItemPrice)
//	    || i.ItemAmount == ecpay.round(i.ItemCount * i.ItemPrice, 7))
//
// and the total, the items' amounts summed, then rounded:
//
//	self.SalesAmount == ecpay.round(self.Items.sum(i, i.ItemAmount))
//
// # Cost
//
// Each rule is compiled once, and Check reads the Data in place. Each rule
// is also translated once into Go closures, the quick path, which answers
// whether a request keeps the rule without allocating; only its "it does"
// is trusted: on any other answer (the rule is broken, or cannot be
// evaluated), and for a rule using a part of CEL it does not translate,
// cel-go's program decides, so every violation and error is CEL's. It
// translates members, has(), x.?f.orValue(d), literals, lists of
// constants, ==, !=, <, <=, >, >=, in, !, &&, ||, ?:, arithmetic on
// doubles, double(), matches with a constant pattern, ecpay.round, and the
// one-variable comprehensions (all, exists, list.sum(x, expr), cel.bind,
// list.map(x, expr).sum()). Within one request a loop that several rules
// state the same way runs once, and each member of the request and of an
// item is read once.
//
// CheckEncoded is Check on a request the caller holds as a Go value and has
// encoded as JSON: the quick path reads the Go value in place, as
// encoding/json encodes it (internal/jsonview), and the JSON is decoded for
// CEL only when a rule is not known to hold, so that a request that keeps
// the rules is never decoded into a map.
//
// On the development machine (BENCHMARKS.md) a request with 10 items that
// keeps the Issue page's 20 rules is checked in about 2.8 µs; a rule the
// request breaks costs CEL's interpreter besides, 0.1-0.5 µs for a rule on
// the top-level members and 0.2-0.35 µs per item for a rule over the items.
// So state each rule over Items once, state a condition several rules share
// the same way in each, and prefer items.sum(x, expr) to
// items.map(x, expr).sum(), which CEL evaluates by building a list first.
package rules
