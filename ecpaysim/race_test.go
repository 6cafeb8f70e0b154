//go:build race

package ecpaysim_test

// raceEnabled reports that the tests run under the race detector, which
// slows encoding/json some thirtyfold: TestMemoryIsBounded sends fewer
// bodies then.
const raceEnabled = true
