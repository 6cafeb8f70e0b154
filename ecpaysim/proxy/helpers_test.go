package proxy_test

import (
	"github.com/ecpay-go/einvoice/ecpaysim/internal/simtest"
	"github.com/ecpay-go/einvoice/generated/registry"
	"github.com/ecpay-go/einvoice/internal/testkit"
)

// The operations with a lifecycle in the simulator, the proxy's upstream in
// these tests, by their registry entries.
var (
	cancelOp  = registry.CancelDelayIssue
	triggerOp = registry.TriggerIssue
)

// A merchant other than the stage one, with its keys.
const (
	otherMerchant = simtest.OtherMerchant
	otherKey      = simtest.OtherKey
	otherIV       = simtest.OtherIV
)

// The request builders the simulator's tests share (see packages simtest and testkit).
var (
	encrypt   = testkit.Encrypt
	stageData = testkit.StageData
	innerJSON = simtest.InnerJSON
	envelope  = simtest.Envelope
	mustAdd   = simtest.MustAdd
)
